// abs, lower, upper, length, coalesce.
#include "expr_test_util.h"

using namespace sluice;
using namespace sluice::testing;

// OneRow(): i=7, j=-3, d=2.5, e=-0.5, s="Abc", t="abd", b=true, c=false, ts=1000.

TEST_CASE("abs keeps int64 and double") {
  CHECK(TypeOf("abs(j)") == Type::kInt64);
  CHECK(Eval1("abs(j)").i == 3);
  CHECK(Eval1("abs(i)").i == 7);
  CHECK(TypeOf("abs(e)") == Type::kDouble);
  CHECK(Eval1("abs(e)").d == 0.5);
  CHECK(Eval1("abs(-0.0)").d == 0.0);
  CHECK(Eval1("abs(-9223372036854775808)").i == INT64_MIN);  // wraps, like unary minus
}

TEST_CASE("abs of a timestamp is int64") {
  CHECK(TypeOf("abs(ts)") == Type::kInt64);
  CHECK(Eval1("abs(ts)").i == 1000);
}

TEST_CASE("lower and upper change ASCII letters only") {
  CHECK(Eval1("lower(s)").s == "abc");
  CHECK(Eval1("upper(s)").s == "ABC");
  CHECK(Eval1("upper('a-z_09 \xc3\xa9')").s == "A-Z_09 \xc3\xa9");
  CHECK(Eval1("lower('@[`{AZ')").s == "@[`{az");
  CHECK(Eval1("lower('')").s.empty());
  CHECK(TypeOf("lower(s)") == Type::kString);
}

TEST_CASE("length counts bytes") {
  CHECK(TypeOf("length(s)") == Type::kInt64);
  CHECK(Eval1("length(s)").i == 3);
  CHECK(Eval1("length('')").i == 0);
  CHECK(Eval1("length('\xc3\xa9')").i == 2);
  CHECK(Eval1("length(s + t)").i == 6);
}

TEST_CASE("coalesce returns the first non-null argument row by row") {
  Schema schema = TestSchema();
  Batch b = MakeBatch(
      schema,
      {{Value::Int(1), Value::Int(10), Value::Null(Type::kDouble), Value::Double(0.5),
        Value::Null(Type::kString), Value::String("t0"), Value::Null(Type::kBool),
        Value::Bool(true), Value::Timestamp(5)},
       {Value::Null(), Value::Int(20), Value::Double(1.5), Value::Null(Type::kDouble),
        Value::String("s1"), Value::String("t1"), Value::Bool(false), Value::Null(Type::kBool),
        Value::Null(Type::kTimestamp)},
       {Value::Null(), Value::Null(), Value::Null(Type::kDouble), Value::Null(Type::kDouble),
        Value::Null(Type::kString), Value::Null(Type::kString), Value::Null(Type::kBool),
        Value::Null(Type::kBool), Value::Null(Type::kTimestamp)}});
  auto ints = EvalRows("coalesce(i, j)", b);
  CHECK(ints[0].i == 1);
  CHECK(ints[1].i == 20);
  CHECK(ints[2].null);
  auto strs = EvalRows("coalesce(s, t, 'none')", b);
  CHECK(strs[0].s == "t0");
  CHECK(strs[1].s == "s1");
  CHECK(strs[2].s == "none");
  auto bools = EvalRows("coalesce(b, c)", b);
  CHECK(bools[0].i == 1);
  CHECK(bools[1].i == 0);
  CHECK(bools[2].null);
  auto dbl = EvalRows("coalesce(d, i, -1)", b);
  CHECK(dbl[0].d == 1.0);  // d is null, i = 1
  CHECK(dbl[1].d == 1.5);
  CHECK(dbl[2].d == -1.0);
  auto ts = EvalRows("coalesce(ts, 0)", b);
  CHECK(ts[0].i == 5);
  CHECK(ts[1].i == 0);
}

TEST_CASE("coalesce promotes mixed int64 and double arguments to double") {
  CHECK(TypeOf("coalesce(i, d)") == Type::kDouble);
  CHECK(Eval1("coalesce(i, d)").d == 7.0);
  CHECK(TypeOf("coalesce(i, j)") == Type::kInt64);
}

TEST_CASE("coalesce skips literal nulls and is not itself null-propagating") {
  CHECK(Eval1("coalesce(null, i)").i == 7);
  CHECK(Eval1("coalesce(null, null, 'x')").s == "x");
  CHECK(Eval1("coalesce(i / 0, 5)").d == 5.0);
  CHECK(Eval1("coalesce(null)").null);
  CHECK(Eval1("coalesce(s)").s == "Abc");
}

TEST_CASE("functions nest and take expressions as arguments") {
  CHECK(Eval1("length(upper(s) + lower(t))").i == 6);
  CHECK(Eval1("abs(i - 10) * 2").i == 6);
  CHECK(Eval1("upper(coalesce(null, s))").s == "ABC");
}
