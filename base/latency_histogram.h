// LatencyHistogram: counts of non-negative integer values (latencies in microseconds) in
// log-linear buckets, HdrHistogram-style, with 3 significant decimal digits: values below 2048
// are counted exactly, larger ones in buckets 1/1024 of their magnitude wide. Percentiles report
// the highest value of the bucket they fall in (never above the largest value recorded), so they
// are within 0.1% above the exact answer.
//
// Memory grows with the largest value recorded: about 8 KiB per power of two above 2048
// (190 KiB up to an hour in microseconds). Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice {

class LatencyHistogram {
 public:
  // Counts `value` (negative values count as 0) `n` times.
  void Record(int64_t value, uint64_t n = 1);
  // Adds every count of `other`.
  void Merge(const LatencyHistogram& other);
  void Clear();

  // Values that had none to count (a result the input's end computed, by the sink writer).
  void Unmeasured(uint64_t n = 1) { unmeasured_ += n; }

  uint64_t count() const { return count_; }
  uint64_t unmeasured() const { return unmeasured_; }
  int64_t min() const { return count_ ? min_ : 0; }
  int64_t max() const { return count_ ? max_ : 0; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  // The value at or below which `percent` (0..100) of the recorded values lie; 0 when empty.
  int64_t Percentile(double percent) const;

  // "p50=.. p90=.. p99=.. p99.9=.. max=.." in microseconds, for logs.
  std::string Summary() const;

 private:
  static size_t IndexOf(int64_t v);
  static int64_t HighestInBucket(size_t index);

  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  int64_t min_ = 0, max_ = 0;
  __int128 sum_ = 0;
  uint64_t unmeasured_ = 0;
};

}  // namespace sluice
