// Session windows: per key, sessions [first event, last event + gap) that merge when an event
// touches or bridges them. Snapshot/Restore carry every key's sessions and the counters.
//
// Firing: each key's check time is the earliest instant at which one of its sessions fires
// (end - 1, unfired) or is dropped (end - 1 + allowed lateness, fired). A min-heap of
// (check, key) finds the keys whose check the watermark has reached, which are then processed in
// key order, so a firing costs the keys it touches, not every key.
#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operators/keyed_stage_base.h"

namespace sluice {
namespace {

class SessionOperator final : public KeyedBase {
 public:
  using KeyedBase::KeyedBase;

  uint64_t keys() const override { return sessions_.size(); }

  Status ProcessRows(const Batch& in, const uint32_t* rows, size_t n, Batch* out) override {
    const int64_t gap = def_.gap, L = def_.allowed_lateness;
    for (size_t i = 0; i < n; ++i) {
      const size_t r = rows ? rows[i] : i;
      const TimeUs w = in.wm[r];
      FireUpTo(w, out);
      const int64_t t = in.ts[r];
      std::string_view key = in.keys.str(r);
      Entry& entry = sessions_[std::string(key)];
      auto& list = entry.list;
      if (list.size() == 1) {
        Session& only = list.front();
        if (!Reached(w, only.end - 1 + L) && only.start <= t + gap && only.end >= t) {
          // The event touches the key's only session (most events): their merge is that session
          // grown in place, with no accumulator to allocate. A merge of two accumulators gives
          // the same values in either order, and the session keeps its place in the list.
          agg_.Update(&only.acc, in, r, arrival_++);
          only.start = std::min(only.start, t);
          only.end = std::max(only.end, t + gap);
          only.fired = false;
          if (Reached(w, only.end - 1)) {
            EmitRow(key, true, only.start, only.end, only.acc, only.end - 1, w, CausePos(in, r),
                    out);
            only.fired = true;
          }
          next_check_ = std::min(next_check_, only.fired ? only.end - 1 + L : only.end - 1);
          Queue(key, &entry);
          continue;
        }
      }
      Session s{t, t + gap, {}, false};
      agg_.Init(&s.acc);
      agg_.Update(&s.acc, in, r, arrival_++);
      bool merged = false;
      for (auto it = list.begin(); it != list.end();) {
        bool alive = !Reached(w, it->end - 1 + L);
        if (alive && it->start <= s.end && it->end >= s.start) {
          s.start = std::min(s.start, it->start);
          s.end = std::max(s.end, it->end);
          agg_.Merge(&s.acc, it->acc);
          it = list.erase(it);
          merged = true;
        } else {
          ++it;
        }
      }
      if (!merged && Reached(w, s.end - 1 + L)) {
        Late(in, r, out);
        if (list.empty()) sessions_.erase(std::string(key));
        continue;
      }
      if (Reached(w, s.end - 1)) {
        EmitRow(key, true, s.start, s.end, s.acc, s.end - 1, w, CausePos(in, r), out);
        s.fired = true;
      }
      // Keep the next firing or drop time exact: FireUpTo skips work until W reaches it.
      next_check_ = std::min(next_check_, s.fired ? s.end - 1 + L : s.end - 1);
      list.push_back(std::move(s));
      Queue(key, &entry);
    }
    FireUpTo(in.watermark, out);
    if (in.last) FireUpTo(kMaxTime, out);
    return TakeEmitError();
  }

  // snapshot := prologue next_check:signed keys:count (key:string sessions:count session*)*
  // session  := start:signed end:signed fired:u8 acc
  // Keys in increasing byte order, each key's sessions in their list order (merges and firings
  // walk that order, so it decides the results).
  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStateSessionWindow);
    w.PutSigned(next_check_);
    w.PutVarint(sessions_.size());
    for (const auto& [key, entry] : sessions_) {
      const std::vector<Session>& list = entry.list;
      w.PutString(key);
      w.PutVarint(list.size());
      for (const Session& s : list) {
        w.PutSigned(s.start);
        w.PutSigned(s.end);
        w.PutBool(s.fired);
        PutAcc(&w, s.acc);
      }
    }
  }

