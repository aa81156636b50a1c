// Tumbling and sliding windows, by slicing: time is cut into panes of width gcd(size, slide);
// each event updates exactly one (pane, key) accumulator, and a window's result merges the panes
// it covers when it fires (tumbling windows are one pane: no merge).
//
// State: a KeyDictionary (key bytes -> id), per pane an index key id -> accumulator slot and the
// slots in insertion order (so emission order is deterministic), and a pool of accumulators
// recycled through a free list: no allocation per event once warm. The pool is one flat array of
// states, agg_.size() per slot, so an update or merge finds a state with no pointer to follow;
// when every aggregate is a count, sum or avg the states are 32-byte SumStates (a quarter of an
// AggState's footprint, which is what a sliding window's merges and a large key set pay for). Per
// key id, the accumulator of its newest pane is cached, so that most events (which fall in their
// key's newest pane) skip the pane's index. Snapshot/Restore carry the panes (keys as bytes),
// pending window ends and counters; the caches start cold after Restore.
//
// Running merge: when every aggregate is exact (Aggregator::exact(): counts and sums of
// integers) and a window spans at least kRunMinPanes panes, a window is not merged from its
// panes when it fires. A running accumulator per key covers the panes in [run_lo_, run_hi_):
// firing the next window subtracts the panes it no longer covers and merges the new ones, so a
// firing costs the panes that enter and leave, not every pane of the window. Integer arithmetic
// makes the running merge equal a fresh one bit for bit, whatever the history (a restored
// operator starts with an empty run). Such a window emits its keys in the order of their first
// field (then of their encoded bytes), which depends on the keys alone, so that a restored
// operator emits the same rows in the same order, and which is mostly the canonical order the
// next stage's gather wants (runtime/stage_gather.h), so that it need not sort them.
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "operators/key_dictionary.h"
#include "operators/keyed_stage_base.h"

namespace sluice {
namespace {

// State: AggState, or SumState when every aggregate is a count, sum or avg.
template <typename State>
class PaneWindowOperator final : public KeyedBase {
 public:
  PaneWindowOperator(const KeyedStageDef& def, const Schema& input)
      : KeyedBase(def, input),
        pane_(std::gcd(def.size, def.slide)),
        m_(agg_.size()),
        run_mode_(std::is_same_v<State, SumState> && agg_.exact() &&
                  def.size / pane_ >= kRunMinPanes) {}

  uint64_t keys() const override { return keys_.size(); }

