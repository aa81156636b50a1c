// ResultLatency: how long results take from input to output, for `sluice run`'s metrics: from
// the moment the source read the batch that made a result computable (its own rows, or the
// watermark that closed its window) to the moment the sinks wrote it. The source stamps each
// sequence number as it reads it; the sink writer observes each written sequence number once,
// weighted by its result rows.
//
// Thread-safety: Stamp() from the source's thread, Observe() from the sink writer's (one each);
// Read() from any thread. Stamps live in a ring larger than the batches that can be in flight,
// so a stamp is read before it is overwritten; were it not, only a figure would be off.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "base/latency_histogram.h"
#include "sluice/pipeline.h"

namespace sluice {

class ResultLatency {
 public:
  // `in_flight`: the most sequence numbers between the source and the sinks at once.
  explicit ResultLatency(size_t in_flight);

  void Stamp(uint64_t seq, int64_t now_us) {
    stamps_[seq & mask_].store(now_us, std::memory_order_relaxed);
  }
  void Observe(uint64_t seq, uint64_t rows, int64_t now_us);
  LatencyStats Read() const;

 private:
  std::unique_ptr<std::atomic<int64_t>[]> stamps_;
  uint64_t mask_;
  mutable std::mutex mu_;
  LatencyHistogram histogram_;     // GUARDED_BY(mu_), microseconds
  std::vector<uint64_t> buckets_;  // GUARDED_BY(mu_), per LatencyStats::kBuckets, cumulative
  double sum_s_ = 0;               // GUARDED_BY(mu_)
};

}  // namespace sluice
