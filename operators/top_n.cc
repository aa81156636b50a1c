// Top-N: per key, the def.top_n first rows seen so far in def.order (each column ascending or
// descending, nulls last either way; ties: the earlier arrival first), emitted as a changelog
// (operators/changelog_stage.h) with the rank (1 = first) when def.rank_field is set.
//
// A new row that sorts at position i < n enters the result. Without a rank, it emits "-" for
// the row it pushes out (the n-th, if there were n) and "+" for itself. With a rank, every row
// from position i on changes rank: "-" for each of them with its old rank, then "+" for each row
// of the new result from i on with its new rank. A row that sorts at n or later emits nothing and
// is dropped (its key's result can only get better rows). Rows are never late.
//
// State: per key at most n rows (encoded with EncodeKeyRow over every field), their order
// values, event time and arrival. With def.state_ttl > 0 a key whose newest row (entered or not)
// is more than state_ttl behind the watermark by event time is forgotten (no "-" is emitted). Each
// emitted row's Batch::pos is the index of the input row that caused it (runtime/stage_gather.h).
#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operators/changelog_stage.h"
#include "operators/key_dictionary.h"
#include "operators/row_order.h"

namespace sluice {
namespace {

class TopN final : public ChangelogStage {
 public:
  TopN(const KeyedStageDef& def, const Schema& input)
      : ChangelogStage(def, input, def.rank_field), order_(def_, input_) {}

  uint64_t keys() const override { return live_; }

  Status ProcessRows(const Batch& in, const uint32_t* rows, size_t n, Batch* out) override {
    for (size_t i = 0; i < n; ++i) {
      const size_t r = rows ? rows[i] : i;
      const std::string_view key = in.keys.str(r);
      const uint32_t id = keys_.FindOrInsert(key, in.key_hash[r]);
      if (id >= state_.size()) state_.resize(id + 1);
      KeyState& k = state_[id];
      Entry e;
      e.arrival = arrival_++;
      e.ts = in.ts[r];
      e.order = order_.ValuesOf(in, r);
      if (k.rows.empty()) {
        keys_.AddRef(id);
        ++live_;
        k.gen = next_gen_++;
        k.newest = kMinTime;
      } else if (Expired(k.newest, in.wm[r])) {
        k.rows.clear();  // forgotten: this row starts the key afresh
        k.gen = next_gen_++;
        k.newest = kMinTime;
      }
      if (in.ts[r] > k.newest) {
        k.newest = in.ts[r];
        if (def_.state_ttl > 0) expiry_.push({k.newest, id, k.gen});
      }
      const auto at =
          std::upper_bound(k.rows.begin(), k.rows.end(), e,
                           [&](const Entry& a, const Entry& b) { return order_.Before(a, b); });
      const size_t pos = static_cast<size_t>(at - k.rows.begin());
      if (pos >= static_cast<size_t>(def_.top_n)) continue;
      EncodeRow(in, r, &e.row);
      const bool ranked = !def_.rank_field.empty();
      if (ranked) {
        for (size_t j = pos; j < k.rows.size(); ++j)
          Emit("-", k.rows[j], j + 1, CausePos(in, r), in.wm[r], out);
      } else if (k.rows.size() == static_cast<size_t>(def_.top_n)) {
        Emit("-", k.rows.back(), 0, CausePos(in, r), in.wm[r], out);
      }
      k.rows.insert(k.rows.begin() + static_cast<std::ptrdiff_t>(pos), std::move(e));
      if (k.rows.size() > static_cast<size_t>(def_.top_n)) k.rows.pop_back();
      const size_t end = ranked ? k.rows.size() : pos + 1;
      for (size_t j = pos; j < end; ++j)
        Emit("+", k.rows[j], j + 1, CausePos(in, r), in.wm[r], out);
    }
    if (def_.state_ttl > 0 && !in.last) Sweep(in.watermark);
    return Status::OK();
  }

