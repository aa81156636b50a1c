// Edge cases of the join operators (operators/join_operator.h), each worked out by hand: the
// output schema, refused definitions, window firing and lateness, the order of rows of equal
// watermark in session joins, interval bounds, outer rows and null keys.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "join_test_util.h"

using namespace sluice;
using namespace sluice::jointest;

namespace {

constexpr const char* kInf = "9223372036854775807";

// Rows of the hand-written cases: g = 0, x = 0.5, s = "x"; an empty key is null.
void AddLeft(JoinFeed* feed, const std::string& key, TimeUs ts) {
  feed->Add(0, ts,
            {Value::Int(0), key.empty() ? Value::Null(Type::kString) : Value::String(key),
             Value::Int(0), Value::Double(0.5)});
}
void AddRight(JoinFeed* feed, const std::string& key, TimeUs ts) {
  feed->Add(1, ts,
            {Value::Int(0), Value::Int(0),
             key.empty() ? Value::Null(Type::kString) : Value::String(key), Value::String("x")});
}

// The sorted rows and late rows (with wm) of `feed` as one call, one call per row, and random
// cuts, which must all agree with each other and with the reference.
JoinOutput RunEveryCut(const JoinFeed& feed) {
  JoinOutput one = RunLanes(feed.def(), feed.Cut({}), 1);
  std::vector<std::string> want_rows, want_late;
  ExpectedTexts(feed, true, &want_rows, &want_late);
  CHECK(one.sorted_rows() == want_rows);
  CHECK(one.sorted_late() == want_late);
  std::vector<std::vector<size_t>> cuts = {std::vector<size_t>(feed.size(), 1)};
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20; ++i) cuts.push_back(RandomCuts(rng, feed.size()));
  for (const std::vector<size_t>& cut : cuts) {
    const JoinOutput other = RunLanes(feed.def(), feed.Cut(cut), 1);
    CHECK(other.sorted_rows() == one.sorted_rows());
    CHECK(other.sorted_late() == one.sorted_late());
  }
  one.rows = one.sorted_rows();
  one.late = one.sorted_late();
  return one;
}

}  // namespace

TEST_CASE("join output schema: prefixed fields of both inputs, then the window bounds") {
  JoinDef def = WindowJoinDef(WindowKind::kTumbling, 10, 0, 0);
  def.time_unit = TimeUnit::kMillis;
  auto schema = JoinOutputSchema(def, LeftSchema(), RightSchema());
  REQUIRE(schema.ok());
  CHECK(schema->ToString() ==
        "l_lid:int64, l_k:string, l_g:int64, l_x:double, r_g:int64, r_rid:int64, r_k:string, "
        "r_s:string, window_start:timestamp_ms, window_end:timestamp_ms");
  def = IntervalJoinDef(JoinType::kFull, 0, 1);
  def.left_prefix = "";
  def.right_prefix = "right_";
  schema = JoinOutputSchema(def, LeftSchema(), RightSchema());
  REQUIRE(schema.ok());
  CHECK(schema->ToString() ==
        "lid:int64, k:string, g:int64, x:double, right_g:int64, right_rid:int64, right_k:string, "
        "right_s:string");
}

TEST_CASE("join output schema: a duplicate name is refused, naming it and suggesting prefixes") {
  JoinDef def = IntervalJoinDef(JoinType::kInner, 0, 0);
  def.left_prefix = def.right_prefix = "";
  auto schema = JoinOutputSchema(def, LeftSchema(), RightSchema());
  REQUIRE(!schema.ok());
  CHECK(schema.status().IsInvalidArgument());
  CHECK(schema.status().message().find("'g'") != std::string::npos);
  CHECK(schema.status().message().find("left_prefix") != std::string::npos);
  CHECK(schema.status().message().find("right_prefix") != std::string::npos);
  CHECK(!MakeJoinOperator(def, LeftSchema(), RightSchema()).ok());

  def = WindowJoinDef(WindowKind::kSession, 0, 0, 5);
  const Schema left({{"window_end", Type::kInt64}, {"k", Type::kString}});
  def.left_prefix = "";
  def.left_key = {1};
  schema = JoinOutputSchema(def, left, RightSchema());
  REQUIRE(!schema.ok());
  CHECK(schema.status().message().find("'window_end'") != std::string::npos);
}

