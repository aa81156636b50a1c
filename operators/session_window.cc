// Session windows: per key, sessions [first event, last event + gap) that merge when an event
// touches or bridges them. Snapshot/Restore carry every key's sessions and the counters.
#include <map>
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
      auto& list = sessions_[std::string(key)];
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
    for (const auto& [key, list] : sessions_) {
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
    std::map<std::string, std::vector<Session>> sessions;
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
        s.fired = fired != 0;
        ReadAcc(&r, n_aggs, &s.acc);
      }
      if (r.ok()) sessions.emplace_hint(sessions.end(), std::string(key), std::move(list));
    }
    if (!r.ExpectEnd()) return r.status();
    sessions_ = std::move(sessions);
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

  void FireUpTo(TimeUs w, Batch* out) {
    if (w == kMinTime || w < next_check_) return;
    int64_t next = kMaxTime;
    // std::map iterates keys in order, so emission order is deterministic.
    for (auto kit = sessions_.begin(); kit != sessions_.end();) {
      const std::string& key = kit->first;
      auto& list = kit->second;
      for (auto it = list.begin(); it != list.end();) {
        if (!it->fired && it->end - 1 <= w) {
          EmitRow(key, true, it->start, it->end, it->acc, it->end - 1, w, kFiredPos, out);
          it->fired = true;
        }
        if (w == kMaxTime || it->end - 1 + def_.allowed_lateness <= w) {
          it = list.erase(it);
          continue;
        }
        next = std::min(next, it->fired ? it->end - 1 + def_.allowed_lateness : it->end - 1);
        ++it;
      }
      kit = list.empty() ? sessions_.erase(kit) : std::next(kit);
    }
    next_check_ = next;
  }

  std::map<std::string, std::vector<Session>> sessions_;
  int64_t next_check_ = kMinTime;
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeSessionWindow(const KeyedStageDef& def, const Schema& input) {
  return std::make_unique<SessionOperator>(def, input);
}

}  // namespace sluice
