// Column and Batch: the unit of data that moves between graph nodes.
//
// A Batch is columnar: one Column per schema field, plus per-row event time (`ts`) and the
// watermark in force before each row (`wm`). Batches are owned by one node at a time (they move
// through the graph as std::shared_ptr<Batch>); a Batch is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.h"

namespace sluice {

// A column of values of one type.
//   kInt64, kTimestamp, kBool -> i64 (bools are 0/1)
//   kDouble                   -> f64
//   kString                   -> offsets (size()+1 entries) into chars
// Validity: `valid` is empty when every row is valid; otherwise it has one byte per row (1=valid).
// Invariant: all storage vectors of the active representation have size() rows.
struct Column {
  Type type = Type::kInt64;
  std::vector<int64_t> i64;
  std::vector<double> f64;
  std::vector<uint32_t> offsets{0};
  std::string chars;
  std::vector<uint8_t> valid;

  Column() = default;
  explicit Column(Type t) : type(t) {}

  size_t size() const;
  bool is_valid(size_t r) const { return valid.empty() || valid[r] != 0; }
  bool has_nulls() const { return !valid.empty(); }
  std::string_view str(size_t r) const {
    return std::string_view(chars.data() + offsets[r], offsets[r + 1] - offsets[r]);
  }

  // Removes every row; keeps capacity (batches are reused).
  void clear();
  void reserve(size_t rows);

  // Appends. The typed appenders REQUIRE the matching type.
  void push_int(int64_t v) {
    i64.push_back(v);
    mark_valid();
  }
  void push_double(double v) {
    f64.push_back(v);
    mark_valid();
  }
  void push_string(std::string_view v) {
    chars.append(v);
    offsets.push_back(static_cast<uint32_t>(chars.size()));
    mark_valid();
  }
  void push_null();
  void push_value(const Value& v);
  // Appends row `r` of `other` (same type).
  void push_from(const Column& other, size_t r);
  Value get(size_t r) const;

  // Keeps the first `rows` rows. REQUIRES: rows <= size().
  void truncate(size_t rows);
  // Keeps only the rows whose sel[r] is non-zero, in order. sel has size() entries.
  void compact(const uint8_t* sel, size_t kept);

 private:
  // When nulls are present, keep `valid` in step with the rows.
  void mark_valid() {
    if (!valid.empty()) valid.push_back(1);
  }
};

// Batch::pos values (see there).
inline constexpr uint64_t RowPos(uint64_t row) { return 2 * row + 1; }
inline constexpr uint64_t FiredPos(uint64_t row) { return 2 * row; }
inline constexpr bool IsRowPos(uint64_t pos) { return (pos & 1) != 0; }
// The merged input row of a RowPos, or the row a FiredPos stands before.
inline constexpr uint64_t PosRow(uint64_t pos) { return pos >> 1; }
// In a keyed operator's result batch: a row of event time `ts` fired when the watermark reached
// `at`, kept as the offset ts - at (saturated to +-2^61; every operator's offset is far below).
inline constexpr uint64_t kFiredBit = uint64_t{1} << 63;
inline constexpr int64_t kFiredOffsetLimit = int64_t{1} << 61;
inline constexpr uint64_t FiredAtPos(int64_t ts, int64_t at) {
  int64_t offset = 0;
  if (__builtin_sub_overflow(ts, at, &offset))
    offset = ts < at ? -kFiredOffsetLimit : kFiredOffsetLimit;
  offset = offset < -kFiredOffsetLimit ? -kFiredOffsetLimit : offset;
  offset = offset > kFiredOffsetLimit - 1 ? kFiredOffsetLimit - 1 : offset;
  return kFiredBit | static_cast<uint64_t>(offset + kFiredOffsetLimit);
}
// A row fired when the watermark reached its own ts (windows: window_end - 1).
inline constexpr uint64_t kFiredPos = FiredAtPos(0, 0);
inline constexpr bool IsFiredPos(uint64_t pos) { return (pos & kFiredBit) != 0; }
// The firing time of a fired row of event time `ts`.
inline constexpr int64_t FiringTime(uint64_t pos, int64_t ts) {
  return ts - (static_cast<int64_t>(pos & ~kFiredBit) - kFiredOffsetLimit);
}

// A malformed input record, bound for the dead-letter file.
struct DeadLetter {
  std::string source;  // source name or path
  uint64_t line = 0;   // 1-based line (or record) number in the source
  std::string reason;
  std::string raw;  // the raw record text
};

struct Batch {
  // Dense sequence number assigned by the source (0, 1, 2, ...). Every stage keeps it, so stateful
  // stages can restore source order with a sequencer.
  uint64_t seq = 0;
  // The watermark after this batch's last row: W before the first row of the next batch.
  TimeUs watermark = kMinTime;
  // The watermark in force before this batch's first row (the previous batch's `watermark`).
  TimeUs start_watermark = kMinTime;
  // True on the source's final batch: after it, the watermark is +infinity.
  bool last = false;

  std::vector<Column> columns;  // one per field of the stage's schema
  std::vector<TimeUs> ts;       // event time per row (microseconds)
  std::vector<TimeUs> wm;       // watermark in force before each row
  // Where each row stands in the merged input order, kept only when a plan merges streams (a
  // union) or tracks a stage's own watermark; empty otherwise. A row derived from merged input
  // row p (the source row itself, a filtered or mapped copy, a keyed stage's result caused by
  // it) is at RowPos(p) = 2p + 1; a keyed stage's result fired by the watermark is at
  // FiredPos(c) = 2c, between rows c - 1 and c, where c is the first row before which the
  // watermark had reached the result's firing time (runtime/stage_gather.h). In a keyed
  // operator's own result batch an entry is the cause's position or kFiredPos
  // (operators/keyed_operator.h).
  std::vector<uint64_t> pos;

  // Set by key_by: encoded key of each row (see base/key.h) and its 64-bit hash.
  Column keys{Type::kString};
  std::vector<uint64_t> key_hash;

  // Malformed records met while producing this batch; written to the dead-letter file in order.
  std::vector<DeadLetter> dead_letters;
  // Late events dropped by a window stage (input schema of that stage), or null. A two-input
  // stage (a join) puts its left input's late rows in `late` and its right input's in
  // `late_right`.
  std::unique_ptr<Batch> late;
  std::unique_ptr<Batch> late_right;
  // Bytes or records of input consumed by the source up to the end of this batch.
  uint64_t source_position = 0;
  // A checkpoint barrier: the checkpoint is cut right after this batch (docs/fault-tolerance.md).
  // checkpoint_state then holds the source driver's state at that point (its watermark, counters
  // and the source's position).
  bool checkpoint = false;
  std::string checkpoint_state;

  size_t size() const { return ts.size(); }

  // Empties rows and side data; keeps column types and capacity.
  void clear();
  // Makes `columns` match `schema` (types), all empty.
  void reset(const Schema& schema);
  // Appends row r of `other` (same schema), including ts/wm and keys when present.
  void append_row(const Batch& other, size_t r);
  // Copies rows (columns, ts, wm, pos) and the sequence fields of `o`; not keys, late rows or
  // dead letters.
  void copy_from(const Batch& o);
  // Keeps only rows with sel[r] != 0 across columns, ts, wm, pos and keys.
  void compact(const uint8_t* sel);
  // Boxed row, for tests and cold paths.
  std::vector<Value> row(size_t r) const;
};

using BatchPtr = std::shared_ptr<Batch>;

}  // namespace sluice
