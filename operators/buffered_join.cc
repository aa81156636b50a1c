// Interval joins (inner, left, right, full outer) and regular joins (inner), the two joins that
// buffer each row until it can meet no further partner.
//
// Interval join: a left row l and a right row r of the same key pair when
// l.ts + lower <= r.ts <= l.ts + upper. Each arriving row is matched against the buffered rows of
// the other side of its key, then buffered itself until the watermark passes the last time a
// partner could arrive: l.ts + upper for a left row, r.ts - lower for a right row. Any partner
// arriving later is late, so no pair is lost, and a row leaving the state unmatched is final
// (outer joins emit it then). A row that arrives already past that time is matched and leaves at
// once.
//
// Regular join: every pair of the same key, nothing late. A row departs at ts + its side's ttl
// (never with ttl 0), but not before the watermark rises above the wm it arrived with, so that
// rows of equal wm always meet (operators/join_operator.h); the departure is evicted before the
// first row of a greater wm, as for interval joins.
//
// State: per key (KeyDictionary id) and side, a batch of buffered rows with one entry per row
// (its time and arrival number, whether it matched) ordered by (time, arrival), so that a row
// finds its partners by binary search; dead entries are compacted away. Rows with a null key
// (kept only for an outer side) have a separate state. A heap of departure times ordered by
// (time, arrival) fixes the order of outer rows.
#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <iterator>
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

class BufferedJoin final : public JoinBase {
 public:
  BufferedJoin(const JoinDef& def, const Schema& left, const Schema& right, Schema output)
      : JoinBase(def, left, right, std::move(output)),
        regular_(def.kind == OpKind::kJoin),
        outer_{def.type == JoinType::kLeft || def.type == JoinType::kFull,
               def.type == JoinType::kRight || def.type == JoinType::kFull} {}

  uint64_t keys() const override { return live_keys_ + (null_.live > 0 ? 1 : 0); }

  Status ProcessTwo(const TwoInputs& in, Batch* out) override {
    return Drive(
        in, [&](int side, const Batch& b, size_t r) { Add(side, b, r, out); },
        [&](TimeUs w) { Evict(w, out); });
  }

