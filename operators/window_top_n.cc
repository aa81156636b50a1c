// Window Top-N: per key and window, the def.top_n first rows in def.order (operators/row_order.h),
// emitted once, when the watermark reaches the window's end (Flink's window Top-N). A row's window
// is its def.window_end_column value (exclusive end, in the field's unit); rows are every input
// field, then the rank (1 = first) when def.rank_field is set. Results are final: each window's
// rows are emitted together with event time window_end - 1 µs (the window's last instant, as a
// window's own results), keys in key-byte order, ranks in order.
//
// A row whose window end the watermark in force had already reached, or whose window_end is null,
// is late (Batch::late). State: per open (window, key) at most n rows, encoded with EncodeKeyRow
// over every field; a window's state goes when it fires.
//
// With ties (def.with_ties, SQL's RANK() <= n): rows with the same order values share a rank,
// the rank after a group of tied rows skips as many, and every row of rank <= n is kept (so
// more than n when the n-th ties). For n = 1, a window's state is its rows tying for first.
#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time_util.h"
#include "operators/keyed_stage_base.h"
#include "operators/row_order.h"

namespace sluice {
namespace {

class WindowTopN final : public KeyedBase {
 public:
  WindowTopN(const KeyedStageDef& def, const Schema& input)
      : KeyedBase(def, input),
        order_(def_, input_),
        end_unit_(input.field(def.window_end_column).unit),
        ranked_(!def.rank_field.empty()) {
    std::vector<Field> fields = input.fields();
    for (size_t c = 0; c < input.size(); ++c) all_columns_.push_back(static_cast<int>(c));
    if (ranked_) fields.push_back({def.rank_field, Type::kInt64, TimeUnit::kMicros});
    output_ = Schema(std::move(fields));
  }

  uint64_t keys() const override { return groups_; }

  Status ProcessRows(const Batch& in, const uint32_t* rows, size_t n, Batch* out) override {
    const Column& end_col = in.columns[def_.window_end_column];
    const size_t limit = static_cast<size_t>(def_.top_n);
    for (size_t i = 0; i < n; ++i) {
      const size_t r = rows ? rows[i] : i;
      const TimeUs w = in.wm[r];
      if (!windows_.empty() && Reached(w, windows_.begin()->first - 1)) Fire(w, out);
      const uint64_t arrival = arrival_++;
      if (!end_col.is_valid(r)) {
        Late(in, r, out);
        continue;
      }
      const TimeUs end = RawToMicros(end_col.i64[r], end_unit_);
      if (Reached(w, end - 1)) {
        Late(in, r, out);
        continue;
      }
      std::vector<RankedRow>& kept = Group(end, in.keys.str(r));
      // A row behind the n-th (or tying with it, without ties) ranks past n: most rows, once a
      // window has its n; decided without copying the row's values.
      if (kept.size() >= limit) {
        const int d = order_.CompareRow(in, r, kept[limit - 1]);
        if (d > 0 || (d == 0 && !def_.with_ties)) continue;
      }
      RankedRow e;
      e.arrival = arrival;
      e.ts = in.ts[r];
      e.order = order_.ValuesOf(in, r);
      const auto at = std::upper_bound(
          kept.begin(), kept.end(), e,
          [&](const RankedRow& a, const RankedRow& b) { return order_.Before(a, b); });
      if (!def_.with_ties) {
        if (static_cast<size_t>(at - kept.begin()) >= limit) continue;
        EncodeKeyRow(in.columns, all_columns_, r, &e.row);
        kept.insert(at, std::move(e));
        if (kept.size() > limit) kept.pop_back();
        continue;
      }
      // With ties: the row's rank is 1 + the rows before it in order values.
      size_t before = static_cast<size_t>(at - kept.begin());
      while (before > 0 && order_.Tied(kept[before - 1], e)) --before;
      if (before >= limit) continue;
      EncodeKeyRow(in.columns, all_columns_, r, &e.row);
      kept.insert(at, std::move(e));
      // Drop the last group of tied rows while its rank is above n.
      while (kept.size() > limit) {
        size_t first = kept.size() - 1;
        while (first > 0 && order_.Tied(kept[first - 1], kept.back())) --first;
        if (first < limit) break;
        kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(first), kept.end());
      }
    }
    Fire(in.watermark, out);
    if (in.last) Fire(kMaxTime, out);
    return Status::OK();
  }

