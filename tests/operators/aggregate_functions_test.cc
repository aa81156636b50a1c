// Aggregate functions: names, result types, null handling, every function over every input type,
// first/last ties, merging across panes and sessions, count_distinct.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "operators/accumulators.h"
#include "window_test_util.h"

using namespace sluice;
using namespace sluice::wintest;

namespace {

const std::string kMax = std::to_string(kMaxTime);

// k string, i int64, d double, s string, t timestamp(ms), b bool.
Schema TypedSchema() {
  return Schema({{"k", Type::kString},
                 {"i", Type::kInt64},
                 {"d", Type::kDouble},
                 {"s", Type::kString},
                 {"t", Type::kTimestamp, TimeUnit::kMillis},
                 {"b", Type::kBool}});
}

// Appends func(input) to def, typing the output with AggregateResultField.
void AddAgg(KeyedStageDef* def, const Schema& schema, AggFunc func, int input) {
  const std::string alias = "a" + std::to_string(def->aggregates.size());
  auto field = AggregateResultField(func, input >= 0 ? &schema.field(input) : nullptr, alias);
  REQUIRE_MESSAGE(field.ok(), field.status().ToString());
  def->aggregates.push_back({func, input, *field});
}

KeyedStageDef Window(WindowKind kind, int64_t size, int64_t slide, int64_t gap) {
  KeyedStageDef def;
  def.window = kind;
  def.size = size;
  def.slide = slide;
  def.gap = gap;
  def.key_columns = {0};
  return def;
}

// "v1|v2|..." of the aggregates of a result row: drops key, window bounds and "@ts/wm".
std::string AggText(const std::string& row) {
  std::string body = row.substr(0, row.find('@'));
  for (int i = 0; i < 3; ++i) body = body.substr(body.find('|') + 1);
  return body;
}

}  // namespace

TEST_CASE("aggregate: names parse and print") {
  for (AggFunc f : {AggFunc::kCount, AggFunc::kSum, AggFunc::kMin, AggFunc::kMax, AggFunc::kAvg,
                    AggFunc::kFirst, AggFunc::kLast, AggFunc::kCountDistinct}) {
    AggFunc parsed = AggFunc::kCount;
    REQUIRE(ParseAggFunc(AggFuncName(f), &parsed));
    CHECK(parsed == f);
  }
  AggFunc f = AggFunc::kSum;
  CHECK(ParseAggFunc("count_distinct", &f));
  CHECK(f == AggFunc::kCountDistinct);
  CHECK(!ParseAggFunc("median", &f));
  CHECK(!ParseAggFunc("", &f));
  CHECK(!ParseAggFunc("COUNT", &f));
}

TEST_CASE("aggregate: result types follow the input type") {
  const Field i{"i", Type::kInt64}, d{"d", Type::kDouble}, s{"s", Type::kString};
  const Field t{"t", Type::kTimestamp, TimeUnit::kMillis}, b{"b", Type::kBool};
  auto type_of = [](AggFunc f, const Field* in) {
    auto r = AggregateResultField(f, in, "x");
    REQUIRE(r.ok());
    CHECK(r->name == "x");
    return *r;
  };
  CHECK(type_of(AggFunc::kCount, nullptr).type == Type::kInt64);
  CHECK(type_of(AggFunc::kCount, &s).type == Type::kInt64);
  CHECK(type_of(AggFunc::kCountDistinct, &d).type == Type::kInt64);
  CHECK(type_of(AggFunc::kSum, &i).type == Type::kInt64);
  CHECK(type_of(AggFunc::kSum, &d).type == Type::kDouble);
  CHECK(type_of(AggFunc::kAvg, &i).type == Type::kDouble);
  CHECK(type_of(AggFunc::kMin, &s).type == Type::kString);
  CHECK(type_of(AggFunc::kMax, &b).type == Type::kBool);
  CHECK(type_of(AggFunc::kFirst, &t) == Field{"x", Type::kTimestamp, TimeUnit::kMillis});
  CHECK(type_of(AggFunc::kLast, &d).type == Type::kDouble);
  CHECK(!AggregateResultField(AggFunc::kSum, &s, "x").ok());
  CHECK(!AggregateResultField(AggFunc::kAvg, &s, "x").ok());
  CHECK(!AggregateResultField(AggFunc::kMin, nullptr, "x").ok());
  CHECK(!AggregateResultField(AggFunc::kSum, nullptr, "x").ok());
}

