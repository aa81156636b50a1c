// Differential test of the join operators against the brute-force reference
// (tests/reference/reference_joins.h): random rows of both inputs with disorder, duplicate
// timestamps, exact window and interval bounds, null keys and late rows, cut into random calls
// and spread over 1 to 4 lanes by key hash.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "join_test_util.h"

using namespace sluice;
using namespace sluice::jointest;

namespace {

int64_t Uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

template <typename T>
T Pick(std::mt19937_64& rng, const std::vector<T>& options) {
  return options[static_cast<size_t>(Uniform(rng, 0, static_cast<int64_t>(options.size()) - 1))];
}

enum class Kind { kTumbling, kSliding, kSession, kInterval };

JoinDef RandomDef(std::mt19937_64& rng, Kind kind, JoinType type) {
  JoinDef def;
  if (kind == Kind::kInterval) {
    const int64_t a = Uniform(rng, -20, 20);
    const int64_t b = Uniform(rng, 0, 3) == 0 ? a : Uniform(rng, -20, 20);
    def = IntervalJoinDef(type, std::min(a, b), std::max(a, b));
  } else if (kind == Kind::kSession) {
    def = WindowJoinDef(WindowKind::kSession, 0, 0, Pick<int64_t>(rng, {1, 2, 5, 20}));
  } else if (kind == Kind::kTumbling) {
    def = WindowJoinDef(WindowKind::kTumbling, Pick<int64_t>(rng, {1, 2, 5, 10, 40}), 0, 0);
  } else {
    const int64_t size = Pick<int64_t>(rng, {2, 5, 10, 40});
    const int64_t slide = Uniform(rng, 0, 1) ? std::max<int64_t>(1, size / Pick<int64_t>(rng, {2, 5}))
                                             : Uniform(rng, 1, size);
    def = WindowJoinDef(WindowKind::kSliding, size, slide, 0);
  }
  SetKeys(Uniform(rng, 0, 2) == 0, &def);
  def.time_unit = Pick(rng, std::vector<TimeUnit>{TimeUnit::kMicros, TimeUnit::kMillis,
                                                  TimeUnit::kSeconds, TimeUnit::kIso});
  return def;
}

// Times advance 0..3 us per row, displaced back by up to `disorder`; about 1 key field in 25 is
// null; doubles are multiples of 0.25.
JoinFeed RandomFeed(std::mt19937_64& rng, const JoinDef& def) {
  JoinFeed feed(def, Pick<int64_t>(rng, {0, 1, 5, 30}));
  const int keys = Pick(rng, std::vector<int>{1, 3, 10, 40});
  const int64_t disorder = Pick<int64_t>(rng, {0, 3, 20, 100});
  const int64_t left_share = Pick<int64_t>(rng, {20, 50, 50, 80});
  const int n = static_cast<int>(Uniform(rng, 0, 7) == 0 ? Uniform(rng, 0, 2000)
                                                         : Uniform(rng, 0, 500));
  int64_t t = Uniform(rng, -300, 50);
  auto key = [&] {
    return Uniform(rng, 0, 24) == 0 ? Value::Null(Type::kString)
                                    : Value::String("k" + std::to_string(Uniform(rng, 0, keys - 1)));
  };
  auto group = [&] {
    return Uniform(rng, 0, 24) == 0 ? Value::Null() : Value::Int(Uniform(rng, 0, 1));
  };
  for (int i = 0; i < n; ++i) {
    t += Uniform(rng, 0, 3);
    const TimeUs ts = t - Uniform(rng, 0, disorder);
    if (Uniform(rng, 0, 99) < left_share) {
      const Value x = Uniform(rng, 0, 9) == 0 ? Value::Null(Type::kDouble)
                                              : Value::Double(double(Uniform(rng, -40, 40)) / 4);
      feed.Add(0, ts, {Value::Int(0), key(), group(), x});
    } else {
      const Value s = Value::String(Pick<std::string>(rng, {"", "a", "bc"}));
      feed.Add(1, ts, {group(), Value::Int(0), key(), s});
    }
  }
  return feed;
}

std::vector<size_t> RandomCuts(std::mt19937_64& rng, size_t rows) {
  std::vector<size_t> sizes;
  const int64_t max_size = Pick<int64_t>(rng, {1, 3, 17, 100, 4096});
  for (size_t covered = 0; covered < rows;) {
    const size_t n =
        static_cast<size_t>(Uniform(rng, 0, 9) == 0 ? 0 : Uniform(rng, 1, max_size));
    sizes.push_back(n);
    covered += n;
  }
  return sizes;
}

std::string Describe(const JoinDef& def, uint64_t seed, int64_t bound) {
  return "seed " + std::to_string(seed) + " window " +
         std::to_string(static_cast<int>(def.window)) + " size " + std::to_string(def.size) +
         " slide " + std::to_string(def.slide) + " gap " + std::to_string(def.gap) + " type " +
         std::to_string(static_cast<int>(def.type)) + " lower " + std::to_string(def.lower) +
         " upper " + std::to_string(def.upper) + " keys " +
         std::to_string(def.left_key.size()) + " bound " + std::to_string(bound);
}

// Random cases: one lane over a random cut equals the reference with every row's wm; 2, 3 and
// 4 lanes over other random cuts equal it without wm. Late rows and counts too, and no state
// is left once the input ends.
void Check(Kind kind, JoinType type, uint64_t first_seed, int cases) {
  for (uint64_t seed = first_seed; seed < first_seed + cases; ++seed) {
    std::mt19937_64 rng(seed);
    const JoinDef def = RandomDef(rng, kind, type);
    const JoinFeed feed = RandomFeed(rng, def);
    CAPTURE(Describe(def, seed, feed.bound()));
    std::vector<std::string> want[2][2];  // [with_wm][rows, late]
    ExpectedTexts(feed, false, &want[0][0], &want[0][1]);
    ExpectedTexts(feed, true, &want[1][0], &want[1][1]);
    for (uint32_t lanes = 1; lanes <= 4; ++lanes) {
      CAPTURE(lanes);
      const std::vector<std::string>& want_rows = want[lanes == 1][0];
      const std::vector<std::string>& want_late = want[lanes == 1][1];
      const JoinOutput got = RunLanes(def, feed.Cut(RandomCuts(rng, feed.size())), lanes);
      const auto got_rows = got.sorted_rows();
      const auto got_late = got.sorted_late();
      REQUIRE_MESSAGE(got_rows == want_rows, Diff(got_rows, want_rows));
      REQUIRE_MESSAGE(got_late == want_late, Diff(got_late, want_late));
      REQUIRE(got.late_count == want_late.size());
      REQUIRE(got.keys_at_end == 0);
    }
  }
}

}  // namespace

TEST_CASE("join differential: tumbling window join equals the reference") {
  Check(Kind::kTumbling, JoinType::kInner, 1, 60);
}

TEST_CASE("join differential: sliding window join equals the reference") {
  Check(Kind::kSliding, JoinType::kInner, 1001, 60);
}

TEST_CASE("join differential: session window join equals the reference") {
  Check(Kind::kSession, JoinType::kInner, 2001, 100);
}

TEST_CASE("join differential: inner interval join equals the reference") {
  Check(Kind::kInterval, JoinType::kInner, 3001, 60);
}

TEST_CASE("join differential: left interval join equals the reference") {
  Check(Kind::kInterval, JoinType::kLeft, 4001, 60);
}

TEST_CASE("join differential: right interval join equals the reference") {
  Check(Kind::kInterval, JoinType::kRight, 5001, 60);
}

TEST_CASE("join differential: full interval join equals the reference") {
  Check(Kind::kInterval, JoinType::kFull, 6001, 60);
}
