// KeyedBase: what every keyed operator shares: the output schema (keys, window bounds,
// aggregates), decoding keys into result rows, and routing late rows.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/key.h"
#include "base/time_util.h"
#include "operators/acc_codec.h"
#include "operators/accumulators.h"
#include "operators/key_dictionary.h"
#include "operators/pane_snapshot.h"
#include "operators/keyed_operator.h"

namespace sluice {

// True when watermark `w` has reached time `t` (t <= w); never before the first event.
inline bool Reached(TimeUs w, int64_t t) { return w != kMinTime && t <= w; }

// Restore: the id of `key` (read from a snapshot) in `keys`, inserted and held, with a slot for it
// in `states` (indexed by key id).
template <typename State>
uint32_t HoldRestoredKey(std::string_view key, KeyDictionary* keys, std::vector<State>* states) {
  const uint32_t id = keys->FindOrInsert(key, HashKey(key));
  if (id >= states->size()) states->resize(id + 1);
  keys->AddRef(id);
  return id;
}

// Shared plumbing: output schema, key decoding, emission.
class KeyedBase : public KeyedOperator {
 public:
  KeyedBase(const KeyedStageDef& def, const Schema& input)
      : def_(def),
        input_(input),
        agg_(def.aggregates, input),
        fingerprint_(KeyedFingerprint(def, input)) {
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
  // `pos` and `wm`: as KeyedOperator::ProcessRows requires of result rows.
  void EmitRow(std::string_view key, bool window, int64_t start, int64_t end, const Acc& acc,
               TimeUs ts, TimeUs wm, uint64_t pos, Batch* out) const {
    EmitRow(key, window, start, end, acc.aggs.data(), ts, wm, pos, out);
  }
  // `acc`: an accumulator's agg_.size() states (AggState, or SumState when agg_.additive()).
  template <typename State>
  void EmitRow(std::string_view key, bool window, int64_t start, int64_t end, const State* acc,
               TimeUs ts, TimeUs wm, uint64_t pos, Batch* out) const {
    key_cols_.resize(key_types_.size());
    for (size_t k = 0; k < key_types_.size(); ++k) key_cols_[k] = &out->columns[k];
    DecodeKeyInto(key, key_types_, key_cols_);
    size_t next = key_types_.size();
    if (window) {
      out->columns[next++].push_int(ToUnit(start));
      out->columns[next++].push_int(ToUnit(end));
    }
    if (int j = agg_.Emit(acc, out, next); j >= 0 && emit_error_.ok()) {
      emit_error_ = OverflowError(static_cast<size_t>(j), window, start, end);
    }
    out->ts.push_back(ts);
    out->wm.push_back(wm);
    out->pos.push_back(pos);
  }
  // What ProcessRows returns: OK, or the first result that did not fit its type.
  Status TakeEmitError() {
    Status s = emit_error_;
    emit_error_ = Status::OK();
    return s;
  }
  Status OverflowError(size_t j, bool window, int64_t start, int64_t end) const {
    const AggregateDef& a = def_.aggregates[j];
    std::string where =
        window ? fmt::format(" in the window [{}, {})", ToUnit(start), ToUnit(end)) : "";
    return Status::OutOfRange(fmt::format(
        "sum '{}' of int64 field '{}' is outside the int64 range{}; sum a double instead, "
        "such as sum({} * 1.0)",
        a.output.name, input_.field(a.input).name, where, input_.field(a.input).name));
  }
  int64_t ToUnit(int64_t us) const {
    return def_.time_unit == TimeUnit::kIso ? us : MicrosToRaw(us, def_.time_unit);
  }
  // Snapshot prologue (operators/acc_codec.h) with this operator's state counters.
  void PutPrologue(StateWriter* w, uint8_t tag) const {
    PutKeyedPrologue(w, tag, fingerprint_, arrival_, stats_.late);
  }
  // Reads a prologue written by an operator of the same definition into *arrival and *late.
  bool ReadPrologue(StateReader* r, uint8_t tag, uint64_t* arrival, uint64_t* late) const {
    return ReadKeyedPrologue(r, tag, fingerprint_, arrival, late);
  }
  // Reads an encoded key, failing *r unless it is well formed for this operator's key types.
  std::string_view ReadKey(StateReader* r) const {
    const std::string_view key = r->String();
    if (r->ok() && !IsValidKey(key, key_types_)) r->Fail("has a malformed key");
    return key;
  }
  // The fewest bytes of a snapshotted key (an empty string when there are no key columns).
  static constexpr size_t kMinKeyBytes = 1;
  // Decodes a tumbling or sliding window's snapshot (operators/pane_snapshot.h) whose panes are
  // `pane` wide, all of it or nothing: on error *out is unspecified.
  Status ReadPaneSnapshot(std::string_view in, int64_t pane, PaneSnapshot* out) const;

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
  std::string fingerprint_;  // KeyedFingerprint(def_, input_)
  KeyedStats stats_;
  uint64_t arrival_ = 0;  // rows seen by this lane: input order, for first/last ties
  mutable std::vector<Column*> key_cols_;
  mutable Status emit_error_;  // set by EmitRow, returned by ProcessRows
};

// The one-input keyed operators (tumbling_window.cc, pane_window.cc, session_window.cc,
// running_keyed_aggregate.cc, deduplicate.cc, top_n.cc, window_top_n.cc, row_window.cc,
// process_stage.cc).
std::unique_ptr<KeyedOperator> MakeTumblingWindow(const KeyedStageDef& def, const Schema& input);
// Sliding windows (and tumbling ones, which MakeKeyedOperator gives to MakeTumblingWindow).
std::unique_ptr<KeyedOperator> MakePaneWindow(const KeyedStageDef& def, const Schema& input);
std::unique_ptr<KeyedOperator> MakeSessionWindow(const KeyedStageDef& def, const Schema& input);
std::unique_ptr<KeyedOperator> MakeRunningAggregate(const KeyedStageDef& def, const Schema& input);
std::unique_ptr<KeyedOperator> MakeDeduplicate(const KeyedStageDef& def, const Schema& input);
std::unique_ptr<KeyedOperator> MakeTopN(const KeyedStageDef& def, const Schema& input);
std::unique_ptr<KeyedOperator> MakeWindowTopN(const KeyedStageDef& def, const Schema& input);
std::unique_ptr<KeyedOperator> MakeRowWindow(const KeyedStageDef& def, const Schema& input);
std::unique_ptr<KeyedOperator> MakeProcessStage(const KeyedStageDef& def, const Schema& input);

}  // namespace sluice
