// Three-valued and/or/not, null propagation, and Select treating null as false.
#include "expr_test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

// Rows of (b, c) covering every pair of true/false/null; other fields null except i.
Batch TruthTable() {
  const Value T = Value::Bool(true), F = Value::Bool(false), N = Value::Null(Type::kBool);
  std::vector<std::vector<Value>> rows;
  for (const Value& l : {T, F, N}) {
    for (const Value& r : {T, F, N}) {
      rows.push_back({Value::Int(1), Value::Null(), Value::Null(Type::kDouble),
                      Value::Null(Type::kDouble), Value::Null(Type::kString),
                      Value::Null(Type::kString), l, r, Value::Null(Type::kTimestamp)});
    }
  }
  return MakeBatch(TestSchema(), rows);
}

// 't', 'f' or 'n' per row.
std::string Truth(const std::vector<Value>& rows) {
  std::string out;
  for (const Value& v : rows) out += v.null ? 'n' : (v.i ? 't' : 'f');
  return out;
}

std::string Selected(const std::string& text, const Batch& batch) {
  auto e = Compile(text, TestSchema());
  std::vector<uint8_t> sel;
  e->Select(batch, &sel);
  REQUIRE(sel.size() == batch.size());
  std::string out;
  for (uint8_t s : sel) out += s ? '1' : '0';
  return out;
}

}  // namespace

// Row order: (T,T) (T,F) (T,N) (F,T) (F,F) (F,N) (N,T) (N,F) (N,N).

TEST_CASE("and follows three-valued logic") {
  CHECK(Truth(EvalRows("b and c", TruthTable())) == "tfnfffnfn");
}

TEST_CASE("or follows three-valued logic") {
  CHECK(Truth(EvalRows("b or c", TruthTable())) == "ttttfntnn");
}

TEST_CASE("not of null is null") { CHECK(Truth(EvalRows("not b", TruthTable())) == "ffftttnnn"); }

TEST_CASE("Select treats null as false through and/or/not") {
  Batch b = TruthTable();
  CHECK(Selected("b and c", b) == "100000000");
  CHECK(Selected("b or c", b) == "111100100");
  CHECK(Selected("not b", b) == "000111000");
  CHECK(Selected("not (b and c)", b) == "010111010");
  CHECK(Selected("b", b) == "111000000");
  CHECK(Selected("b = c", b) == "100010000");
}

TEST_CASE("literal null takes part in three-valued logic") {
  CHECK(Eval1("false and null").i == 0);
  CHECK_FALSE(Eval1("false and null").null);
  CHECK(Eval1("null and false").i == 0);
  CHECK(Eval1("true and null").null);
  CHECK(Eval1("true or null").i == 1);
  CHECK_FALSE(Eval1("null or true").null);
  CHECK(Eval1("false or null").null);
  CHECK(Eval1("not null").null);
  CHECK(Eval1("c and null").i == 0);
  CHECK(Eval1("b or null").i == 1);
  CHECK(Eval1("b and null").null);
}

TEST_CASE("arithmetic and comparison and functions on null yield null") {
  for (const char* text : {"i + null", "null - d", "null * null", "i / null", "null % 2", "-null",
                           "i < null", "null = null", "s = null", "s + null", "abs(null)",
                           "lower(null)", "upper(null)", "length(null)", "b = null"}) {
    INFO(text);
    CHECK(Eval1(text).null);
  }
  CHECK(TypeOf("i + null") == Type::kInt64);
  CHECK(TypeOf("d + null") == Type::kDouble);
  CHECK(TypeOf("s + null") == Type::kString);
  CHECK(TypeOf("i < null") == Type::kBool);
  CHECK(TypeOf("length(null)") == Type::kInt64);
  CHECK(TypeOf("null and b") == Type::kBool);
}

TEST_CASE("a null field value propagates through operators row by row") {
  Batch b = TruthTable();  // j, d, s, t are null in every row; i = 1
  for (const char* text : {"i + j", "d * 2", "s + 'x'", "j < 3", "s = t", "abs(d)", "length(s)",
                           "upper(t)", "i / j", "-j"}) {
    INFO(text);
    for (const Value& v : EvalRows(text, b)) CHECK(v.null);
  }
  CHECK_FALSE(EvalRows("i + 1", b)[0].null);
}

TEST_CASE("Select of a comparison over a column with nulls is false on the null rows") {
  Schema schema = TestSchema();
  Batch b = MakeBatch(schema, {});
  const double vals[] = {1, 100, 50, 95};
  for (int r = 0; r < 4; ++r) {
    for (size_t f = 0; f < schema.size(); ++f) {
      if (f == 2 && r != 2) {
        b.columns[f].push_double(vals[r]);
      } else if (f == 2) {
        b.columns[f].push_null();
      } else {
        b.columns[f].push_value(OneRow().columns[f].get(0));
      }
    }
    b.ts.push_back(0);
  }
  CHECK(Selected("d < 90", b) == "1000");
  CHECK(Selected("d >= 90", b) == "0101");
  CHECK(Selected("not (d < 90)", b) == "0101");
}

TEST_CASE("Select on an empty batch returns an empty selection") {
  Batch b = MakeBatch(TestSchema(), {});
  CHECK(Selected("d < 90", b).empty());
}