  Status ProcessRows(const Batch& in, const uint32_t* rows, size_t n, Batch* out) override {
    const int64_t size = def_.size, slide = def_.slide, L = def_.allowed_lateness;
    const uint64_t arrival0 = arrival_;
    arrival_ += n;
    slots_.resize(n);
    // Rows [seg, i) have their slots computed; their updates run in one typed loop per aggregate
    // before anything reads the accumulators (a firing, an allowed-late re-emission, the end).
    size_t seg = 0;
    auto flush = [&](size_t i) {
      if (i > seg) {
        agg_.UpdateRows(pool_.data(), slots_.data() + seg, rows ? rows + seg : nullptr, in, seg, i,
                        arrival0 + seg);
      }
      seg = i;
      if constexpr (std::is_same_v<State, SumState>) {
        // Rows of panes the run covers update it too (rows that came out of order).
        for (auto [row, id] : run_rows_) {
          for (size_t j = 0; j < m_; ++j) agg_.UpdateSum(j, &run_[size_t{id} * m_ + j], in, row);
        }
        run_rows_.clear();
      }
    };
    // Every row's key id first, in a tight loop whose lookups overlap in the memory system.
    // Late rows insert idle keys too; sweeps evict them later.
    ids_.resize(n);
    keys_.Hold();
    const uint64_t* hashes = in.key_hash.data();
    for (size_t i = 0; i < n; ++i) {
      const size_t r = rows ? rows[i] : i;
      ids_[i] = keys_.FindOrInsert(in.keys.str(r), hashes[r]);
    }
    if (newest_.size() < keys_.capacity_ids()) newest_.resize(keys_.capacity_ids());
    if (run_mode_ && run_panes_.size() < keys_.capacity_ids()) {
      run_panes_.resize(keys_.capacity_ids());
      listed_.resize(keys_.capacity_ids());
      run_.resize(keys_.capacity_ids() * m_);
    }
    for (size_t i = 0; i < n; ++i) {
      const size_t r = rows ? rows[i] : i;
      const TimeUs w = in.wm[r];
      if (Reached(w, due_) && !pending_.empty()) {
        flush(i);
        FireUpTo(w, out);
      }
      slots_[i] = Aggregator::kSkip;
      const int64_t t = in.ts[r];
      // Consecutive events mostly share a pane: reuse its alignment (saves two divisions).
      if (t < cached_p_ || t - cached_p_ >= pane_) {
        cached_p_ = AlignDown(t, pane_);
        cached_start_ = AlignDown(cached_p_, slide);
      }
      const int64_t p = cached_p_;
      const int64_t last_start = cached_start_;
      if (Reached(w, last_start + size - 1 + L)) {
        Late(in, r, out);
        continue;
      }
      const uint32_t id = ids_[i];
      Newest& newest = newest_[id];
      uint32_t slot;
      if (newest.pane == p && p != kNoPane) {
        slot = newest.slot;
      } else {
        Pane* pane = PaneAt(p);
        auto [it, inserted] = pane->index.try_emplace(id, 0);
        if (inserted) {
          it->second = NewAcc();
          pane->accs.push_back(it->second);
          acc_key_[it->second] = id;
          keys_.AddRef(id);
          if (InRun(p)) JoinRun(id);
          if (pane->accs.size() == 1) {
            // First data in this pane: register its windows that are not due yet. Due windows
            // that still accept the event are emitted below; the others were dropped.
            for (int64_t s = last_start; s + size > p; s -= slide) {
              if (!Reached(w, s + size - 1)) Pend(s + size);
            }
          }
        }
        slot = it->second;
        if (newest.pane == kNoPane || p > newest.pane) newest = {p, slot};
      }
      slots_[i] = slot;
      if (InRun(p)) run_rows_.push_back({static_cast<uint32_t>(r), id});
      // The earliest window containing t starts at the first multiple of slide above t - size.
      if (L > 0 && Reached(w, -FloorDiv(-(t - size + 1), slide) * slide + size - 1)) {
        // Allowed-late update: re-emit every window containing t that fired but is kept.
        flush(i + 1);
        for (int64_t s = last_start; s > t - size; s -= slide) {
          const int64_t end = s + size;
          if (Reached(w, end - 1) && !Reached(w, end - 1 + L)) {
            scratch_.resize(m_);
            Combine(id, s, end, scratch_.data());
            EmitRow(keys_.key(id), true, s, end, scratch_.data(), end - 1, w, CausePos(in, r), out);
          }
        }
      }
    }
    flush(n);
    FireUpTo(in.watermark, out);
    if (in.last) FireUpTo(kMaxTime, out);
    keys_.Unhold();
    return TakeEmitError();
  }

  // The format of operators/pane_snapshot.h.
  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStatePaneWindow);
    w.PutVarint(panes_.size());
    for (const auto& [start, pane] : panes_) {
      w.PutSigned(start);
      w.PutVarint(pane.accs.size());
      for (uint32_t slot : pane.accs) {
        w.PutString(keys_.key(acc_key_[slot]));
        PutStates(&w, At(slot), m_);
      }
    }
    w.PutVarint(pending_.size());
    for (int64_t end : pending_) w.PutSigned(end);
  }

