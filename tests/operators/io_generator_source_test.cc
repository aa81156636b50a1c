// The generator source and its per-event formula.
#include <doctest/doctest.h>

#include <random>

#include "io_test_util.h"
#include "operators/generator_source.h"

using namespace sluice;
using namespace sluice::testing;

TEST_CASE("splitmix64 matches the reference generator") {
  CHECK(SplitMix64(0) == 0xe220a8397b1dcdafULL);
  // The reference generator seeded with 0 adds the constant before each output.
  CHECK(SplitMix64(0x9e3779b97f4a7c15ULL) == 0x6e789e6aa1b965f4ULL);
}

TEST_CASE("fast modulo equals the remainder operator") {
  std::mt19937_64 rng(42);
  const uint64_t divisors[] = {1,
                               2,
                               3,
                               7,
                               10,
                               13,
                               1000,
                               4096,
                               1'000'003,
                               (1ULL << 32) + 1,
                               (1ULL << 63) - 1,
                               1ULL << 63,
                               (1ULL << 63) + 1,
                               ~0ULL - 1,
                               ~0ULL};
  for (uint64_t d : divisors) {
    FastMod64 m(d);
    bool ok = true;
    for (uint64_t x :
         std::initializer_list<uint64_t>{0, 1, d - 1, d, d + 1, ~0ULL, ~0ULL - 1, 1ULL << 63}) {
      ok = ok && m.Mod(x) == x % d;
    }
    for (int k = 0; k < 20'000; ++k) {
      uint64_t x = rng();
      ok = ok && m.Mod(x) == x % d;
    }
    CHECK_MESSAGE(ok, "divisor ", d);
  }
}

TEST_CASE("generator follows the documented formula in batches") {
  SourceSpec spec;
  spec.type = "generator";
  spec.events = 10'000;
  spec.keys = 13;
  SourceOptions o;
  o.schema = GeneratorSchema();
  o.event_time_index = 1;
  o.batch_size = 4096;
  o.name = "generator";
  auto src = MakeSource(spec, o);
  REQUIRE(src.ok());
  REQUIRE((*src)->Open().ok());
  Batch all;
  all.reset(o.schema);
  bool eof = false;
  std::vector<size_t> sizes;
  std::vector<uint64_t> positions;
  while (!eof) {
    size_t before = all.size();
    REQUIRE((*src)->Next(&all, &eof).ok());
    sizes.push_back(all.size() - before);
    positions.push_back(all.source_position);
  }
  CHECK(sizes == std::vector<size_t>{4096, 4096, 1808});
  CHECK(positions == std::vector<uint64_t>{4096, 8192, 10'000});
  REQUIRE(all.size() == 10'000);
  bool ok = true;
  for (uint64_t i = 0; i < 10'000; ++i) {
    ok = ok && all.columns[0].i64[i] == static_cast<int64_t>(SplitMix64(i) % 13);
    ok = ok && all.columns[1].i64[i] == static_cast<int64_t>(i) &&
         all.ts[i] == static_cast<int64_t>(i);
    ok = ok && all.columns[2].f64[i] == static_cast<double>(i % 100);
    ok = ok && all.columns[0].i64[i] >= 0 && all.columns[0].i64[i] < 13;
  }
  CHECK(ok);
  CHECK(all.columns[0].i64[0] == static_cast<int64_t>(0xe220a8397b1dcdafULL % 13));
}

TEST_CASE("generator with no event time leaves ts at zero and an empty one ends at once") {
  SourceRun none = RunSource("generator", "", GeneratorSchema(), 1);
  CHECK(none.batch.size() == 0);  // events = 0
  CHECK(none.calls == 1);
  SourceSpec spec;
  spec.type = "generator";
  spec.events = 5;
  spec.keys = 1;
  SourceOptions o;
  o.schema = GeneratorSchema();
  o.event_time_index = -1;
  auto src = MakeSource(spec, o);
  REQUIRE(src.ok());
  Batch b;
  b.reset(o.schema);
  bool eof = false;
  REQUIRE((*src)->Next(&b, &eof).ok());
  CHECK(eof);
  CHECK(b.ts == std::vector<TimeUs>(5, 0));
  CHECK(b.columns[0].i64 == std::vector<int64_t>(5, 0));  // K = 1: every key is 0
}

TEST_CASE("generator refuses zero keys and a foreign schema") {
  SourceSpec spec;
  spec.type = "generator";
  spec.events = 10;
  spec.keys = 0;
  SourceOptions o;
  o.schema = GeneratorSchema();
  CHECK(MakeSource(spec, o).status().IsInvalidArgument());
  spec.keys = 3;
  o.schema = Schema({{"key", Type::kString}});
  CHECK(MakeSource(spec, o).status().IsInvalidArgument());
  CHECK(GeneratorSchema().ToString() == "key:int64, ts:timestamp_us, value:double");
}
