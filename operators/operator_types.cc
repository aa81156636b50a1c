#include "operators/operator_types.h"

#include <fmt/format.h>

#include <cassert>

namespace sluice {
namespace {

// The keys of windows and window joins that only some window kinds take.
const std::vector<std::pair<std::string, std::vector<std::string>>> kWindowKeys = {
    {"size", {"tumbling", "sliding"}}, {"slide", {"sliding"}}, {"gap", {"session"}}};

// Definition texts. They are compared with the text stored in checkpoints, so a change to what
// an existing pipeline's text says keeps its checkpoints from resuming.

std::string Expr(const std::string& text, bool has_fn) {
  return has_fn && text.empty() ? "<function>" : text;
}

std::string DescribeFilter(const OperatorSpec& op) {
  return "filter where=" + Expr(op.where, static_cast<bool>(op.predicate));
}

std::string DescribeMap(const OperatorSpec& op) {
  std::string out = "map";
  for (const Assignment& a : op.set)
    out += fmt::format(" {}={}", a.field, Expr(a.expr, a.fn.valid()));
  if (!op.keep.empty()) out += fmt::format(" keep={}", fmt::join(op.keep, ","));
  return out;
}

std::string DescribeKeyBy(const OperatorSpec& op) {
  return fmt::format("key_by {}", fmt::join(op.fields, ","));
}

std::string DescribeAggregates(const OperatorSpec& op) {
  std::string out;
  for (const AggregateSpec& a : op.aggregates) {
    // Files give the aggregate as text; the C++ builder may give its parts instead.
    if (!a.text.empty() && a.func.empty()) {
      out += fmt::format(" [{}]", a.text);
    } else {
      out += fmt::format(" [{}({}) as {}]", a.func, Expr(a.arg, a.arg_fn.valid()), a.alias);
    }
  }
  return out;
}

const std::string& WindowKindName(WindowKind kind) {
  return WindowKindNames()[static_cast<size_t>(kind)];
}

std::string DescribeWindow(const OperatorSpec& op) {
  return fmt::format("window {} size={}us slide={}us gap={}us allowed_lateness={}us",
                     WindowKindName(op.window), op.size, op.slide, op.gap, op.allowed_lateness) +
         DescribeAggregates(op);
}

// Row windows add their shape; a running aggregate's text is unchanged.
std::string DescribeAggregate(const OperatorSpec& op) {
  const std::string shape =
      op.rows > 0 ? fmt::format(" rows={} every={}", op.rows, op.every) : std::string();
  return "aggregate" + shape + (op.changelog ? " emit=changelog" : "") + DescribeAggregates(op);
}

std::string DescribeUnion(const OperatorSpec&) { return "union"; }

std::string DescribeJoinKeys(const OperatorSpec& op) {
  return fmt::format(" left_key={} right_key={} left_prefix={} right_prefix={}",
                     fmt::join(op.left_key, ","), fmt::join(op.right_key, ","), op.left_prefix,
                     op.right_prefix);
}

std::string DescribeWindowJoin(const OperatorSpec& op) {
  return fmt::format("window_join {} size={}us slide={}us gap={}us", WindowKindName(op.window),
                     op.size, op.slide, op.gap) +
         DescribeJoinKeys(op);
}

std::string DescribeIntervalJoin(const OperatorSpec& op) {
  return fmt::format("interval_join {} lower={}us upper={}us",
                     JoinTypeNames()[static_cast<size_t>(op.join_type)], op.lower, op.upper) +
         DescribeJoinKeys(op);
}

std::string DescribeJoin(const OperatorSpec& op) {
  return fmt::format("join inner left_ttl={}us right_ttl={}us", op.left_ttl, op.right_ttl) +
         DescribeJoinKeys(op);
}

std::string DescribeDeduplicate(const OperatorSpec& op) {
  return fmt::format("deduplicate keep={} state_ttl={}us",
                     DedupKeepNames()[static_cast<size_t>(op.keep_row)], op.state_ttl);
}

std::string DescribeTopN(const OperatorSpec& op) {
  return fmt::format("top_n n={} order_by={} rank_field={} state_ttl={}us{}{}", op.top_n,
                     fmt::join(op.order_by, ","), op.rank_field, op.state_ttl,
                     op.per_window ? " per_window" : "", op.with_ties ? " with_ties" : "");
}

// The table's path and schema as written, and the digest of the content the planner loaded.
std::string DescribeLookupJoin(const OperatorSpec& op) {
  std::string out =
      fmt::format("lookup_join {} key={} table_key={} right_prefix={} table={} format={} schema={}",
                  JoinTypeNames()[static_cast<size_t>(op.join_type)], fmt::join(op.left_key, ","),
                  fmt::join(op.right_key, ","), op.right_prefix, op.table.path, op.table.format,
                  op.table.schema.ToString());
  if (!op.table_digest.empty()) out += " content=" + op.table_digest;
  return out;
}

// The parameters in name order, each as name=value;.
std::string DescribeProcess(const OperatorSpec& op) {
  std::string out = fmt::format("process function={} params=", op.function);
  for (const auto& [k, v] : op.params) out += fmt::format("{}={};", k, v);
  return out;
}

}  // namespace

const std::vector<OperatorType>& OperatorTypes() {
  static const std::vector<OperatorType> types = {
      {"filter", OpKind::kFilter, "a filter", {"where"}, {}, {}, 1, 1, DescribeFilter},
      {"map", OpKind::kMap, "a map", {"set", "keep"}, {}, {}, 1, 1, DescribeMap},
      {"key_by", OpKind::kKeyBy, "a key_by", {"fields"}, {}, {}, 1, 1, DescribeKeyBy},
      {"window",
       OpKind::kWindow,
       "a window",
       {"kind", "allowed_lateness", "aggregates"},
       WindowKindNames(),
       kWindowKeys,
       1,
       1,
       DescribeWindow},
      {"aggregate",
       OpKind::kAggregate,
       "an aggregate",
       {"aggregates", "rows", "every", "emit"},
       {},
       {},
       1,
       1,
       DescribeAggregate},
      {"union", OpKind::kUnion, "a union", {}, {}, {}, 2, 0, DescribeUnion},
      {"window_join",
       OpKind::kWindowJoin,
       "a window_join",
       {"kind", "key", "left_key", "right_key", "left_prefix", "right_prefix"},
       WindowKindNames(),
       kWindowKeys,
       2,
       2,
       DescribeWindowJoin},
      {"interval_join",
       OpKind::kIntervalJoin,
       "an interval_join",
       {"lower", "upper", "join", "key", "left_key", "right_key", "left_prefix", "right_prefix"},
       {},
       {},
       2,
       2,
       DescribeIntervalJoin},
      {"deduplicate",
       OpKind::kDeduplicate,
       "a deduplicate",
       {"keep", "state_ttl"},
       {},
       {},
       1,
       1,
       DescribeDeduplicate},
      {"top_n",
       OpKind::kTopN,
       "a top_n",
       {"n", "order_by", "rank_field", "per_window", "with_ties", "state_ttl"},
       {},
       {},
       1,
       1,
       DescribeTopN},
      {"lookup_join",
       OpKind::kLookupJoin,
       "a lookup_join",
       {"key", "table_key", "join", "table", "right_prefix"},
       {},
       {},
       1,
       1,
       DescribeLookupJoin},
      {"join",
       OpKind::kJoin,
       "a join",
       {"key", "left_key", "right_key", "left_prefix", "right_prefix", "state_ttl", "left_ttl",
        "right_ttl"},
       {},
       {},
       2,
       2,
       DescribeJoin},
      {"process",
       OpKind::kProcess,
       "a process",
       {"function", "params"},
       {},
       {},
       1,
       1,
       DescribeProcess},
  };
  return types;
}

const OperatorType* FindOperatorType(std::string_view name) {
  for (const OperatorType& t : OperatorTypes()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const OperatorType& OperatorTypeOf(OpKind kind) {
  const size_t i = static_cast<size_t>(kind);
  assert(i < kOperatorKinds);
  const OperatorType& t = OperatorTypes()[i];
  assert(t.kind == kind);
  return t;
}

std::vector<std::string> OperatorTypeNames() {
  std::vector<std::string> out;
  for (const OperatorType& t : OperatorTypes()) out.push_back(t.name);
  return out;
}

const std::vector<std::string>& WindowKindNames() {
  static const std::vector<std::string> names = {"tumbling", "sliding", "session"};
  return names;
}

const std::vector<std::string>& JoinTypeNames() {
  static const std::vector<std::string> names = {"inner", "left", "right", "full"};
  return names;
}

const std::vector<std::string>& DedupKeepNames() {
  static const std::vector<std::string> names = {"first", "last"};
  return names;
}

}  // namespace sluice
