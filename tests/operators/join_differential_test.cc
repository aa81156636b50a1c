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

std::string Describe(const JoinDef& def, uint64_t seed, int64_t bound) {
  return "seed " + std::to_string(seed) + " window " +
         std::to_string(static_cast<int>(def.window)) + " size " + std::to_string(def.size) +
         " slide " + std::to_string(def.slide) + " gap " + std::to_string(def.gap) + " type " +
         std::to_string(static_cast<int>(def.type)) + " lower " + std::to_string(def.lower) +
         " upper " + std::to_string(def.upper) + " ttl " + std::to_string(def.ttl[0]) + "/" +
         std::to_string(def.ttl[1]) + " keys " + std::to_string(def.left_key.size()) +
         " bound " + std::to_string(bound);
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

TEST_CASE("join differential: regular join with state ttl equals the reference") {
  Check(Kind::kRegular, JoinType::kInner, 7001, 100);
}
