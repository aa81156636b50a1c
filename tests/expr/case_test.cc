// case when ... then ... else ... end and if(c, a, b): branch order, null conditions, type
// unification, missing else, canonical text and errors.
#include "expr_test_util.h"

using namespace sluice;
using namespace sluice::testing;

// OneRow(): i=7, j=-3, d=2.5, e=-0.5, s="Abc", t="abd", b=true, c=false, ts=1000.

namespace {

std::string Canon(const std::string& text) { return Compile(text, TestSchema())->ToString(); }

// Rows with i = 1, 2, 3, null and d = 0.5 except row 2 (null); s = "a", "b", null, "d".
Batch Rows() {
  auto row = [](Value i, Value d, Value s) {
    return std::vector<Value>{i,
                              Value::Int(0),
                              d,
                              Value::Double(0),
                              s,
                              Value::String("t"),
                              Value::Bool(true),
                              Value::Null(Type::kBool),
                              Value::Timestamp(5)};
  };
  return MakeBatch(TestSchema(),
                   {row(Value::Int(1), Value::Double(0.5), Value::String("a")),
                    row(Value::Int(2), Value::Null(Type::kDouble), Value::String("b")),
                    row(Value::Int(3), Value::Double(0.5), Value::Null(Type::kString)),
                    row(Value::Null(), Value::Double(0.5), Value::String("d"))});
}

std::vector<std::string> Strings(const std::string& text) {
  std::vector<std::string> out;
  for (const Value& v : EvalRows(text, Rows())) out.push_back(v.null ? "NULL" : v.ToString());
  return out;
}

}  // namespace

TEST_CASE("case takes the first branch whose condition is true") {
  CHECK(Strings("case when i = 1 then 'one' when i < 3 then 'small' else 'big' end") ==
        std::vector<std::string>{"one", "small", "big", "big"});
  CHECK(Strings("case when i >= 1 then 'a' when i = 2 then 'b' end") ==
        std::vector<std::string>{"a", "a", "a", "NULL"});
  CHECK(Strings("CASE WHEN i = 2 THEN s END") ==
        std::vector<std::string>{"NULL", "b", "NULL", "NULL"});
}

TEST_CASE("a null condition counts as false; a missing else is null") {
  CHECK(Strings("case when c then 1 else 2 end") == std::vector<std::string>{"2", "2", "2", "2"});
  CHECK(Strings("case when i > 1 then 'x' end") ==
        std::vector<std::string>{"NULL", "x", "x", "NULL"});
  CHECK(Strings("case when null then 1 else 0 end") ==
        std::vector<std::string>{"0", "0", "0", "0"});
  CHECK(Strings("if(c, 'y', 'n')") == std::vector<std::string>{"n", "n", "n", "n"});
}

TEST_CASE("the chosen branch's null is kept") {
  CHECK(Strings("case when i = 2 then d else 9.0 end") ==
        std::vector<std::string>{"9", "NULL", "9", "9"});
  CHECK(Strings("if(i = 3, s, 'other')") ==
        std::vector<std::string>{"other", "other", "NULL", "other"});
}

TEST_CASE("branch types unify as coalesce's do") {
  CHECK(TypeOf("case when b then 1 else 2.5 end") == Type::kDouble);
  CHECK(Eval1("case when b then 1 else 2.5 end").d == 1.0);
  CHECK(TypeOf("case when b then i else j end") == Type::kInt64);
  CHECK(TypeOf("if(b, i, d)") == Type::kDouble);
  CHECK(Eval1("if(c, i, d)").d == 2.5);
  CHECK(TypeOf("if(b, ts, ts)") == Type::kTimestamp);
  CHECK(Compile("if(b, ts, ts)", TestSchema())->unit() == TimeUnit::kMillis);
  CHECK(TypeOf("if(b, ts, i)") == Type::kInt64);
  CHECK(TypeOf("case when b then null else 's' end") == Type::kString);
  CHECK(TypeOf("case when b then null end") == Type::kInt64);
  CHECK(Eval1("case when b then null end").null);
  CHECK(TypeOf("if(b, b, null)") == Type::kBool);
  CHECK(Eval1("if(b, b, null)").i == 1);
}

