// LatencyHistogram: known distributions give known percentiles, within the promised 0.1% and
// never below the exact answer.
#include "base/latency_histogram.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace sluice;

namespace {

// The exact percentile of sorted `v` (the value at rank ceil(p% of n)).
int64_t Exact(const std::vector<int64_t>& v, double p) {
  const size_t rank = std::max<size_t>(1, static_cast<size_t>(std::ceil(p / 100.0 * v.size())));
  return v[rank - 1];
}

void CheckClose(const LatencyHistogram& h, const std::vector<int64_t>& sorted, double p) {
  const int64_t want = Exact(sorted, p);
  const int64_t got = h.Percentile(p);
  CAPTURE(p);
  CAPTURE(want);
  CAPTURE(got);
  CHECK(got >= want);
  CHECK(static_cast<double>(got - want) <= 0.001 * static_cast<double>(want) + 0.5);
}

}  // namespace

TEST_CASE("small values are exact") {
  LatencyHistogram h;
  for (int64_t v = 1; v <= 100; ++v) h.Record(v);
  CHECK(h.count() == 100);
  CHECK(h.Percentile(50) == 50);
  CHECK(h.Percentile(90) == 90);
  CHECK(h.Percentile(99) == 99);
  CHECK(h.Percentile(100) == 100);
  CHECK(h.Percentile(0) == 1);
  CHECK(h.min() == 1);
  CHECK(h.max() == 100);
  CHECK(h.mean() == doctest::Approx(50.5));
}

TEST_CASE("uniform, exponential and constant distributions give their percentiles") {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> uniform(0, 10'000'000);
  std::exponential_distribution<double> expo(1.0 / 2000.0);
  for (int shape = 0; shape < 3; ++shape) {
    LatencyHistogram h;
    std::vector<int64_t> values;
    for (int i = 0; i < 200'000; ++i) {
      const int64_t v = shape == 0   ? uniform(rng)
                        : shape == 1 ? static_cast<int64_t>(expo(rng))
                                     : 123'456;
      values.push_back(v);
      h.Record(v);
    }
    std::sort(values.begin(), values.end());
    for (double p : {1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) CheckClose(h, values, p);
    CHECK(h.max() == values.back());
    CHECK(h.min() == values.front());
  }
  // The uniform distribution's median and p99 are where they must be.
  LatencyHistogram u;
  for (int64_t v = 1; v <= 1'000'000; ++v) u.Record(v);
  CHECK(u.Percentile(50) >= 500'000);
  CHECK(u.Percentile(50) <= 500'500);
  CHECK(u.Percentile(99) >= 990'000);
  CHECK(u.Percentile(99) <= 991'000);
}

TEST_CASE("merging equals recording everything in one; huge and negative values") {
  LatencyHistogram a, b, all;
  for (int64_t v = 0; v < 50'000; v += 7) {
    (v % 2 ? a : b).Record(v * 13);
    all.Record(v * 13);
  }
  a.Merge(b);
  for (double p : {10.0, 50.0, 99.0, 100.0}) CHECK(a.Percentile(p) == all.Percentile(p));
  CHECK(a.count() == all.count());
  LatencyHistogram h;
  h.Record(INT64_MAX);
  h.Record(-5);
  CHECK(h.count() == 2);
  CHECK(h.min() == 0);
  CHECK(h.Percentile(100) == INT64_MAX);
  CHECK(h.Percentile(50) == 0);
  LatencyHistogram empty;
  CHECK(empty.Percentile(99) == 0);
  CHECK(empty.max() == 0);
}
