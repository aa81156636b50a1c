// Every compile error, with the 1-based column of the offending token.
#include "expr_test_util.h"

using namespace sluice;
using namespace sluice::testing;

TEST_CASE("unknown field suggests the closest field") {
  Schema schema({{"amount", Type::kDouble}, {"user", Type::kString}});
  CHECK(CompileError("amout > 3", schema) ==
        "column 1: unknown field 'amout' (did you mean 'amount'?)");
  CHECK(CompileError("amount + amuont", schema) ==
        "column 10: unknown field 'amuont' (did you mean 'amount'?)");
}

TEST_CASE("unknown field far from every field lists the fields") {
  Schema schema({{"amount", Type::kDouble}, {"user", Type::kString}, {"__arg0", Type::kInt64}});
  CHECK(CompileError("price * 2", schema) ==
        "column 1: unknown field 'price' (fields: amount, user)");
  CHECK(CompileError("x", Schema()) == "column 1: unknown field 'x' (the schema has no fields)");
}

TEST_CASE("operator type errors point at the operator") {
  CHECK(CompileError("s + 1") ==
        "column 3: operator '+' cannot apply to string and int64 ('+' joins two strings, or adds "
        "two numbers)");
  CHECK(CompileError("i - s") == "column 3: operator '-' cannot apply to int64 and string");
  CHECK(CompileError("b * 2") == "column 3: operator '*' cannot apply to bool and int64");
  CHECK(CompileError("d / b") == "column 3: operator '/' cannot apply to double and bool");
  CHECK(CompileError("s % t") == "column 3: operator '%' cannot apply to string and string");
  CHECK(CompileError("b + c") == "column 3: operator '+' cannot apply to bool and bool");
  CHECK(CompileError("-s") == "column 1: operator '-' cannot apply to string (it needs a number)");
  CHECK(CompileError("- b") == "column 1: operator '-' cannot apply to bool (it needs a number)");
}

TEST_CASE("comparing a string with a number is a type error") {
  CHECK(CompileError("s = 1") ==
        "column 3: operator '=' cannot apply to string and int64 (compare numbers with numbers, "
        "strings with strings)");
  CHECK(CompileError("i < 'x'") ==
        "column 3: operator '<' cannot apply to int64 and string (compare numbers with numbers, "
        "strings with strings)");
  CHECK(CompileError("b = 1") ==
        "column 3: operator '=' cannot apply to bool and int64 (compare numbers with numbers, "
        "strings with strings)");
}

TEST_CASE("bools only support equality") {
  CHECK(CompileError("b < c") ==
        "column 3: operator '<' cannot apply to bool and bool (bools compare with = and != only)");
}

TEST_CASE("logic operators need bool operands") {
  CHECK(CompileError("i and b") ==
        "column 3: operator 'and' cannot apply to int64 and bool (both sides must be bool, e.g. "
        "'x > 0 and y < 5')");
  CHECK(CompileError("b or s") ==
        "column 3: operator 'or' cannot apply to bool and string (both sides must be bool, e.g. "
        "'x > 0 or y < 5')");
  CHECK(CompileError("not d") ==
        "column 1: operator 'not' cannot apply to double (it needs a bool)");
}

TEST_CASE("unknown functions suggest the closest function or list them all") {
  CHECK(CompileError("length(s) + lenght(t)") ==
        "column 13: unknown function 'lenght' (did you mean 'length'?)");
  CHECK(CompileError("substring(s, 1)") ==
        "column 1: unknown function 'substring' (did you mean 'substr'?)");
  CHECK(
      CompileError("frobnicate(s)")
          .rfind("column 1: unknown function 'frobnicate' (functions: abs, lower, upper, length, "
                 "coalesce, if, concat, substr, strpos, starts_with, replace, split_index, "
                 "split_part, "
                 "regexp_like, regexp_extract, hour, minute, day_of_week, date_trunc, date_format, "
                 "cast",
                 0) == 0);
  CHECK(CompileError("sum(i)") ==
        "column 1: unknown function 'sum' ('sum' is an aggregate, written in a window or "
        "aggregate operator)");
  CHECK(CompileError("i(2)") == "column 1: unknown function 'i' ('i' is a field, not a function)");
}

TEST_CASE("wrong arity") {
  CHECK(CompileError("abs(i, j)") == "column 1: function 'abs' takes 1 argument but was given 2");
  CHECK(CompileError("1 + lower()") ==
        "column 5: function 'lower' takes 1 argument but was given 0");
  CHECK(CompileError("coalesce()") == "column 1: function 'coalesce' needs at least 1 argument");
}

TEST_CASE("wrong argument type points at the argument") {
  CHECK(CompileError("abs(s)") == "column 5: function 'abs' needs a number but got string");
  CHECK(CompileError("lower(i + 1)") == "column 7: function 'lower' needs a string but got int64");
  CHECK(CompileError("length(b)") == "column 8: function 'length' needs a string but got bool");
  CHECK(CompileError("upper(d)") == "column 7: function 'upper' needs a string but got double");
  CHECK(CompileError("coalesce(i, s)") ==
        "column 13: coalesce arguments must share one type, but argument 2 is string and "
        "argument 1 is int64");
  CHECK(CompileError("coalesce(b, 1)") ==
        "column 13: coalesce arguments must share one type, but argument 2 is int64 and "
        "argument 1 is bool");
}

