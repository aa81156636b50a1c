// Tumbling windows: alignment, boundaries, firing on the watermark, lateness and batching.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "window_test_util.h"

using namespace sluice;
using namespace sluice::wintest;

namespace {

const std::string kMax = std::to_string(kMaxTime);
const std::string kMin = std::to_string(kMinTime);

}  // namespace

TEST_CASE("tumbling: output schema is keys, window bounds in the time unit, then aggregates") {
  KeyedStageDef def = CountSumDef(WindowKind::kTumbling, 10, 10, 0);
  def.time_unit = TimeUnit::kMillis;
  auto op = Make(def, BasicSchema());
  const Schema& s = op->output_schema();
  REQUIRE(s.size() == 5);
  CHECK(s.field(0) == Field{"k", Type::kString});
  CHECK(s.field(1) == Field{"window_start", Type::kTimestamp, TimeUnit::kMillis});
  CHECK(s.field(2) == Field{"window_end", Type::kTimestamp, TimeUnit::kMillis});
  CHECK(s.field(3) == Field{"n", Type::kInt64});
  CHECK(s.field(4) == Field{"total", Type::kInt64});
}

TEST_CASE("tumbling: event at end - 1 stays in its window and event at end opens the next") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(0, KV("a", 1));
  feed.Add(9, KV("a", 2));
  feed.Add(10, KV("a", 4));
  const Output out =
      Run(CountSumDef(WindowKind::kTumbling, 10, 10, 0), feed.schema(), feed.OneBatch());
  CHECK(out.rows == std::vector<std::string>{"a|0|10|2|3@9/9", "a|10|20|1|4@19/" + kMax});
  CHECK(out.late.empty());
}

TEST_CASE("tumbling: windows are aligned to the epoch for negative times") {
  Feed feed(BasicSchema(), {0}, 100);
  feed.Add(-1, KV("a", 1));
  feed.Add(-10, KV("a", 2));
  feed.Add(-11, KV("a", 4));
  feed.Add(0, KV("a", 8));
  const Output out =
      Run(CountSumDef(WindowKind::kTumbling, 10, 10, 0), feed.schema(), feed.OneBatch());
  CHECK(out.sorted_rows() == std::vector<std::string>{"a|-10|0|2|3@-1/" + kMax,
                                                      "a|-20|-10|1|4@-11/" + kMax,
                                                      "a|0|10|1|8@9/" + kMax});
}

TEST_CASE("tumbling: a window fires before the first row whose watermark reaches end - 1") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(5, KV("a", 1));    // W = min
  feed.Add(9, KV("a", 2));    // W = 4
  feed.Add(9, KV("b", 4));    // W = 8: [0, 10) not due yet
  feed.Add(10, KV("b", 8));   // W = 8
  feed.Add(12, KV("a", 16));  // W = 9: [0, 10) fires first, with wm 9
  const Output out =
      Run(CountSumDef(WindowKind::kTumbling, 10, 10, 0), feed.schema(), feed.CutEvery(1));
  // Batch 4 (row 10 at W=8) ends with watermark 9: both keys' [0, 10) fire there.
  CHECK(out.rows_per_batch == std::vector<size_t>{0, 0, 0, 2, 0, 2});
  CHECK(out.sorted_rows() == std::vector<std::string>{"a|0|10|2|3@9/9", "a|10|20|1|16@19/" + kMax,
                                                      "b|0|10|1|4@9/9", "b|10|20|1|8@19/" + kMax});
  CheckBatchingInvariant(CountSumDef(WindowKind::kTumbling, 10, 10, 0), feed);
}

TEST_CASE("tumbling: an empty batch still advances the watermark and fires") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(3, KV("a", 1));
  feed.Add(30, KV("b", 2));
  auto op = Make(CountSumDef(WindowKind::kTumbling, 10, 10, 0), feed.schema());
  auto batches = feed.Cut({1});
  // The lane's share of the second source batch is empty, but the watermark moved to 29.
  Batch empty;
  empty.reset(feed.schema());
  empty.watermark = 29;
  std::vector<Batch> lane;
  lane.push_back(std::move(batches[0]));
  lane.push_back(std::move(empty));
  const Output first = RunOn(op.get(), lane);
  CHECK(first.rows == std::vector<std::string>{"a|0|10|1|1@9/29"});
}

