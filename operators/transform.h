// Transform: a stateless, row-local step (filter, map) applied to a batch in place.
//
// Thread-safe: Apply is const and runs concurrently on different batches. Runs of transforms are
// fused into one graph node by the runtime (no task or message per transform).
#pragma once

#include "base/batch.h"

namespace sluice {

class Transform {
 public:
  virtual ~Transform() = default;
  // Rewrites *batch: may drop rows (keeping order), add, replace or drop columns. Columns must
  // match the schema the planner computed for this step's output afterwards.
  virtual Status Apply(Batch* batch) const = 0;
};

}  // namespace sluice
