#include "engine/runtime/lane_router.h"

#include "engine/key.h"

namespace sluice {
namespace {

template <typename T>
void Scatter(const std::vector<T>& src, const std::vector<uint32_t>& lane_of,
             std::vector<std::vector<T>*>& dst) {
  for (size_t r = 0; r < src.size(); ++r) dst[lane_of[r]]->push_back(src[r]);
}

}  // namespace

void SplitByLane(Batch& in, uint32_t lanes, std::vector<Batch>* out) {
  out->resize(lanes);
  const size_t n = in.size();
  for (Batch& b : *out) {
    b.seq = in.seq;
    b.watermark = in.watermark;
    b.last = in.last;
    b.source_position = in.source_position;
  }
  if (lanes == 1) {
    Batch& b = (*out)[0];
    b.columns = std::move(in.columns);
    b.ts = std::move(in.ts);
    b.wm = std::move(in.wm);
    b.keys = std::move(in.keys);
    b.key_hash = std::move(in.key_hash);
    return;
  }
  std::vector<uint32_t> lane_of(n);
  std::vector<size_t> counts(lanes, 0);
  for (size_t r = 0; r < n; ++r) {
    lane_of[r] = LaneOf(in.key_hash[r], lanes);
    ++counts[lane_of[r]];
  }
  for (uint32_t l = 0; l < lanes; ++l) {
    Batch& b = (*out)[l];
    b.columns.resize(in.columns.size());
    for (size_t c = 0; c < in.columns.size(); ++c) {
      b.columns[c].type = in.columns[c].type;
      b.columns[c].clear();
      b.columns[c].reserve(counts[l]);
    }
    b.ts.clear();
    b.ts.reserve(counts[l]);
    b.wm.clear();
    b.wm.reserve(counts[l]);
    b.key_hash.clear();
    b.key_hash.reserve(counts[l]);
    b.keys.type = Type::kString;
    b.keys.clear();
    b.keys.reserve(counts[l]);
  }
  std::vector<std::vector<int64_t>*> i64(lanes);
  std::vector<std::vector<double>*> f64(lanes);
  std::vector<std::vector<uint64_t>*> u64(lanes);
  for (size_t c = 0; c < in.columns.size(); ++c) {
    const Column& src = in.columns[c];
    if (src.has_nulls() || src.type == Type::kString) {
      for (size_t r = 0; r < n; ++r) (*out)[lane_of[r]].columns[c].push_from(src, r);
    } else if (src.type == Type::kDouble) {
      for (uint32_t l = 0; l < lanes; ++l) f64[l] = &(*out)[l].columns[c].f64;
      Scatter(src.f64, lane_of, f64);
    } else {
      for (uint32_t l = 0; l < lanes; ++l) i64[l] = &(*out)[l].columns[c].i64;
      Scatter(src.i64, lane_of, i64);
    }
  }
  for (uint32_t l = 0; l < lanes; ++l) i64[l] = &(*out)[l].ts;
  Scatter(in.ts, lane_of, i64);
  for (uint32_t l = 0; l < lanes; ++l) i64[l] = &(*out)[l].wm;
  Scatter(in.wm, lane_of, i64);
  for (uint32_t l = 0; l < lanes; ++l) u64[l] = &(*out)[l].key_hash;
  Scatter(in.key_hash, lane_of, u64);
  for (size_t r = 0; r < n; ++r) (*out)[lane_of[r]].keys.push_from(in.keys, r);
}

}  // namespace sluice