  // Decodes the whole snapshot before touching any state: on error the operator stays fresh.
  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || !sessions_.empty()) {
      return Status::Internal("Restore needs a fresh operator");
    }
    StateReader r(in, "session window snapshot");
    uint64_t arrival = 0, late = 0;
    ReadPrologue(&r, kStateSessionWindow, &arrival, &late);
    const int64_t next_check = r.Signed();
    const size_t n_aggs = def_.aggregates.size();
    std::map<std::string, Entry, std::less<>> sessions;
    std::string_view prev;
    const uint64_t n_keys = r.Count(kMinKeyBytes + 1);
    for (uint64_t i = 0; i < n_keys && r.ok(); ++i) {
      const std::string_view key = ReadKey(&r);
      if (r.ok() && i > 0 && key <= prev) r.Fail("has keys out of order");
      prev = key;
      // A session takes at least start, end, fired and its accumulator.
      std::vector<Session> list(r.Count(3 + MinAccBytes(n_aggs)));
      for (size_t j = 0; j < list.size() && r.ok(); ++j) {
        Session& s = list[j];
        s.start = r.Signed();
        s.end = r.Signed();
        const uint8_t fired = r.U8();
        if (r.ok() && fired > 1) r.Fail("has a malformed session");
        // A session is [first event, last event + gap): start < end, and its firing and drop
        // times (end - 1, end - 1 + allowed lateness) are times.
        if (r.ok() && (s.end <= s.start || s.end == kMinTime ||
                       s.end - 1 > kMaxTime - def_.allowed_lateness)) {
          r.Fail("has a session with impossible bounds");
        }
        s.fired = fired != 0;
        ReadAcc(&r, n_aggs, &s.acc);
      }
      if (r.ok()) sessions.emplace_hint(sessions.end(), std::string(key), Entry{std::move(list)});
    }
    if (!r.ExpectEnd()) return r.status();
    sessions_ = std::move(sessions);
    for (auto& [key, entry] : sessions_) Queue(key, &entry);
    next_check_ = next_check;
    arrival_ = arrival;
    stats_.late = late;
    return Status::OK();
  }

 private:
  struct Session {
    int64_t start = 0, end = 0;
    Acc acc;
    bool fired = false;
  };
  static constexpr int64_t kNone = kMaxTime;  // Entry::queued when the key has no live entry
  struct Entry {
    std::vector<Session> list;
    int64_t check = kMaxTime;  // min over list of the session's firing or drop time
    int64_t queued = kNone;    // the check of this key's live heap entry
  };

  int64_t CheckOf(const std::vector<Session>& list) const {
    int64_t c = kMaxTime;
    for (const Session& s : list) {
      c = std::min(c, s.fired ? s.end - 1 + def_.allowed_lateness : s.end - 1);
    }
    return c;
  }

  // Recomputes entry's check and makes sure the heap holds an entry for it at or below it.
  void Queue(std::string_view key, Entry* entry) {
    entry->check = CheckOf(entry->list);
    if (entry->check < entry->queued) {
      entry->queued = entry->check;
      heap_.push({entry->check, std::string(key)});
    }
  }

  // Fires and drops what the watermark `w` has reached, key by key in key order (so emission order
  // is deterministic), and sets next_check_ to the earliest check left.
  void FireUpTo(TimeUs w, Batch* out) {
    if (w == kMinTime || w < next_check_) return;
    due_.clear();
    if (w == kMaxTime) {
      for (auto& [key, entry] : sessions_) due_.push_back(&key);
      heap_ = {};
    } else {
      while (!heap_.empty() && heap_.top().first <= w) {
        auto [c, key] = heap_.top();
        heap_.pop();
        auto kit = sessions_.find(key);
        if (kit == sessions_.end() || kit->second.queued != c) continue;  // gone or superseded
        kit->second.queued = kNone;
        if (kit->second.check <= w) {
          due_.push_back(&kit->first);
        } else {
          Queue(kit->first, &kit->second);  // the key's check moved on: queue it at that
        }
      }
      std::sort(due_.begin(), due_.end(),
                [](const std::string* a, const std::string* b) { return *a < *b; });
    }
    for (const std::string* key_ptr : due_) {
      auto kit = sessions_.find(*key_ptr);
      const std::string& key = kit->first;
      auto& list = kit->second.list;
      for (auto it = list.begin(); it != list.end();) {
        if (!it->fired && it->end - 1 <= w) {
          EmitRow(key, true, it->start, it->end, it->acc, it->end - 1, w, kFiredPos, out);
          it->fired = true;
        }
        if (w == kMaxTime || it->end - 1 + def_.allowed_lateness <= w) {
          it = list.erase(it);
          continue;
        }
        ++it;
      }
      // A due key's heap entry was taken when it was found due (queued is kNone).
      if (list.empty()) {
        sessions_.erase(kit);
      } else {
        Queue(key, &kit->second);
      }
    }
    // The earliest check left: drop superseded heap entries and lift stale ones to their key's
    // check, so that the top is exact.
    while (!heap_.empty()) {
      auto [c, key] = heap_.top();
      auto kit = sessions_.find(key);
      if (kit != sessions_.end() && kit->second.queued == c && kit->second.check == c) break;
      heap_.pop();
      if (kit == sessions_.end() || kit->second.queued != c) continue;
      kit->second.queued = kNone;
      Queue(kit->first, &kit->second);
    }
    next_check_ = heap_.empty() ? kMaxTime : heap_.top().first;
  }

  std::map<std::string, Entry, std::less<>> sessions_;
  int64_t next_check_ = kMinTime;
  // (check, key), earliest first; an entry is live when its key's `queued` equals its check.
  using Due = std::pair<int64_t, std::string>;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> heap_;
  std::vector<const std::string*> due_;  // keys a FireUpTo processes
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeSessionWindow(const KeyedStageDef& def, const Schema& input) {
  return std::make_unique<SessionOperator>(def, input);
}

}  // namespace sluice
