// Precedence, associativity, literals, case rules, ToString and AsField.
#include "expr_test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {
std::string Canon(const std::string& text) { return Compile(text, TestSchema())->ToString(); }
}  // namespace

TEST_CASE("multiplication binds tighter than addition") {
  CHECK(Canon("i + j * 2") == "(i + (j * 2))");
  CHECK(Canon("i * j + 2") == "((i * j) + 2)");
  CHECK(Canon("i - j % 3 / 2") == "(i - ((j % 3) / 2))");
  CHECK(Eval1("1 + 2 * 3").i == 7);
}

TEST_CASE("arithmetic operators associate to the left") {
  CHECK(Canon("i - j - 1") == "((i - j) - 1)");
  CHECK(Canon("i / j / 2") == "((i / j) / 2)");
  CHECK(Eval1("10 - 3 - 2").i == 5);
  CHECK(Eval1("12 / 3 / 2").d == doctest::Approx(2.0));
  CHECK(Eval1("17 % 5 % 3").i == 2);
}

TEST_CASE("comparison binds looser than arithmetic and tighter than not/and/or") {
  CHECK(Canon("i + 1 < j * 2") == "((i + 1) < (j * 2))");
  CHECK(Canon("not i < 3 and b or c") == "(((not (i < 3)) and b) or c)");
  CHECK(Canon("b or c and not b") == "(b or (c and (not b)))");
  CHECK(Canon("b and c and b") == "((b and c) and b)");
  CHECK(Canon("b or c or b") == "((b or c) or b)");
  CHECK(Canon("not not b") == "(not (not b))");
}

TEST_CASE("parentheses override precedence and vanish from ToString") {
  CHECK(Canon("(i + j) * 2") == "((i + j) * 2)");
  CHECK(Canon("((i))") == "i");
  CHECK(Eval1("(1 + 2) * 3").i == 9);
}

TEST_CASE("unary minus binds tighter than multiplication") {
  CHECK(Canon("-i * 2") == "((-i) * 2)");
  CHECK(Canon("- - i") == "(-(-i))");
  CHECK(Canon("i - -1") == "(i - -1)");
  // A minus before an integer literal makes a negative literal, spaced or parenthesized.
  CHECK(Canon("i + j+  -  3") == "((i + j) + -3)");
  CHECK(Canon("-(3)") == "-3");
  CHECK(Canon("- -3") == "3");
  CHECK(Canon("-(-9223372036854775808)") == "(--9223372036854775808)");
  CHECK(Eval1("-i * 2").i == -14);
  CHECK(Eval1("2 - -3").i == 5);
}

TEST_CASE("comparison operator spellings are canonicalised") {
  CHECK(Canon("i == j") == "(i = j)");
  CHECK(Canon("i = j") == "(i = j)");
  CHECK(Canon("i <> j") == "(i != j)");
  CHECK(Canon("i != j") == "(i != j)");
  CHECK(Canon("i <= j") == "(i <= j)");
  CHECK(Canon("i >= j") == "(i >= j)");
}

TEST_CASE("keywords and function names are case-insensitive") {
  CHECK(Canon("NOT b AND c Or TRUE") == "(((not b) and c) or true)");
  CHECK(Canon("LENGTH(s) + Abs(i)") == "(length(s) + abs(i))");
  CHECK(Canon("NULL") == "null");
  CHECK(Eval1("UPPER(s)").s == "ABC");
}

TEST_CASE("field names are case-sensitive") {
  CHECK(CompileError("I") ==
        "column 1: unknown field 'I' (did you mean 'i'? field names are "
        "case-sensitive)");
}

