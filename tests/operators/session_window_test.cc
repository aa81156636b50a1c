// Session windows: gap rule, touching and bridging merges, firing, lateness and allowed lateness.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "window_test_util.h"

using namespace sluice;
using namespace sluice::wintest;

namespace {

const std::string kMax = std::to_string(kMaxTime);

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

KeyedStageDef Session(int64_t gap, int64_t lateness = 0) {
  return CountSumDef(WindowKind::kSession, 0, 0, gap, lateness);
}

}  // namespace

TEST_CASE("session: a lone event makes the window [t, t + gap)") {
  Feed feed(BasicSchema(), {0}, 100);
  feed.Add(-7, KV("a", 3));
  const Output out = Run(Session(10), feed.schema(), feed.OneBatch());
  CHECK(out.rows == std::vector<std::string>{"a|-7|3|1|3@2/" + kMax});
}

TEST_CASE("session: events exactly gap apart share one session") {
  Feed feed(BasicSchema(), {0}, 100);
  feed.Add(0, KV("a", 1));
  feed.Add(10, KV("a", 2));
  const KeyedStageDef def = Session(10);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.rows == std::vector<std::string>{"a|0|20|2|3@19/" + kMax});
  CheckAgainstReference(def, feed);
}

TEST_CASE("session: events more than gap apart make two sessions") {
  Feed feed(BasicSchema(), {0}, 100);
  feed.Add(0, KV("a", 1));
  feed.Add(11, KV("a", 2));
  const Output out = Run(Session(10), feed.schema(), feed.OneBatch());
  CHECK(out.sorted_rows() == Sorted({"a|0|10|1|1@9/" + kMax, "a|11|21|1|2@20/" + kMax}));
}

TEST_CASE("session: an out-of-order event extends a session backwards") {
  Feed feed(BasicSchema(), {0}, 100);
  feed.Add(20, KV("a", 1));
  feed.Add(12, KV("a", 2));
  const Output out = Run(Session(10), feed.schema(), feed.OneBatch());
  CHECK(out.rows == std::vector<std::string>{"a|12|30|2|3@29/" + kMax});
}

TEST_CASE("session: an event bridging two sessions merges them and their aggregates") {
  Feed feed(BasicSchema(), {0}, 30);
  feed.Add(0, KV("a", 1));
  feed.Add(20, KV("a", 2));
  feed.Add(10, KV("a", 4));  // [10, 20) touches [0, 10) and [20, 30)
  feed.Add(15, KV("b", 8));  // another key: its own session
  const KeyedStageDef def = Session(10);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.sorted_rows() == Sorted({"a|0|30|3|7@29/" + kMax, "b|15|25|1|8@24/" + kMax}));
  CheckAgainstReference(def, feed);
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("session: fires when the watermark reaches last event + gap - 1") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(0, KV("a", 1));
  feed.Add(5, KV("a", 2));    // W = -1: session [0, 15)
  feed.Add(14, KV("b", 4));   // W = 4
  feed.Add(15, KV("b", 8));   // W = 13: not due
  feed.Add(16, KV("c", 16));  // W = 14: [0, 15) fires first
  const KeyedStageDef def = Session(10);
  const Output out = Run(def, feed.schema(), feed.CutEvery(1));
  // Batch 4 (row 15 at W=13) ends with watermark 14.
  CHECK(out.rows_per_batch == std::vector<size_t>{0, 0, 0, 1, 0, 2});
  CHECK(out.rows[0] == "a|0|15|2|3@14/14");
  CHECK(Sorted({out.rows[1], out.rows[2]}) ==
        Sorted({"b|14|25|2|12@24/" + kMax, "c|16|26|1|16@25/" + kMax}));
  CheckAgainstReference(def, feed);
  CheckBatchingInvariant(def, feed);
}