TEST_CASE("aggregate: every function over int, double, string, timestamp and bool with nulls") {
  const Schema schema = TypedSchema();
  KeyedStageDef def = Window(WindowKind::kTumbling, 100, 100, 0);
  AddAgg(&def, schema, AggFunc::kCount, -1);
  for (AggFunc f : {AggFunc::kCount, AggFunc::kSum, AggFunc::kMin, AggFunc::kMax, AggFunc::kAvg,
                    AggFunc::kFirst, AggFunc::kLast, AggFunc::kCountDistinct}) {
    AddAgg(&def, schema, f, 1);
  }
  for (AggFunc f : {AggFunc::kSum, AggFunc::kAvg, AggFunc::kMin, AggFunc::kMax}) {
    AddAgg(&def, schema, f, 2);
  }
  for (AggFunc f :
       {AggFunc::kMin, AggFunc::kMax, AggFunc::kFirst, AggFunc::kLast, AggFunc::kCountDistinct}) {
    AddAgg(&def, schema, f, 3);
  }
  for (AggFunc f : {AggFunc::kMin, AggFunc::kMax, AggFunc::kFirst, AggFunc::kLast}) {
    AddAgg(&def, schema, f, 4);
  }
  for (AggFunc f : {AggFunc::kMin, AggFunc::kMax, AggFunc::kCountDistinct}) {
    AddAgg(&def, schema, f, 5);
  }
  const Value null = Value::Null();
  Feed feed(schema, {0}, 1000);
  feed.Add(10, {Value::String("a"), Value::Int(5), Value::Double(1.5), Value::String("pear"),
                Value::Timestamp(1000), Value::Bool(true)});
  feed.Add(5, {Value::String("a"), null, Value::Double(-2), Value::String("apple"), null,
               Value::Bool(false)});
  feed.Add(10, {Value::String("a"), Value::Int(7), null, null, Value::Timestamp(3000), null});
  feed.Add(20, {Value::String("a"), Value::Int(-3), Value::Double(0.5), Value::String("zebra"),
                Value::Timestamp(2000), Value::Bool(true)});
  const Output out = Run(def, schema, feed.CutEvery(2));
  REQUIRE(out.rows.size() == 1);
  CHECK(AggText(out.rows[0]) ==
        // count() | int: count sum min max avg first last distinct
        "4|3|9|-3|7|3|5|-3|3|"
        // double: sum avg min max
        "0|0|-2|1.5|"
        // string: min max first last distinct
        "apple|zebra|apple|zebra|3|"
        // timestamp: min max first last
        "1000|3000|1000|2000|"
        // bool: min max distinct
        "false|true|2");
  CHECK(out.schema.field(24) == Field{"a21", Type::kTimestamp, TimeUnit::kMillis});
  CHECK(out.schema.field(26).type == Type::kBool);
  CheckAgainstReference(def, feed);
}

TEST_CASE("aggregate: nulls are ignored by everything but count()") {
  const Schema schema = TypedSchema();
  KeyedStageDef def = Window(WindowKind::kTumbling, 100, 100, 0);
  AddAgg(&def, schema, AggFunc::kCount, -1);
  for (AggFunc f : {AggFunc::kCount, AggFunc::kSum, AggFunc::kMin, AggFunc::kMax, AggFunc::kAvg,
                    AggFunc::kFirst, AggFunc::kLast, AggFunc::kCountDistinct}) {
    AddAgg(&def, schema, f, 1);
  }
  AddAgg(&def, schema, AggFunc::kSum, 2);
  AddAgg(&def, schema, AggFunc::kMin, 3);
  const Value null = Value::Null();
  Feed feed(schema, {0}, 1000);
  for (int64_t ts : {3, 1}) {
    feed.Add(ts, {Value::String("a"), null, null, null, null, null});
  }
  const Output out = Run(def, schema, feed.OneBatch());
  REQUIRE(out.rows.size() == 1);
  CHECK(AggText(out.rows[0]) == "2|0|~|~|~|~|~|~|0|~|~");
  CheckAgainstReference(def, feed);
}

