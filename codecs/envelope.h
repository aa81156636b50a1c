// Envelope: the FlatBuffers table every stored event is wrapped in (codecs/schema/envelope.fbs).
//
// EncodeEnvelope builds one into a caller-owned FlatBufferBuilder (reuse it: Clear() keeps its
// memory). DecodeEnvelope runs the FlatBuffers Verifier over untrusted bytes before reading any
// field, and hands out views into those bytes: an EnvelopeView is valid only while they are.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace flatbuffers {
class FlatBufferBuilder;
}  // namespace flatbuffers

namespace sluice {

// A 128-bit id. All zero means "none".
struct EventId {
  uint64_t hi = 0;
  uint64_t lo = 0;

  bool empty() const { return hi == 0 && lo == 0; }
  bool operator==(const EventId&) const = default;
  auto operator<=>(const EventId&) const = default;
  // 32 lowercase hex digits.
  std::string ToString() const;
  // Parses 32 hex digits (dashes allowed, as in a UUID).
  static Result<EventId> Parse(std::string_view text);
  // A fresh id: milliseconds since the epoch and a per-process random value in `hi`, a counter in
  // `lo`, so ids from one process grow (cheap appends to the id index) and do not collide across
  // processes. Thread-safe.
  static EventId Generate();
  // The first of n consecutive fresh ids: {hi, lo}, {hi, lo + 1}, ... {hi, lo + n - 1}, none of
  // which Generate or GenerateBlock hands out again in this process. Thread-safe.
  static EventId GenerateBlock(uint64_t n);
};

// Content types of payloads. Anything else is opaque bytes to sluice.
inline constexpr std::string_view kRecordContentType =
    "application/x-sluice-record";  // record_codec.h
inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kBytesContentType = "application/octet-stream";

// Every field of an envelope. Views point into the decoded buffer (or, for encoding, into memory
// the caller keeps live until EncodeEnvelope returns).
struct EnvelopeView {
  EventId event_id;
  std::string_view stream_id;
  uint64_t stream_version = 0;
  uint64_t global_position = 0;
  std::string_view event_type;
  uint32_t schema_version = 0;
  int64_t event_time_us = 0;
  int64_t append_time_us = 0;
  EventId correlation_id;
  EventId causation_id;
  std::string_view content_type;  // empty in version-1 envelopes
  std::string_view payload;
};

// Clears *fbb and builds `e` into it; the bytes are fbb->GetBufferPointer()/GetSize().
void EncodeEnvelope(const EnvelopeView& e, flatbuffers::FlatBufferBuilder* fbb);

// Verifies data[0,n) as an Envelope and fills *out with views into it. Corruption when the bytes
// are not a valid envelope (the message says why, not where: callers add the position).
Status DecodeEnvelope(const char* data, size_t n, EnvelopeView* out);

// Whether one FlatBuffers schema is a compatible evolution of another, as `flatc --conform`
// judges it (fields only added at the end, none removed, retyped or renumbered).
struct SchemaCheck {
  bool compatible = false;
  std::string reason;  // flatc's explanation when not compatible, e.g. "types differ for field: x"
};

// Runs flatc (found at configure time) on the two schema files. Errors: NotFound for a missing
// file, InvalidArgument when a schema does not parse (flatc's message), IOError when flatc cannot
// run.
Result<SchemaCheck> CheckSchemaEvolution(const std::string& old_fbs, const std::string& new_fbs);

}  // namespace sluice
