#include "runtime/stage_gather.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "base/order_prefix.h"

namespace sluice {
namespace {

struct RowRef {
  uint32_t part;
  uint32_t row;
};

// A row with the leading part of its canonical sort key in integers, so that most comparisons
// need no cell of the row: its position, event time and a prefix of column 0 (PrefixOf). Rows
// whose prefixes tie are compared cell by cell.
struct SortRow {
  uint64_t pos;  // 0 when positions are not tracked
  int64_t ts;
  uint64_t prefix;
  uint32_t valid;  // column 0 is set (nulls come first)
  RowRef ref;
};

// The order prefix (base/order_prefix.h) of row r of column c, which is set.
uint64_t PrefixOf(const Column& c, size_t r) {
  switch (c.type) {
    case Type::kDouble:
      return OrderPrefixDouble(c.f64[r]);
    case Type::kString:
      return OrderPrefixString(c.str(r));
    default:
      return OrderPrefixInt(c.i64[r]);
  }
}

// Total order on doubles: -0.0 before +0.0, NaN after every number, every NaN alike.
int CompareDouble(double a, double b) {
  const bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  if (a < b) return -1;
  if (a > b) return 1;
  if (a == 0 && b == 0) return std::signbit(b) - std::signbit(a);
  return 0;
}

// Compares row `x` of column a with row `y` of column b (same type); nulls first.
int CompareCell(const Column& a, size_t x, const Column& b, size_t y) {
  const bool va = a.is_valid(x), vb = b.is_valid(y);
  if (!va || !vb) return va == vb ? 0 : (va ? 1 : -1);
  switch (a.type) {
    case Type::kDouble:
      return CompareDouble(a.f64[x], b.f64[y]);
    case Type::kString: {
      const int c = a.str(x).compare(b.str(y));
      return (c > 0) - (c < 0);
    }
    default:
      return (a.i64[x] > b.i64[y]) - (a.i64[x] < b.i64[y]);
  }
}

}  // namespace

void PlaceFiredResults(const SubsetWatermark& w, uint64_t first_pos,
                       const std::vector<Batch*>& parts) {
  // The first row whose watermark reaches t is the first whose running maximum does (a source
  // coming back from idle can lower the watermark).
  std::vector<TimeUs> reached(w.before.size());
  TimeUs high = kMinTime;
  for (size_t p = 0; p < w.before.size(); ++p) reached[p] = high = std::max(high, w.before[p]);
  for (Batch* part : parts) {
    if (part == nullptr) continue;
    for (size_t r = 0; r < part->size(); ++r) {
      if (!IsFiredPos(part->pos[r])) continue;
      const TimeUs t = FiringTime(part->pos[r], part->ts[r]);
      const size_t c = static_cast<size_t>(
          std::lower_bound(reached.begin(), reached.end(), t,
                           [](TimeUs x, TimeUs v) { return x == kMinTime || x < v; }) -
          reached.begin());
      part->pos[r] = FiredPos(first_pos + c);
    }
  }
}

void GatherStageResults(const Schema& schema, const std::vector<const Batch*>& parts,
                        const Batch& from, bool by_cause, bool positions, Batch* out) {
  out->reset(schema);
  out->seq = from.seq;
  out->watermark = from.watermark;
  out->start_watermark = from.start_watermark;
  out->last = from.last;
  out->source_position = from.source_position;
  out->checkpoint = from.checkpoint;
  out->checkpoint_state = from.checkpoint_state;

  const size_t n_cols = schema.size();
  std::vector<RowRef> order;
  if (by_cause) {
    for (uint32_t p = 0; p < parts.size(); ++p) {
      if (parts[p] == nullptr) continue;
      for (uint32_t r = 0; r < parts[p]->size(); ++r) order.push_back({p, r});
    }
    std::stable_sort(order.begin(), order.end(), [&](const RowRef& x, const RowRef& y) {
      return parts[x.part]->pos[x.row] < parts[y.part]->pos[y.row];
    });
  } else {
    std::vector<SortRow> rows;
    std::vector<size_t> run_ends;  // rows holds each part's rows as one run
    for (uint32_t p = 0; p < parts.size(); ++p) {
      if (parts[p] == nullptr) continue;
      const Batch& b = *parts[p];
      for (uint32_t r = 0; r < b.size(); ++r) {
        SortRow& s = rows.emplace_back();
        s.pos = positions ? b.pos[r] : 0;
        s.ts = b.ts[r];
        s.valid = n_cols > 0 && b.columns[0].is_valid(r);
        s.prefix = s.valid ? PrefixOf(b.columns[0], r) : 0;
        s.ref = {p, r};
      }
      run_ends.push_back(rows.size());
    }
    auto less = [&](const SortRow& x, const SortRow& y) {
      if (x.pos != y.pos) return x.pos < y.pos;
      if (x.ts != y.ts) return x.ts < y.ts;
      if (x.valid != y.valid) return x.valid < y.valid;
      if (x.prefix != y.prefix) return x.prefix < y.prefix;
      const Batch& a = *parts[x.ref.part];
      const Batch& b = *parts[y.ref.part];
      for (size_t c = 0; c < n_cols; ++c) {
        if (int d = CompareCell(a.columns[c], x.ref.row, b.columns[c], y.ref.row); d != 0) {
          return d < 0;
        }
      }
      // Equal rows are indistinguishable downstream; keep the order deterministic anyway.
      return std::pair(x.ref.part, x.ref.row) < std::pair(y.ref.part, y.ref.row);
    };
    // A lane's results mostly come in canonical order already (windows fire in event-time order
    // and emit each window's keys in key order): sort only the runs that are not, then merge.
    // The order is total, so this is the order a sort of all rows would give.
    size_t begin = 0;
    for (size_t end : run_ends) {
      if (!std::is_sorted(rows.begin() + begin, rows.begin() + end, less)) {
        std::sort(rows.begin() + begin, rows.begin() + end, less);
      }
      if (begin > 0)
        std::inplace_merge(rows.begin(), rows.begin() + begin, rows.begin() + end, less);
      begin = end;
    }
    order.reserve(rows.size());
    for (const SortRow& s : rows) order.push_back(s.ref);
  }
  if (order.empty()) return;
  for (size_t c = 0; c < n_cols; ++c) {
    Column& to = out->columns[c];
    to.reserve(order.size());
    for (const RowRef& ref : order) to.push_from(parts[ref.part]->columns[c], ref.row);
  }
  out->ts.reserve(order.size());
  for (const RowRef& ref : order) out->ts.push_back(parts[ref.part]->ts[ref.row]);
  if (positions) {
    out->pos.reserve(order.size());
    for (const RowRef& ref : order) out->pos.push_back(parts[ref.part]->pos[ref.row]);
  }
  out->wm.assign(order.size(), from.start_watermark);
}

}  // namespace sluice