TEST_CASE("case and if results work in filters and nest") {
  std::vector<uint8_t> sel;
  Compile("if(i > 1, s = 'b', true)", TestSchema())->Select(Rows(), &sel);
  CHECK(sel == std::vector<uint8_t>{1, 1, 0, 1});
  CHECK(Strings("case when i = 1 then case when d > 0 then 'p' else 'n' end else '-' end") ==
        std::vector<std::string>{"p", "-", "-", "-"});
  CHECK(Eval1("if(true, 1, 2) + if(false, 1, 2)").i == 3);
  CHECK(Eval1("if(b, lower(s), upper(s)) || '!'").s == "abc!");
}

TEST_CASE("case and if print canonically and round-trip") {
  CHECK(Canon("case when i=1 then 'a' when i>2 then s else t end") ==
        "case when (i = 1) then 'a' when (i > 2) then s else t end");
  CHECK(Canon("Case When b Then 1 End") == "case when b then 1 end");
  CHECK(Canon("IF(b, 1, 2)") == "if(b, 1, 2)");
  CHECK(Canon("case when b then 1 end + 1") == "(case when b then 1 end + 1)");
  for (const char* text : {"case when (i = 1) then 'a' when (i > 2) then s else t end",
                           "case when b then case when c then 1 end end"}) {
    CHECK(Canon(Canon(text)) == Canon(text));
  }
}

TEST_CASE("case, when, then, else, end and as stay usable as field names") {
  Schema schema(
      {{"case", Type::kInt64}, {"end", Type::kInt64}, {"as", Type::kInt64}, {"when", Type::kBool}});
  CHECK(Compile("case + end", schema)->ToString() == "(`case` + `end`)");
  CHECK(Compile("cast(as as double)", schema)->ToString() == "cast(`as` as double)");
  CHECK(Compile("case when `when` then `end` end", schema)->ToString() ==
        "case when `when` then `end` end");
  CHECK(CompileError("case when when then 1 end", schema) ==
        "column 11: expected an expression after 'when' but found 'when' (write a field of that "
        "name in backquotes)");
}

TEST_CASE("case and if errors") {
  CHECK(CompileError("case when i then 1 end") ==
        "column 11: case condition needs a bool but got int64 (e.g. 'when x > 0')");
  CHECK(CompileError("case when b then 1 else 'x' end") ==
        "column 25: case results must share one type, but the else result is string and result "
        "1 is int64");
  CHECK(CompileError("case when b then s when c then i end") ==
        "column 32: case results must share one type, but result 2 is int64 and result 1 is "
        "string");
  CHECK(CompileError("case when b then 1") ==
        "column 19: expected 'when', 'else' or 'end' but found end of expression ('case' at "
        "column 1)");
  CHECK(CompileError("case when b then 1 else 2") ==
        "column 26: expected 'end' but found end of expression ('case' at column 1)");
  CHECK(CompileError("case when b 1 end") ==
        "column 13: expected 'then' but found '1' ('when' at column 6)");
  // Without 'when', 'case' is a field name.
  CHECK(CompileError("case end") ==
        "column 6: expected an operator or end of expression but found 'end'");
  CHECK(CompileError("case i when 1 then 2 end") ==
        "column 6: expected 'when' after 'case' but found 'i' (the form 'case x when v then "
        "...' is written 'case when x = v then ...')");
  CHECK(CompileError("case when b then end") ==
        "column 18: expected an expression after 'then' but found 'end' (write a field of that "
        "name in backquotes)");
  CHECK(CompileError("if(i, 1, 2)") ==
        "column 4: function 'if' needs a bool condition (argument 1) but got int64");
  CHECK(CompileError("if(b, 1, 'x')") ==
        "column 10: if results must share one type, but argument 3 is string and argument 2 is "
        "int64");
  CHECK(CompileError("if(b, 1)") == "column 1: function 'if' takes 3 arguments but was given 2");
}
