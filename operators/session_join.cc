// Session window joins: per key, sessions [first row, last row + gap) formed over the rows of
// both inputs (docs/semantics.md, sessions with no allowed lateness); a session fires once
// (W >= end - 1) with every pair of its left and right rows.
//
// Order. Whether a row whose own window is late joins a session depends on the rows before it,
// so rows are taken in the order of the contract, globally and not only within one call: by
// watermark, then left before right. Left rows are applied at once; right rows wait until the
// watermark rises above theirs (or end of input), because a later call may still bring left rows
// of the same watermark. Results therefore never depend on how the inputs are cut into batches.
#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <queue>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "base/time_util.h"
#include "operators/join_base.h"
#include "operators/key_dictionary.h"

namespace sluice {
namespace {

class SessionJoin final : public JoinBase {
 public:
  SessionJoin(const JoinDef& def, const Schema& left, const Schema& right, Schema output)
      : JoinBase(def, left, right, std::move(output)), pending_(EmptyRows(1)) {}

  uint64_t keys() const override { return live_keys_; }

  Status ProcessTwo(const TwoInputs& in, Batch* out) override {
    return Drive(
        in,
        [&](int side, const Batch& b, size_t r) {
          if (NullKey(side, b, r)) {
            // Joins nothing: late only when its own window is.
            if (Reached(b.wm[r], b.ts[r] + def_.gap - 1)) Late(side, b, r, out);
            return;
          }
          if (side == kLeftSide) {
            Apply(side, b, r, out);
          } else {
            pending_.append_row(b, r);
          }
        },
        [&](TimeUs w) {
          ApplyPending(out);
          FireUpTo(w, out);
        });
  }

  // snapshot := prologue keys:count (key:string sessions:count session*)*
  //             pending:count (key:string wm:signed row)*
  // session  := start:signed end:signed left:rows right:rows
  // Each key's sessions and rows in their order (merges and results walk it).
  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStateSessionJoin);
    w.PutVarint(live_keys_);
    for (uint32_t id = 0; id < states_.size(); ++id) {
      const std::vector<uint32_t>& list = states_[id];
      if (list.empty()) continue;
      w.PutString(keys_.key(id));
      w.PutVarint(list.size());
      for (uint32_t slot : list) {
        const Session& s = pool_[slot];
        w.PutSigned(s.start);
        w.PutSigned(s.end);
        PutRows(&w, s.rows[0], AllRows(s.rows[0]));
        PutRows(&w, s.rows[1], AllRows(s.rows[1]));
      }
    }
    w.PutVarint(pending_.size());
    for (size_t r = 0; r < pending_.size(); ++r) {
      w.PutString(pending_.keys.str(r));
      w.PutSigned(pending_.wm[r]);
      PutRow(&w, pending_, r);
    }
  }