TEST_CASE("aggregate: first and last break event-time ties by input order") {
  const Schema schema = TypedSchema();
  KeyedStageDef def = Window(WindowKind::kTumbling, 100, 100, 0);
  AddAgg(&def, schema, AggFunc::kFirst, 1);
  AddAgg(&def, schema, AggFunc::kLast, 1);
  AddAgg(&def, schema, AggFunc::kFirst, 3);
  AddAgg(&def, schema, AggFunc::kLast, 3);
  const Value null = Value::Null();
  Feed feed(schema, {0}, 1000);
  feed.Add(50, {Value::String("a"), Value::Int(1), null, Value::String("x"), null, null});
  feed.Add(50, {Value::String("a"), Value::Int(2), null, Value::String("y"), null, null});
  feed.Add(50, {Value::String("a"), Value::Int(3), null, null, null, null});
  feed.Add(60, {Value::String("a"), null, null, null, null, null});
  feed.Add(40, {Value::String("a"), null, null, null, null, null});
  for (const auto& batches : {feed.OneBatch(), feed.CutEvery(1)}) {
    const Output out = Run(def, schema, batches);
    REQUIRE(out.rows.size() == 1);
    CHECK(AggText(out.rows[0]) == "1|3|x|y");
  }
}

TEST_CASE("aggregate: first and last merge across sliding panes by event time") {
  const Schema schema = TypedSchema();
  KeyedStageDef def = Window(WindowKind::kSliding, 10, 5, 0);
  AddAgg(&def, schema, AggFunc::kFirst, 1);
  AddAgg(&def, schema, AggFunc::kLast, 1);
  AddAgg(&def, schema, AggFunc::kMin, 1);
  AddAgg(&def, schema, AggFunc::kCountDistinct, 1);
  const Value null = Value::Null();
  Feed feed(schema, {0}, 1000);
  feed.Add(8, {Value::String("a"), Value::Int(1), null, null, null, null});
  feed.Add(2, {Value::String("a"), Value::Int(2), null, null, null, null});
  feed.Add(9, {Value::String("a"), Value::Int(2), null, null, null, null});
  const Output out = Run(def, schema, feed.OneBatch());
  CHECK(out.sorted_rows() == std::vector<std::string>{"a|-5|5|2|2|2|1@4/" + kMax,
                                                      "a|0|10|2|2|1|2@9/" + kMax,
                                                      "a|5|15|1|2|1|2@14/" + kMax});
  CheckAgainstReference(def, feed);
}

TEST_CASE("aggregate: first, last, min and count_distinct merge when sessions merge") {
  const Schema schema = TypedSchema();
  KeyedStageDef def = Window(WindowKind::kSession, 0, 0, 10);
  AddAgg(&def, schema, AggFunc::kFirst, 3);
  AddAgg(&def, schema, AggFunc::kLast, 3);
  AddAgg(&def, schema, AggFunc::kMax, 3);
  AddAgg(&def, schema, AggFunc::kCountDistinct, 3);
  AddAgg(&def, schema, AggFunc::kAvg, 1);
  const Value null = Value::Null();
  Feed feed(schema, {0}, 1000);
  feed.Add(20, {Value::String("a"), Value::Int(1), null, Value::String("m"), null, null});
  feed.Add(5, {Value::String("a"), Value::Int(2), null, Value::String("b"), null, null});
  feed.Add(12, {Value::String("a"), null, null, Value::String("m"), null, null});
  const Output out = Run(def, schema, feed.OneBatch());
  CHECK(out.rows == std::vector<std::string>{"a|5|30|b|m|m|2|1.5@29/" + kMax});
  CheckAgainstReference(def, feed);
}

