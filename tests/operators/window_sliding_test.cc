// Sliding windows: membership, pane merging, firing, partial lateness and allowed-late updates.
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

KeyedStageDef Sliding(int64_t size, int64_t slide, int64_t lateness = 0) {
  return CountSumDef(WindowKind::kSliding, size, slide, 0, lateness);
}

}  // namespace

TEST_CASE("sliding: an event counts in every window whose start is in (t - size, t]") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(7, KV("a", 1));
  const Output out = Run(Sliding(10, 5), feed.schema(), feed.OneBatch());
  CHECK(out.sorted_rows() == Sorted({"a|0|10|1|1@9/" + kMax, "a|5|15|1|1@14/" + kMax}));
}

TEST_CASE("sliding: slide that does not divide size, with negative times") {
  Feed feed(BasicSchema(), {0}, 100);
  feed.Add(9, KV("a", 1));
  feed.Add(-1, KV("a", 2));
  const KeyedStageDef def = Sliding(10, 4);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.sorted_rows() ==
        Sorted({"a|0|10|1|1@9/" + kMax, "a|4|14|1|1@13/" + kMax, "a|8|18|1|1@17/" + kMax,
                "a|-4|6|1|2@5/" + kMax, "a|-8|2|1|2@1/" + kMax}));
  CheckAgainstReference(def, feed);
}

TEST_CASE("sliding: a window's result merges the panes it covers") {
  Feed feed(BasicSchema(), {0}, 100);
  feed.Add(1, KV("a", 1));
  feed.Add(6, KV("a", 2));
  feed.Add(11, KV("a", 4));
  feed.Add(6, KV("b", 8));
  const KeyedStageDef def = Sliding(10, 5);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.sorted_rows() ==
        Sorted({"a|-5|5|1|1@4/" + kMax, "a|0|10|2|3@9/" + kMax, "a|5|15|2|6@14/" + kMax,
                "a|10|20|1|4@19/" + kMax, "b|0|10|1|8@9/" + kMax, "b|5|15|1|8@14/" + kMax}));
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("sliding: windows fire one by one as the watermark passes their ends") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(2, KV("a", 1));
  feed.Add(10, KV("a", 2));  // W = 1
  feed.Add(15, KV("a", 4));  // W = 9: [-5, 5) and [0, 10) fire first
  // After the last row W = 14: [5, 15) fires at 14 even when that row is in the final batch.
  const KeyedStageDef def = Sliding(10, 5);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  REQUIRE(out.rows.size() == 5);
  CHECK(Sorted({out.rows[0], out.rows[1]}) == Sorted({"a|-5|5|1|1@4/9", "a|0|10|1|1@9/9"}));
  CHECK(Sorted({out.rows[2], out.rows[3], out.rows[4]}) ==
        Sorted({"a|5|15|1|2@14/14", "a|10|20|2|6@19/" + kMax, "a|15|25|1|4@24/" + kMax}));
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("sliding: an event late for some of its windows counts only in the others") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(12, KV("a", 1));
  feed.Add(7, KV("a", 2));  // W = 11: [0, 10) is late, [5, 15) is not
  feed.Add(3, KV("a", 4));  // W = 11: [-5, 5) and [0, 10) both late: dropped
  const KeyedStageDef def = Sliding(10, 5);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.sorted_rows() == Sorted({"a|5|15|2|3@14/" + kMax, "a|10|20|1|1@19/" + kMax}));
  CHECK(out.late == std::vector<std::string>{"a|4|0|@3/11"});
  CHECK(out.late_count == 1);
  CheckAgainstReference(def, feed);
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("sliding: allowed lateness re-emits every fired window still kept") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(1, KV("a", 1));
  feed.Add(16, KV("a", 2));
  // W = 15: [-5, 5) and [0, 10) fire; [-5, 5) is dropped (4 + 10 <= 15), [0, 10) is kept.
  feed.Add(3, KV("a", 4));
  const KeyedStageDef def = Sliding(10, 5, /*lateness=*/10);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.sorted_rows() == Sorted({"a|-5|5|1|1@4/15", "a|0|10|1|1@9/15", "a|0|10|2|5@9/15",
                                     "a|10|20|1|2@19/" + kMax, "a|15|25|1|2@24/" + kMax}));
  CHECK(out.late.empty());
  CheckAgainstReference(def, feed);
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("sliding: an allowed-late event re-emits several fired windows at once") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(2, KV("a", 1));
  feed.Add(30, KV("a", 2));
  feed.Add(9, KV("a", 4));  // W = 29: windows of 9 are [0, 10), [3, 13), [6, 16) and [9, 19)
  const KeyedStageDef def = Sliding(10, 3, /*lateness=*/25);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  // [0, 10) held 2 before; [3, 13), [6, 16) and [9, 19) had no state and are emitted at once.
  CHECK(
      out.sorted_rows() ==
      Sorted({"a|-6|4|1|1@3/29", "a|-3|7|1|1@6/29", "a|0|10|1|1@9/29", "a|0|10|2|5@9/29",
              "a|3|13|1|4@12/29", "a|6|16|1|4@15/29", "a|9|19|1|4@18/29", "a|21|31|1|2@30/" + kMax,
              "a|24|34|1|2@33/" + kMax, "a|27|37|1|2@36/" + kMax, "a|30|40|1|2@39/" + kMax}));
  CheckAgainstReference(def, feed);
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("sliding: slide equal to size gives the tumbling results") {
  Feed feed(BasicSchema(), {0}, 7);
  for (int i = 0; i < 200; ++i) {
    feed.Add((i * 37) % 101 + i, KV("k" + std::to_string(i % 5), i));
  }
  const Output tumbling =
      Run(CountSumDef(WindowKind::kTumbling, 20, 20, 0), feed.schema(), feed.CutEvery(16));
  const Output sliding = Run(Sliding(20, 20), feed.schema(), feed.CutEvery(16));
  CHECK(sliding.sorted_rows() == tumbling.sorted_rows());
  CHECK(sliding.sorted_late() == tumbling.sorted_late());
  CHECK(!tumbling.late.empty());
}

TEST_CASE("sliding: rejects slide larger than size and non-positive slide") {
  CHECK(!MakeKeyedOperator(Sliding(10, 11), BasicSchema()).ok());
  CHECK(!MakeKeyedOperator(Sliding(10, 0), BasicSchema()).ok());
  CHECK(MakeKeyedOperator(Sliding(10, 10), BasicSchema()).ok());
}
