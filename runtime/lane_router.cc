#include "runtime/lane_router.h"

#include "base/key.h"

namespace sluice {

void RowsByLane(const Batch& in, uint32_t lanes, std::vector<std::vector<uint32_t>>* rows) {
  rows->resize(lanes);
  const size_t n = in.size();
  for (auto& r : *rows) {
    r.clear();
    r.reserve(n / lanes + n / (4 * lanes) + 16);
  }
  const uint64_t* hash = in.key_hash.data();
  for (size_t r = 0; r < n; ++r)
    (*rows)[LaneOf(hash[r], lanes)].push_back(static_cast<uint32_t>(r));
}

}  // namespace sluice
