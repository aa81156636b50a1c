// Fuzz target: expression text compiled against a fixed schema and, when it compiles, evaluated
// over a small batch of edge values (nulls, INT64_MIN, zero, NaN, infinities, empty and non-ASCII
// strings). Its canonical text must compile to the same canonical text (docs/expressions.md),
// unless its parentheses nest too deep.
// The same text is also parsed as an aggregate call.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "base/batch.h"
#include "expr/expr.h"
#include "fuzz/fuzz_util.h"

namespace sluice {
namespace {

Schema FuzzSchema() {
  return Schema({{"i", Type::kInt64},
                 {"j", Type::kInt64},
                 {"d", Type::kDouble},
                 {"s", Type::kString},
                 {"b", Type::kBool},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis}});
}

Batch EdgeBatch(const Schema& schema) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const double kNan = std::numeric_limits<double>::quiet_NaN();
  const double kInf = std::numeric_limits<double>::infinity();
  const std::vector<std::vector<Value>> rows = {
      {Value::Int(7), Value::Int(-3), Value::Double(2.5), Value::String("Abc"), Value::Bool(true),
       Value::Timestamp(1000)},
      {Value::Int(kMin), Value::Int(-1), Value::Double(kNan), Value::String(""),
       Value::Bool(false), Value::Timestamp(kMin)},
      {Value::Int(kMax), Value::Int(0), Value::Double(-kInf), Value::String("\xc3\xa9\xff"),
       Value::Bool(true), Value::Timestamp(kMax)},
      {Value::Null(Type::kInt64), Value::Null(Type::kInt64), Value::Null(Type::kDouble),
       Value::Null(Type::kString), Value::Null(Type::kBool), Value::Null(Type::kTimestamp)},
  };
  Batch b;
  b.reset(schema);
  for (const auto& row : rows) {
    for (size_t f = 0; f < row.size(); ++f) b.columns[f].push_value(row[f]);
    b.ts.push_back(0);
    b.wm.push_back(kMinTime);
  }
  return b;
}

}  // namespace
}  // namespace sluice

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  static const Schema schema = FuzzSchema();
  static const Batch batch = EdgeBatch(schema);
  const std::string_view text = fuzz::AsText(data, size);
  (void)ParseAggregateCall(text);
  auto e = CompileExpr(text, schema);
  if (!e.ok()) return 0;
  const Expr& expr = **e;
  Column out;
  expr.Evaluate(batch, &out);
  fuzz::Require(out.size() == batch.size());
  if (expr.type() == Type::kBool) {
    std::vector<uint8_t> sel(batch.size(), 1);
    expr.Select(batch, &sel);
  }
  const std::string canonical = expr.ToString();
  auto again = CompileExpr(canonical, schema);
  // Fully parenthesized text of a long chain may nest deeper than parentheses are allowed to.
  if (!again.ok()) {
    fuzz::Require(again.status().message().find("nests deeper than") != std::string::npos);
    return 0;
  }
  fuzz::Require((*again)->ToString() == canonical);
  return 0;
}