  // snapshot := prologue keys:count (key:string side side)* nulls:(side side)
  // side     := count (arrival:varint matched:u8 row)*   (increasing (row ts, arrival))
  // Only buffered (live) rows.
  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStateIntervalJoin);
    w.PutVarint(live_keys_);
    for (uint32_t id = 0; id < states_.size(); ++id) {
      if (states_[id].live == 0) continue;
      w.PutString(keys_.key(id));
      PutSides(&w, states_[id]);
    }
    PutSides(&w, null_);
  }

  // Decodes the whole snapshot before touching any state: on error the operator stays fresh.
  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || seen_ != kMinTime || live_keys_ != 0 || null_.live != 0) {
      return Status::Internal("Restore needs a fresh operator");
    }
    StateReader r(in, regular_ ? "join snapshot" : "interval join snapshot");
    uint64_t arrival = 0, late = 0;
    TimeUs seen = kMinTime;
    ReadPrologue(&r, kStateIntervalJoin, &arrival, &late, &seen);
    std::vector<std::pair<std::string_view, KeyState>> keyed(r.Count(3));
    absl::flat_hash_set<std::string_view> seen_keys;
    for (auto& [key, state] : keyed) {
      key = ReadKey(&r);
      if (r.ok() && !seen_keys.insert(key).second) r.Fail("has a key twice");
      if (!ReadSides(&r, arrival, &state)) break;
      if (state.live == 0) r.Fail("has a key without rows");
    }
    KeyState nulls;
    ReadSides(&r, arrival, &nulls);
    if (!r.ExpectEnd()) return r.status();

    for (auto& [key, state] : keyed) {
      const uint32_t id = HoldRestoredKey(key, &keys_, &states_);
      ++live_keys_;
      states_[id] = std::move(state);
      PushDepartures(id, states_[id]);
    }
    null_ = std::move(nulls);
    PushDepartures(kNullKey, null_);
    arrival_ = arrival;
    stats_.late = late;
    seen_ = seen;
    return Status::OK();
  }

 private:
  static constexpr uint32_t kNullKey = UINT32_MAX;

  struct Entry {
    int64_t ts = 0;
    uint64_t seq = 0;  // arrival number
    uint32_t row = 0;  // in SideRows::rows
    bool matched = false;
    bool live = true;
    // CausePos of the row; 0 after a restore (every restored row precedes the rows that meet it).
    uint64_t pos = 0;
  };
  struct SideRows {
    Batch rows;                  // columns and ts
    std::vector<Entry> entries;  // increasing (ts, seq)
    uint32_t live = 0;
  };
  struct KeyState {
    SideRows side[2];
    uint32_t live = 0;
  };
  // When a buffered row leaves the state; ordered by (at, seq).
  struct Departure {
    int64_t at;
    uint64_t seq;
    int64_t ts;    // of the row
    uint32_t key;  // KeyDictionary id or kNullKey
    int side;
    bool operator>(const Departure& o) const { return std::tie(at, seq) > std::tie(o.at, o.seq); }
  };

  // The time after which no partner of a `side` row at t can arrive (interval join), or after
  // which it leaves the state (regular join; kMaxTime = never).
  int64_t Departs(int side, int64_t t) const {
    if (regular_) return def_.ttl[side] == 0 ? kMaxTime : t + def_.ttl[side];
    return side == kLeftSide ? t + def_.upper : t - def_.lower;
  }

  void Add(int side, const Batch& b, size_t r, Batch* out) {
    const TimeUs w = b.wm[r];
    const int64_t t = b.ts[r];
    if (!regular_ && Reached(w, t)) {
      Late(side, b, r, out);
      return;
    }
    const bool null_key = NullKey(side, b, r);
    bool matched = false;
    uint32_t id = KeyDictionary::kNone;
    if (!null_key) {
      id = keys_.Find(b.keys.str(r), b.key_hash[r]);
      if (id != KeyDictionary::kNone && id < states_.size()) {
        matched = Match(side, b, r, &states_[id].side[1 - side], w, out);
      }
    }
    int64_t at = Departs(side, t);
    if (regular_ && at <= w) at = w == kMaxTime ? kMaxTime : w + 1;  // meets rows of equal wm
    if (Reached(w, at)) {
      if (outer_[side] && !matched) EmitAlone(side, b, r, std::max(t, at), w, CausePos(b, r), out);
      return;
    }
    if (null_key && !outer_[side]) return;
    KeyState* ks = &null_;
    if (!null_key) {
      if (id == KeyDictionary::kNone) id = keys_.FindOrInsert(b.keys.str(r), b.key_hash[r]);
      if (id >= states_.size()) states_.resize(id + 1);
      ks = &states_[id];
      if (ks->live == 0) {
        keys_.AddRef(id);
        ++live_keys_;
      }
    } else {
      id = kNullKey;
    }
    SideRows& sr = ks->side[side];
    if (sr.entries.empty()) sr.rows.reset(input_[side]);
    // After every entry of time <= t (all earlier arrivals); mostly at the end.
    auto pos = sr.entries.end();
    while (pos != sr.entries.begin() && std::prev(pos)->ts > t) --pos;
    sr.entries.insert(
        pos, {t, arrival_, static_cast<uint32_t>(sr.rows.size()), matched, true, CausePos(b, r)});
    StoreRow(b, r, &sr.rows);
    ++sr.live;
    ++ks->live;
    departures_.push({at, arrival_, t, id, side});
    ++arrival_;
  }

  // Emits the pairs of row r (of `side`) with the buffered rows of the other side; true if any.
  bool Match(int side, const Batch& b, size_t r, SideRows* other, TimeUs w, Batch* out) {
    const int64_t t = b.ts[r];
    // The other side's times that pair with t: all of them in a regular join.
    int64_t lo = kMinTime, hi = kMaxTime;
    if (!regular_) {
      lo = side == kLeftSide ? t + def_.lower : t - def_.upper;
      hi = side == kLeftSide ? t + def_.upper : t - def_.lower;
    }
    bool matched = false;
    auto it = std::lower_bound(other->entries.begin(), other->entries.end(), lo,
                               [](const Entry& e, int64_t ts) { return e.ts < ts; });
    for (; it != other->entries.end() && it->ts <= hi; ++it) {
      Entry& e = *it;
      if (!e.live) continue;
      // The pair stands at the later of its two rows (which of them arrives second depends on
      // how the inputs' rows interleave within a batch).
      const uint64_t at = std::max(CausePos(b, r), e.pos);
      if (side == kLeftSide) {
        Emit(&b, r, &other->rows, e.row, 0, 0, std::max(t, e.ts), w, at, out);
      } else {
        Emit(&other->rows, e.row, &b, r, 0, 0, std::max(t, e.ts), w, at, out);
      }
      e.matched = true;
      matched = true;
    }
    return matched;
  }

  // An outer row: row r of `side`'s batch `b`, nulls for the other side.
  void EmitAlone(int side, const Batch& b, size_t r, TimeUs ts, TimeUs wm, uint64_t pos,
                 Batch* out) const {
    if (side == kLeftSide) {
      Emit(&b, r, nullptr, 0, 0, 0, ts, wm, pos, out);
    } else {
      Emit(nullptr, 0, &b, r, 0, 0, ts, wm, pos, out);
    }
  }

  // Removes every buffered row whose departure time w has reached.
  void Evict(TimeUs w, Batch* out) {
    while (!departures_.empty() && departures_.top().at <= w) {
      const Departure d = departures_.top();
      departures_.pop();
      KeyState& ks = d.key == kNullKey ? null_ : states_[d.key];
      SideRows& sr = ks.side[d.side];
      auto it = std::lower_bound(sr.entries.begin(), sr.entries.end(), d,
                                 [](const Entry& e, const Departure& x) {
                                   return std::tie(e.ts, e.seq) < std::tie(x.ts, x.seq);
                                 });
      if (it == sr.entries.end() || it->seq != d.seq || !it->live) continue;
      if (outer_[d.side] && !it->matched) {
        const TimeUs ts = std::max(it->ts, d.at);
        EmitAlone(d.side, sr.rows, it->row, ts, w, FiredAtPos(ts, d.at), out);
      }
      it->live = false;
      --sr.live;
      if (--ks.live == 0) {
        ks = KeyState();
        if (d.key != kNullKey) {
          keys_.Release(d.key);
          --live_keys_;
        }
      } else if (sr.entries.size() > 2 * static_cast<size_t>(sr.live) + 16) {
        Compact(&sr, d.side);
      }
    }
  }

  // Drops dead entries and their rows, keeping the order.
  void Compact(SideRows* sr, int side) {
    Batch rows = EmptyRows(side);
    size_t kept = 0;
    for (Entry& e : sr->entries) {
      if (!e.live) continue;
      StoreRow(sr->rows, e.row, &rows);
      e.row = static_cast<uint32_t>(kept);
      sr->entries[kept++] = e;
    }
    sr->entries.resize(kept);
    sr->rows = std::move(rows);
  }

  void PutSides(StateWriter* w, const KeyState& ks) const {
    for (const SideRows& sr : ks.side) {
      w->PutVarint(sr.live);
      for (const Entry& e : sr.entries) {
        if (!e.live) continue;
        w->PutVarint(e.seq);
        w->PutBool(e.matched);
        PutRow(w, sr.rows, e.row);
      }
    }
  }

  bool ReadSides(StateReader* r, uint64_t arrival, KeyState* ks) const {
    for (int side = 0; side < 2 && r->ok(); ++side) {
      SideRows& sr = ks->side[side];
      sr.rows = EmptyRows(side);
      const uint64_t n = r->Count(2 + MinRowBytes(input_[side]));
      for (uint64_t i = 0; i < n && r->ok(); ++i) {
        Entry e;
        e.seq = r->Varint();
        const uint8_t matched = r->U8();
        if (r->ok() && (matched > 1 || e.seq >= arrival)) {
          return r->Fail("has a malformed buffered row");
        }
        e.matched = matched != 0;
        e.row = static_cast<uint32_t>(sr.rows.size());
        if (!ReadRow(r, input_[side], &sr.rows)) return false;
        e.ts = sr.rows.ts.back();
        if (!sr.entries.empty() &&
            std::tie(e.ts, e.seq) <= std::tie(sr.entries.back().ts, sr.entries.back().seq)) {
          return r->Fail("has buffered rows out of order");
        }
        sr.entries.push_back(e);
      }
      sr.live = static_cast<uint32_t>(sr.entries.size());
      ks->live += sr.live;
    }
    return r->ok();
  }

  void PushDepartures(uint32_t id, const KeyState& ks) {
    for (int side = 0; side < 2; ++side) {
      for (const Entry& e : ks.side[side].entries) {
        departures_.push({Departs(side, e.ts), e.seq, e.ts, id, side});
      }
    }
  }

  const bool regular_;   // a regular join (else an interval join)
  const bool outer_[2];  // whether unmatched rows of each side are emitted
  KeyDictionary keys_;
  std::vector<KeyState> states_;  // by key id
  uint64_t live_keys_ = 0;        // key ids with buffered rows
  KeyState null_;                 // rows with a null key (outer sides only)
  std::priority_queue<Departure, std::vector<Departure>, std::greater<Departure>> departures_;
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeBufferedJoin(const JoinDef& def, const Schema& left,
                                                const Schema& right, Schema output) {
  return std::make_unique<BufferedJoin>(def, left, right, std::move(output));
}

}  // namespace sluice