  // Decodes the whole snapshot before touching any state: on error the operator stays fresh.
  // Key ids and accumulator slots are assigned anew; each pane keeps its insertion order, so
  // firings emit the same rows in the same order.
  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || !panes_.empty()) return Status::Internal("Restore needs a fresh operator");
    PaneSnapshot snap;
    if (Status st = ReadPaneSnapshot(in, pane_, &snap); !st.ok()) return st;
    for (auto& [start, entries] : snap.panes) {
      Pane& pane = panes_[start];
      for (PaneSnapshot::Entry& e : entries) {
        const uint32_t id = keys_.FindOrInsert(e.key, HashKey(e.key));
        const uint32_t slot = NewAcc();
        State* to = At(slot);
        for (size_t j = 0; j < m_; ++j) AssignState(&to[j], std::move(e.acc.aggs[j]));
        pane.index.emplace(id, slot);
        pane.accs.push_back(slot);
        acc_key_[slot] = id;
        keys_.AddRef(id);
      }
    }
    for (int64_t end : snap.pending) Pend(end);
    arrival_ = snap.arrival;
    stats_.late = snap.late;
    return Status::OK();
  }

 private:
  struct Pane {
    absl::flat_hash_map<uint32_t, uint32_t> index;  // key id -> accumulator slot
    std::vector<uint32_t> accs;                     // slots in insertion order
  };

  Pane* PaneAt(int64_t p) {
    if (last_pane_ && last_p_ == p) return last_pane_;
    auto [it, inserted] = panes_.try_emplace(p);
    // A new pane mostly sees the keys its predecessor saw: size its index once, not by doubling.
    if (inserted && last_pane_) it->second.index.reserve(last_pane_->accs.size());
    last_p_ = p;
    last_pane_ = &it->second;
    return last_pane_;
  }

  // The states of accumulator `slot`. Valid until the next NewAcc().
  State* At(uint32_t slot) { return pool_.data() + size_t{slot} * m_; }
  const State* At(uint32_t slot) const { return pool_.data() + size_t{slot} * m_; }

  uint32_t NewAcc() {
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      ResetStates(At(slot), m_);
    } else {
      slot = static_cast<uint32_t>(acc_key_.size());
      pool_.resize(pool_.size() + m_);
      acc_key_.push_back(0);
    }
    return slot;
  }

  // acc[0, m_) = merge of `id`'s accumulators over the panes in [start, end).
  void Combine(uint32_t id, int64_t start, int64_t end, State* acc) {
    ResetStates(acc, m_);
    for (auto it = panes_.lower_bound(start); it != panes_.end() && it->first < end; ++it) {
      auto k = it->second.index.find(id);
      if (k != it->second.index.end()) agg_.Merge(acc, At(k->second));
    }
  }

  void FireWindow(int64_t end, TimeUs w, Batch* out) {
    const int64_t start = end - def_.size;
    if (run_mode_) {
      FireRun(start, end, w, out);
      return;
    }
    if (def_.size == pane_) {  // tumbling: the window is one pane
      auto it = panes_.find(start);
      if (it == panes_.end()) return;
      for (uint32_t slot : it->second.accs) {
        EmitRow(keys_.key(acc_key_[slot]), true, start, end, At(slot), end - 1, w, kFiredPos, out);
      }
      return;
    }
    merge_keys_.clear();
    if (merge_at_.size() < keys_.capacity_ids()) merge_at_.resize(keys_.capacity_ids());
    ++merge_round_;
    for (auto it = panes_.lower_bound(start); it != panes_.end() && it->first < end; ++it) {
      for (uint32_t slot : it->second.accs) {
        MergeAt& m = merge_at_[acc_key_[slot]];
        if (m.round != merge_round_) {
          m = {merge_round_, static_cast<uint32_t>(merge_keys_.size())};
          merge_keys_.push_back(acc_key_[slot]);
          if (merge_states_.size() < merge_keys_.size() * m_) {
            merge_states_.resize(merge_keys_.size() * m_);
          } else {
            ResetStates(&merge_states_[size_t{m.index} * m_], m_);
          }
        }
        agg_.Merge(&merge_states_[size_t{m.index} * m_], At(slot));
      }
    }
    for (size_t i = 0; i < merge_keys_.size(); ++i) {
      EmitRow(keys_.key(merge_keys_[i]), true, start, end, &merge_states_[i * m_], end - 1, w,
              kFiredPos, out);
    }
  }

  // The running merge (see the top of the file). The run covers pane p.
  bool InRun(int64_t p) const { return run_mode_ && p >= run_lo_ && p < run_hi_; }

  // Key `id` has an accumulator in one more pane of the run.
  void JoinRun(uint32_t id) {
    if (run_panes_[id]++ == 0) {
      joined_.push_back(id);
      ResetStates(&run_[size_t{id} * m_], m_);
    }
  }

  // Merges every accumulator of `pane` into the run.
  void EnterRun(const Pane& pane) {
    for (uint32_t slot : pane.accs) {
      const uint32_t id = acc_key_[slot];
      JoinRun(id);
      agg_.Merge(&run_[size_t{id} * m_], At(slot));
    }
  }

  // Takes every accumulator of `pane` (a pane the run covers) back out of the run.
  void LeaveRun(const Pane& pane) {
    if constexpr (std::is_same_v<State, SumState>) {
      for (uint32_t slot : pane.accs) {
        const uint32_t id = acc_key_[slot];
        agg_.Subtract(&run_[size_t{id} * m_], At(slot));
        if (--run_panes_[id] == 0) listed_[id] = 0;  // its entry in sorted_ is stale
      }
    }
  }

  // Fires window [start, end) from the run, moved to cover exactly its panes first. Windows fire
  // in order of their ends, so the run only moves forward.
  void FireRun(int64_t start, int64_t end, TimeUs w, Batch* out) {
    const int64_t cut = std::min(start, run_hi_);
    for (auto it = panes_.lower_bound(run_lo_); it != panes_.end() && it->first < cut; ++it) {
      LeaveRun(it->second);
    }
    run_lo_ = start;
    run_hi_ = std::max(run_hi_, start);
    for (auto it = panes_.lower_bound(run_hi_); it != panes_.end() && it->first < end; ++it) {
      EnterRun(it->second);
    }
    run_hi_ = end;
    // sorted_ = the run's keys in order: the previous firing's keys that stayed, merged with the
    // keys that joined since, sorted. The order is total, so it depends on the keys alone.
    std::erase_if(sorted_, [this](const EmitKey& e) { return !listed_[e.id]; });
    const size_t kept = sorted_.size();
    for (uint32_t id : joined_) {
      if (run_panes_[id] == 0 || listed_[id]) continue;  // left again, or joined twice
      listed_[id] = 1;
      EmitKey& e = sorted_.emplace_back();
      e.prefix = 0;
      e.set = !key_types_.empty() && KeyOrderPrefix(keys_.key(id), key_types_[0], &e.prefix);
      e.id = id;
    }
    joined_.clear();
    auto less = [this](const EmitKey& a, const EmitKey& b) {
      if (a.set != b.set) return a.set < b.set;
      if (a.prefix != b.prefix) return a.prefix < b.prefix;
      return keys_.key(a.id) < keys_.key(b.id);
    };
    std::sort(sorted_.begin() + kept, sorted_.end(), less);
    std::inplace_merge(sorted_.begin(), sorted_.begin() + kept, sorted_.end(), less);
    for (const EmitKey& e : sorted_) {
      const uint32_t id = e.id;
      EmitRow(keys_.key(id), true, start, end, &run_[size_t{id} * m_], end - 1, w, kFiredPos, out);
    }
  }

  void Pend(int64_t end) {
    pending_.insert(end);
    due_ = std::min(due_, end - 1);
  }

  void FireUpTo(TimeUs w, Batch* out) {
    if (w == kMinTime) return;
    while (!pending_.empty() && *pending_.begin() - 1 <= w) {
      const int64_t end = *pending_.begin();
      pending_.erase(pending_.begin());
      due_ = pending_.empty() ? kMaxTime : *pending_.begin() - 1;
      FireWindow(end, w, out);
    }
    // Drop panes whose last window is past its allowed lateness.
    while (!panes_.empty()) {
      auto it = panes_.begin();
      const int64_t last_end = AlignDown(it->first, def_.slide) + def_.size;
      if (w != kMaxTime && !Reached(w, last_end - 1 + def_.allowed_lateness)) break;
      if (InRun(it->first)) LeaveRun(it->second);
      for (uint32_t slot : it->second.accs) {
        Newest& newest = newest_[acc_key_[slot]];
        if (newest.slot == slot && newest.pane == it->first) newest.pane = kNoPane;
        keys_.Release(acc_key_[slot]);
        free_.push_back(slot);
      }
      if (last_pane_ == &it->second) last_pane_ = nullptr;
      panes_.erase(it);
    }
  }

  // Per key id: the key's accumulator in its newest pane, which most events update, found without
  // the pane's index. Invariant: pane != kNoPane implies panes_[pane].index[id] == slot (the entry
  // is cleared when that pane is dropped, before the key's reference is released).
  static constexpr int64_t kNoPane = kMinTime;
  struct Newest {
    int64_t pane = kNoPane;
    uint32_t slot = 0;
  };

  // Windows of at least this many panes fire from a running merge when their aggregates allow.
  static constexpr int64_t kRunMinPanes = 4;

  const int64_t pane_;
  const size_t m_;  // states per accumulator: agg_.size()
  const bool run_mode_;
  int64_t cached_p_ = kMaxTime;  // start of the pane of the last event (kMaxTime: none yet)
  int64_t cached_start_ = 0;     // AlignDown(cached_p_, slide)
  KeyDictionary keys_;
  std::map<int64_t, Pane> panes_;  // by pane start
  Pane* last_pane_ = nullptr;      // cache of the pane last written
  int64_t last_p_ = 0;
  std::vector<State> pool_;        // accumulator slots, m_ states each
  std::vector<uint32_t> acc_key_;  // slot -> key id (its size is the number of slots)
  std::vector<Newest> newest_;     // key id -> its newest pane's accumulator
  std::vector<uint32_t> ids_;      // per processed row of the current batch: its key id
  std::vector<uint32_t> free_;     // recycled slots
  std::set<int64_t> pending_;      // ends of windows holding data, not yet fired
  int64_t due_ = kMaxTime;         // *pending_.begin() - 1, or kMaxTime when pending_ is empty
  std::vector<State> scratch_;     // m_ states: one re-emitted window's aggregates
  std::vector<uint32_t>
      slots_;  // per processed row of the current batch: its accumulator, or kSkip
  // Per key id: its row in merge_states_ during the firing numbered `round` (a stale round means
  // none yet), so a sliding window's merge finds each key's accumulator without hashing.
  struct MergeAt {
    uint64_t round = 0;
    uint32_t index = 0;
  };
  std::vector<MergeAt> merge_at_;
  uint64_t merge_round_ = 0;
  std::vector<uint32_t> merge_keys_;
  std::vector<State> merge_states_;  // the merged accumulators, m_ states each

  // The running merge (run_mode_ only). Invariant: for every key id, run_[id] (m_ states) is the
  // merge of its accumulators in the panes in [run_lo_, run_hi_), run_panes_[id] counts those
  // panes; at a firing, sorted_ holds the ids with run_panes_[id] > 0 in emission order. Panes are
  // taken out of the run before they are dropped, and a key id is recycled only after its last
  // pane is dropped.
  int64_t run_lo_ = kMinTime;
  int64_t run_hi_ = kMinTime;
  std::vector<State> run_;
  std::vector<uint32_t> run_panes_;
  // Per key id: 1 while its entry in sorted_ is valid (it has been in the run continuously since
  // the firing that listed it).
  std::vector<uint8_t> listed_;
  std::vector<uint32_t> joined_;  // ids whose run_panes_ went 0 -> 1 since the last firing
  // Rows of the current batch, not yet flushed, whose pane the run covers: (row, key id).
  std::vector<std::pair<uint32_t, uint32_t>> run_rows_;
  // A firing's keys, in the order of their first field (KeyOrderPrefix), then of their bytes.
  struct EmitKey {
    bool set;
    uint64_t prefix;
    uint32_t id;
  };
  std::vector<EmitKey> sorted_;
};

}  // namespace

std::unique_ptr<KeyedOperator> MakePaneWindow(const KeyedStageDef& def, const Schema& input) {
  if (Aggregator(def.aggregates, input).additive()) {
    return std::make_unique<PaneWindowOperator<SumState>>(def, input);
  }
  return std::make_unique<PaneWindowOperator<AggState>>(def, input);
}

}  // namespace sluice