TEST_CASE("join factory: invalid definitions are refused") {
  auto refused = [](const JoinDef& def) {
    auto op = MakeJoinOperator(def, LeftSchema(), RightSchema());
    return !op.ok() && op.status().IsInvalidArgument();
  };
  CHECK(refused(WindowJoinDef(WindowKind::kTumbling, 0, 0, 0)));
  CHECK(refused(WindowJoinDef(WindowKind::kSliding, 10, 0, 0)));
  CHECK(refused(WindowJoinDef(WindowKind::kSliding, 10, 11, 0)));
  CHECK(refused(WindowJoinDef(WindowKind::kSession, 0, 0, 0)));
  CHECK(refused(IntervalJoinDef(JoinType::kInner, 1, 0)));
  JoinDef outer_window = WindowJoinDef(WindowKind::kTumbling, 10, 0, 0);
  outer_window.type = JoinType::kLeft;
  CHECK(refused(outer_window));
  JoinDef def = IntervalJoinDef(JoinType::kInner, 0, 0);
  def.right_key = {0, 2};  // two key fields against one
  CHECK(refused(def));
  def.right_key = {0};  // int64 against string
  CHECK(refused(def));
  def.right_key = {9};  // no such field
  CHECK(refused(def));

  CHECK(
      MakeJoinOperator(IntervalJoinDef(JoinType::kFull, -7, -7), LeftSchema(), RightSchema()).ok());
  CHECK(
      MakeJoinOperator(WindowJoinDef(WindowKind::kSliding, 10, 10, 0), LeftSchema(), RightSchema())
          .ok());
}

TEST_CASE("join: one input is refused; ProcessTwo does the work") {
  auto op = MakeJoin(IntervalJoinDef(JoinType::kInner, 0, 0));
  Batch in, out;
  in.reset(LeftSchema());
  out.reset(op->output_schema());
  CHECK(op->Process(in, &out).code() == Status::Code::kInternal);
  CHECK(op->ProcessTwo({}, &out).code() == Status::Code::kInternal);
}

TEST_CASE("tumbling window join: pairs fire at W >= end - 1; a late row is reported, not joined") {
  JoinFeed feed(WindowJoinDef(WindowKind::kTumbling, 10, 0, 0), 0);
  AddLeft(&feed, "a", 1);    // W -inf
  AddRight(&feed, "a", 5);   // W 0
  AddRight(&feed, "a", 12);  // W 4
  AddLeft(&feed, "a", 3);    // W 11: [0, 10) has fired, the row is late
  AddLeft(&feed, "a", 15);   // W 11
  AddRight(&feed, "b", 16);  // W 14: no left row of b
  const JoinOutput out = RunEveryCut(feed);
  CHECK(out.rows == std::vector<std::string>{
                        "0|a|0|0.5|0|1|a|x|0|10@9/11",
                        "4|a|0|0.5|0|2|a|x|10|20@19/" + std::string(kInf),
                    });
  CHECK(out.late == std::vector<std::string>{"L:3|a|0|0.5@3/11"});
  CHECK(out.late_count == 1);
}

TEST_CASE("sliding window join: a pair per shared window; a partly late row joins open windows") {
  JoinFeed feed(WindowJoinDef(WindowKind::kSliding, 10, 5, 0), 0);
  AddLeft(&feed, "a", 12);   // W -inf: [5, 15) and [10, 20)
  AddRight(&feed, "a", 16);  // W 11: [10, 20) and [15, 25)
  AddRight(&feed, "a", 13);  // W 15: [5, 15) has fired; counts in [10, 20) only
  AddRight(&feed, "a", 7);   // W 15: [0, 10) and [5, 15) have fired: late
  AddLeft(&feed, "a", 17);   // W 15: [10, 20) and [15, 25)
  const JoinOutput out = RunEveryCut(feed);
  const std::string at = "@19/" + std::string(kInf);
  CHECK(out.rows == std::vector<std::string>{
                        "0|a|0|0.5|0|1|a|x|10|20" + at,
                        "0|a|0|0.5|0|2|a|x|10|20" + at,
                        "4|a|0|0.5|0|1|a|x|10|20" + at,
                        "4|a|0|0.5|0|1|a|x|15|25@24/" + std::string(kInf),
                        "4|a|0|0.5|0|2|a|x|10|20" + at,
                    });
  CHECK(out.late == std::vector<std::string>{"R:0|3|a|x@7/15"});
}

TEST_CASE("session join: right rows of a watermark come after its left rows, whatever the cuts") {
  // Source order R@95 then L@85, both at W 99. Taken as the contract orders them (left first),
  // L@85 finds only [100, 110), which its own [85, 95) does not touch, so it is late; R@95 then
  // extends the session to [95, 110). Taking R@95 first would have let L@85 join.
  JoinFeed feed(WindowJoinDef(WindowKind::kSession, 0, 0, 10), 0);
  AddLeft(&feed, "a", 100);  // W -inf
  AddRight(&feed, "a", 95);  // W 99
  AddLeft(&feed, "a", 85);   // W 99
  const JoinOutput out = RunEveryCut(feed);
  CHECK(out.rows == std::vector<std::string>{"0|a|0|0.5|0|1|a|x|95|110@109/" + std::string(kInf)});
  CHECK(out.late == std::vector<std::string>{"L:2|a|0|0.5@85/99"});
}