TEST_CASE("aggregate: count_distinct counts values, folding -0.0 into 0.0") {
  const Schema schema = TypedSchema();
  KeyedStageDef def = Window(WindowKind::kTumbling, 100, 100, 0);
  AddAgg(&def, schema, AggFunc::kCountDistinct, 1);
  AddAgg(&def, schema, AggFunc::kCountDistinct, 2);
  AddAgg(&def, schema, AggFunc::kCountDistinct, 3);
  Feed feed(schema, {0}, 1000);
  const Value null = Value::Null();
  auto row = [&](Value i, Value d, Value s) {
    return std::vector<Value>{Value::String("a"), i, d, s, null, null};
  };
  feed.Add(1, row(Value::Int(7), Value::Double(0.0), Value::String("")));
  feed.Add(2, row(Value::Int(7), Value::Double(-0.0), Value::String("a")));
  feed.Add(3, row(Value::Int(-7), Value::Double(2.5), Value::String("")));
  feed.Add(4, row(null, null, null));
  for (int i = 0; i < 1000; ++i) {
    feed.Add(5 + i % 50, row(Value::Int(i % 300), Value::Double(i % 10), Value::String("a")));
  }
  const Output out = Run(def, schema, feed.CutEvery(64));
  REQUIRE(out.rows.size() == 1);
  // ints: 7, -7 and 0..299 (7 repeats); doubles: 0, 2.5 and 0..9 (0 repeats); strings: "", "a".
  CHECK(AggText(out.rows[0]) == "301|11|2");
}

TEST_CASE("aggregate: sum and avg of doubles and ints") {
  const Schema schema = TypedSchema();
  KeyedStageDef def = Window(WindowKind::kTumbling, 10, 10, 0);
  AddAgg(&def, schema, AggFunc::kSum, 1);
  AddAgg(&def, schema, AggFunc::kAvg, 1);
  AddAgg(&def, schema, AggFunc::kSum, 2);
  AddAgg(&def, schema, AggFunc::kAvg, 2);
  const Value null = Value::Null();
  Feed feed(schema, {0}, 1000);
  feed.Add(1, {Value::String("a"), Value::Int(1), Value::Double(0.25), null, null, null});
  feed.Add(2, {Value::String("a"), Value::Int(2), Value::Double(-1), null, null, null});
  feed.Add(11, {Value::String("a"), Value::Int(-4), null, null, null, null});
  const Output out = Run(def, schema, feed.OneBatch());
  CHECK(out.sorted_rows() == std::vector<std::string>{"a|0|10|3|1.5|-0.75|-0.375@9/" + kMax,
                                                      "a|10|20|-4|-4|~|~@19/" + kMax});
}

namespace {

// The aggregate texts of the result row of `def` that covers rows (ts 1, 2, ...) whose double
// field d takes `values` in the given order; every batch holds one row.
std::string DoubleAggs(const KeyedStageDef& def, const std::vector<double>& values) {
  const Schema schema = TypedSchema();
  const Value null = Value::Null();
  Feed feed(schema, {0}, 1000);
  for (size_t i = 0; i < values.size(); ++i) {
    feed.Add(static_cast<TimeUs>(i + 1),
             {Value::String("a"), null, Value::Double(values[i]), null, null, null});
  }
  const Output out = Run(def, schema, feed.CutEvery(1));
  REQUIRE(out.rows.size() >= 1);
  for (const std::string& row : out.rows) {
    if (row.rfind("a|0|", 0) == 0) return AggText(row);  // the window [0, 100): every row
  }
  return AggText(out.rows.back());  // the session
}

}  // namespace

TEST_CASE("aggregate: min and max of doubles do not depend on arrival order (NaN is greatest)") {
  const Schema schema = TypedSchema();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  // Tumbling: updates row by row. Sliding 4/1: panes merge when the window fires. Session:
  // sessions merge.
  for (KeyedStageDef def : {Window(WindowKind::kTumbling, 100, 100, 0),
                            Window(WindowKind::kSliding, 100, 1, 0),  // panes merge
                            Window(WindowKind::kSession, 0, 0, 1000)}) {
    AddAgg(&def, schema, AggFunc::kMin, 2);
    AddAgg(&def, schema, AggFunc::kMax, 2);
    std::vector<double> values = {1.0, nan, -inf, 0.0, -0.0, inf, -nan};
    std::sort(values.begin(), values.end(), [](double a, double b) {
      return Aggregator::DoubleLess(a, b);
    });
    const std::string want = DoubleAggs(def, values);
    CHECK(want == "-inf|nan");
    int orders = 0;
    do {
      if (++orders % 7 != 0) continue;  // a spread of the 5040 orders
      CHECK_MESSAGE(DoubleAggs(def, values) == want, orders);
    } while (std::next_permutation(values.begin(), values.end(), Aggregator::DoubleLess));
    // NaN and every number: max is NaN, min ignores it; -0.0 is below 0.0 in both orders.
    CHECK(DoubleAggs(def, {nan, 2.0}) == "2|nan");
    CHECK(DoubleAggs(def, {2.0, nan}) == "2|nan");
    CHECK(DoubleAggs(def, {nan, nan}) == "nan|nan");
    CHECK(DoubleAggs(def, {0.0, -0.0}) == "-0|0");
    CHECK(DoubleAggs(def, {-0.0, 0.0}) == "-0|0");
  }
}

