// regexp_like and regexp_extract (RE2): partial matches, groups, nulls, UTF-8, pattern errors.
#include "expr_test_util.h"

using namespace sluice;
using namespace sluice::testing;

// OneRow(): i=7, j=-3, d=2.5, e=-0.5, s="Abc", t="abd", b=true, c=false, ts=1000.

TEST_CASE("regexp_like matches anywhere in the string unless anchored") {
  CHECK(Eval1("regexp_like(s, 'b')").i == 1);
  CHECK(Eval1("regexp_like(s, '^b')").i == 0);
  CHECK(Eval1("regexp_like(s, '^A.c$')").i == 1);
  CHECK(Eval1("regexp_like(s, '(?i)^abc$')").i == 1);
  CHECK(Eval1("regexp_like(s, '')").i == 1);
  CHECK(Eval1("regexp_like('', '^$')").i == 1);
  CHECK(Eval1("regexp_like('caf\xc3\xa9', '^caf.$')").i == 1);  // '.' is one UTF-8 character
  CHECK(Eval1("regexp_like('a\\nb', 'a.b')").i == 0);
  CHECK(Eval1("regexp_like('x\xff', 'x')").i == 1);  // invalid UTF-8 in the text is harmless
  CHECK(Eval1("regexp_like(null, 'a')").null);
  CHECK(TypeOf("regexp_like(s, 'a')") == Type::kBool);
  std::vector<uint8_t> sel;
  Compile("regexp_like(t, 'b.$')", TestSchema())->Select(OneRow(), &sel);
  CHECK(sel == std::vector<uint8_t>{1});
}

TEST_CASE("regexp_extract returns the first match, or one of its groups") {
  CHECK(Str("regexp_extract('100-200', '(\\\\d+)-(\\\\d+)')") == "100-200");  // default: group 0
  CHECK(Str("regexp_extract('100-200', '(\\\\d+)-(\\\\d+)', 0)") == "100-200");
  CHECK(Str("regexp_extract('100-200', '(\\\\d+)-(\\\\d+)', 1)") == "100");
  CHECK(Str("regexp_extract('100-200', '(\\\\d+)-(\\\\d+)', 2)") == "200");
  CHECK(Str("regexp_extract('foothebar', 'foo(.*?)(bar)', 1)") == "the");
  CHECK(Str("regexp_extract('a1b22', '[0-9]+')") == "1");     // the first match
  CHECK(Str("regexp_extract('abc', '[0-9]+')") == "NULL");    // no match
  CHECK(Str("regexp_extract('ac', 'a(b)?c', 1)") == "NULL");  // the group did not take part
  CHECK(Str("regexp_extract('ac', 'a(b*)c', 1)").empty());    // it took part, empty
  CHECK(Str("regexp_extract('\xc3\xa9t\xc3\xa9', 't(.)', 1)") == "\xc3\xa9");
  CHECK(Str("regexp_extract(null, 'a')") == "NULL");
  CHECK(Str("regexp_extract(s, '(b)', null)") == "NULL");
  CHECK(Str("regexp_extract(s, '(b)', i - 6)") == "b");
  CHECK(Str("regexp_extract(s, '(b)', i)") == "NULL");  // a group out of range at run time
  CHECK(Str("regexp_extract(s, '(b)', j)") == "NULL");
  CHECK(Str("regexp_extract(s, '(?P<name>c)', 1)") == "c");
}

TEST_CASE("regexp patterns are string literals checked when compiled") {
  CHECK(CompileError("regexp_like(s, '(')") ==
        "column 16: invalid regular expression: missing ): ( (RE2 syntax: "
        "https://github.com/google/re2/wiki/Syntax)");
  CHECK(CompileError("regexp_extract(s, 'a(?=b)')")
            .rfind("column 19: invalid regular expression: invalid perl operator: (?=", 0) == 0);
  CHECK(CompileError("regexp_like(s, t)") ==
        "column 16: function 'regexp_like' needs a string literal pattern (argument 2), such as "
        "'[0-9]+'");
  CHECK(CompileError("regexp_like(s, null)") ==
        "column 16: function 'regexp_like' needs a string literal pattern (argument 2), such as "
        "'[0-9]+'");
  CHECK(CompileError("regexp_like(null, '(')").rfind("column 19: invalid regular expression", 0) ==
        0);
  CHECK(CompileError("regexp_like(i, 'a')") ==
        "column 13: function 'regexp_like' needs a string s (argument 1) but got int64");
  CHECK(CompileError("regexp_extract(s, '(a)', 2)") ==
        "column 26: regexp_extract group 2 is out of range: the pattern has 1 group (0 is the "
        "whole match)");
  CHECK(CompileError("regexp_extract(s, 'a', -1)") ==
        "column 24: regexp_extract group -1 is out of range: the pattern has 0 groups (0 is the "
        "whole match)");
  CHECK(CompileError("regexp_extract(s, 'a', 'x')") ==
        "column 24: function 'regexp_extract' needs an int64 group (argument 3) but got string");
  CHECK(CompileError("regexp_extract(s)") ==
        "column 1: function 'regexp_extract' takes 2 or 3 arguments but was given 1");
  CHECK(CompileError("regexp_like(s, lower('A+'))") == "OK");  // a literal once folded
}
