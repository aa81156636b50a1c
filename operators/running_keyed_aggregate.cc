// Running (non-windowed) keyed aggregate: per key, accumulators over every event so far; each
// input row emits the key with the updated aggregates, or, with def.changelog, "-" the key's
// previous result and "+" the new one (nothing when equal; the first row of a key only "+"),
// each with its cause in Batch::pos (operators/changelog_stage.h). State grows with the number
// of keys.
// Snapshot/Restore carry every key with its accumulators and the counters.
#include <absl/container/flat_hash_set.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operators/key_dictionary.h"
#include "operators/keyed_stage_base.h"

namespace sluice {
namespace {

class RunningAggregate final : public KeyedBase {
 public:
  RunningAggregate(const KeyedStageDef& def, const Schema& input) : KeyedBase(def, input) {
    if (!def.changelog) return;
    updates_ = output_;
    std::vector<Field> fields = {{"op", Type::kString, TimeUnit::kMicros}};
    for (const Field& f : updates_.fields()) fields.push_back(f);
    output_ = Schema(std::move(fields));
    scratch_.reset(updates_);
  }

  uint64_t keys() const override { return keys_.size(); }

  Status ProcessRows(const Batch& in, const uint32_t* rows, size_t n, Batch* out) override {
    for (size_t i = 0; i < n; ++i) {
      const size_t r = rows ? rows[i] : i;
      std::string_view key = in.keys.str(r);
      const uint32_t id = keys_.FindOrInsert(key, in.key_hash[r]);
      if (id >= state_.size()) state_.resize(id + 1);
      Acc& acc = state_[id];
      const bool had = !acc.aggs.empty();  // the key has a result already
      if (!had) {
        agg_.Init(&acc);
        keys_.AddRef(id);  // held for the rest of the run
      }
      if (def_.changelog) {
        if (had) EmitRow(key, false, 0, 0, acc, in.ts[r], in.wm[r], CausePos(in, r), &scratch_);
        agg_.Update(&acc, in, r, arrival_++);
        EmitRow(key, false, 0, 0, acc, in.ts[r], in.wm[r], CausePos(in, r), &scratch_);
        EmitChanges(had, out);
        continue;
      }
      agg_.Update(&acc, in, r, arrival_++);
      EmitRow(key, false, 0, 0, acc, in.ts[r], in.wm[r], CausePos(in, r), out);
    }
    return TakeEmitError();
  }

  // snapshot := prologue keys:count (key:string acc)*   (keys in first-seen order)
  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStateRunningAggregate);
    size_t n = 0;
    for (const Acc& acc : state_) n += acc.aggs.empty() ? 0 : 1;
    w.PutVarint(n);
    for (uint32_t id = 0; id < state_.size(); ++id) {
      if (state_[id].aggs.empty()) continue;
      w.PutString(keys_.key(id));
      PutAcc(&w, state_[id]);
    }
  }

  // Decodes the whole snapshot before touching any state: on error the operator stays fresh.
  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || keys_.size() != 0)
      return Status::Internal("Restore needs a fresh operator");
    StateReader r(in, "running aggregate snapshot");
    uint64_t arrival = 0, late = 0;
    ReadPrologue(&r, kStateRunningAggregate, &arrival, &late);
    const size_t n_aggs = def_.aggregates.size();
    std::vector<std::pair<std::string_view, Acc>> entries(
        r.Count(kMinKeyBytes + MinAccBytes(n_aggs)));
    absl::flat_hash_set<std::string_view> seen;
    for (size_t i = 0; i < entries.size() && r.ok(); ++i) {
      entries[i].first = ReadKey(&r);
      ReadAcc(&r, n_aggs, &entries[i].second);
      if (r.ok() && !seen.insert(entries[i].first).second) r.Fail("has a key twice");
    }
    if (!r.ExpectEnd()) return r.status();
    for (auto& [key, acc] : entries) {
      state_[HoldRestoredKey(key, &keys_, &state_)] = std::move(acc);
    }
    arrival_ = arrival;
    stats_.late = late;
    return Status::OK();
  }

 private:
  // Moves the one or two rows of scratch_ (the old result when `had`, then the new one) into
  // *out as "-" old and "+" new, unless they are equal, with their positions.
  void EmitChanges(bool had, Batch* out) {
    const size_t n = scratch_.size();
    bool same = had;
    for (size_t c = 0; same && c < scratch_.columns.size(); ++c) {
      same = scratch_.columns[c].get(n - 2) == scratch_.columns[c].get(n - 1);
    }
    if (!same) {
      for (size_t i = had ? n - 2 : n - 1; i < n; ++i) {
        out->columns[0].push_string(i + 1 < n ? "-" : "+");
        for (size_t c = 0; c < scratch_.columns.size(); ++c) {
          out->columns[c + 1].push_from(scratch_.columns[c], i);
        }
        out->ts.push_back(scratch_.ts[i]);
        out->wm.push_back(scratch_.wm[i]);
        out->pos.push_back(scratch_.pos[i]);
      }
    }
    scratch_.clear();
  }

  Schema updates_;      // the rows without op (changelog only)
  Batch scratch_;       // one key's old and new result (changelog only)
  KeyDictionary keys_;  // keys are never released: running state lives forever
  std::vector<Acc> state_;
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeRunningAggregate(const KeyedStageDef& def, const Schema& input) {
  return std::make_unique<RunningAggregate>(def, input);
}

}  // namespace sluice