TEST_CASE("aggregate: sum and avg with infinities and NaN") {
  const Schema schema = TypedSchema();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  KeyedStageDef def = Window(WindowKind::kTumbling, 100, 100, 0);
  AddAgg(&def, schema, AggFunc::kSum, 2);
  AddAgg(&def, schema, AggFunc::kAvg, 2);
  CHECK(DoubleAggs(def, {inf, 1.0}) == "inf|inf");
  CHECK(DoubleAggs(def, {1.0, inf}) == "inf|inf");
  CHECK(DoubleAggs(def, {-inf, 1.0, -inf}) == "-inf|-inf");
  CHECK(DoubleAggs(def, {inf, -inf}) == "nan|nan");
  CHECK(DoubleAggs(def, {-inf, inf}) == "nan|nan");
  CHECK(DoubleAggs(def, {1.0, nan}) == "nan|nan");
}

TEST_CASE("aggregate: int sums are exact in any order, and one outside int64 is an error") {
  const Schema schema = TypedSchema();
  constexpr int64_t kHi = std::numeric_limits<int64_t>::max();
  constexpr int64_t kLo = std::numeric_limits<int64_t>::min();
  KeyedStageDef def = Window(WindowKind::kTumbling, 100, 100, 0);
  AddAgg(&def, schema, AggFunc::kSum, 1);
  AddAgg(&def, schema, AggFunc::kAvg, 1);
  const Value null = Value::Null();
  auto run = [&](const std::vector<int64_t>& values, std::string* text) {
    Feed feed(schema, {0}, 1000);
    for (size_t i = 0; i < values.size(); ++i) {
      feed.Add(static_cast<TimeUs>(i + 1),
               {Value::String("a"), Value::Int(values[i]), null, null, null, null});
    }
    auto op = Make(def, schema);
      text->clear();
    for (const Batch& in : feed.CutEvery(2)) {
      Batch out;
      out.reset(op->output_schema());
      Status s = op->Process(in, &out);
      if (!s.ok()) return s;
      for (size_t r = 0; r < out.size(); ++r) *text = AggText(RowText(out, r, false));
    }
    return Status::OK();
  };
  std::string text;
  // The intermediate sums leave int64 in some orders; the result does not, in any.
  std::vector<int64_t> values = {kHi, 1, -1, kHi, -kHi, -7};
  std::sort(values.begin(), values.end());
  const std::string want =
      std::to_string(kHi - 7) + "|" + Value::Double(static_cast<double>(kHi - 7) / 6).ToString();
  do {
    REQUIRE(run(values, &text).ok());
    CHECK(text == want);
  } while (std::next_permutation(values.begin(), values.end()));
  REQUIRE(run({kLo, kLo, kHi, kHi, 1}, &text).ok());
  CHECK(text == "-1|-0.2");
  // A result outside int64 fails the run, naming the aggregate and the window.
  for (const auto& v : {std::vector<int64_t>{kHi, 1}, std::vector<int64_t>{1, kHi},
                        std::vector<int64_t>{kLo, -1}}) {
    Status s = run(v, &text);
    REQUIRE_FALSE(s.ok());
    CHECK(s.IsOutOfRange());
    CHECK(s.message() ==
          "sum 'a0' of int64 field 'i' is outside the int64 range in the window [0, 100); sum a "
          "double instead, such as sum(i * 1.0)");
  }
}
