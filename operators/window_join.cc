// Tumbling and sliding window joins. Time is cut into panes of width gcd(size, slide); each
// buffered row lies in exactly one pane, under its key. A window fires once (W >= end - 1) and
// pairs the left and right rows of each key over the panes it covers; a pane is dropped once
// its last window has fired. A row only reaches windows that have not fired when it arrives, so
// a row late for some of its windows counts in the others.
//
// State: per pane, one batch of buffered rows per side and, per key (KeyDictionary id), the
// indices of its rows in insertion order; the ends of windows holding data, not yet fired.
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <map>
#include <numeric>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time_util.h"
#include "operators/join_base.h"
#include "operators/key_dictionary.h"

namespace sluice {
namespace {

class WindowJoin final : public JoinBase {
 public:
  WindowJoin(const JoinDef& def, const Schema& left, const Schema& right, Schema output)
      : JoinBase(def, left, right, std::move(output)), pane_(std::gcd(def.size, def.slide)) {}

  uint64_t keys() const override { return live_keys_; }

  Status ProcessTwo(const TwoInputs& in, Batch* out) override {
    return Drive(
        in, [&](int side, const Batch& b, size_t r) { Add(side, b, r, out); },
        [&](TimeUs w) { FireUpTo(w, out); });
  }

  // snapshot := prologue panes:count pane* pending:count end:signed*  (increasing)
  // pane     := start:signed groups:count (key:string left:rows right:rows)*
  // Panes by start, groups and rows in insertion order (they decide the order of results).
  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStateWindowJoin);
    w.PutVarint(panes_.size());
    for (const auto& [start, pane] : panes_) {
      w.PutSigned(start);
      w.PutVarint(pane.groups.size());
      for (const Group& g : pane.groups) {
        w.PutString(keys_.key(g.key));
        PutRows(&w, pane.rows[0], g.rows[0]);
        PutRows(&w, pane.rows[1], g.rows[1]);
      }
    }
    w.PutVarint(pending_.size());
    for (int64_t end : pending_) w.PutSigned(end);
  }

