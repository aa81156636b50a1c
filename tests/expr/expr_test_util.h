// Helpers shared by the expression tests: a fixed schema, batches built from boxed rows, and
// one-call evaluation to boxed values.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/batch.h"
#include "expr/expr.h"

namespace sluice::testing {

// i, j: int64; d, e: double; s, t: string; b, c: bool; ts: timestamp_ms.
inline Schema TestSchema() {
  return Schema({{"i", Type::kInt64},
                 {"j", Type::kInt64},
                 {"d", Type::kDouble},
                 {"e", Type::kDouble},
                 {"s", Type::kString},
                 {"t", Type::kString},
                 {"b", Type::kBool},
                 {"c", Type::kBool},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis}});
}

// One row per entry of `rows`, each row a Value per schema field.
inline Batch MakeBatch(const Schema& schema, const std::vector<std::vector<Value>>& rows) {
  Batch b;
  b.reset(schema);
  for (const auto& row : rows) {
    REQUIRE(row.size() == schema.size());
    for (size_t f = 0; f < row.size(); ++f) b.columns[f].push_value(row[f]);
    b.ts.push_back(0);
    b.wm.push_back(kMinTime);
  }
  return b;
}

// A one-row batch of the test schema with every field set: i=7, j=-3, d=2.5, e=-0.5, s="Abc",
// t="abd", b=true, c=false, ts=1000.
inline Batch OneRow() {
  return MakeBatch(TestSchema(), {{Value::Int(7), Value::Int(-3), Value::Double(2.5),
                                   Value::Double(-0.5), Value::String("Abc"), Value::String("abd"),
                                   Value::Bool(true), Value::Bool(false), Value::Timestamp(1000)}});
}

inline std::unique_ptr<Expr> Compile(const std::string& text, const Schema& schema) {
  auto e = CompileExpr(text, schema);
  INFO("expression: ", text);
  REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  return std::move(e).value();
}

// Evaluates `text` over `batch` and returns the result rows boxed.
inline std::vector<Value> EvalRows(const std::string& text, const Batch& batch,
                                   const Schema& schema = TestSchema()) {
  auto e = Compile(text, schema);
  Column out;
  e->Evaluate(batch, &out);
  REQUIRE(out.size() == batch.size());
  CHECK(out.type == (e->type() == Type::kTimestamp ? Type::kTimestamp : e->type()));
  std::vector<Value> values;
  for (size_t r = 0; r < out.size(); ++r) values.push_back(out.get(r));
  return values;
}

// The value of `text` over OneRow().
inline Value Eval1(const std::string& text) { return EvalRows(text, OneRow())[0]; }
// Eval1 of a string expression, "NULL" for null.
inline std::string Str(const std::string& text) {
  Value v = Eval1(text);
  return v.null ? "NULL" : v.s;
}
inline bool IsNull(const std::string& text) { return Eval1(text).null; }

// The error message of compiling `text`, or "OK" when it compiles.
inline std::string CompileError(const std::string& text, const Schema& schema = TestSchema()) {
  auto e = CompileExpr(text, schema);
  if (e.ok()) return "OK";
  CHECK(e.status().IsInvalidArgument());
  return e.status().message();
}

inline Type TypeOf(const std::string& text) { return Compile(text, TestSchema())->type(); }

}  // namespace sluice::testing
