// Row windows: aggregates over the last `rows` rows of each key (the current one included), as
// SQL's ROWS BETWEEN rows - 1 PRECEDING AND CURRENT ROW, emitted at every `every`-th row of the
// key (every = 1: at each row, a running aggregate over a sliding count window; every = rows: a
// tumbling count window). A key's rows count in arrival order, which is its order in the input
// (per-key order holds across lanes), so results do not depend on parallelism or batching.
// Nothing is late: the watermark plays no part. An emitted row has the key, the aggregates, and
// the event time and wm of the row that completed it.
//
// State: per key (KeyDictionary id), its last `rows` input rows (all input columns, in a batch
// compacted once half of it is stale) with their arrival numbers, and how many rows it has seen
// modulo `every`. Each emission recomputes the aggregates over the kept rows: O(rows).
#include <absl/container/flat_hash_set.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operators/key_dictionary.h"
#include "operators/keyed_stage_base.h"
#include "operators/stored_rows.h"

namespace sluice {
namespace {

class RowWindow final : public KeyedBase {
 public:
  RowWindow(const KeyedStageDef& def, const Schema& input) : KeyedBase(def, input) {
    agg_.Init(&scratch_);
  }

  uint64_t keys() const override { return keys_.size(); }

  Status ProcessRows(const Batch& in, const uint32_t* rows, size_t n, Batch* out) override {
    for (size_t i = 0; i < n; ++i) {
      const size_t r = rows ? rows[i] : i;
      std::string_view key = in.keys.str(r);
      const uint32_t id = keys_.FindOrInsert(key, in.key_hash[r]);
      if (id >= state_.size()) state_.resize(id + 1);
      KeyRows& k = state_[id];
      if (!k.used) {
        k.used = true;
        k.rows.reset(input_);
        keys_.AddRef(id);  // held for the rest of the run
      }
      StoreRow(in, r, &k.rows);
      k.arrival.push_back(arrival_++);
      if (k.arrival.size() - k.first > static_cast<size_t>(def_.rows)) ++k.first;
      if (k.first > static_cast<size_t>(def_.rows)) Compact(&k);
      k.pending = (k.pending + 1) % def_.every;
      if (k.pending != 0) continue;
      ResetAcc(&scratch_);
      for (size_t j = k.first; j < k.arrival.size(); ++j) {
        agg_.Update(&scratch_, k.rows, j, k.arrival[j]);
      }
      EmitRow(key, false, 0, 0, scratch_, in.ts[r], in.wm[r], CausePos(in, r), out);
    }
    return TakeEmitError();
  }

  // snapshot := prologue keys:count (key:string pending:varint count (arrival:varint row)*)*
  // (keys in first-seen order; each key's kept rows, oldest first)
  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStateRowWindow);
    size_t n = 0;
    for (const KeyRows& k : state_) n += k.used ? 1 : 0;
    w.PutVarint(n);
    for (uint32_t id = 0; id < state_.size(); ++id) {
      const KeyRows& k = state_[id];
      if (!k.used) continue;
      w.PutString(keys_.key(id));
      w.PutVarint(k.pending);
      w.PutVarint(k.arrival.size() - k.first);
      for (size_t j = k.first; j < k.arrival.size(); ++j) {
        w.PutVarint(k.arrival[j]);
        PutRow(&w, k.rows, j);
      }
    }
  }

  // Decodes the whole snapshot before touching any state: on error the operator stays fresh.
  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || keys_.size() != 0) {
      return Status::Internal("Restore needs a fresh operator");
    }
    StateReader r(in, "row window snapshot");
    uint64_t arrival = 0, late = 0;
    ReadPrologue(&r, kStateRowWindow, &arrival, &late);
    std::vector<std::pair<std::string_view, KeyRows>> entries(r.Count(kMinKeyBytes + 2));
    absl::flat_hash_set<std::string_view> seen;
    for (size_t i = 0; i < entries.size() && r.ok(); ++i) {
      auto& [key, k] = entries[i];
      key = ReadKey(&r);
      if (r.ok() && !seen.insert(key).second) r.Fail("has a key twice");
      k.used = true;
      k.pending = r.Varint();
      if (r.ok() && k.pending >= static_cast<uint64_t>(def_.every)) {
        r.Fail("has a row count past 'every'");
      }
      const uint64_t count = r.Count(1 + MinRowBytes(input_));
      if (r.ok() && (count == 0 || count > static_cast<uint64_t>(def_.rows))) {
        r.Fail("has a key with no rows or more than 'rows' rows");
      }
      k.rows.reset(input_);
      for (uint64_t j = 0; j < count && r.ok(); ++j) {
        const uint64_t a = r.Varint();
        if (r.ok() && (a >= arrival || (!k.arrival.empty() && a <= k.arrival.back()))) {
          r.Fail("has rows out of arrival order");
        }
        k.arrival.push_back(a);
        ReadRow(&r, input_, &k.rows);
      }
    }
    if (!r.ExpectEnd()) return r.status();
    for (auto& [key, k] : entries) {
      state_[HoldRestoredKey(key, &keys_, &state_)] = std::move(k);
    }
    arrival_ = arrival;
    stats_.late = late;
    return Status::OK();
  }

 private:
  struct KeyRows {
    bool used = false;
    Batch rows;                     // input columns and ts; rows [first, size) are kept
    std::vector<uint64_t> arrival;  // per row of `rows`
    size_t first = 0;
    uint64_t pending = 0;  // rows seen since the last emission, modulo every
  };

  // Drops the stale rows [0, first).
  void Compact(KeyRows* k) const {
    Batch rows;
    rows.reset(input_);
    for (size_t j = k->first; j < k->arrival.size(); ++j) StoreRow(k->rows, j, &rows);
    k->rows = std::move(rows);
    k->arrival.erase(k->arrival.begin(), k->arrival.begin() + static_cast<long>(k->first));
    k->first = 0;
  }

  KeyDictionary keys_;
  std::vector<KeyRows> state_;  // by key id
  Acc scratch_;                 // the aggregates of one emission
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeRowWindow(const KeyedStageDef& def, const Schema& input) {
  return std::make_unique<RowWindow>(def, input);
}

}  // namespace sluice
