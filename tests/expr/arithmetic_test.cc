// + - * / % and unary minus on every valid type pair, division by zero, and string concatenation.
#include <cmath>

#include "expr_test_util.h"

using namespace sluice;
using namespace sluice::testing;

// OneRow(): i=7, j=-3, d=2.5, e=-0.5, s="Abc", t="abd", ts=1000.

TEST_CASE("int64 op int64 stays int64") {
  CHECK(TypeOf("i + j") == Type::kInt64);
  CHECK(Eval1("i + j").i == 4);
  CHECK(Eval1("i - j").i == 10);
  CHECK(Eval1("i * j").i == -21);
  CHECK(Eval1("i % j").i == 1);  // C++ truncating remainder: sign of the dividend
  CHECK(Eval1("j % i").i == -3);
  CHECK(TypeOf("i % j") == Type::kInt64);
}

TEST_CASE("division always yields double") {
  CHECK(TypeOf("i / j") == Type::kDouble);
  CHECK(Eval1("i / 2").d == 3.5);
  CHECK(Eval1("i / j").d == doctest::Approx(-7.0 / 3.0));
  CHECK(Eval1("d / e").d == -5.0);
}

TEST_CASE("any double operand makes the result double") {
  for (const char* text : {"i + d", "d + i", "i - d", "d * i", "i % d", "d % e", "d + e"}) {
    INFO(text);
    CHECK(TypeOf(text) == Type::kDouble);
  }
  CHECK(Eval1("i + d").d == 9.5);
  CHECK(Eval1("d - i").d == -4.5);
  CHECK(Eval1("i * e").d == -3.5);
  CHECK(Eval1("i % d").d == 2.0);
  CHECK(Eval1("d % e").d == 0.0);
  CHECK(Eval1("e % d").d == -0.5);
}

TEST_CASE("timestamps take part in arithmetic as int64") {
  CHECK(TypeOf("ts - i") == Type::kInt64);
  CHECK(Eval1("ts - i").i == 993);
  CHECK(Eval1("ts * 2").i == 2000);
  CHECK(Eval1("ts % 300").i == 100);
  CHECK(TypeOf("ts + d") == Type::kDouble);
  CHECK(Eval1("ts + d").d == 1002.5);
}

TEST_CASE("division and modulo by zero yield null") {
  CHECK(Eval1("i / 0").null);
  CHECK(Eval1("i % 0").null);
  CHECK(Eval1("d / 0.0").null);
  CHECK(Eval1("d % 0").null);
  CHECK(Eval1("i / (j + 3)").null);
  CHECK(Eval1("0 / 0").null);
  CHECK(TypeOf("i / 0") == Type::kDouble);
  CHECK(TypeOf("i % 0") == Type::kInt64);
}

TEST_CASE("division by zero nulls only the rows whose divisor is zero") {
  Schema schema = TestSchema();
  Batch b;
  b.reset(schema);
  for (int64_t v : {2, 0, -4, 0}) {
    for (size_t f = 0; f < schema.size(); ++f) {
      if (f == 1) {
        b.columns[f].push_int(v);
      } else {
        b.columns[f].push_value(OneRow().columns[f].get(0));
      }
    }
    b.ts.push_back(0);
  }
  auto div = EvalRows("i / j", b);
  CHECK(div[0].d == 3.5);
  CHECK(div[1].null);
  CHECK(div[2].d == -1.75);
  CHECK(div[3].null);
  auto mod = EvalRows("i % j", b);
  CHECK(mod[0].i == 1);
  CHECK(mod[1].null);
  CHECK(mod[2].i == 3);
  CHECK(mod[3].null);
}

TEST_CASE("int64 overflow wraps around") {
  CHECK(Eval1("9223372036854775807 + 1").i == INT64_MIN);
  CHECK(Eval1("-9223372036854775808 - 1").i == INT64_MAX);
  CHECK(Eval1("-(-9223372036854775808)").i == INT64_MIN);
  CHECK(Eval1("-9223372036854775808 % -1").i == 0);
}

TEST_CASE("unary minus keeps int64 and double and turns timestamps into int64") {
  CHECK(Eval1("-i").i == -7);
  CHECK(Eval1("-d").d == -2.5);
  CHECK(TypeOf("-ts") == Type::kInt64);
  CHECK(Eval1("-ts").i == -1000);
}

TEST_CASE("plus on two strings concatenates") {
  CHECK(TypeOf("s + t") == Type::kString);
  CHECK(Eval1("s + t").s == "Abcabd");
  CHECK(Eval1("s + '-' + t").s == "Abc-abd");
  CHECK(Eval1("'' + ''").s.empty());
}

TEST_CASE("arithmetic works on a column against a literal on either side") {
  CHECK(Eval1("i * 2").i == 14);
  CHECK(Eval1("2 * i").i == 14);
  CHECK(Eval1("100 - i").i == 93);
  CHECK(Eval1("i - 100").i == -93);
  CHECK(Eval1("1 / d").d == 0.4);
  CHECK(Eval1("d / 2").d == 1.25);
  CHECK(Eval1("'x' + s").s == "xAbc");
  CHECK(Eval1("s + 'x'").s == "Abcx");
}
