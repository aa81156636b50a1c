#include "runtime/result_latency.h"

#include <algorithm>
#include <bit>
#include <iterator>

namespace sluice {

ResultLatency::ResultLatency(size_t in_flight) {
  const uint64_t size = std::bit_ceil(std::max<uint64_t>(64, 4 * (in_flight + 8)));
  stamps_ = std::make_unique<std::atomic<int64_t>[]>(size);
  for (uint64_t i = 0; i < size; ++i) stamps_[i].store(0, std::memory_order_relaxed);
  mask_ = size - 1;
  buckets_.assign(std::size(LatencyStats::kBuckets), 0);
}

void ResultLatency::Observe(uint64_t seq, uint64_t rows, int64_t now_us) {
  if (rows == 0) return;
  const int64_t stamp = stamps_[seq & mask_].load(std::memory_order_relaxed);
  if (stamp == 0) return;
  const int64_t us = std::max<int64_t>(0, now_us - stamp);
  const double s = us / 1e6;
  std::lock_guard<std::mutex> l(mu_);
  histogram_.Record(us, rows);
  sum_s_ += s * static_cast<double>(rows);
  for (size_t i = 0; i < buckets_.size(); ++i) {
    if (s <= LatencyStats::kBuckets[i]) buckets_[i] += rows;
  }
}

LatencyStats ResultLatency::Read() const {
  LatencyStats out;
  std::lock_guard<std::mutex> l(mu_);
  out.count = histogram_.count();
  out.sum_s = sum_s_;
  out.buckets = buckets_;
  out.p50_us = histogram_.Percentile(50);
  out.p90_us = histogram_.Percentile(90);
  out.p99_us = histogram_.Percentile(99);
  out.max_us = histogram_.max();
  return out;
}

}  // namespace sluice
