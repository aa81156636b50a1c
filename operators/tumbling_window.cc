// Tumbling windows, each with its own keys: per open window, a KeySlots (key bytes -> slot, in
// insertion order) and a flat array of accumulator states, agg_.size() per slot. A row costs one
// probe of its window's table; a window's keys and states are dropped with it, all at once,
// and its memory goes to the next window. Unlike the pane window (pane_window.cc, which
// tumbling windows used before), no dictionary of keys outlives a window, so a stream whose keys
// change from window to window (100,000 keys, about 10,000 in each window) pays no eviction and
// no re-insertion of its keys.
//
// Emission order, results, late rows, allowed lateness and the snapshot format
// (operators/pane_snapshot.h) are the pane window's for a tumbling window: each restores what the
// other wrote.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operators/key_slots.h"
#include "operators/keyed_stage_base.h"

namespace sluice {
namespace {

// State: AggState, or SumState when every aggregate is a count, sum or avg.
template <typename State>
class TumblingWindowOperator final : public KeyedBase {
 public:
  TumblingWindowOperator(const KeyedStageDef& def, const Schema& input)
      : KeyedBase(def, input), m_(agg_.size()) {}

  // Keys held over every open window (a key open in two windows counts twice).
  uint64_t keys() const override {
    uint64_t n = 0;
    for (const auto& [start, win] : windows_) n += win->keys.size();
    return n;
  }

  Status ProcessRows(const Batch& in, const uint32_t* rows, size_t n, Batch* out) override {
    const int64_t size = def_.size, L = def_.allowed_lateness;
    const uint64_t arrival0 = arrival_;
    arrival_ += n;
    slots_.resize(n);
    // Rows [seg, i) have their slots computed, all in window seg_win; their updates run in one
    // typed loop per aggregate before anything reads the accumulators or another window's rows
    // begin.
    size_t seg = 0;
    Window* seg_win = nullptr;
    auto flush = [&](size_t i) {
      if (i > seg && seg_win) {
        agg_.UpdateRows(seg_win->states.data(), slots_.data() + seg, rows ? rows + seg : nullptr,
                        in, seg, i, arrival0 + seg);
      }
      seg = i;
    };
    const uint64_t* hashes = in.key_hash.data();
    // Most rows fall in the window last looked up and find their key there: look them all up
    // first, in a tight loop whose lookups overlap in the memory system. A slot found here is
    // used only for a row of that window, and only while no window has been dropped (a dropped
    // window's memory may serve a new one).
    Window* const found_win = last_win_;
    const int64_t found_start = last_start_;
    const uint64_t found_drops = drops_;
    found_.resize(n);
    if (found_win) {
      for (size_t i = 0; i < n; ++i) {
        const size_t r = rows ? rows[i] : i;
        found_[i] = found_win->keys.Find(in.keys.str(r), hashes[r]);
      }
    }
    for (size_t i = 0; i < n; ++i) {
      const size_t r = rows ? rows[i] : i;
      const TimeUs w = in.wm[r];
      if (Reached(w, due_) && !pending_.empty()) {
        flush(i);
        seg_win = nullptr;  // firing may drop windows
        FireUpTo(w, out);
      }
      slots_[i] = Aggregator::kSkip;
      const int64_t t = in.ts[r];
      // Consecutive events mostly share a window: reuse its alignment (saves a division).
      if (t < cached_start_ || t - cached_start_ >= size) cached_start_ = AlignDown(t, size);
      const int64_t start = cached_start_;
      if (Reached(w, start + size - 1 + L)) {
        Late(in, r, out);
        continue;
      }
      Window* win = last_win_ && last_start_ == start ? last_win_ : WindowAt(start);
      if (win != seg_win) {
        flush(i);
        seg_win = win;
      }
      bool inserted = false;
      uint32_t slot;
      if (win == found_win && start == found_start && drops_ == found_drops &&
          found_[i] != KeySlots::kNone) {
        slot = found_[i];
      } else {
        slot = win->keys.FindOrInsert(in.keys.str(r), hashes[r], &inserted);
      }
      if (inserted) {
        win->states.resize(win->states.size() + m_);
        // The window's first data: register it unless it is due already (an allowed-late row
        // then emits it below).
        if (slot == 0 && !Reached(w, start + size - 1)) Pend(start + size);
      }
      slots_[i] = slot;
      if (L > 0 && Reached(w, start + size - 1)) {
        // Allowed-late update of a window that fired but is kept: re-emit the key's result.
        flush(i + 1);
        EmitRow(win->keys.key(slot), true, start, start + size, At(win, slot), start + size - 1,
                w, CausePos(in, r), out);
      }
    }
    flush(n);
    FireUpTo(in.watermark, out);
    if (in.last) FireUpTo(kMaxTime, out);
    return TakeEmitError();
  }

  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStatePaneWindow);
    w.PutVarint(windows_.size());
    for (const auto& [start, win] : windows_) {
      w.PutSigned(start);
      w.PutVarint(win->keys.size());
      for (uint32_t slot = 0; slot < win->keys.size(); ++slot) {
        w.PutString(win->keys.key(slot));
        PutStates(&w, At(win.get(), slot), m_);
      }
    }
    w.PutVarint(pending_.size());
    for (int64_t end : pending_) w.PutSigned(end);
  }

