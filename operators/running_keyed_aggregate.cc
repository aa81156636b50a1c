// Running (non-windowed) keyed aggregate: per key, accumulators over every event so far; each
// input row emits the key with the updated aggregates. State grows with the number of keys.
#include <vector>

#include "operators/key_dictionary.h"
#include "operators/keyed_stage_base.h"

namespace sluice {
namespace {

class RunningAggregate final : public KeyedBase {
 public:
  using KeyedBase::KeyedBase;

  Status ProcessRows(const Batch& in, const uint32_t* rows, size_t n, Batch* out) override {
    for (size_t i = 0; i < n; ++i) {
      const size_t r = rows ? rows[i] : i;
      std::string_view key = in.keys.str(r);
      const uint32_t id = keys_.FindOrInsert(key, in.key_hash[r]);
      if (id >= state_.size()) state_.resize(id + 1);
      Acc& acc = state_[id];
      if (acc.aggs.empty()) {
        agg_.Init(&acc);
        keys_.AddRef(id);  // held for the rest of the run
      }
      agg_.Update(&acc, in, r, arrival_++);
      EmitRow(key, false, 0, 0, acc, in.ts[r], in.wm[r], out);
    }
    return Status::OK();
  }

 private:
  KeyDictionary keys_;  // keys are never released: running state lives forever
  std::vector<Acc> state_;
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeRunningAggregate(const KeyedStageDef& def, const Schema& input) {
  return std::make_unique<RunningAggregate>(def, input);
}

}  // namespace sluice