TEST_CASE("tumbling: out-of-order events within the bound are not late") {
  Feed feed(BasicSchema(), {0}, 10);
  feed.Add(15, KV("a", 1));
  feed.Add(5, KV("a", 2));  // W = 4 < 9
  const Output out =
      Run(CountSumDef(WindowKind::kTumbling, 10, 10, 0), feed.schema(), feed.OneBatch());
  CHECK(out.sorted_rows() ==
        std::vector<std::string>{"a|0|10|1|2@9/" + kMax, "a|10|20|1|1@19/" + kMax});
  CHECK(out.late_count == 0);
}

TEST_CASE("tumbling: with no allowed lateness an event is late exactly when W reaches end - 1") {
  for (int64_t bound : {0, 1}) {
    CAPTURE(bound);
    Feed feed(BasicSchema(), {0}, bound);
    feed.Add(10, KV("a", 1));
    feed.Add(9, KV("a", 2));  // W = 9 - bound
    const Output out =
        Run(CountSumDef(WindowKind::kTumbling, 10, 10, 0), feed.schema(), feed.OneBatch());
    if (bound == 0) {
      CHECK(out.late == std::vector<std::string>{"a|2|0|@9/9"});
      CHECK(out.late_count == 1);
      CHECK(out.rows == std::vector<std::string>{"a|10|20|1|1@19/" + kMax});
    } else {
      CHECK(out.late.empty());
      CHECK(out.late_count == 0);
      CHECK(out.sorted_rows() ==
            std::vector<std::string>{"a|0|10|1|2@9/" + kMax, "a|10|20|1|1@19/" + kMax});
    }
  }
}

TEST_CASE("tumbling: late rows keep the input schema and every column") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(100, KV("a", 1));
  feed.Add(50, {Value::String("z"), Value::Null(), Value::Double(2.5), Value::String("x")});
  auto op = Make(CountSumDef(WindowKind::kTumbling, 10, 10, 0), feed.schema());
  Batch out;
  out.reset(op->output_schema());
  REQUIRE(op->Process(feed.OneBatch()[0], &out).ok());
  REQUIRE(out.late);
  REQUIRE(out.late->columns.size() == 4);
  REQUIRE(out.late->size() == 1);
  CHECK(out.late->columns[0].str(0) == "z");
  CHECK(!out.late->columns[1].is_valid(0));
  CHECK(out.late->columns[2].f64[0] == 2.5);
  CHECK(out.late->ts[0] == 50);
  CHECK(out.late->wm[0] == 99);
  CHECK(op->stats().late == 1);
}

TEST_CASE("tumbling: no late batch is created when nothing is late") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(1, KV("a", 1));
  feed.Add(20, KV("a", 1));
  auto op = Make(CountSumDef(WindowKind::kTumbling, 10, 10, 0), feed.schema());
  Batch out;
  out.reset(op->output_schema());
  REQUIRE(op->Process(feed.OneBatch()[0], &out).ok());
  CHECK(!out.late);
  CHECK(out.size() == 2);
}

TEST_CASE("tumbling: allowed lateness re-emits the updated window, then drops it") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(3, KV("a", 1));
  feed.Add(12, KV("a", 2));
  feed.Add(4, KV("a", 4));   // W = 11: [0, 10) fired (9 <= 11) but is kept until W >= 14
  feed.Add(20, KV("a", 8));  // W = 11
  feed.Add(2, KV("a", 16));  // W = 19: [0, 10) dropped, late
  const KeyedStageDef def = CountSumDef(WindowKind::kTumbling, 10, 10, 0, /*lateness=*/5);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.rows == std::vector<std::string>{"a|0|10|1|1@9/11", "a|0|10|2|5@9/11",
                                             "a|10|20|1|2@19/19", "a|20|30|1|8@29/" + kMax});
  CHECK(out.late == std::vector<std::string>{"a|16|0|@2/19"});
  CheckBatchingInvariant(def, feed);
}

