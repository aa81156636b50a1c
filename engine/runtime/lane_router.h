// Splits a keyed batch into per-lane batches by key hash, keeping source order within each lane.
#pragma once

#include <vector>

#include "engine/batch.h"

namespace sluice {

// Moves the rows of `in` into out[LaneOf(key_hash[r], lanes)], in order. Every lane batch gets the
// seq, watermark and last flag of `in` (even when it receives no rows), so idle lanes advance.
// REQUIRES: in.key_hash has one entry per row; lanes >= 1. Dead letters stay in `in`.
void SplitByLane(Batch& in, uint32_t lanes, std::vector<Batch>* out);

}  // namespace sluice