  // Decodes the whole snapshot before touching any state: on error the operator stays fresh.
  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || seen_ != kMinTime || !panes_.empty()) {
      return Status::Internal("Restore needs a fresh operator");
    }
    StateReader r(in, "window join snapshot");
    uint64_t arrival = 0, late = 0;
    TimeUs seen = kMinTime;
    ReadPrologue(&r, kStateWindowJoin, &arrival, &late, &seen);
    std::map<int64_t, Pane> panes;
    std::vector<std::string_view> group_keys;  // every group's key, in pane and group order
    const uint64_t n_panes = r.Count(2);
    absl::flat_hash_set<std::string_view> seen_keys;
    for (uint64_t i = 0; i < n_panes && r.ok(); ++i) {
      const int64_t start = r.Signed();
      if (r.ok() && (!InEventTimeRange(start) || start % pane_ != 0 ||
                     (!panes.empty() && start <= panes.rbegin()->first))) {
        r.Fail("has panes out of order or not aligned to the pane width");
      }
      Pane& pane = panes[start];
      pane.rows[0] = EmptyRows(0);
      pane.rows[1] = EmptyRows(1);
      const uint64_t n_groups = r.Count(3);
      seen_keys.clear();
      for (uint64_t j = 0; j < n_groups && r.ok(); ++j) {
        const std::string_view key = ReadKey(&r);
        if (r.ok() && !seen_keys.insert(key).second) r.Fail("has a key twice in a pane");
        Group g;
        ReadRows(&r, input_[0], &pane.rows[0], &g.rows[0]);
        ReadRows(&r, input_[1], &pane.rows[1], &g.rows[1]);
        group_keys.push_back(key);
        pane.groups.push_back(std::move(g));
      }
      for (int s = 0; s < 2 && r.ok(); ++s) {
        for (TimeUs t : pane.rows[s].ts) {
          if (t < start || t - start >= pane_) r.Fail("has a row outside its pane");
        }
      }
    }
    std::vector<int64_t> pending(r.Count(1));
    for (size_t i = 0; i < pending.size() && r.ok(); ++i) {
      pending[i] = r.Signed();
      if (r.ok() && i > 0 && pending[i] <= pending[i - 1]) r.Fail("has windows out of order");
    }
    if (!r.ExpectEnd()) return r.status();

    size_t next = 0;
    for (auto& [start, pane] : panes) {
      for (size_t j = 0; j < pane.groups.size(); ++j) {
        const std::string_view key = group_keys[next++];
        const uint32_t id = keys_.FindOrInsert(key, HashKey(key));
        pane.groups[j].key = id;
        pane.index.emplace(id, static_cast<uint32_t>(j));
        AddKey(id);
      }
    }
    panes_ = std::move(panes);
    pending_.insert(pending.begin(), pending.end());
    arrival_ = arrival;
    stats_.late = late;
    seen_ = seen;
    return Status::OK();
  }

 private:
  struct Group {
    uint32_t key = 0;               // KeyDictionary id
    std::vector<uint32_t> rows[2];  // indices into the pane's rows, per side
  };
  struct Pane {
    Batch rows[2];                                  // buffered rows per side (columns and ts)
    absl::flat_hash_map<uint32_t, uint32_t> index;  // key id -> group
    std::vector<Group> groups;                      // insertion order
  };

  void Add(int side, const Batch& b, size_t r, Batch* out) {
    const int64_t size = def_.size, slide = def_.slide;
    const TimeUs w = b.wm[r];
    const int64_t t = b.ts[r];
    const int64_t last_start = AlignDown(t, slide);
    if (Reached(w, last_start + size - 1)) {
      Late(side, b, r, out);
      return;
    }
    if (NullKey(side, b, r)) return;
    const int64_t p = AlignDown(t, pane_);
    Pane* pane = PaneAt(p);
    const uint32_t id = keys_.FindOrInsert(b.keys.str(r), b.key_hash[r]);
    auto [it, inserted] = pane->index.try_emplace(id, static_cast<uint32_t>(pane->groups.size()));
    if (inserted) {
      pane->groups.push_back(Group{id, {}});
      AddKey(id);
      if (pane->groups.size() == 1) {
        // First data in this pane: register its windows that have not fired.
        for (int64_t s = last_start; s + size > p; s -= slide) {
          if (!Reached(w, s + size - 1)) pending_.insert(s + size);
        }
      }
    }
    Group& g = pane->groups[it->second];
    g.rows[side].push_back(static_cast<uint32_t>(pane->rows[side].size()));
    StoreRow(b, r, &pane->rows[side]);
    ++arrival_;
  }

  Pane* PaneAt(int64_t p) {
    if (last_pane_ && last_p_ == p) return last_pane_;
    auto [it, inserted] = panes_.try_emplace(p);
    if (inserted) {
      it->second.rows[0] = EmptyRows(0);
      it->second.rows[1] = EmptyRows(1);
    }
    last_p_ = p;
    last_pane_ = &it->second;
    return last_pane_;
  }

  void AddKey(uint32_t id) {
    keys_.AddRef(id);
    if (id >= groups_of_key_.size()) groups_of_key_.resize(id + 1, 0);
    if (groups_of_key_[id]++ == 0) ++live_keys_;
  }
  void ReleaseKey(uint32_t id) {
    if (--groups_of_key_[id] == 0) --live_keys_;
    keys_.Release(id);
  }

  // Emits the pairs of the window [end - size, end) for every key.
  void FireWindow(int64_t end, TimeUs w, Batch* out) {
    const int64_t start = end - def_.size;
    if (def_.size == pane_) {  // tumbling: the window is one pane
      auto it = panes_.find(start);
      if (it == panes_.end()) return;
      const Pane& pane = it->second;
      for (const Group& g : pane.groups) {
        for (uint32_t l : g.rows[0]) {
          for (uint32_t r : g.rows[1]) {
            Emit(&pane.rows[0], l, &pane.rows[1], r, start, end, end - 1, w, kFiredPos, out);
          }
        }
      }
      return;
    }
    // Each key's groups over the window's panes, keys in order of first appearance.
    merge_index_.clear();
    size_t n_keys = 0;
    for (auto it = panes_.lower_bound(start); it != panes_.end() && it->first < end; ++it) {
      for (const Group& g : it->second.groups) {
        auto [m, inserted] = merge_index_.try_emplace(g.key, n_keys);
        if (inserted) {
          if (merged_.size() <= n_keys) merged_.emplace_back();
          merged_[n_keys++].clear();
        }
        merged_[m->second].push_back({&it->second, &g});
      }
    }
    for (size_t k = 0; k < n_keys; ++k) {
      for (const auto& [lp, lg] : merged_[k]) {
        for (uint32_t l : lg->rows[0]) {
          for (const auto& [rp, rg] : merged_[k]) {
            for (uint32_t r : rg->rows[1]) {
              Emit(&lp->rows[0], l, &rp->rows[1], r, start, end, end - 1, w, kFiredPos, out);
            }
          }
        }
      }
    }
  }

  void FireUpTo(TimeUs w, Batch* out) {
    while (!pending_.empty() && *pending_.begin() - 1 <= w) {
      const int64_t end = *pending_.begin();
      pending_.erase(pending_.begin());
      FireWindow(end, w, out);
    }
    // Drop panes whose last window has fired.
    while (!panes_.empty()) {
      auto it = panes_.begin();
      if (AlignDown(it->first, def_.slide) + def_.size - 1 > w) break;
      for (const Group& g : it->second.groups) ReleaseKey(g.key);
      if (last_pane_ == &it->second) last_pane_ = nullptr;
      panes_.erase(it);
    }
  }

  const int64_t pane_;
  KeyDictionary keys_;
  std::vector<uint32_t> groups_of_key_;  // key id -> number of groups (panes) holding it
  uint64_t live_keys_ = 0;               // key ids with groups
  std::map<int64_t, Pane> panes_;        // by pane start
  Pane* last_pane_ = nullptr;            // cache of the pane last written
  int64_t last_p_ = 0;
  std::set<int64_t> pending_;  // ends of windows holding data, not yet fired
  absl::flat_hash_map<uint32_t, size_t> merge_index_;
  std::vector<std::vector<std::pair<const Pane*, const Group*>>> merged_;
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeWindowJoin(const JoinDef& def, const Schema& left,
                                              const Schema& right, Schema output) {
  return std::make_unique<WindowJoin>(def, left, right, std::move(output));
}

}  // namespace sluice
