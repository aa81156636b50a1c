// ParseAggregateCall: function, argument text and column, alias, and errors.
#include <doctest/doctest.h>

#include "expr/expr.h"

using namespace sluice;

namespace {
AggregateCall Parse(const std::string& text) {
  auto r = ParseAggregateCall(text);
  INFO(text);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return r.value();
}
std::string Error(const std::string& text) {
  auto r = ParseAggregateCall(text);
  if (r.ok()) return "OK";
  CHECK(r.status().IsInvalidArgument());
  return r.status().message();
}
}  // namespace

TEST_CASE("aggregate with a field argument gets alias func_field") {
  AggregateCall c = Parse("sum(amount)");
  CHECK(c.func == "sum");
  CHECK(c.arg == "amount");
  CHECK(c.arg_column == 5);
  CHECK(c.alias == "sum_amount");
}

TEST_CASE("count() has no argument and alias count") {
  AggregateCall c = Parse("count()");
  CHECK(c.func == "count");
  CHECK(c.arg.empty());
  CHECK(c.arg_column == 0);
  CHECK(c.alias == "count");
  CHECK(Parse("count( )").arg.empty());
  CHECK(Parse("count(*)").arg.empty());
  CHECK(Parse("count(*)").alias == "count");
}

TEST_CASE("count(x) counts a field and is aliased count_x") {
  AggregateCall c = Parse("count(user)");
  CHECK(c.arg == "user");
  CHECK(c.alias == "count_user");
}

TEST_CASE(
    "an expression argument is returned verbatim and trimmed and the alias defaults to func") {
  AggregateCall c = Parse("  SUM(  abs(a - b) * (c + 1)  )  ");
  CHECK(c.func == "sum");
  CHECK(c.arg == "abs(a - b) * (c + 1)");
  CHECK(c.arg_column == 9);
  CHECK(c.alias == "sum");
}

TEST_CASE("explicit alias after a case-insensitive 'as'") {
  AggregateCall c = Parse("max(price * 2) as top");
  CHECK(c.func == "max");
  CHECK(c.arg == "price * 2");
  CHECK(c.alias == "top");
  CHECK(Parse("Count_Distinct(user) AS users").func == "count_distinct");
  CHECK(Parse("Count_Distinct(user) AS users").alias == "users");
  CHECK(Parse("count() as n").alias == "n");
}

TEST_CASE("every aggregate function is recognised") {
  for (const char* f : {"count", "sum", "min", "max", "avg", "first", "last", "count_distinct"}) {
    CHECK(Parse(std::string(f) + "(x)").func == f);
  }
}

TEST_CASE("parentheses and commas and quotes inside the argument do not end it") {
  CHECK(Parse("max(coalesce(a, b))").arg == "coalesce(a, b)");
  CHECK(Parse("first(s + ')')").arg == "s + ')'");
  CHECK(Parse(R"x(last(s + "a,\")"))x").arg == R"x(s + "a,\")")x");
  CHECK(Parse("min(`my field`)").arg == "`my field`");
}

TEST_CASE("a keyword argument is not treated as a field for the alias") {
  CHECK(Parse("first(null)").alias == "first");
  CHECK(Parse("sum(1)").alias == "sum");
}

TEST_CASE("aggregate call errors carry the column") {
  CHECK(Error("summ(x)") ==
        "column 1: unknown aggregate function 'summ' (did you mean 'sum'? aggregates: count, sum, "
        "min, max, avg, first, last, count_distinct)");
  CHECK(Error("median(x)") ==
        "column 1: unknown aggregate function 'median' (aggregates: count, sum, min, max, avg, "
        "first, last, count_distinct)");
  CHECK(Error("sum(x") ==
        "column 6: expected ')' but found end of expression ('(' opened at "
        "column 4)");
  CHECK(Error("sum(abs(x)") ==
        "column 11: expected ')' but found end of expression ('(' opened "
        "at column 4)");
  CHECK(Error("sum x") == "column 5: expected '(' after 'sum' but found 'x'");
  CHECK(Error("sum") == "column 4: expected '(' after 'sum' but found end of expression");
  CHECK(Error("") ==
        "column 1: expected an aggregate such as sum(amount) but found end of "
        "expression");
  CHECK(Error("(x)") == "column 1: expected an aggregate such as sum(amount) but found '('");
  CHECK(Error("sum()") == "column 5: sum() needs an argument, e.g. sum(amount)");
  CHECK(Error("avg(a, b)") == "column 6: avg() takes one argument, but a second one starts here");
  CHECK(Error("sum(x) total") ==
        "column 8: expected 'as <alias>', 'filter (where ...)' or end of expression after "
        "the aggregate call but found 'total'");
  CHECK(Error("count() filter where x > 1") ==
        "column 16: expected '(' after 'filter' but found 'where'");
  CHECK(Error("count() filter (x > 1)") ==
        "column 17: expected 'where' after 'filter (' but found 'x'");
  CHECK(Error("count() filter (where )") ==
        "column 23: expected a condition after 'where', e.g. filter (where price < 100)");
  CHECK(Error("count() filter (where a, b)") ==
        "column 24: a filter takes one condition; join conditions with 'and'");
  CHECK(Error("count() filter (where a > 1") ==
        "column 28: expected ')' but found end of expression ('(' opened at column 16)");
  CHECK(Error("count() filter (where a > 1) n") ==
        "column 30: expected 'as <alias>', 'filter (where ...)' or end of expression after "
        "the aggregate call but found 'n'");
  CHECK(Error("sum(x) as") ==
        "column 10: expected an alias name (letters, digits, _, not "
        "starting with a digit) after 'as' but found end of expression");
  CHECK(Error("sum(x) as 1abc") ==
        "column 11: expected an alias name (letters, digits, _, not "
        "starting with a digit) after 'as' but found '1abc'");
  CHECK(Error("sum(x) as a-b") ==
        "column 11: expected an alias name (letters, digits, _, not "
        "starting with a digit) after 'as' but found 'a-b'");
  CHECK(Error("sum(x) as total extra") == "column 17: unexpected 'extra' after the alias 'total'");
  CHECK(Error("sum(s + 'x)") == "column 9: string starting here has no closing '");
}

TEST_CASE("a filter (where ...) clause keeps its condition as text with its column") {
  AggregateCall c = Parse("count() filter (where price < 10000) as rank1");
  CHECK(c.func == "count");
  CHECK(c.arg.empty());
  CHECK(c.filter == "price < 10000");
  CHECK(c.filter_column == 23);
  CHECK(c.alias == "rank1");
  c = Parse("COUNT_DISTINCT(bidder) FILTER ( WHERE price >= 10000 and f(a, 'x)') )");
  CHECK(c.arg == "bidder");
  CHECK(c.filter == "price >= 10000 and f(a, 'x)')");
  CHECK(c.alias == "count_distinct_bidder");
  CHECK(Parse("sum(x)").filter.empty());
  CHECK(Parse("sum(x)").filter_column == 0);
}