  // snapshot := prologue windows:count (end:signed groups:count
  //             (key:string rows:count (row:string ts:signed arrival:varint)*)*)*
  // Order values are derived again from the rows on restore.
  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStateWindowTopN);
    w.PutVarint(windows_.size());
    for (const auto& [end, groups] : windows_) {
      w.PutSigned(end);
      w.PutVarint(groups.size());
      for (const auto& [key, kept] : groups) {
        w.PutString(key);
        w.PutVarint(kept.size());
        for (const RankedRow& e : kept) {
          w.PutString(e.row);
          w.PutSigned(e.ts);
          w.PutVarint(e.arrival);
        }
      }
    }
  }

  // Decodes the whole snapshot before touching any state: on error the operator stays fresh.
  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || !windows_.empty()) {
      return Status::Internal("Restore needs a fresh operator");
    }
    StateReader r(in, "window top_n snapshot");
    uint64_t arrival = 0, late = 0;
    ReadPrologue(&r, kStateWindowTopN, &arrival, &late);
    std::map<TimeUs, std::map<std::string, std::vector<RankedRow>, std::less<>>> windows;
    uint64_t groups = 0;
    Batch scratch;
    const size_t n_windows = r.Count(2);
    for (size_t i = 0; i < n_windows && r.ok(); ++i) {
      const TimeUs end = r.Signed();
      if (r.ok() && !windows.empty() && end <= windows.rbegin()->first) {
        r.Fail("has windows out of order");
      }
      auto& g = windows[end];
      const size_t n_groups = r.Count(kMinKeyBytes + 2);
      if (r.ok() && n_groups == 0) r.Fail("has a window without rows");
      for (size_t j = 0; j < n_groups && r.ok(); ++j) {
        const std::string_view key = ReadKey(&r);
        auto [it, inserted] = g.try_emplace(std::string(key));
        if (r.ok() && !inserted) r.Fail("has a key twice in a window");
        std::vector<RankedRow>& kept = it->second;
        kept.resize(r.Count(3));
        if (r.ok() &&
            (kept.empty() || (!def_.with_ties && kept.size() > static_cast<size_t>(def_.top_n)))) {
          r.Fail("has a key with no rows or more than n");
        }
        for (RankedRow& e : kept) {
          if (!r.ok()) break;
          const std::string_view row = r.String();
          if (r.ok() && !IsValidKey(row, order_.types())) r.Fail("has a malformed row");
          e.row = std::string(row);
          e.ts = r.Signed();
          e.arrival = r.Varint();
          if (r.ok()) e.order = order_.OrderOf(e.row, &scratch);
        }
        ++groups;
      }
    }
    if (!r.ExpectEnd()) return r.status();
    windows_ = std::move(windows);
    groups_ = groups;
    arrival_ = arrival;
    stats_.late = late;
    return Status::OK();
  }

 private:
  // The kept rows of (window `end`, `key`), created empty when new. Consecutive rows mostly
  // share their group: the last one is remembered.
  std::vector<RankedRow>& Group(TimeUs end, std::string_view key) {
    if (last_ != nullptr && last_end_ == end && last_key_ == key) return *last_;
    auto& groups = windows_[end];
    auto [it, inserted] = groups.try_emplace(std::string(key));
    groups_ += inserted;
    last_end_ = end;
    last_key_.assign(key);
    last_ = &it->second;
    return *last_;
  }

  // Emits and forgets every window whose end the watermark `w` has reached.
  void Fire(TimeUs w, Batch* out) {
    last_ = nullptr;
    while (!windows_.empty() && Reached(w, windows_.begin()->first - 1)) {
      const TimeUs end = windows_.begin()->first;
      for (const auto& [key, kept] : windows_.begin()->second) {
        size_t rank = 0;
        for (size_t j = 0; j < kept.size(); ++j) {
          // Tied rows share a rank with ties (RANK()); otherwise ranks count rows.
          if (!def_.with_ties || j == 0 || !order_.Tied(kept[j - 1], kept[j])) rank = j + 1;
          Emit(kept[j], rank, end - 1, w, out);
        }
        --groups_;
      }
      windows_.erase(windows_.begin());
    }
  }

  // A row of a window fired by watermark `wm` reaching `ts` (its end - 1).
  void Emit(const RankedRow& e, size_t rank, TimeUs ts, TimeUs wm, Batch* out) const {
    cols_.resize(all_columns_.size());
    for (size_t c = 0; c < all_columns_.size(); ++c) cols_[c] = &out->columns[c];
    DecodeKeyInto(e.row, order_.types(), cols_);
    if (ranked_) out->columns.back().push_int(static_cast<int64_t>(rank));
    out->ts.push_back(ts);
    out->wm.push_back(wm);
    out->pos.push_back(kFiredPos);
  }

  RowOrder order_;
  const TimeUnit end_unit_;
  const bool ranked_;
  std::vector<int> all_columns_;
  // Open windows by end (µs), each key's kept rows in order.
  std::map<TimeUs, std::map<std::string, std::vector<RankedRow>, std::less<>>> windows_;
  uint64_t groups_ = 0;  // (window, key) pairs held
  // Group()'s last answer (map nodes stay put until their window fires); null: none.
  std::vector<RankedRow>* last_ = nullptr;
  TimeUs last_end_ = 0;
  std::string last_key_;
  mutable std::vector<Column*> cols_;
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeWindowTopN(const KeyedStageDef& def, const Schema& input) {
  return std::make_unique<WindowTopN>(def, input);
}

}  // namespace sluice
