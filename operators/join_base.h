// JoinBase: what the join operators (operators/join_operator.h) share: the definition and both
// input schemas, the merge of both inputs by watermark, the output row layout, late rows of
// either input, and the snapshot encoding of buffered rows.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/state_codec.h"
#include "operators/join_operator.h"
#include "operators/keyed_stage_base.h"
#include "operators/stored_rows.h"

namespace sluice {

enum JoinSide : int { kLeftSide = 0, kRightSide = 1 };

// Format version of the three join snapshots.
constexpr uint32_t kJoinSnapshotVersion = 1;

// Readable text of everything in `def` and the input schemas that a join snapshot's meaning
// depends on: kind, join type, window and bounds, key columns, and the field types of both
// inputs. Field names, prefixes and the output time unit are left out: they change only how
// results are printed.
std::string JoinFingerprint(const JoinDef& def, const Schema& left, const Schema& right);

// Thread-compatible (one lane's thread at a time), as every KeyedOperator.
class JoinBase : public KeyedOperator {
 public:
  // REQUIRES: `output` is JoinOutputSchema(def, left, right); def was validated.
  JoinBase(const JoinDef& def, const Schema& left, const Schema& right, Schema output);

  const Schema& output_schema() const override { return output_; }
  KeyedStats stats() const override { return stats_; }
  Status ProcessRows(const Batch&, const uint32_t*, size_t, Batch*) override {
    return Status::Internal("a join takes two inputs (ProcessTwo), not one");
  }

 protected:
  // Runs one ProcessTwo call: calls advance(W) before each row whose wm is greater than every
  // watermark seen so far, row(side, batch, r) for each row of both inputs merged by wm (left
  // before right on ties), then advance(batch watermark) and, when either input is `last`,
  // advance(kMaxTime); each advance only when it raises the watermark seen. Internal when the
  // inputs are missing or lack keys.
  template <typename Row, typename Advance>
  Status Drive(const TwoInputs& in, Row&& row, Advance&& advance);

  // True when a key field of row r of `side`'s batch `b` is null (the row joins nothing).
  bool NullKey(int side, const Batch& b, size_t r) const {
    if (!key_nulls_[side]) return false;
    for (int k : key_cols_[side]) {
      if (!b.columns[k].is_valid(r)) return true;
    }
    return false;
  }

  // Appends one result row: row lr of `l` (nulls when l is null), row rr of `r` (nulls when r is
  // null), then for window joins window_start and window_end; `wm` and `pos` as
  // KeyedOperator::ProcessRows requires of result rows.
  void Emit(const Batch* l, size_t lr, const Batch* r, size_t rr, int64_t start, int64_t end,
            TimeUs ts, TimeUs wm, uint64_t pos, Batch* out) const;

  // Drops row r of `b` (of `side`) as late: appends it to out->late or out->late_right.
  void Late(int side, const Batch& b, size_t r, Batch* out);

  // A batch with the columns of `side`'s input schema, no rows.
  Batch EmptyRows(int side) const {
    Batch b;
    b.reset(input_[side]);
    return b;
  }

  // Snapshot prologue: tag version fingerprint:string arrival:varint late:varint seen:signed.
  void PutPrologue(StateWriter* w, uint8_t tag) const;
  // Reads a prologue written by an operator of the same definition.
  bool ReadPrologue(StateReader* r, uint8_t tag, uint64_t* arrival, uint64_t* late,
                    TimeUs* seen) const;
  // Reads an encoded key, failing *r unless it is well formed for the key types.
  std::string_view ReadKey(StateReader* r) const;

  JoinDef def_;
  Schema input_[2];
  Schema output_;
  std::vector<int> key_cols_[2];
  std::vector<Type> key_types_;
  std::string fingerprint_;
  KeyedStats stats_;
  uint64_t arrival_ = 0;    // rows buffered so far (orders buffered rows)
  TimeUs seen_ = kMinTime;  // the largest watermark advanced to
  bool key_nulls_[2] = {};  // whether the current call's batch of a side has null key values
};

template <typename Row, typename Advance>
Status JoinBase::Drive(const TwoInputs& in, Row&& row, Advance&& advance) {
  const Batch* b[2] = {in.left, in.right};
  const uint32_t* sel[2] = {in.left_rows, in.right_rows};
  size_t n[2] = {in.left_n, in.right_n};
  if (!b[0] && !b[1]) return Status::Internal("a join was given no input batch");
  TimeUs watermark = kMinTime;
  bool last = false;
  for (int s = 0; s < 2; ++s) {
    if (!b[s]) {
      n[s] = 0;
      continue;
    }
    if (!sel[s]) n[s] = b[s]->size();
    if (b[s]->columns.size() != input_[s].size() ||
        (n[s] > 0 && (b[s]->key_hash.size() != b[s]->size() || b[s]->wm.size() != b[s]->size()))) {
      return Status::Internal("a join input batch lacks columns, keys or watermarks");
    }
    key_nulls_[s] = false;
    for (int k : key_cols_[s]) key_nulls_[s] = key_nulls_[s] || b[s]->columns[k].has_nulls();
    watermark = std::max(watermark, b[s]->watermark);
    last = last || b[s]->last;
  }
  size_t i[2] = {0, 0};
  while (i[0] < n[0] || i[1] < n[1]) {
    const size_t r0 = i[0] < n[0] ? (sel[0] ? sel[0][i[0]] : i[0]) : 0;
    const size_t r1 = i[1] < n[1] ? (sel[1] ? sel[1][i[1]] : i[1]) : 0;
    const int s = i[1] >= n[1] || (i[0] < n[0] && b[0]->wm[r0] <= b[1]->wm[r1]) ? 0 : 1;
    const size_t r = s == 0 ? r0 : r1;
    const TimeUs w = b[s]->wm[r];
    if (w > seen_) {
      advance(w);
      seen_ = w;
    }
    row(s, *b[s], r);
    ++i[s];
  }
  if (watermark > seen_) {
    advance(watermark);
    seen_ = watermark;
  }
  if (last && seen_ != kMaxTime) {
    advance(kMaxTime);
    seen_ = kMaxTime;
  }
  return Status::OK();
}

// The join operators: window_join.cc, session_join.cc, and buffered_join.cc (interval joins and
// regular joins).
std::unique_ptr<KeyedOperator> MakeWindowJoin(const JoinDef& def, const Schema& left,
                                              const Schema& right, Schema output);
std::unique_ptr<KeyedOperator> MakeSessionJoin(const JoinDef& def, const Schema& left,
                                               const Schema& right, Schema output);
std::unique_ptr<KeyedOperator> MakeBufferedJoin(const JoinDef& def, const Schema& left,
                                                const Schema& right, Schema output);

}  // namespace sluice