TEST_CASE("integer literals are int64 while decimals and exponents are double") {
  CHECK(TypeOf("42") == Type::kInt64);
  CHECK(TypeOf("4.5") == Type::kDouble);
  CHECK(TypeOf("1e3") == Type::kDouble);
  CHECK(TypeOf(".5") == Type::kDouble);
  CHECK(Eval1("1e3").d == 1000.0);
  CHECK(Eval1("2.5E-1").d == 0.25);
  CHECK(Eval1(".5").d == 0.5);
  CHECK(Eval1("9223372036854775807").i == INT64_MAX);
  CHECK(Eval1("-9223372036854775808").i == INT64_MIN);
  CHECK(Canon("2.0") == "2.0");
  CHECK(Canon("1e3") == "1000.0");
  CHECK(Canon("1.5e20") == "1.5e+20");
  CHECK(Canon(Canon("d * 1.5e20 + 0.1")) == "((d * 1.5e+20) + 0.1)");
}

TEST_CASE("string literals take single or double quotes and backslash escapes") {
  CHECK(Eval1("'abc'").s == "abc");
  CHECK(Eval1("\"abc\"").s == "abc");
  CHECK(Eval1(R"('it\'s')").s == "it's");
  CHECK(Eval1(R"("say \"hi\"")").s == "say \"hi\"");
  CHECK(Eval1(R"('a\\b')").s == "a\\b");
  CHECK(Eval1(R"('x\ny\tz\r')").s == "x\ny\tz\r");
  CHECK(Eval1(R"('a"b')").s == "a\"b");
  CHECK(Eval1(R"("a'b")").s == "a'b");
  CHECK(Eval1("''").s.empty());
  Value nul = Eval1(R"('a\0b')");
  CHECK(nul.s == std::string("a\0b", 3));
}

TEST_CASE("ToString re-quotes strings so the text compiles back to the same expression") {
  const std::string text = R"(s = 'it\'s \\ "q"' + "\n")";
  std::string canon = Canon(text);
  CHECK(canon == R"((s = ('it\'s \\ "q"' + '\n')))");
  CHECK(Canon(canon) == canon);
}

TEST_CASE("boolean and null literals") {
  CHECK(TypeOf("true") == Type::kBool);
  CHECK(Eval1("true").i == 1);
  CHECK(Eval1("false").i == 0);
  CHECK(Eval1("null").null);
}

TEST_CASE("backquoted field names reach fields that are keywords or not identifiers") {
  Schema schema({{"null", Type::kInt64}, {"my field", Type::kDouble}});
  Batch b = MakeBatch(schema, {{Value::Int(3), Value::Double(1.5)}});
  auto rows = EvalRows("`null` + `my field`", b, schema);
  CHECK(rows[0].d == 4.5);
  CHECK(Compile("`null` + `my field`", schema)->ToString() == "(`null` + `my field`)");
}

TEST_CASE("AsField returns the index only for a bare field reference") {
  Schema schema = TestSchema();
  CHECK(Compile("d", schema)->AsField() == std::optional<int>(2));
  CHECK(Compile("(ts)", schema)->AsField() == std::optional<int>(8));
  CHECK_FALSE(Compile("d + 0", schema)->AsField().has_value());
  CHECK_FALSE(Compile("abs(d)", schema)->AsField().has_value());
  CHECK_FALSE(Compile("1", schema)->AsField().has_value());
}

TEST_CASE("a bare timestamp field keeps its type and unit while arithmetic on it is int64") {
  Schema schema = TestSchema();
  auto ts = Compile("ts", schema);
  CHECK(ts->type() == Type::kTimestamp);
  CHECK(ts->unit() == TimeUnit::kMillis);
  CHECK(Compile("ts + 1000", schema)->type() == Type::kInt64);
  CHECK(Compile("ts / 1000", schema)->type() == Type::kDouble);
  CHECK(Compile("ts > 5", schema)->type() == Type::kBool);
  CHECK(Compile("coalesce(ts, ts)", schema)->type() == Type::kTimestamp);
  CHECK(Compile("coalesce(ts, ts)", schema)->unit() == TimeUnit::kMillis);
  CHECK(Compile("coalesce(ts, i)", schema)->type() == Type::kInt64);
  CHECK(Eval1("ts + 1").i == 1001);
  CHECK(Eval1("ts").type == Type::kTimestamp);
}

TEST_CASE("whitespace of any kind separates tokens") { CHECK(Canon(" \ti\n+\r\nj ") == "(i + j)"); }
