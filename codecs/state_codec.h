// StateWriter / StateReader: the versioned binary encoding of checkpointed state (operator
// snapshots, source positions, sink commit points). Header-only; no allocation beyond the output
// string.
//
// Encoding: unsigned integers as LEB128 varints, signed ones zigzag-encoded first, doubles as
// their 8 IEEE bytes little-endian, strings as a varint length and the bytes. Every snapshot
// starts with a tag byte naming what it holds and a format version (PutHeader), so a build can
// tell a snapshot it understands from one it must refuse. Readers check every length against
// the bytes left: a truncated or garbled snapshot makes the reader fail (ok() false), never
// reads out of bounds. New fields go at the end of a record with a version bump; readers of a
// newer version keep reading older ones.
//
// Records stored on their own (checkpoints, projection infos) end with a checksum: PutChecksum()
// appends the masked CRC32C of every byte the writer wrote, and the reader checks it with
// VerifyChecksum() right after the header, before it trusts any other field. A damaged record is
// refused, never read as other values.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "codecs/coding.h"
#include "codecs/crc32c.h"
#include "base/status.h"

namespace sluice {

class StateWriter {
 public:
  // Appends to *out, which must outlive the writer.
  explicit StateWriter(std::string* out) : out_(out), start_(out->size()) {}

  void PutHeader(uint8_t tag, uint32_t version) {
    PutU8(tag);
    PutVarint(version);
  }
  void PutU8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void PutBool(bool v) { PutU8(v ? 1 : 0); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void PutSigned(int64_t v) {
    PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void PutDouble(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    for (int i = 0; i < 8; ++i) out_->push_back(static_cast<char>(bits >> (8 * i)));
  }
  void PutString(std::string_view s) {
    PutVarint(s.size());
    out_->append(s);
  }
  // Appends the masked CRC32C (4 bytes, little-endian) of everything written so far. The last
  // call on a writer.
  void PutChecksum() {
    const uint32_t crc = crc32c::Value(out_->data() + start_, out_->size() - start_);
    PutFixed32(out_, crc32c::Mask(crc));
  }

 private:
  std::string* out_;
  size_t start_;  // where this writer's record begins in *out_
};

// Reads what a StateWriter wrote. After the first failed read ok() is false and every later read
// returns zero values; check ok() (or status()) once at the end.
class StateReader {
 public:
  // `what` names the state in error messages ("pane window snapshot").
  StateReader(std::string_view in, std::string_view what) : in_(in), whole_(in), what_(what) {}

  // Reads the header written by PutHeader; fails unless the tag matches and the version is at
  // most `max_version`. *version receives the version read.
  bool ReadHeader(uint8_t tag, uint32_t max_version, uint32_t* version) {
    const uint8_t t = U8();
    const uint64_t v = Varint();
    if (!ok_) return false;
    if (t != tag) return Fail(fmt::format("holds state of kind {}, expected {}", t, tag));
    if (v > max_version) {
      return Fail(
          fmt::format("has format version {}, newer than this build reads ({})", v, max_version));
    }
    *version = static_cast<uint32_t>(v);
    return true;
  }
  uint8_t U8() {
    if (!Need(1)) return 0;
    const uint8_t v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  bool Bool() { return U8() != 0; }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!Need(1)) return 0;
      const uint8_t b = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    Fail("has a malformed varint");
    return 0;
  }
  int64_t Signed() {
    const uint64_t u = Varint();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  double Double() {
    if (!Need(8)) return 0;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i)
      bits |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(8);
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  // The view points into the input.
  std::string_view String() {
    const uint64_t n = Varint();
    if (!Need(n)) return {};
    std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }
  // A count of items that each take at least `min_bytes`: fails when the input cannot hold them,
  // so a garbled count never makes a caller reserve huge amounts of memory.
  uint64_t Count(size_t min_bytes = 1) {
    const uint64_t n = Varint();
    if (ok_ && min_bytes > 0 && n > in_.size() / min_bytes) {
      Fail("has a count larger than its data");
      return 0;
    }
    return n;
  }

  // Checks the trailer written by PutChecksum against the whole record and leaves it out of what
  // is read next. Call right after ReadHeader.
  bool VerifyChecksum() {
    if (!ok_) return false;
    if (whole_.size() < 4 || in_.size() < 4) return Fail("is truncated (no checksum)");
    const size_t body = whole_.size() - 4;
    const uint32_t stored = crc32c::Unmask(DecodeFixed32(whole_.data() + body));
    if (crc32c::Value(whole_.data(), body) != stored) {
      return Fail("fails its checksum (the record is damaged)");
    }
    in_.remove_suffix(4);
    return true;
  }

  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  // Fails unless every byte was read.
  bool ExpectEnd() {
    if (ok_ && !in_.empty())
      return Fail(fmt::format("has {} unexpected trailing bytes", in_.size()));
    return ok_;
  }
  bool Fail(const std::string& why) {
    if (ok_) {
      ok_ = false;
      error_ = why;
    }
    in_ = {};
    return false;
  }
  // OK, or Corruption "<what> <why>".
  Status status() const {
    return ok_ ? Status::OK() : Status::Corruption(fmt::format("{} {}", what_, error_));
  }

 private:
  bool Need(uint64_t n) {
    if (!ok_) return false;
    if (in_.size() < n) return Fail("is truncated");
    return true;
  }

  std::string_view in_;
  std::string_view whole_;  // the record as given, for VerifyChecksum
  std::string_view what_;
  bool ok_ = true;
  std::string error_;
};

// Tags of the snapshots sluice writes (first byte of each).
enum StateTag : uint8_t {
  kStatePaneWindow = 1,
  kStateSessionWindow = 2,
  kStateRunningAggregate = 3,
  kStateWindowJoin = 4,    // tumbling and sliding window joins (operators/window_join.cc)
  kStateSessionJoin = 5,   // session window joins (operators/session_join.cc)
  kStateIntervalJoin = 6,  // interval and regular joins (operators/buffered_join.cc)
  kStateDeduplicate = 7,   // operators/deduplicate.cc
  kStateTopN = 8,          // operators/top_n.cc
  kStateRowWindow = 9,     // aggregates over the last rows of a key (operators/row_window.cc)
  kStateCsvSource = 10,
  kStateJsonlSource = 11,
  kStateGeneratorSource = 12,
  kStateLogSource = 13,
  kStateLogAppendInput = 14,  // how far `sluice log append` read an input (cli/log_append.h)
  kStateNexmarkSource = 15,   // operators/nexmark_source.cc
  kStateProcess = 16,         // keyed process functions (operators/process_stage.cc)
  kStateWindowTopN = 17,      // top_n per window (operators/window_top_n.cc)
  kStateSourceDriver = 20,
  kStateMergeDriver = 21,  // several sources merged (runtime/input_driver.h)
  kStateFileSink = 30,
  kStateLogSink = 31,
  kStateProjectionSink = 32,
  kStateCheckpoint = 40,
};

}  // namespace sluice
