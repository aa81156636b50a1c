// concat and ||, substr, split_index, split_part, strpos, starts_with, replace: bytes, nulls,
// empty strings, UTF-8 and out-of-range positions.
#include "expr_test_util.h"

using namespace sluice;
using namespace sluice::testing;

// OneRow(): i=7, j=-3, d=2.5, e=-0.5, s="Abc", t="abd", b=true, c=false, ts=1000.

TEST_CASE("concat and || join strings; a null argument makes the result null") {
  CHECK(Str("concat(s, '-', t)") == "Abc-abd");
  CHECK(Str("s || '-' || t") == "Abc-abd");
  CHECK(Str("concat(s)") == "Abc");
  CHECK(Str("concat('', '')").empty());
  CHECK(Str("concat(s, null, t)") == "NULL");
  CHECK(Str("s || null") == "NULL");
  CHECK(Str("concat('\xc3\xa9', s)") ==
        "\xc3\xa9"
        "Abc");
  CHECK(TypeOf("concat(s, t)") == Type::kString);
  Schema schema = TestSchema();
  Batch b = MakeBatch(
      schema,
      {{Value::Int(1), Value::Int(1), Value::Double(1), Value::Double(1), Value::String("x"),
        Value::Null(Type::kString), Value::Bool(true), Value::Bool(true), Value::Timestamp(1)},
       {Value::Int(1), Value::Int(1), Value::Double(1), Value::Double(1), Value::String(""),
        Value::String("y"), Value::Bool(true), Value::Bool(true), Value::Timestamp(1)}});
  auto rows = EvalRows("concat(s, '.', t)", b);
  CHECK(rows[0].null);
  CHECK(rows[1].s == ".y");
  rows = EvalRows("coalesce(t, '?') || s", b);
  CHECK(rows[0].s == "?x");
  CHECK(rows[1].s == "y");
}

TEST_CASE("|| binds looser than + and tighter than comparisons") {
  auto canon = [](const std::string& text) { return Compile(text, TestSchema())->ToString(); };
  CHECK(canon("s || t || s") == "((s || t) || s)");
  CHECK(canon("s || t = t || s") == "((s || t) = (t || s))");
  CHECK(canon("s || t + s") == "(s || (t + s))");
  CHECK(canon("concat(s, t)") == "concat(s, t)");
}

TEST_CASE("substr counts bytes from 1; a negative start counts from the end") {
  CHECK(Str("substr('hello', 2)") == "ello");
  CHECK(Str("substr('hello', 2, 3)") == "ell");
  CHECK(Str("substr('hello', 1, 100)") == "hello");
  CHECK(Str("substr('hello', 0, 2)") == "he");  // 0 is the first byte, as 1
  CHECK(Str("substr('hello', -3)") == "llo");
  CHECK(Str("substr('hello', -3, 2)") == "ll");
  CHECK(Str("substr('hello', -5)") == "hello");
  CHECK(Str("substr('hello', -6)").empty());
  CHECK(Str("substr('hello', 5)") == "o");
  CHECK(Str("substr('hello', 6)").empty());
  CHECK(Str("substr('hello', 2, 0)").empty());
  CHECK(Str("substr('hello', 2, -1)") == "NULL");  // a negative length is null
  CHECK(Str("substr('', 1)").empty());
  CHECK(Str("substr('hello', 9223372036854775807, 9223372036854775807)").empty());
  CHECK(Str("substr('hello', -9223372036854775808)").empty());
  CHECK(Str("substr('hello', 2, 9223372036854775807)") == "ello");
  CHECK(Str("substr('\xc3\xa9t\xc3\xa9', 1, 2)") == "\xc3\xa9");  // bytes, not characters
  CHECK(Str("substr('\xc3\xa9t\xc3\xa9', 2, 1)") == "\xa9");
  CHECK(Str("substr(null, 1)") == "NULL");
  CHECK(Str("substr(s, null)") == "NULL");
  CHECK(Str("substr(s, 1, null)") == "NULL");
  CHECK(Str("substr(s, i - 5, j + 4)") == "b");
}

TEST_CASE("split_index: 0-based pieces; null when missing (Flink's SPLIT_INDEX)") {
  CHECK(Str("split_index('a,b,,c', ',', 0)") == "a");
  CHECK(Str("split_index('a,b,,c', ',', 1)") == "b");
  CHECK(Str("split_index('a,b,,c', ',', 2)").empty());
  CHECK(Str("split_index('a,b,,c', ',', 3)") == "c");
  CHECK(Str("split_index('a,b,,c', ',', 4)") == "NULL");
  CHECK(Str("split_index('a,b,,c', ',', -1)") == "NULL");
  CHECK(Str("split_index('a,b,', ',', 2)").empty());
  CHECK(Str("split_index('a::b::c', '::', 2)") == "c");
  CHECK(Str("split_index('abc', ',', 0)") == "abc");
  CHECK(Str("split_index('abc', '', 0)") == "abc");
  CHECK(Str("split_index('abc', '', 1)") == "NULL");
  CHECK(Str("split_index('', ',', 0)") == "NULL");  // the empty string has no pieces
  CHECK(Str("split_index('a\xc3\xa9"
            "b', '\xc3\xa9', 1)") == "b");
  CHECK(Str("split_index('a,b', ',', 9223372036854775807)") == "NULL");
  CHECK(Str("split_index(null, ',', 0)") == "NULL");
  CHECK(Str("split_index('a', null, 0)") == "NULL");
  CHECK(Str("split_index('a', ',', null)") == "NULL");
}