TEST_CASE("tumbling: an allowed-late event for a new key in a fired window emits that key's row") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(3, KV("a", 1));
  feed.Add(11, KV("a", 2));
  feed.Add(5, KV("b", 7));  // W = 10: [0, 10) fired; b had no state there
  const KeyedStageDef def = CountSumDef(WindowKind::kTumbling, 10, 10, 0, /*lateness=*/10);
  const Output out = Run(def, feed.schema(), feed.OneBatch());
  CHECK(out.rows ==
        std::vector<std::string>{"a|0|10|1|1@9/10", "b|0|10|1|7@9/10", "a|10|20|1|2@19/" + kMax});
}

TEST_CASE("tumbling: keys are grouped separately and decoded from several key fields") {
  const Schema schema({{"k", Type::kString}, {"g", Type::kInt64}, {"v", Type::kInt64}});
  KeyedStageDef def;
  def.window = WindowKind::kTumbling;
  def.size = def.slide = 100;
  def.key_columns = {1, 0};
  def.aggregates.push_back({AggFunc::kSum, 2, {"total", Type::kInt64}});
  Feed feed(schema, {1, 0}, 1000);
  feed.Add(1, {Value::String("a"), Value::Int(1), Value::Int(1)});
  feed.Add(2, {Value::String("a"), Value::Int(2), Value::Int(2)});
  feed.Add(3, {Value::String("a"), Value::Null(), Value::Int(4)});
  feed.Add(4, {Value::String("a"), Value::Int(1), Value::Int(8)});
  feed.Add(5, {Value::Null(Type::kString), Value::Int(1), Value::Int(16)});
  const Output out = Run(def, schema, feed.OneBatch());
  CHECK(out.schema.field(0).name == "g");
  CHECK(out.schema.field(1).name == "k");
  CHECK(out.sorted_rows() ==
        std::vector<std::string>{"1|a|0|100|9@99/" + kMax, "1|~|0|100|16@99/" + kMax,
                                 "2|a|0|100|2@99/" + kMax, "~|a|0|100|4@99/" + kMax});
}

TEST_CASE("tumbling: window bounds are written in the stage's time unit") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(12345, KV("a", 1));
  feed.Add(-1, KV("b", 1));
  KeyedStageDef def = CountSumDef(WindowKind::kTumbling, 10000, 10000, 0, 100000);
  SUBCASE("millis") {
    def.time_unit = TimeUnit::kMillis;
    CHECK(Run(def, feed.schema(), feed.OneBatch()).sorted_rows() ==
          std::vector<std::string>{"a|10|20|1|1@19999/" + kMax, "b|-10|0|1|1@-1/12344"});
  }
  SUBCASE("seconds floor") {
    def.time_unit = TimeUnit::kSeconds;
    CHECK(Run(def, feed.schema(), feed.OneBatch()).sorted_rows() ==
          std::vector<std::string>{"a|0|0|1|1@19999/" + kMax, "b|-1|0|1|1@-1/12344"});
  }
  SUBCASE("iso keeps microseconds") {
    def.time_unit = TimeUnit::kIso;
    CHECK(Run(def, feed.schema(), feed.OneBatch()).sorted_rows() ==
          std::vector<std::string>{"a|10000|20000|1|1@19999/" + kMax, "b|-10000|0|1|1@-1/12344"});
  }
}

TEST_CASE("tumbling: the final batch fires every open window with wm +infinity") {
  Feed feed(BasicSchema(), {0}, 1000000);
  for (int64_t t = 0; t < 50; t += 7) feed.Add(t * 1000, KV("k" + std::to_string(t % 3), t));
  const Output out =
      Run(CountSumDef(WindowKind::kTumbling, 10000, 10000, 0), feed.schema(), feed.CutEvery(2));
  // Nothing is due before the end: every row comes from the last batch.
  CHECK(out.rows_per_batch.back() == out.rows.size());
  CHECK(out.rows.size() == 8);
  for (const std::string& r : out.rows) CHECK(r.ends_with("/" + kMax));
}

TEST_CASE("tumbling: rejects a non-positive size") {
  KeyedStageDef def = CountSumDef(WindowKind::kTumbling, 0, 0, 0);
  CHECK(!MakeKeyedOperator(def, BasicSchema()).ok());
}
