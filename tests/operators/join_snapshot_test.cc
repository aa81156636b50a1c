// Checkpoint snapshots of the join operators: an operator snapshotted after any call and
// restored into a freshly built one continues with exactly the rows (same order, same wm) and
// late rows the uninterrupted operator produces; Restore refuses snapshots of other joins,
// newer versions and truncated bytes, and never crashes on damaged ones.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "join_test_util.h"

using namespace sluice;
using namespace sluice::jointest;

namespace {

// The joins the snapshot tests cover, keyed in turn by k and by (g, k).
std::vector<JoinDef> Defs() {
  std::vector<JoinDef> defs = {
      WindowJoinDef(WindowKind::kTumbling, 10, 0, 0), WindowJoinDef(WindowKind::kSliding, 10, 4, 0),
      WindowJoinDef(WindowKind::kSession, 0, 0, 5),   IntervalJoinDef(JoinType::kInner, -5, 5),
      IntervalJoinDef(JoinType::kLeft, -3, 8),        IntervalJoinDef(JoinType::kRight, 2, 10),
      IntervalJoinDef(JoinType::kFull, -10, -2),      RegularJoinDef(0, 0),
      RegularJoinDef(6, 0),                           RegularJoinDef(3, 12),
  };
  for (size_t i = 0; i < defs.size(); ++i) SetKeys(i % 2 == 1, &defs[i]);
  return defs;
}

std::string SnapshotOf(const KeyedOperator& op) {
  std::string s;
  op.Snapshot(&s);
  return s;
}

// A random feed of `def` cut into random calls.
std::vector<JoinFeed::Call> RandomCalls(std::mt19937_64& rng, const JoinDef& def) {
  const JoinFeed feed = RandomFeed(rng, def);
  return feed.Cut(RandomCuts(rng, feed.size()));
}

}  // namespace

TEST_CASE("join snapshot: restored operators continue exactly as uninterrupted ones") {
  const std::vector<JoinDef> defs = Defs();
  for (size_t d = 0; d < defs.size(); ++d) {
    for (uint64_t seed = 1; seed <= 25; ++seed) {
      CAPTURE(d);
      CAPTURE(seed);
      std::mt19937_64 rng(seed * 100 + d);
      const std::vector<JoinFeed::Call> calls = RandomCalls(rng, defs[d]);
      JoinOutput whole;
      RunCalls(MakeJoin(defs[d]).get(), calls, 0, calls.size(), nullptr, 1, true, &whole);

      const size_t k = static_cast<size_t>(Uniform(rng, 0, static_cast<int64_t>(calls.size())));
      auto first = MakeJoin(defs[d]);
      JoinOutput resumed;
      RunCalls(first.get(), calls, 0, k, nullptr, 1, true, &resumed);
      const std::string snap = SnapshotOf(*first);
      auto second = MakeJoin(defs[d]);
      const Status s = second->Restore(snap);
      REQUIRE_MESSAGE(s.ok(), s.ToString());
      CHECK(second->keys() == first->keys());
      CHECK(SnapshotOf(*second) == snap);
      RunCalls(second.get(), calls, k, calls.size(), nullptr, 1, true, &resumed);
      CHECK(resumed.rows == whole.rows);
      CHECK(resumed.late == whole.late);
      CHECK(resumed.late_count == whole.late_count);
    }
  }
}

TEST_CASE("join snapshot: other joins, newer versions and truncated snapshots are refused") {
  const std::vector<JoinDef> defs = Defs();
  std::mt19937_64 rng(7);
  std::vector<std::string> snaps;
  for (const JoinDef& def : defs) {
    const std::vector<JoinFeed::Call> calls = RandomCalls(rng, def);
    auto op = MakeJoin(def);
    JoinOutput out;
    RunCalls(op.get(), calls, 0, calls.size() / 2, nullptr, 1, true, &out);
    snaps.push_back(SnapshotOf(*op));
  }
  for (size_t d = 0; d < defs.size(); ++d) {
    CAPTURE(d);
    for (size_t e = 0; e < defs.size(); ++e) {
      if (e == d) continue;
      const Status s = MakeJoin(defs[e])->Restore(snaps[d]);
      CHECK(s.IsCorruption());
    }
    // The same kind with another bound, window, ttl or key.
    JoinDef other = defs[d];
    other.upper += 1;
    other.size += 1;
    other.gap += 1;
    other.ttl[1] += 1;
    CHECK(MakeJoin(other)->Restore(snaps[d]).IsCorruption());
    other = defs[d];
    SetKeys(other.left_key.size() == 1, &other);
    CHECK(MakeJoin(other)->Restore(snaps[d]).IsCorruption());
    // Another field type in an input; other prefixes and time units are fine.
    const Schema left_x_string(
        {{"lid", Type::kInt64}, {"k", Type::kString}, {"g", Type::kInt64}, {"x", Type::kString}});
    auto retyped = MakeJoinOperator(defs[d], left_x_string, RightSchema());
    REQUIRE(retyped.ok());
    CHECK((*retyped)->Restore(snaps[d]).IsCorruption());
    other = defs[d];
    other.left_prefix = "left_";
    other.time_unit = TimeUnit::kSeconds;
    CHECK(MakeJoin(other)->Restore(snaps[d]).ok());
    // A newer format version (the varint after the tag byte).
    std::string newer = snaps[d];
    newer[1] = 2;
    const Status s = MakeJoin(defs[d])->Restore(newer);
    CHECK(s.IsCorruption());
    CHECK(s.message().find("newer") != std::string::npos);
    // Every truncation.
    for (size_t n = 0; n < snaps[d].size(); ++n) {
      CAPTURE(n);
      CHECK(MakeJoin(defs[d])->Restore(std::string_view(snaps[d]).substr(0, n)).IsCorruption());
    }
    // Restore needs a fresh operator.
    auto used = MakeJoin(defs[d]);
    REQUIRE(used->Restore(snaps[d]).ok());
    CHECK(used->Restore(snaps[d]).code() == Status::Code::kInternal);
  }
}

TEST_CASE("join snapshot: damaged snapshots never crash Restore or the calls after it") {
  const std::vector<JoinDef> defs = Defs();
  std::mt19937_64 rng(11);
  for (const JoinDef& def : defs) {
    const std::vector<JoinFeed::Call> calls = RandomCalls(rng, def);
    auto op = MakeJoin(def);
    JoinOutput out;
    const size_t k = calls.size() / 2;
    RunCalls(op.get(), calls, 0, k, nullptr, 1, true, &out);
    const std::string snap = SnapshotOf(*op);
    for (int trial = 0; trial < 300; ++trial) {
      std::string bad = snap;
      const int flips = static_cast<int>(Uniform(rng, 1, 3));
      for (int f = 0; f < flips && !bad.empty(); ++f) {
        const size_t at =
            static_cast<size_t>(Uniform(rng, 0, static_cast<int64_t>(bad.size()) - 1));
        bad[at] = static_cast<char>(bad[at] ^ (1 << Uniform(rng, 0, 7)));
      }
      auto fresh = MakeJoin(def);
      const Status s = fresh->Restore(bad);
      if (!s.ok()) {
        CHECK(s.IsCorruption());
        CHECK(fresh->keys() == 0);
        continue;
      }
      JoinOutput after;
      RunCalls(fresh.get(), calls, k, calls.size(), nullptr, 1, true, &after);
    }
  }
}