TEST_CASE("missing closing parenthesis") {
  CHECK(CompileError("(i + 1") ==
        "column 7: expected ')' but found end of expression ('(' opened at column 1)");
  CHECK(CompileError("abs(i") ==
        "column 6: expected ')' but found end of expression ('(' opened at column 4)");
  CHECK(CompileError("abs(i j)") ==
        "column 7: expected ')' but found 'j' ('(' opened at column 4)");
}

TEST_CASE("unbalanced or misplaced tokens") {
  CHECK(CompileError("i + 1)") == "column 6: unmatched ')'");
  CHECK(CompileError("i j") == "column 3: expected an operator or end of expression but found 'j'");
  CHECK(CompileError("i +") == "column 4: expected an operand but found end of expression");
  CHECK(CompileError("") == "column 1: expected an operand but found end of expression");
  CHECK(CompileError("   ") == "column 4: expected an operand but found end of expression");
  CHECK(CompileError("* 2") == "column 1: expected an operand but found '*'");
  CHECK(CompileError("i < and") == "column 5: expected an operand but found 'and'");
  CHECK(CompileError("()") == "column 2: expected an operand but found ')'");
  CHECK(CompileError("abs(i,)") == "column 7: expected an operand but found ')'");
}

TEST_CASE("chained comparisons are rejected with a hint") {
  CHECK(CompileError("1 < i < 5") ==
        "column 7: comparisons cannot be chained; write 'a < b and b < c'");
}

TEST_CASE("lexical errors") {
  CHECK(CompileError("s = 'abc") == "column 5: string starting here has no closing '");
  CHECK(CompileError("s = \"abc") == "column 5: string starting here has no closing \"");
  CHECK(CompileError(R"(s = 'a\qb')") ==
        R"(column 7: unknown escape '\q' in string (valid escapes: \\ \' \" \n \t \r \0))");
  CHECK(CompileError("i # 2") == "column 3: unexpected character '#'");
  CHECK(CompileError("i && b") == "column 3: unexpected '&' (use 'and' / 'or')");
  CHECK(CompileError("!b") ==
        "column 1: unexpected '!' (use 'not' for negation, '!=' for "
        "inequality)");
  CHECK(CompileError("i + 12abc") == "column 5: malformed number '12abc'");
  CHECK(CompileError("1.2.3") == "column 1: malformed number '1.2.3'");
  CHECK(CompileError("1e") == "column 1: malformed number '1e'");
  CHECK(CompileError("d < 1e999") == "column 5: number '1e999' is too large for a double");
  CHECK(CompileError("`i") == "column 1: field name starting here has no closing `");
  CHECK(CompileError("i + \x01") == "column 5: unexpected character (byte 0x01)");
}

TEST_CASE("integer literal out of range") {
  CHECK(CompileError("i + 9223372036854775808") ==
        "column 5: integer 9223372036854775808 does not fit in int64 (write it as "
        "9223372036854775808.0 for a double)");
  CHECK(CompileError("-9223372036854775809") ==
        "column 1: integer -9223372036854775809 does not fit in int64 (write it as "
        "-9223372036854775809.0 for a double)");
}

TEST_CASE("deep nesting is rejected instead of overflowing the stack") {
  std::string text(10000, '(');
  text += "1";
  text += std::string(10000, ')');
  std::string msg = CompileError(text);
  CHECK(msg.find("nests deeper than") != std::string::npos);
  std::string ok = std::string(100, '(') + "1" + std::string(100, ')');
  CHECK(CompileError(ok) == "OK");
}

// Joins `n` copies of `term` with `op`: Chain("i", " + ", 3) is "i + i + i".
std::string Chain(const std::string& term, const std::string& op, int n) {
  std::string text = term;
  for (int k = 1; k < n; ++k) text += op + term;
  return text;
}

TEST_CASE("long operator chains are rejected instead of overflowing the stack") {
  const std::string limit = "nests deeper than 1000 levels";
  CHECK(CompileError(Chain("i", " + ", 20000)).find(limit) != std::string::npos);
  CHECK(CompileError(Chain("b", " and ", 20000)).find(limit) != std::string::npos);
  CHECK(CompileError(Chain("b", " or ", 20000)).find(limit) != std::string::npos);
  CHECK(CompileError(Chain("i", " * ", 20000)).find(limit) != std::string::npos);
  CHECK(CompileError(Chain("i > 0", " and ", 20000)).find(limit) != std::string::npos);
  CHECK(CompileError("abs(" + Chain("i", " - ", 20000) + ")").find(limit) != std::string::npos);
  // The error points at the operator that made the tree too tall: the 1000th.
  CHECK(CompileError(Chain("i", " + ", 1001)).rfind("column 3999: ", 0) == 0);
}

TEST_CASE("operator chains up to the limit compile and evaluate") {
  CHECK(Eval1(Chain("i", " + ", 1000)) == Value::Int(7000));
  CHECK(Eval1(Chain("b", " and ", 1000)) == Value::Bool(true));
  CHECK(Eval1(Chain("c", " or ", 1000)) == Value::Bool(false));
}

TEST_CASE("the first error in the text is reported") {
  CHECK(CompileError("amout + s * 2") ==
        "column 1: unknown field 'amout' (fields: i, j, d, e, s, t, b, c, ts)");
}
