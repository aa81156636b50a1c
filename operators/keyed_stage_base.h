// KeyedBase: what every keyed operator shares: the output schema (keys, window bounds,
// aggregates), decoding keys into result rows, and routing late rows.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "engine/key.h"
#include "engine/time_util.h"
#include "operators/accumulators.h"
#include "operators/keyed_operator.h"

namespace sluice {

// True when watermark `w` has reached time `t` (t <= w); never before the first event.
inline bool Reached(TimeUs w, int64_t t) { return w != kMinTime && t <= w; }

// Shared plumbing: output schema, key decoding, emission.
class KeyedBase : public KeyedOperator {
 public:
  KeyedBase(const KeyedStageDef& def, const Schema& input)
      : def_(def), input_(input), agg_(def.aggregates, input) {
    std::vector<Field> fields;
    for (int k : def.key_columns) {
      fields.push_back(input.field(k));
      key_types_.push_back(input.field(k).type);
    }
    if (def.kind == OpKind::kWindow) {
      fields.push_back({"window_start", Type::kTimestamp, def.time_unit});
      fields.push_back({"window_end", Type::kTimestamp, def.time_unit});
    }
    for (const auto& a : def.aggregates) fields.push_back(a.output);
    output_ = Schema(std::move(fields));
  }
  const Schema& output_schema() const override { return output_; }
  KeyedStats stats() const override { return stats_; }

 protected:
  void EmitRow(std::string_view key, bool window, int64_t start, int64_t end, const Acc& acc,
               TimeUs ts, TimeUs wm, Batch* out) const {
    key_cols_.resize(key_types_.size());
    for (size_t k = 0; k < key_types_.size(); ++k) key_cols_[k] = &out->columns[k];
    DecodeKeyInto(key, key_types_, key_cols_);
    size_t next = key_types_.size();
    if (window) {
      out->columns[next++].push_int(ToUnit(start));
      out->columns[next++].push_int(ToUnit(end));
    }
    agg_.Emit(acc, out, next);
    out->ts.push_back(ts);
    out->wm.push_back(wm);
  }
  int64_t ToUnit(int64_t us) const {
    return def_.time_unit == TimeUnit::kIso ? us : MicrosToRaw(us, def_.time_unit);
  }
  void Late(const Batch& in, size_t r, Batch* out) {
    if (!out->late) {
      out->late = std::make_unique<Batch>();
      out->late->reset(input_);
    }
    out->late->append_row(in, r);
    ++stats_.late;
  }

  KeyedStageDef def_;
  Schema input_;
  Aggregator agg_;
  std::vector<Type> key_types_;
  Schema output_;
  KeyedStats stats_;
  uint64_t arrival_ = 0;  // rows seen by this lane: input order, for first/last ties
  mutable std::vector<Column*> key_cols_;
};


// The three keyed operators (pane_window.cc, session_window.cc, running_keyed_aggregate.cc).
std::unique_ptr<KeyedOperator> MakePaneWindow(const KeyedStageDef& def, const Schema& input);
std::unique_ptr<KeyedOperator> MakeSessionWindow(const KeyedStageDef& def, const Schema& input);
std::unique_ptr<KeyedOperator> MakeRunningAggregate(const KeyedStageDef& def, const Schema& input);

}  // namespace sluice
