#include "base/latency_histogram.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sluice {
namespace {

constexpr int64_t kExact = 2048;     // values counted one by one
constexpr int64_t kPerPower = 1024;  // buckets per power of two above kExact

int Log2(uint64_t v) { return 63 - __builtin_clzll(v); }

}  // namespace

size_t LatencyHistogram::IndexOf(int64_t v) {
  if (v < kExact) return static_cast<size_t>(v);
  const int e = Log2(static_cast<uint64_t>(v));  // >= 11
  const int shift = e - 10;
  return static_cast<size_t>(kExact + (e - 11) * kPerPower + ((v >> shift) - kPerPower));
}

int64_t LatencyHistogram::HighestInBucket(size_t index) {
  if (index < static_cast<size_t>(kExact)) return static_cast<int64_t>(index);
  const int64_t i = static_cast<int64_t>(index) - kExact;
  const int e = 11 + static_cast<int>(i / kPerPower);
  const int shift = e - 10;
  const uint64_t low = static_cast<uint64_t>(kPerPower + i % kPerPower) << shift;
  const uint64_t high = low + ((uint64_t{1} << shift) - 1);
  return high > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(high);
}

void LatencyHistogram::Record(int64_t value, uint64_t n) {
  if (n == 0) return;
  value = std::max<int64_t>(value, 0);
  const size_t i = IndexOf(value);
  if (i >= counts_.size()) counts_.resize(i + 1, 0);
  counts_[i] += n;
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = count_ == 0 ? value : std::max(max_, value);
  count_ += n;
  sum_ += static_cast<__int128>(value) * n;
}

void LatencyHistogram::Merge(const LatencyHistogram& o) {
  unmeasured_ += o.unmeasured_;
  if (o.count_ == 0) return;
  if (o.counts_.size() > counts_.size()) counts_.resize(o.counts_.size(), 0);
  for (size_t i = 0; i < o.counts_.size(); ++i) counts_[i] += o.counts_[i];
  min_ = count_ == 0 ? o.min_ : std::min(min_, o.min_);
  max_ = count_ == 0 ? o.max_ : std::max(max_, o.max_);
  count_ += o.count_;
  sum_ += o.sum_;
}

void LatencyHistogram::Clear() { *this = LatencyHistogram(); }

int64_t LatencyHistogram::Percentile(double percent) const {
  if (count_ == 0) return 0;
  percent = std::clamp(percent, 0.0, 100.0);
  const uint64_t rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(HighestInBucket(i), max_);
  }
  return max_;
}

std::string LatencyHistogram::Summary() const {
  return fmt::format("p50={}us p90={}us p99={}us p99.9={}us max={}us", Percentile(50),
                     Percentile(90), Percentile(99), Percentile(99.9), max());
}

}  // namespace sluice
