// ChangelogStage: what the keyed stages that emit a changelog share (deduplicate.cc,
// top_n.cc). Their rows are `op` ("+" a row enters the stage's result, "-" an identical earlier
// row leaves it), every input field, then optionally an int64 rank. Kept rows are stored encoded
// with EncodeKeyRow over every input field. Every emitted row is caused by an input row (its
// Batch::pos is CausePos of it), so that rows gathered across lanes keep input order
// (runtime/stage_gather.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "operators/keyed_stage_base.h"

namespace sluice {

class ChangelogStage : public KeyedBase {
 public:
  // `rank_field`: the name of the rank column, empty for none.
  ChangelogStage(const KeyedStageDef& def, const Schema& input, const std::string& rank_field)
      : KeyedBase(def, input), ranked_(!rank_field.empty()) {
    std::vector<Field> fields = {{"op", Type::kString, TimeUnit::kMicros}};
    for (size_t c = 0; c < input.size(); ++c) {
      fields.push_back(input.field(c));
      all_columns_.push_back(static_cast<int>(c));
      row_types_.push_back(input.field(c).type);
    }
    if (ranked_) fields.push_back({rank_field, Type::kInt64, TimeUnit::kMicros});
    output_ = Schema(std::move(fields));
  }

 protected:
  // Sets *row to the encoding of input row r.
  void EncodeRow(const Batch& in, size_t r, std::string* row) const {
    row->clear();
    EncodeKeyRow(in.columns, all_columns_, r, row);
  }
  // True when `row` (from a snapshot) is an encoding of an input row.
  bool ValidRow(std::string_view row) const { return IsValidKey(row, row_types_); }

  // Appends input row r with `op` (a "+" of the row being processed).
  void EmitInput(const char* op, const Batch& in, size_t r, size_t rank, Batch* out) const {
    out->columns[0].push_string(op);
    for (size_t c = 0; c < all_columns_.size(); ++c) {
      out->columns[c + 1].push_from(in.columns[c], r);
    }
    Finish(in.ts[r], rank, CausePos(in, r), in.wm[r], out);
  }
  // Appends the encoded `row` of event time `ts` with `op`, caused by the input row of CausePos
  // `cause` (whose watermark is `wm`).
  void EmitEncoded(const char* op, std::string_view row, TimeUs ts, size_t rank, uint64_t cause,
                   TimeUs wm, Batch* out) const {
    out->columns[0].push_string(op);
    cols_.resize(row_types_.size());
    for (size_t c = 0; c < row_types_.size(); ++c) cols_[c] = &out->columns[c + 1];
    DecodeKeyInto(row, row_types_, cols_);
    Finish(ts, rank, cause, wm, out);
  }

  // True when event time `ts` is more than def.state_ttl behind watermark `wm` (never without a
  // ttl, or before the first watermark).
  bool Expired(TimeUs ts, TimeUs wm) const {
    if (def_.state_ttl <= 0 || wm == kMinTime || ts == kMinTime) return false;
    TimeUs limit;
    if (__builtin_sub_overflow(wm, def_.state_ttl, &limit)) return false;
    return ts < limit;
  }

  std::vector<Type> row_types_;

 private:
  void Finish(TimeUs ts, size_t rank, uint64_t cause, TimeUs wm, Batch* out) const {
    if (ranked_) out->columns.back().push_int(static_cast<int64_t>(rank));
    out->ts.push_back(ts);
    out->wm.push_back(wm);
    out->pos.push_back(cause);
  }

  bool ranked_;
  std::vector<int> all_columns_;
  mutable std::vector<Column*> cols_;
};

}  // namespace sluice