TEST_CASE("session join: a late row joins a session it touches; sessions fire at W >= end - 1") {
  JoinFeed feed(WindowJoinDef(WindowKind::kSession, 0, 0, 10), 0);
  AddLeft(&feed, "a", 100);   // W -inf: [100, 110)
  AddRight(&feed, "a", 90);   // W 99: its own [90, 100) is due but touches [100, 110)
  AddLeft(&feed, "a", 120);   // W 99: [120, 130)
  AddRight(&feed, "a", 121);  // W 119: [90, 110) fired before this row
  const JoinOutput out = RunEveryCut(feed);
  CHECK(out.rows == std::vector<std::string>{
                        "0|a|0|0.5|0|1|a|x|90|110@109/119",
                        "2|a|0|0.5|0|3|a|x|120|131@130/" + std::string(kInf),
                    });
  CHECK(out.late.empty());
}

TEST_CASE(
    "interval join: bounds are inclusive, and a pair is emitted when its second row arrives") {
  JoinFeed feed(IntervalJoinDef(JoinType::kInner, -2, 3), 100);
  AddLeft(&feed, "a", 10);  // pairs with right rows at 8..13
  AddRight(&feed, "a", 7);  // W -91
  AddRight(&feed, "a", 8);
  AddRight(&feed, "a", 13);
  AddRight(&feed, "a", 14);
  AddLeft(&feed, "a", 5);  // pairs with 7 and 8
  const JoinOutput out = RunEveryCut(feed);
  CHECK(out.rows == std::vector<std::string>{
                        "0|a|0|0.5|0|2|a|x@10/-91",
                        "0|a|0|0.5|0|3|a|x@13/-91",
                        "5|a|0|0.5|0|1|a|x@7/-87",
                        "5|a|0|0.5|0|2|a|x@8/-87",
                    });
}

TEST_CASE("left interval join: unmatched rows leave at l.ts + upper, or at once when past it") {
  JoinFeed feed(IntervalJoinDef(JoinType::kLeft, -10, -5), 0);
  AddRight(&feed, "a", 0);   // W -inf
  AddLeft(&feed, "a", 7);    // W -1: pairs with the right row at 0
  AddLeft(&feed, "a", 20);   // W 6: no partner; leaves once W >= 15
  AddRight(&feed, "b", 30);  // W 19
  AddLeft(&feed, "a", 32);   // W 29: 32 - 5 <= 29, so it leaves at once, unmatched
  const JoinOutput out = RunEveryCut(feed);
  CHECK(out.rows == std::vector<std::string>{
                        "1|a|0|0.5|0|0|a|x@7/-1",
                        "2|a|0|0.5|~|~|~|~@20/19",
                        "4|a|0|0.5|~|~|~|~@32/29",
                    });
  CHECK(out.late.empty());
}

TEST_CASE("full interval join: null keys match nothing and leave alone; late rows stay late") {
  JoinFeed feed(IntervalJoinDef(JoinType::kFull, 0, 0), 0);
  AddLeft(&feed, "", 5);    // W -inf
  AddRight(&feed, "", 5);   // W 4
  AddLeft(&feed, "", 3);    // W 4: late
  AddRight(&feed, "a", 9);  // W 4: leaves at 9 - 0, at the end
  const JoinOutput out = RunEveryCut(feed);
  CHECK(out.rows == std::vector<std::string>{
                        "0|~|0|0.5|~|~|~|~@5/8",
                        "~|~|~|~|0|1|~|x@5/8",
                        "~|~|~|~|0|3|a|x@9/" + std::string(kInf),
                    });
  CHECK(out.late == std::vector<std::string>{"L:2|~|0|0.5@3/4"});

  JoinFeed inner(IntervalJoinDef(JoinType::kInner, 0, 0), 0);
  AddLeft(&inner, "", 5);
  AddRight(&inner, "", 5);
  AddLeft(&inner, "", 3);
  const JoinOutput none = RunEveryCut(inner);
  CHECK(none.rows.empty());
  CHECK(none.late == std::vector<std::string>{"L:2|~|0|0.5@3/4"});
}

TEST_CASE("join keys(): keys with buffered state, none once the input ends") {
  for (const JoinDef& def :
       {WindowJoinDef(WindowKind::kTumbling, 10, 0, 0),
        WindowJoinDef(WindowKind::kSession, 0, 0, 10), IntervalJoinDef(JoinType::kFull, 0, 5)}) {
    JoinFeed feed(def, 100);
    AddLeft(&feed, "a", 1);
    AddLeft(&feed, "b", 2);
    AddRight(&feed, "c", 3);
    AddRight(&feed, "a", 4);
    const std::vector<JoinFeed::Call> calls = feed.Cut({4});
    auto op = MakeJoin(def);
    JoinOutput out;
    RunCalls(op.get(), calls, 0, 1, nullptr, 1, true, &out);
    CHECK(op->keys() == 3);
    RunCalls(op.get(), calls, 1, 2, nullptr, 1, true, &out);
    CHECK(op->keys() == 0);
  }
}