TEST_CASE(
    "session: an out-of-order session fires as soon as W reaches its end, before later ones") {
  Feed feed(BasicSchema(), {0}, 60);
  feed.Add(100, KV("a", 1));  // [100, 110)
  feed.Add(50, KV("b", 2));   // W = 39: [50, 60) ends before a's session
  feed.Add(125, KV("c", 4));  // W = 39
  feed.Add(126, KV("d", 8));  // W = 64: b's session fires first
  const KeyedStageDef def = Session(10);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  REQUIRE(!out.rows.empty());
  CHECK(out.rows[0] == "b|50|60|1|2@59/64");
  CheckAgainstReference(def, feed);
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("session: a lane whose first rows arrive after the watermark started still fires") {
  // Another lane's rows set the watermark to 5 before this lane sees its first row.
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(6, KV("other", 0));
  feed.Add(10, KV("a", 1));
  feed.Add(100, KV("b", 2));
  std::vector<Batch> all = feed.Cut({1, 2});
  std::vector<Batch> lane;
  Batch empty;
  empty.reset(feed.schema());
  empty.watermark = all[0].watermark;
  lane.push_back(std::move(empty));
  lane.push_back(std::move(all[1]));
  lane.push_back(std::move(all[2]));
  const Output out = Run(Session(10), feed.schema(), lane);
  CHECK(out.rows == std::vector<std::string>{"a|10|20|1|1@19/99", "b|100|110|1|2@109/" + kMax});
}

TEST_CASE("session: a due session fires before an allowed-late event merges into it") {
  Feed feed(BasicSchema(), {0}, 60);
  feed.Add(100, KV("a", 1));
  feed.Add(50, KV("b", 2));
  feed.Add(125, KV("c", 4));
  feed.Add(45, KV("b", 8));  // W = 64: [50, 60) fires at 64, then [45, 55) merges into it
  const KeyedStageDef def = Session(10, /*lateness=*/100);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  REQUIRE(out.rows.size() >= 2);
  CHECK(out.rows[0] == "b|50|60|1|2@59/64");
  CHECK(out.rows[1] == "b|45|60|2|10@59/64");
  CheckAgainstReference(def, feed);
}

TEST_CASE("session: a new event whose own window is late but touches an open session merges") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(100, KV("a", 1));
  feed.Add(90, KV("a", 2));  // W = 99: [90, 100) alone would be late; it touches [100, 110)
  const KeyedStageDef def = Session(10);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.rows == std::vector<std::string>{"a|90|110|2|3@109/" + kMax});
  CHECK(out.late.empty());
  CheckAgainstReference(def, feed);
}

TEST_CASE("session: an event touching nothing with its window late is dropped") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(100, KV("a", 1));
  feed.Add(50, KV("a", 2));  // W = 99, [50, 60) late
  feed.Add(89, KV("b", 4));  // W = 99, other key: [89, 99) late
  const KeyedStageDef def = Session(10);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.rows == std::vector<std::string>{"a|100|110|1|1@109/" + kMax});
  CHECK(out.sorted_late() == Sorted({"a|2|0|@50/99", "b|4|0|@89/99"}));
  CHECK(out.late_count == 2);
  CheckAgainstReference(def, feed);
}

TEST_CASE("session: a dropped session does not absorb a later event") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(0, KV("a", 1));
  feed.Add(30, KV("a", 2));
  feed.Add(10, KV("a", 4));  // W = 29: [0, 10) fired and dropped; [10, 20) is late
  const KeyedStageDef def = Session(10);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.rows == std::vector<std::string>{"a|0|10|1|1@9/29", "a|30|40|1|2@39/" + kMax});
  CHECK(out.late == std::vector<std::string>{"a|4|0|@10/29"});
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("session: allowed lateness merges into a fired session and re-emits it") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(0, KV("a", 1));
  feed.Add(30, KV("a", 2));
  feed.Add(5, KV("a", 4));  // W = 29: [0, 10) fired at 29, kept until 9 + 25
  const KeyedStageDef def = Session(10, /*lateness=*/25);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.rows ==
        std::vector<std::string>{"a|0|10|1|1@9/29", "a|0|15|2|5@14/29", "a|30|40|1|2@39/" + kMax});
  CHECK(out.late.empty());
  CheckAgainstReference(def, feed);
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("session: an allowed-late event that extends a session past W does not re-emit it") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(0, KV("a", 1));
  feed.Add(12, KV("a", 2));  // W = -1: [0, 10) and [12, 22)
  feed.Add(13, KV("b", 0));  // W = 11: [0, 10) fires at 11
  feed.Add(9, KV("a", 4));   // W = 12: bridges [0, 10) and [12, 22) into [0, 22), not due
  const KeyedStageDef def = Session(10, /*lateness=*/5);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.sorted_rows() ==
        Sorted({"a|0|10|1|1@9/11", "a|0|22|3|7@21/" + kMax, "b|13|23|1|0@22/" + kMax}));
  CheckAgainstReference(def, feed);
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("session: a lone allowed-late event in a due window is emitted at once") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(100, KV("a", 1));
  feed.Add(85, KV("b", 2));  // W = 99: [85, 95) is due (94 <= 99) but kept until 94 + 10
  const KeyedStageDef def = Session(10, /*lateness=*/10);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.rows == std::vector<std::string>{"b|85|95|1|2@94/99", "a|100|110|1|1@109/" + kMax});
  CHECK(out.late.empty());
}

TEST_CASE("session: many interleaved keys fire independently") {
  Feed feed(BasicSchema(), {0}, 5);
  for (int i = 0; i < 300; ++i) {
    // Key k<j> sees an event every 3 * (j + 1) us: some keys keep one session, others split,
    // and the fast keys push the watermark past the slow ones (late events).
    const int j = i % 4;
    feed.Add((i / 4) * 3 * (j + 1), KV("k" + std::to_string(j), 1));
  }
  const KeyedStageDef def = Session(8);
  CheckAgainstReference(def, feed);
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("session: rejects a non-positive gap") {
  CHECK(!MakeKeyedOperator(Session(0), BasicSchema()).ok());
}
