// NewBatch: an empty Batch from a process-wide pool. When the last reference goes, the batch is
// cleared (keeping its columns' capacity) and kept for reuse, up to a bound, so that steady
// pipelines do not malloc, free and page-fault column buffers for every batch. With several
// threads, glibc returns freed buffers of non-main arenas to the kernel (madvise) and faults them
// back in on the next batch; at two threads that cost more than the work itself.
//
// Thread-safe. A pooled batch keeps its schema's column types until reset(); callers set the
// schema as they would on a fresh batch.
#pragma once

#include "base/batch.h"

namespace sluice {

BatchPtr NewBatch();

}  // namespace sluice