  // Decodes the whole snapshot before touching any state: on error the operator stays fresh.
  // Each window keeps its keys' order, so firings emit the same rows in the same order.
  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || !windows_.empty()) {
      return Status::Internal("Restore needs a fresh operator");
    }
    PaneSnapshot snap;
    if (Status st = ReadPaneSnapshot(in, def_.size, &snap); !st.ok()) return st;
    for (auto& [start, entries] : snap.panes) {
      Window* win = WindowAt(start);
      win->keys.reserve(entries.size());
      for (PaneSnapshot::Entry& e : entries) {
        bool inserted;
        const uint32_t slot = win->keys.FindOrInsert(e.key, HashKey(e.key), &inserted);
        win->states.resize(win->states.size() + m_);
        State* to = At(win, slot);
        for (size_t j = 0; j < m_; ++j) AssignState(&to[j], std::move(e.acc.aggs[j]));
      }
    }
    for (int64_t end : snap.pending) Pend(end);
    arrival_ = snap.arrival;
    stats_.late = snap.late;
    return Status::OK();
  }

 private:
  struct Window {
    KeySlots keys;
    std::vector<State> states;  // m_ per slot
  };

  // The states of `slot` in `win`. Valid until the window gains a key.
  State* At(Window* win, uint32_t slot) const { return win->states.data() + size_t{slot} * m_; }

  // The window starting at `start`, created (with a recycled window's memory) when absent.
  Window* WindowAt(int64_t start) {
    auto [it, inserted] = windows_.try_emplace(start);
    if (inserted) {
      if (!spare_.empty()) {
        it->second = std::move(spare_.back());
        spare_.pop_back();
      } else {
        it->second = std::make_unique<Window>();
      }
      // A new window mostly sees as many keys as its predecessor: size its table once.
      if (last_win_) it->second->keys.reserve(last_win_->keys.size());
    }
    last_start_ = start;
    last_win_ = it->second.get();
    return last_win_;
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
      const int64_t start = end - def_.size;
      auto it = windows_.find(start);
      if (it == windows_.end()) continue;
      Window* win = it->second.get();
      for (uint32_t slot = 0; slot < win->keys.size(); ++slot) {
        EmitRow(win->keys.key(slot), true, start, end, At(win, slot), end - 1, w, kFiredPos, out);
      }
    }
    // Drop windows past their allowed lateness; their memory serves later windows.
    while (!windows_.empty()) {
      auto it = windows_.begin();
      if (w != kMaxTime && !Reached(w, it->first + def_.size - 1 + def_.allowed_lateness)) break;
      std::unique_ptr<Window> win = std::move(it->second);
      if (last_win_ == win.get()) last_win_ = nullptr;
      windows_.erase(it);
      win->keys.Clear();
      win->states.clear();
      if (spare_.size() < kMaxSpare) spare_.push_back(std::move(win));
      ++drops_;
    }
  }

  static constexpr size_t kMaxSpare = 4;

  const size_t m_;                 // states per accumulator: agg_.size()
  int64_t cached_start_ = kMaxTime;  // start of the window of the last event (kMaxTime: none yet)
  std::map<int64_t, std::unique_ptr<Window>> windows_;  // open windows by start
  std::vector<std::unique_ptr<Window>> spare_;          // dropped windows, cleared, for reuse
  Window* last_win_ = nullptr;                          // the window last looked up
  int64_t last_start_ = 0;
  std::set<int64_t> pending_;  // ends of windows holding data, not yet fired
  int64_t due_ = kMaxTime;     // *pending_.begin() - 1, or kMaxTime when pending_ is empty
  std::vector<uint32_t> slots_;  // per processed row of the current batch: its slot, or kSkip
  std::vector<uint32_t> found_;  // per processed row: its slot found up front, or kNone
  uint64_t drops_ = 0;           // windows dropped so far
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeTumblingWindow(const KeyedStageDef& def, const Schema& input) {
  if (Aggregator(def.aggregates, input).additive()) {
    return std::make_unique<TumblingWindowOperator<SumState>>(def, input);
  }
  return std::make_unique<TumblingWindowOperator<AggState>>(def, input);
}

}  // namespace sluice