TEST_CASE("split_part: 1-based, negative from the end, '' when missing (PostgreSQL's)") {
  CHECK(Str("split_part('abc~@~def~@~ghi', '~@~', 2)") == "def");
  CHECK(Str("split_part('a,b,c,d', ',', -2)") == "c");
  CHECK(Str("split_part('a,b,c,d', ',', -1)") == "d");
  CHECK(Str("split_part('a,b,c,d', ',', -4)") == "a");
  CHECK(Str("split_part('a,b,c,d', ',', -5)").empty());
  CHECK(Str("split_part('a,b,c,d', ',', 5)").empty());
  CHECK(Str("split_part('a,,c', ',', 2)").empty());
  CHECK(Str("split_part('', ',', 1)").empty());
  CHECK(Str("split_part('abc', '', 1)") == "abc");
  CHECK(Str("split_part('abc', '', -1)") == "abc");
  CHECK(Str("split_part('abc', '', 2)").empty());
  CHECK(Str("split_part('aaa', 'aa', 2)") == "a");  // occurrences do not overlap
  CHECK(Str("split_part('aaa', 'aa', -1)") == "a");
  CHECK(Str("split_part('a,b', ',', i - 7)") == "NULL");  // field 0 computed at run time
  CHECK(Str("split_part('a,b', ',', -9223372036854775808)").empty());
  CHECK(Str("split_part(null, ',', 1)") == "NULL");
  CHECK(Str("split_part('a', ',', null)") == "NULL");
}

TEST_CASE("strpos: 1-based byte position, 0 when absent") {
  CHECK(Eval1("strpos('hello', 'l')").i == 3);
  CHECK(Eval1("strpos('hello', 'lo')").i == 4);
  CHECK(Eval1("strpos('hello', 'x')").i == 0);
  CHECK(Eval1("strpos('hello', '')").i == 1);
  CHECK(Eval1("strpos('', '')").i == 1);
  CHECK(Eval1("strpos('', 'a')").i == 0);
  CHECK(Eval1("strpos('\xc3\xa9t\xc3\xa9', 't')").i == 3);
  CHECK(Eval1("strpos(s, lower(s))").i == 0);
  CHECK(Eval1("strpos(null, 'a')").null);
  CHECK(TypeOf("strpos(s, t)") == Type::kInt64);
}

TEST_CASE("starts_with") {
  CHECK(Eval1("starts_with(s, 'Ab')").i == 1);
  CHECK(Eval1("starts_with(s, 'ab')").i == 0);
  CHECK(Eval1("starts_with(s, '')").i == 1);
  CHECK(Eval1("starts_with('', 'a')").i == 0);
  CHECK(Eval1("starts_with(s, s || 'x')").i == 0);
  CHECK(Eval1("starts_with(s, null)").null);
  CHECK(TypeOf("starts_with(s, t)") == Type::kBool);
  std::vector<uint8_t> sel;
  Compile("starts_with(t, 'ab')", TestSchema())->Select(OneRow(), &sel);
  CHECK(sel == std::vector<uint8_t>{1});
}

TEST_CASE("replace replaces every occurrence, left to right; an empty 'from' changes nothing") {
  CHECK(Str("replace('a-b-c', '-', '+')") == "a+b+c");
  CHECK(Str("replace('a-b-c', '-', '')") == "abc");
  CHECK(Str("replace('aaa', 'aa', 'b')") == "ba");
  CHECK(Str("replace('abc', '', 'x')") == "abc");
  CHECK(Str("replace('', 'a', 'x')").empty());
  CHECK(Str("replace('\xc3\xa9t\xc3\xa9', '\xc3\xa9', 'e')") == "ete");
  CHECK(Str("replace(s, 'b', t)") == "Aabdc");
  CHECK(Str("replace(s, null, 'x')") == "NULL");
}

TEST_CASE("string function argument errors point at the argument") {
  CHECK(CompileError("substr(i, 1)") ==
        "column 8: function 'substr' needs a string s (argument 1) but got int64");
  CHECK(CompileError("substr(s, '1')") ==
        "column 11: function 'substr' needs an int64 start (argument 2) but got string");
  CHECK(CompileError("substr(s, d)") ==
        "column 11: function 'substr' needs an int64 start (argument 2) but got double (cast(x as "
        "int64) truncates a double)");
  CHECK(CompileError("substr(s)") ==
        "column 1: function 'substr' takes 2 or 3 arguments but was given 1");
  CHECK(CompileError("concat()") == "column 1: function 'concat' needs at least 1 argument");
  CHECK(CompileError("concat(s, i)") ==
        "column 11: function 'concat' needs a string (argument 2) but got int64 (cast(x as "
        "string) converts a value)");
  CHECK(CompileError("s || i") ==
        "column 3: operator '||' cannot apply to string and int64 (it joins two strings; cast(x "
        "as string) converts a value)");
  CHECK(CompileError("b || c") ==
        "column 3: operator '||' cannot apply to bool and bool (it joins strings; use 'or' for "
        "logic)");
  CHECK(CompileError("split_part(s, ',', 0)") ==
        "column 20: split_part field 0 does not exist (1 is the first field, -1 the last)");
  CHECK(CompileError("split_index(s, 1, 0)") ==
        "column 16: function 'split_index' needs a string separator (argument 2) but got int64");
  CHECK(CompileError("strpos(s, b)") ==
        "column 11: function 'strpos' needs a string substring (argument 2) but got bool");
  CHECK(CompileError("replace(s, 'a')") ==
        "column 1: function 'replace' takes 3 arguments but was given 2");
  CHECK(CompileError("i | j") == "column 3: unexpected '|' (use 'and' / 'or'; '||' joins strings)");
}
