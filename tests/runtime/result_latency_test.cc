// ResultLatency (runtime/result_latency.h): stamps by sequence number, observations weighted by
// rows, Prometheus buckets and percentiles.
#include "runtime/result_latency.h"

#include <doctest/doctest.h>

using sluice::LatencyStats;
using sluice::ResultLatency;

TEST_CASE("result latency: an observation is its write time minus its sequence's stamp") {
  ResultLatency l(8);
  CHECK(l.Read().count == 0);
  l.Stamp(5, 1'000'000);
  l.Stamp(6, 1'000'500);
  l.Observe(5, 10, 1'002'000);  // 2 ms, 10 rows
  l.Observe(6, 1, 1'100'500);   // 100 ms, 1 row
  l.Observe(7, 3, 2'000'000);   // never stamped: not counted
  l.Observe(6, 0, 2'000'000);   // no rows: nothing
  const LatencyStats s = l.Read();
  CHECK(s.count == 11);
  CHECK(s.p50_us == 2000);
  CHECK(s.p90_us == 2000);
  CHECK(s.max_us >= 100'000);
  CHECK(s.max_us <= 100'100);
  CHECK(s.sum_s == doctest::Approx(10 * 0.002 + 0.1));
  REQUIRE(s.buckets.size() == std::size(LatencyStats::kBuckets));
  for (size_t i = 0; i < s.buckets.size(); ++i) {
    const double le = LatencyStats::kBuckets[i];
    INFO(le);
    CHECK(s.buckets[i] == (le < 0.002 ? 0u : le < 0.1 ? 10u : 11u));
  }
}

TEST_CASE("result latency: a later sequence number reuses the ring slot of an earlier one") {
  ResultLatency l(0);
  l.Stamp(1, 1'000);
  for (uint64_t seq = 2; seq < 10'000; ++seq) l.Stamp(seq, 5'000);
  l.Observe(9'999, 1, 6'000);
  CHECK(l.Read().p50_us == 1000);
  // A clock that went back counts as zero, never negative.
  l.Stamp(10'000, 9'000);
  l.Observe(10'000, 1, 8'000);
  CHECK(l.Read().count == 2);
  CHECK(l.Read().p50_us == 0);
}
