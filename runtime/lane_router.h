// Assigns the rows of a keyed batch to lanes by key hash, keeping source order within each lane.
// Lanes then read their rows from the one shared batch (KeyedOperator::ProcessRows): no copies.
#pragma once

#include <cstdint>
#include <vector>

#include "base/batch.h"

namespace sluice {

// (*rows)[l] = the indices of the rows of `in` that belong to lane l, increasing.
// REQUIRES: in.key_hash has one entry per row; lanes >= 1.
void RowsByLane(const Batch& in, uint32_t lanes, std::vector<std::vector<uint32_t>>* rows);

}  // namespace sluice
