// Deduplicate: per key, the first row (smallest event time, ties: the earlier arrival) or the
// last row (largest event time, ties: the later arrival) seen so far, emitted as a changelog.
// Output rows are a changelog (operators/changelog_stage.h) without a rank. A row that replaces the
// kept one emits "-" for the old row, then "+" for itself, both while the new row is processed; a
// row that does not replace it emits nothing. Rows are never late: the result depends only on each
// key's rows in arrival order, which the runtime keeps at any parallelism and batch size.
//
// State: per key, the kept row (encoded), its event time and arrival. With def.state_ttl > 0, a
// key whose kept row's event time is more than state_ttl behind the watermark is forgotten (no
// "-" is emitted); a later row of that key is new again.
#include <absl/container/flat_hash_set.h>

#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operators/changelog_stage.h"
#include "operators/key_dictionary.h"

namespace sluice {
namespace {

class Deduplicate final : public ChangelogStage {
 public:
  Deduplicate(const KeyedStageDef& def, const Schema& input) : ChangelogStage(def, input, "") {}

  uint64_t keys() const override { return live_; }

  Status ProcessRows(const Batch& in, const uint32_t* rows, size_t n, Batch* out) override {
    for (size_t i = 0; i < n; ++i) {
      const size_t r = rows ? rows[i] : i;
      const std::string_view key = in.keys.str(r);
      const uint32_t id = keys_.FindOrInsert(key, in.key_hash[r]);
      if (id >= kept_.size()) kept_.resize(id + 1);
      Kept& k = kept_[id];
      const uint64_t arrival = arrival_++;
      if (!k.held) {
        k.held = true;
        keys_.AddRef(id);
        ++live_;
      } else if (!Expired(k.ts, in.wm[r])) {  // an expired row is forgotten: this one is new
        const bool replace = def_.keep_last ? in.ts[r] >= k.ts : in.ts[r] < k.ts;
        if (!replace) continue;
        EmitEncoded("-", k.row, k.ts, 0, CausePos(in, r), in.wm[r], out);
      }
      EncodeRow(in, r, &k.row);
      k.ts = in.ts[r];
      k.arrival = arrival;
      if (def_.state_ttl > 0) expiry_.push({k.ts, id, arrival});
      EmitInput("+", in, r, 0, out);
    }
    if (def_.state_ttl > 0) Sweep(in.last ? kMinTime : in.watermark);
    return Status::OK();
  }

  // snapshot := prologue keys:count (key:string row:string ts:signed arrival:varint)*
  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStateDeduplicate);
    w.PutVarint(live_);
    for (uint32_t id = 0; id < kept_.size(); ++id) {
      const Kept& k = kept_[id];
      if (!k.held) continue;
      w.PutString(keys_.key(id));
      w.PutString(k.row);
      w.PutSigned(k.ts);
      w.PutVarint(k.arrival);
    }
  }

  // Decodes the whole snapshot before touching any state: on error the operator stays fresh.
  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || keys_.size() != 0) {
      return Status::Internal("Restore needs a fresh operator");
    }
    StateReader r(in, "deduplicate snapshot");
    uint64_t arrival = 0, late = 0;
    ReadPrologue(&r, kStateDeduplicate, &arrival, &late);
    struct Entry {
      std::string_view key, row;
      TimeUs ts;
      uint64_t arrival;
    };
    std::vector<Entry> entries(r.Count(kMinKeyBytes + 3));
    absl::flat_hash_set<std::string_view> seen;
    for (size_t i = 0; i < entries.size() && r.ok(); ++i) {
      Entry& e = entries[i];
      e.key = ReadKey(&r);
      e.row = r.String();
      if (r.ok() && !ValidRow(e.row)) r.Fail("has a malformed row");
      e.ts = r.Signed();
      e.arrival = r.Varint();
      if (r.ok() && !seen.insert(e.key).second) r.Fail("has a key twice");
    }
    if (!r.ExpectEnd()) return r.status();
    for (const Entry& e : entries) {
      const uint32_t id = HoldRestoredKey(e.key, &keys_, &kept_);
      kept_[id] = Kept{true, std::string(e.row), e.ts, e.arrival};
      if (def_.state_ttl > 0) expiry_.push({e.ts, id, e.arrival});
    }
    live_ = entries.size();
    arrival_ = arrival;
    stats_.late = late;
    return Status::OK();
  }

 private:
  struct Kept {
    bool held = false;
    std::string row;  // EncodeKeyRow over every input field
    TimeUs ts = 0;
    uint64_t arrival = 0;
  };
  // A kept row's event time, to forget its key once the watermark is state_ttl past it.
  // Entries of rows since replaced are skipped when they come up (their arrival differs).
  struct Expiry {
    TimeUs ts;
    uint32_t id;
    uint64_t arrival;
    bool operator>(const Expiry& o) const { return ts > o.ts; }
  };

  void Forget(uint32_t id) {
    Kept& k = kept_[id];
    k.held = false;
    k.row.clear();
    k.row.shrink_to_fit();
    --live_;
    keys_.Release(id);
  }

  // Forgets every key expired at watermark `wm` (kMinTime: none).
  void Sweep(TimeUs wm) {
    while (!expiry_.empty() && Expired(expiry_.top().ts, wm)) {
      const Expiry e = expiry_.top();
      expiry_.pop();
      if (e.id < kept_.size() && kept_[e.id].held && kept_[e.id].arrival == e.arrival) {
        Forget(e.id);
      }
    }
  }

  KeyDictionary keys_;
  std::vector<Kept> kept_;  // by key id
  uint64_t live_ = 0;       // keys with a kept row
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<Expiry>> expiry_;
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeDeduplicate(const KeyedStageDef& def, const Schema& input) {
  return std::make_unique<Deduplicate>(def, input);
}

}  // namespace sluice