  // snapshot := prologue keys:count (key:string newest:signed rows:count
  //             (row:string ts:signed arrival:varint)*)*
  // Order values are derived again from the rows on restore.
  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStateTopN);
    w.PutVarint(live_);
    for (uint32_t id = 0; id < state_.size(); ++id) {
      const KeyState& k = state_[id];
      if (k.rows.empty()) continue;
      w.PutString(keys_.key(id));
      w.PutSigned(k.newest);
      w.PutVarint(k.rows.size());
      for (const Entry& e : k.rows) {
        w.PutString(e.row);
        w.PutSigned(e.ts);
        w.PutVarint(e.arrival);
      }
    }
  }

  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || keys_.size() != 0) {
      return Status::Internal("Restore needs a fresh operator");
    }
    StateReader r(in, "top_n snapshot");
    uint64_t arrival = 0, late = 0;
    ReadPrologue(&r, kStateTopN, &arrival, &late);
    std::vector<std::pair<std::string_view, KeyState>> entries(r.Count(kMinKeyBytes + 2));
    absl::flat_hash_set<std::string_view> seen;
    Batch scratch;
    for (size_t i = 0; i < entries.size() && r.ok(); ++i) {
      auto& [key, k] = entries[i];
      key = ReadKey(&r);
      k.newest = r.Signed();
      k.rows.resize(r.Count(3));
      if (r.ok() && (k.rows.empty() || k.rows.size() > static_cast<size_t>(def_.top_n))) {
        r.Fail("has a key with no rows or more than n");
      }
      for (Entry& e : k.rows) {
        if (!r.ok()) break;
        const std::string_view row = r.String();
        if (r.ok() && !ValidRow(row)) r.Fail("has a malformed row");
        e.row = std::string(row);
        e.ts = r.Signed();
        e.arrival = r.Varint();
        if (r.ok()) e.order = order_.OrderOf(e.row, &scratch);
      }
      if (r.ok() && !seen.insert(key).second) r.Fail("has a key twice");
    }
    if (!r.ExpectEnd()) return r.status();
    for (auto& [key, k] : entries) {
      const uint32_t id = HoldRestoredKey(key, &keys_, &state_);
      k.gen = next_gen_++;
      if (def_.state_ttl > 0) expiry_.push({k.newest, id, k.gen});
      state_[id] = std::move(k);
    }
    live_ = entries.size();
    arrival_ = arrival;
    stats_.late = late;
    return Status::OK();
  }

 private:
  using Entry = RankedRow;
  struct KeyState {
    std::vector<Entry> rows;   // in order, at most top_n
    TimeUs newest = kMinTime;  // the largest event time of the key's rows
    uint64_t gen = 0;          // set each time the key starts afresh
  };
  // A key's newest event time when it was pushed: stale once the key has a newer row or has
  // started afresh (another gen).
  struct Expiry {
    TimeUs ts;
    uint32_t id;
    uint64_t gen;
    bool operator>(const Expiry& o) const { return ts > o.ts; }
  };

  void Sweep(TimeUs wm) {
    while (!expiry_.empty() && Expired(expiry_.top().ts, wm)) {
      const Expiry e = expiry_.top();
      expiry_.pop();
      if (e.id >= state_.size()) continue;
      KeyState& k = state_[e.id];
      if (k.rows.empty() || k.newest != e.ts || k.gen != e.gen) continue;
      k.rows.clear();
      k.rows.shrink_to_fit();
      k.newest = kMinTime;
      --live_;
      keys_.Release(e.id);
    }
  }

  void Emit(const char* op, const Entry& e, size_t rank, uint64_t cause, TimeUs wm,
            Batch* out) const {
    EmitEncoded(op, e.row, e.ts, rank, cause, wm, out);
  }

  KeyDictionary keys_;
  std::vector<KeyState> state_;  // by key id
  uint64_t live_ = 0;            // keys with rows
  uint64_t next_gen_ = 1;
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<Expiry>> expiry_;
  RowOrder order_;
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeTopN(const KeyedStageDef& def, const Schema& input) {
  return std::make_unique<TopN>(def, input);
}

}  // namespace sluice
