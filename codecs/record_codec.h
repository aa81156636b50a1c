// Record codec: one row of a Batch <-> the payload bytes of one event.
//
// A payload is a FlexBuffers map from field name to value (content type kRecordContentType in
// codecs/envelope.h), so it carries its own field names and can be read with a different schema:
//   int64 -> int, double -> float, bool -> bool, string -> string, null -> null,
//   timestamp -> int in microseconds since the epoch (whatever the field's unit).
// Decoding matches fields by name: a missing field reads as null, an int is accepted for a
// double field, anything else that differs from the reader's type is a mismatch.
//
// Encoder and decoder are single-threaded objects meant to be reused: after warm-up neither
// allocates per row (the encoder's output buffer is reused).
#pragma once

#include <flatbuffers/flexbuffers.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/batch.h"

namespace sluice {

// Adds string `s` to *fbb. flexbuffers::Builder::String(ptr, len) copies len + 1 bytes, taking
// the byte after the string as its terminator; a view into a column buffer has no NUL there, so
// this writes the terminator itself (the same bytes for the same string, wherever it is held).
void AddFlexString(flexbuffers::Builder* fbb, std::string_view s);

class RecordEncoder {
 public:
  // `schema` describes the columns of the batches passed to Encode(); it is copied.
  explicit RecordEncoder(const Schema& schema);

  // Encodes row `r` of `batch`. The view is valid until the next call.
  // REQUIRES: batch.columns match the schema; r < batch.size().
  std::string_view Encode(const Batch& batch, size_t r);

 private:
  Schema schema_;
  flexbuffers::Builder fbb_;
};

class RecordDecoder {
 public:
  // `schema` is the reader's: the fields to produce, in order; it is copied.
  explicit RecordDecoder(const Schema& schema);

  // Appends one value to each of batch->columns (which match the schema) from `payload`.
  // Errors append nothing: Corruption when the bytes are not a FlexBuffers map, InvalidArgument
  // naming the field when a value's type does not fit. Does not touch batch->ts.
  Status DecodeInto(std::string_view payload, Batch* batch);

 private:
  Schema schema_;
  std::vector<flexbuffers::Reference> refs_;
  std::vector<uint64_t> scratch_;  // an aligned copy of a misaligned payload
};

// Verifies `payload` as a record and appends it to *out as a JSON object (fields in key order).
Status RecordToJson(std::string_view payload, std::string* out);

}  // namespace sluice
