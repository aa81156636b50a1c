// = != < <= > >= on numbers, strings and bools.
#include "expr_test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {
bool True(const std::string& text) {
  Value v = Eval1(text);
  REQUIRE_FALSE(v.null);
  REQUIRE(v.type == Type::kBool);
  return v.i == 1;
}
}  // namespace

// OneRow(): i=7, j=-3, d=2.5, e=-0.5, s="Abc", t="abd", b=true, c=false, ts=1000.

TEST_CASE("int64 comparisons") {
  CHECK(True("i > j"));
  CHECK(True("i >= 7"));
  CHECK(True("i <= 7"));
  CHECK_FALSE(True("i < 7"));
  CHECK(True("i = 7"));
  CHECK(True("i == 7"));
  CHECK(True("i != j"));
  CHECK(True("i <> j"));
  CHECK_FALSE(True("i = j"));
}

TEST_CASE("double comparisons") {
  CHECK(True("d > e"));
  CHECK(True("d = 2.5"));
  CHECK_FALSE(True("d < e"));
  CHECK(True("e <= -0.5"));
  CHECK(True("e >= -0.5"));
  CHECK(True("d != e"));
}

TEST_CASE("int64 and double compare as double") {
  CHECK(True("i > d"));
  CHECK(True("d < i"));
  CHECK(True("7 = 7.0"));
  CHECK(True("i < 7.5"));
  CHECK_FALSE(True("i > 7.5"));
  CHECK(True("j < e"));
}

TEST_CASE("timestamps compare as int64") {
  CHECK(True("ts = 1000"));
  CHECK(True("ts > i"));
  CHECK(True("ts < 1000.5"));
}

TEST_CASE("strings compare bytewise lexicographically") {
  CHECK(True("s < t"));  // 'A' (0x41) sorts before 'a' (0x61)
  CHECK(True("'abc' < 'abd'"));
  CHECK(True("'ab' < 'abc'"));  // a prefix sorts first
  CHECK(True("'' < 'a'"));
  CHECK(True("s = 'Abc'"));
  CHECK(True("s != t"));
  CHECK(True("t >= 'abd'"));
  CHECK(True("t > s"));
  CHECK(True("'\xc3\xa9' > 'z'"));  // bytes compare unsigned: 0xc3 > 'z'
}

TEST_CASE("bools compare with = and !=") {
  CHECK(True("b = true"));
  CHECK(True("b != c"));
  CHECK(True("c = false"));
  CHECK_FALSE(True("b = c"));
  CHECK(True("(i > 0) = b"));
}

TEST_CASE("a comparison has type bool") {
  CHECK(TypeOf("i < j") == Type::kBool);
  CHECK(TypeOf("s < t") == Type::kBool);
  CHECK(TypeOf("b = c") == Type::kBool);
}
