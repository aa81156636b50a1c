#include "runtime/stage_gather.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace sluice {
namespace {

struct RowRef {
  uint32_t part;
  uint32_t row;
};

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

  std::vector<RowRef> order;
  for (uint32_t p = 0; p < parts.size(); ++p) {
    if (parts[p] == nullptr) continue;
    for (uint32_t r = 0; r < parts[p]->size(); ++r) order.push_back({p, r});
  }
  if (order.empty()) return;
  const size_t n_cols = schema.size();
  if (by_cause) {
    std::stable_sort(order.begin(), order.end(), [&](const RowRef& x, const RowRef& y) {
      return parts[x.part]->pos[x.row] < parts[y.part]->pos[y.row];
    });
  } else {
    std::sort(order.begin(), order.end(), [&](const RowRef& x, const RowRef& y) {
      const Batch& a = *parts[x.part];
      const Batch& b = *parts[y.part];
      if (positions && a.pos[x.row] != b.pos[y.row]) return a.pos[x.row] < b.pos[y.row];
      if (a.ts[x.row] != b.ts[y.row]) return a.ts[x.row] < b.ts[y.row];
      for (size_t c = 0; c < n_cols; ++c) {
        if (int d = CompareCell(a.columns[c], x.row, b.columns[c], y.row); d != 0) return d < 0;
      }
      // Equal rows are indistinguishable downstream; keep the sort deterministic anyway.
      return std::pair(x.part, x.row) < std::pair(y.part, y.row);
    });
  }
  for (size_t c = 0; c < n_cols; ++c) out->columns[c].reserve(order.size());
  out->ts.reserve(order.size());
  for (const RowRef& ref : order) {
    const Batch& part = *parts[ref.part];
    for (size_t c = 0; c < n_cols; ++c) out->columns[c].push_from(part.columns[c], ref.row);
    out->ts.push_back(part.ts[ref.row]);
    if (positions) out->pos.push_back(part.pos[ref.row]);
  }
  out->wm.assign(order.size(), from.start_watermark);
}

}  // namespace sluice
