// Running (non-windowed) keyed aggregate: one output row per input row, no lateness.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "window_test_util.h"

using namespace sluice;
using namespace sluice::wintest;

namespace {

const std::string kMin = std::to_string(kMinTime);

KeyedStageDef Running() {
  KeyedStageDef def;
  def.kind = OpKind::kAggregate;
  def.key_columns = {0};
  def.aggregates.push_back({AggFunc::kCount, -1, {"n", Type::kInt64}});
  def.aggregates.push_back({AggFunc::kSum, 1, {"total", Type::kInt64}});
  def.aggregates.push_back({AggFunc::kFirst, 1, {"first_v", Type::kInt64}});
  return def;
}

}  // namespace

TEST_CASE("running: output schema is the key fields then the aggregates") {
  auto op = Make(Running(), BasicSchema());
  const Schema& s = op->output_schema();
  REQUIRE(s.size() == 4);
  CHECK(s.field(0).name == "k");
  CHECK(s.field(1).name == "n");
  CHECK(s.field(2).name == "total");
  CHECK(s.field(3).name == "first_v");
}

TEST_CASE("running: every row emits its key's aggregates so far, with the row's ts and wm") {
  Feed feed(BasicSchema(), {0}, 0);
  feed.Add(5, KV("a", 1));
  feed.Add(3, KV("b", 2));
  feed.Add(1, KV("a", 4));  // far behind the watermark: running aggregates have no lateness
  feed.Add(100, {Value::String("a"), Value::Null(), Value::Double(0), Value::String("")});
  feed.Add(0, KV("b", 8));
  const std::vector<std::string> want = {"a|1|1|1@5/" + kMin, "b|1|2|2@3/4", "a|2|5|4@1/4",
                                         "a|3|5|4@100/4", "b|2|10|8@0/99"};
  for (const auto& batches : {feed.OneBatch(), feed.CutEvery(1), feed.Cut({0, 2, 0, 1})}) {
    const Output out = Run(Running(), feed.schema(), batches);
    CHECK(out.rows == want);
    CHECK(out.late.empty());
    CHECK(out.late_count == 0);
  }
  CheckAgainstReference(Running(), feed);
}

TEST_CASE("running: many keys keep separate state across batches") {
  Feed feed(BasicSchema(), {0}, 10);
  for (int i = 0; i < 5000; ++i) feed.Add(i, KV("k" + std::to_string(i % 997), 1));
  const Output out = Run(Running(), feed.schema(), feed.CutEvery(333));
  REQUIRE(out.rows.size() == 5000);
  // Row 4999 is key k(4999 % 997) = k14, its 6th event.
  CHECK(out.rows.back() == "k14|6|6|1@4999/4987");
  CheckAgainstReference(Running(), feed);
}