  // Decodes the whole snapshot before touching any state: on error the operator stays fresh.
  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || seen_ != kMinTime || !pool_.empty() || pending_.size() != 0) {
      return Status::Internal("Restore needs a fresh operator");
    }
    StateReader r(in, "session join snapshot");
    uint64_t arrival = 0, late = 0;
    TimeUs seen = kMinTime;
    ReadPrologue(&r, kStateSessionJoin, &arrival, &late, &seen);
    std::vector<std::pair<std::string_view, std::vector<Session>>> keyed(r.Count(2));
    absl::flat_hash_set<std::string_view> seen_keys;
    std::vector<uint32_t> scratch;
    for (auto& [key, list] : keyed) {
      key = ReadKey(&r);
      if (r.ok() && !seen_keys.insert(key).second) r.Fail("has a key twice");
      list.resize(r.Count(4));
      for (Session& s : list) {
        s.start = r.Signed();
        s.end = r.Signed();
        if (r.ok() && (!InEventTimeRange(s.start) || s.end < s.start ||
                       s.end > kMaxEventTime + def_.gap || s.end - s.start < def_.gap)) {
          r.Fail("has a malformed session");
        }
        for (int side = 0; side < 2; ++side) {
          s.rows[side] = EmptyRows(side);
          scratch.clear();
          ReadRows(&r, input_[side], &s.rows[side], &scratch);
          for (TimeUs t : s.rows[side].ts) {
            if (t < s.start || t > s.end - def_.gap) r.Fail("has a row outside its session");
          }
        }
        if (!r.ok()) break;
      }
      if (!r.ok()) break;
    }
    Batch pending = EmptyRows(1);
    const uint64_t n_pending = r.Count(2 + MinRowBytes(input_[1]));
    for (uint64_t i = 0; i < n_pending && r.ok(); ++i) {
      const std::string_view key = ReadKey(&r);
      const TimeUs wm = r.Signed();
      if (!ReadRow(&r, input_[1], &pending)) break;
      pending.wm.push_back(wm);
      pending.keys.push_string(key);
      pending.key_hash.push_back(HashKey(key));
    }
    if (!r.ExpectEnd()) return r.status();

    for (auto& [key, list] : keyed) {
      const uint32_t id = HoldRestoredKey(key, &keys_, &states_);
      ++live_keys_;
      for (Session& s : list) {
        const uint32_t slot = NewSession();
        due_.push({s.end, id});
        pool_[slot] = std::move(s);
        states_[id].push_back(slot);
      }
    }
    pending_ = std::move(pending);
    arrival_ = arrival;
    stats_.late = late;
    seen_ = seen;
    return Status::OK();
  }

 private:
  struct Session {
    int64_t start = 0, end = 0;
    Batch rows[2];  // per side (columns and ts)
  };
  // A session end, for firing: (end, key id). Entries go stale when a session grows or merges.
  using Due = std::pair<int64_t, uint32_t>;

  static std::vector<uint32_t> AllRows(const Batch& b) {
    std::vector<uint32_t> rows(b.size());
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
    return rows;
  }

  // Takes row r (non-null key) into its key's sessions, or drops it as late.
  void Apply(int side, const Batch& b, size_t r, Batch* out) {
    const TimeUs w = b.wm[r];
    const int64_t t = b.ts[r];
    const int64_t gap = def_.gap;
    const uint32_t id = keys_.FindOrInsert(b.keys.str(r), b.key_hash[r]);
    if (id >= states_.size()) states_.resize(id + 1);
    std::vector<uint32_t>& list = states_[id];
    // Every session in the list is open (not fired), and no two of them touch: the row merges
    // the sessions it touches into the first of them.
    size_t target = list.size();
    for (size_t k = 0; k < list.size();) {
      Session& s = pool_[list[k]];
      if (s.start > t + gap || s.end < t) {
        ++k;
        continue;
      }
      if (target == list.size()) {
        target = k++;
        continue;
      }
      Session& into = pool_[list[target]];
      into.start = std::min(into.start, s.start);
      into.end = std::max(into.end, s.end);
      for (int sd = 0; sd < 2; ++sd) {
        for (size_t i = 0; i < s.rows[sd].size(); ++i) StoreRow(s.rows[sd], i, &into.rows[sd]);
      }
      FreeSession(list[k]);
      list.erase(list.begin() + static_cast<std::ptrdiff_t>(k));
    }
    if (target == list.size()) {
      if (Reached(w, t + gap - 1)) {
        Late(side, b, r, out);
        return;
      }
      if (list.empty()) {
        keys_.AddRef(id);
        ++live_keys_;
      }
      const uint32_t slot = NewSession();
      pool_[slot].start = t;
      pool_[slot].end = t + gap;
      list.push_back(slot);
    }
    Session& s = pool_[list[target]];
    s.start = std::min(s.start, t);
    s.end = std::max(s.end, t + gap);
    StoreRow(b, r, &s.rows[side]);
    due_.push({s.end, id});
    ++arrival_;
  }

  // A session slot with no rows, recycled when possible (no allocation once warm).
  uint32_t NewSession() {
    if (!free_.empty()) {
      const uint32_t slot = free_.back();
      free_.pop_back();
      return slot;
    }
    pool_.push_back(Session{0, 0, {EmptyRows(0), EmptyRows(1)}});
    return static_cast<uint32_t>(pool_.size() - 1);
  }
  // Returns a slot to the pool; large row buffers are released rather than kept.
  void FreeSession(uint32_t slot) {
    for (int side = 0; side < 2; ++side) {
      Batch& rows = pool_[slot].rows[side];
      if (rows.size() > kMaxPooledRows) {
        rows = EmptyRows(side);
      } else {
        for (Column& c : rows.columns) c.clear();
        rows.ts.clear();
      }
    }
    free_.push_back(slot);
  }
  static constexpr size_t kMaxPooledRows = 256;

  void ApplyPending(Batch* out) {
    for (size_t r = 0; r < pending_.size(); ++r) Apply(kRightSide, pending_, r, out);
    pending_.clear();
  }

  // Fires every session with end - 1 <= w, in order of (end, key bytes, start).
  void FireUpTo(TimeUs w, Batch* out) {
    while (!due_.empty() && due_.top().first - 1 <= w) {
      const uint32_t id = due_.top().second;
      due_.pop();
      if (id >= states_.size()) continue;
      std::vector<uint32_t>& list = states_[id];
      if (list.empty()) continue;
      for (size_t k = 0; k < list.size();) {
        const Session& s = pool_[list[k]];
        if (s.end - 1 > w) {
          ++k;
          continue;
        }
        fired_.push_back({s.end, keys_.key(id), s.start, list[k]});
        list.erase(list.begin() + static_cast<std::ptrdiff_t>(k));
      }
      if (list.empty()) {
        --live_keys_;
        released_.push_back(id);
      }
    }
    std::sort(fired_.begin(), fired_.end());
    for (const Fired& f : fired_) {
      const Session& s = pool_[f.slot];
      for (size_t l = 0; l < s.rows[0].size(); ++l) {
        for (size_t r = 0; r < s.rows[1].size(); ++r) {
          Emit(&s.rows[0], l, &s.rows[1], r, s.start, s.end, s.end - 1, w, kFiredPos, out);
        }
      }
      FreeSession(f.slot);
    }
    fired_.clear();
    // Keys are released only after emission: their bytes are the sort keys above.
    for (uint32_t id : released_) keys_.Release(id);
    released_.clear();
  }

  struct Fired {
    int64_t end;
    std::string_view key;  // KeyDictionary bytes, valid until the key is released
    int64_t start;
    uint32_t slot;
    bool operator<(const Fired& o) const {
      return std::tie(end, key, start) < std::tie(o.end, o.key, o.start);
    }
  };

  KeyDictionary keys_;
  std::vector<Session> pool_;                  // session slots
  std::vector<uint32_t> free_;                 // unused slots of pool_
  std::vector<std::vector<uint32_t>> states_;  // key id -> slots of its open sessions, in order
  uint64_t live_keys_ = 0;                     // key ids with sessions
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  Batch pending_;  // right rows of watermark seen_, not yet applied (with wm and keys)
  std::vector<Fired> fired_;
  std::vector<uint32_t> released_;
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeSessionJoin(const JoinDef& def, const Schema& left,
                                               const Schema& right, Schema output) {
  return std::make_unique<SessionJoin>(def, left, right, std::move(output));
}

}  // namespace sluice
