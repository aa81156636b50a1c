#include "pipelines/toml_operators.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/time_util.h"
#include "operators/operator_types.h"
#include "pipelines/toml_errors.h"
#include "sluice/process_function.h"

namespace sluice {
namespace {

// The keys every operator of one input takes besides its own, kept out of the "expected ..." list
// of its messages (CheckKeys).
const std::vector<std::string> kGraphKeys = {"name", "input", "inputs"};

// Where `key` is written in `t` (its key, or its value when toml++ has no position for the key);
// REQUIRES: t holds key.
toml::source_position KeyPosition(const Table& t, std::string_view key) {
  for (const auto& [k, v] : *t.table) {
    if (k.str() == key) return k.source().begin.line ? k.source().begin : v.source().begin;
  }
  return t.node->source().begin;
}

bool Before(const toml::source_position& a, const toml::source_position& b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

std::string SignedDuration(int64_t us) {
  return us < 0 ? "-" + FormatDuration(-us) : FormatDuration(us);
}

std::vector<std::string> Texts(const std::vector<const toml::node*>& nodes) {
  std::vector<std::string> out;
  for (const toml::node* n : nodes) out.push_back(n->as_string()->get());
  return out;
}

// `name`, and `input` or `inputs`: what every operator may say about its place in the graph.
// An operator of several inputs takes only `inputs`, and needs it, with as many inputs as its
// type reads; the number of inputs of an operator of one input is left to the planner.
Status ReadGraphKeys(const TomlReader& r, const Table& t, const OperatorType& type,
                     OperatorSpec* op) {
  const size_t min_inputs = type.several_inputs() ? type.min_inputs : 0;
  const size_t max_inputs = type.several_inputs() ? type.max_inputs : 0;
  const std::string& noun = type.noun;
  SLUICE_RETURN_IF_ERROR(r.GetName(t, "name", &op->name));
  const toml::node* one = t.table->get("input");
  const toml::node* many = t.table->get("inputs");
  if (one != nullptr && min_inputs >= 2) {
    return r.Error(KeyPosition(t, "input"),
                   fmt::format("'input' does not apply to {}: {} reads {} inputs, written inputs "
                               "= [{}]",
                               t.what, noun, max_inputs == 2 ? "two" : "several",
                               max_inputs == 2 ? "\"left\", \"right\"" : "\"a\", \"b\""));
  }
  if (one != nullptr && many != nullptr) {
    const toml::source_position a = KeyPosition(t, "input"), b = KeyPosition(t, "inputs");
    return r.Error(Before(a, b) ? b : a,
                   fmt::format("{} has both 'input' and 'inputs'; write one input as input = "
                               "\"a\" or several as inputs = [\"a\", \"b\"]",
                               t.what));
  }
  if (one != nullptr) {
    std::string input;
    SLUICE_RETURN_IF_ERROR(r.GetString(t, "input", &input, true));
    op->inputs.push_back(std::move(input));
    return Status::OK();
  }
  if (many == nullptr && min_inputs >= 2) {
    return r.Error(*t.node, fmt::format("{} needs 'inputs', the names of {}", t.what,
                                        max_inputs == 2 ? "its left and right inputs"
                                                        : "the sources or operators it merges"));
  }
  std::vector<const toml::node*> inputs;
  SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "inputs", &inputs, false));
  if (many != nullptr && max_inputs != 0 && min_inputs == max_inputs &&
      inputs.size() != min_inputs) {
    return r.Error(*many, fmt::format("{} needs exactly {} inputs (left, right), found {}", noun,
                                      min_inputs, inputs.size()));
  }
  if (many != nullptr && inputs.size() < min_inputs) {
    return r.Error(*many, fmt::format("{} needs at least {} inputs, found {}", noun, min_inputs,
                                      inputs.size()));
  }
  op->inputs = Texts(inputs);
  return Status::OK();
}

// `key`, or `left_key` and `right_key`; then `left_prefix` and `right_prefix`.
Status ReadJoinKeys(const TomlReader& r, const Table& t, OperatorSpec* op) {
  const toml::node* key = t.table->get("key");
  const toml::node* left = t.table->get("left_key");
  const toml::node* right = t.table->get("right_key");
  if (key != nullptr && (left != nullptr || right != nullptr)) {
    const toml::source_position k = KeyPosition(t, "key");
    const toml::source_position other = KeyPosition(t, left != nullptr ? "left_key" : "right_key");
    return r.Error(Before(k, other) ? other : k,
                   fmt::format("{} has both 'key' and '{}': write key = [...] when both inputs "
                               "call the key fields alike, else left_key and right_key",
                               t.what, left != nullptr ? "left_key" : "right_key"));
  }
  std::vector<const toml::node*> nodes;
  if (key != nullptr) {
    SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "key", &nodes, true));
    op->left_key = op->right_key = Texts(nodes);
  } else if (left == nullptr && right == nullptr) {
    return r.Error(*t.node, fmt::format("{} needs 'key' (the key fields, named alike in both "
                                        "inputs) or 'left_key' and 'right_key'",
                                        t.what));
  } else if (left == nullptr || right == nullptr) {
    return r.Error(*t.node, fmt::format("{} needs '{}' to go with '{}'", t.what,
                                        left == nullptr ? "left_key" : "right_key",
                                        left == nullptr ? "right_key" : "left_key"));
  } else {
    SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "left_key", &nodes, true));
    op->left_key = Texts(nodes);
    nodes.clear();
    SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "right_key", &nodes, true));
    op->right_key = Texts(nodes);
    if (op->right_key.size() != op->left_key.size()) {
      return r.Error(*right, fmt::format("'right_key' must name as many fields as 'left_key' "
                                         "({}), found {}",
                                         op->left_key.size(), op->right_key.size()));
    }
  }
  SLUICE_RETURN_IF_ERROR(r.GetString(t, "left_prefix", &op->left_prefix, false));
  return r.GetString(t, "right_prefix", &op->right_prefix, false);
}

bool IsFieldName(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// `set = ["total = price * qty"]`: each entry is split at its first '=' into a field name and
// the expression text, whose loc is the position of its first character in the file.
Status ReadAssignments(const TomlReader& r, const Table& t, std::vector<Assignment>* out) {
  std::vector<const toml::node*> entries;
  SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "set", &entries, false));
  for (const toml::node* n : entries) {
    const std::string& text = n->as_string()->get();
    const size_t eq = text.find('=');
    if (eq == std::string::npos || text.compare(eq, 2, "==") == 0) {
      return r.Error(
          *n, fmt::format("'set' entries are written \"field = expression\", found \"{}\"", text));
    }
    const size_t name_begin = text.find_first_not_of(" \t");
    const size_t name_end = text.find_last_not_of(" \t", eq == 0 ? 0 : eq - 1);
    const std::string field = eq == 0 || name_begin >= eq
                                  ? std::string()
                                  : text.substr(name_begin, name_end + 1 - name_begin);
    if (!IsFieldName(field)) {
      return r.Error(*n,
                     fmt::format("'set' entry \"{}\": '{}' is not a field name (letters, digits "
                                 "and '_', not starting with a digit)",
                                 text, field));
    }
    const size_t expr_begin = text.find_first_not_of(" \t", eq + 1);
    if (expr_begin == std::string::npos) {
      return r.Error(*n, fmt::format("'set' entry \"{}\" has no expression after '='", text));
    }
    Assignment a;
    a.field = field;
    a.expr = text.substr(expr_begin);
    a.loc = r.TextLoc(*n, expr_begin);
    out->push_back(std::move(a));
  }
  return Status::OK();
}

// Aggregates are kept as written ("sum(amount) as total"); the planner parses them.
Status ReadAggregates(const TomlReader& r, const Table& t, std::vector<AggregateSpec>* out) {
  std::vector<const toml::node*> entries;
  SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "aggregates", &entries, true));
  for (const toml::node* n : entries) {
    AggregateSpec a;
    a.text = n->as_string()->get();
    a.loc = r.TextLoc(*n, 0);
    out->push_back(std::move(a));
  }
  return Status::OK();
}

// Accepts the keys of `type` (of kind `kind`, "" when it has none) and no others, then reads the
// graph keys. An operator of several inputs given `input` is told to write `inputs` instead.
Status ReadCommonKeys(const TomlReader& r, const Table& t, const OperatorType& type,
                      const std::string& kind, OperatorSpec* op) {
  if (type.several_inputs() && t.table->get("input") != nullptr) {
    return ReadGraphKeys(r, t, type, op);  // reports the 'input'
  }
  // An operator of one input takes the graph keys without their being listed in messages; one of
  // several lists `name` and `inputs`, its only graph keys, with its own.
  std::vector<std::string> keys = {"type"};
  if (type.several_inputs()) keys.insert(keys.end(), {"name", "inputs"});
  keys.insert(keys.end(), type.keys.begin(), type.keys.end());
  SLUICE_RETURN_IF_ERROR(
      r.CheckKeys(t, keys, type.kind_keys, kind,
                  type.several_inputs() ? std::vector<std::string>{} : kGraphKeys));
  return ReadGraphKeys(r, t, type, op);
}

// The window of a window or window join: as its kind says, `size`, `slide` or `gap`.
Status ReadWindowShape(const TomlReader& r, const Table& t, OperatorSpec* op) {
  if (op->window == WindowKind::kTumbling) {
    SLUICE_RETURN_IF_ERROR(r.GetDuration(t, "size", &op->size, true, true));
  } else if (op->window == WindowKind::kSliding) {
    SLUICE_RETURN_IF_ERROR(r.GetDuration(t, "size", &op->size, true, true));
    SLUICE_RETURN_IF_ERROR(r.GetDuration(t, "slide", &op->slide, true, true));
    if (op->slide > op->size) {
      return r.Error(*t.table->get("slide"),
                     fmt::format("'slide' must be at most 'size' ({}), found {}",
                                 FormatDuration(op->size), FormatDuration(op->slide)));
    }
    if (std::string e = SlidingRatioError(op->size, op->slide); !e.empty()) {
      return r.Error(*t.table->get("slide"), e);
    }
  } else {
    SLUICE_RETURN_IF_ERROR(r.GetDuration(t, "gap", &op->gap, true, true));
  }
  return Status::OK();
}

// The readers of each type's table. `t` names the table with its type and kind; `kind` is the
// value of its `kind` key (a window kind), "" when its type has none.
using ReadFn = Status (*)(const TomlReader& r, const Table& t, const OperatorType& type,
                          const std::string& kind, OperatorSpec* op);

Status ReadFilter(const TomlReader& r, const Table& t, const OperatorType& type,
                  const std::string& kind, OperatorSpec* op) {
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  SLUICE_RETURN_IF_ERROR(r.GetString(t, "where", &op->where, true));
  // A filter's loc is the first character of its `where` text rather than the [[operator]]
  // header: PipelineSpec has no separate place for it, and the planner adds an expression
  // error's column to it.
  op->loc = r.TextLoc(*t.table->get("where"), 0);
  return Status::OK();
}

Status ReadMap(const TomlReader& r, const Table& t, const OperatorType& type,
               const std::string& kind, OperatorSpec* op) {
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  SLUICE_RETURN_IF_ERROR(ReadAssignments(r, t, &op->set));
  std::vector<const toml::node*> keep;
  SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "keep", &keep, false));
  op->keep = Texts(keep);
  if (op->set.empty() && op->keep.empty()) {
    return r.Error(*t.node, t.what + " needs 'set', 'keep' or both");
  }
  return Status::OK();
}

Status ReadKeyBy(const TomlReader& r, const Table& t, const OperatorType& type,
                 const std::string& kind, OperatorSpec* op) {
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  std::vector<const toml::node*> fields;
  SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "fields", &fields, true));
  op->fields = Texts(fields);
  return Status::OK();
}

Status ReadWindow(const TomlReader& r, const Table& t, const OperatorType& type,
                  const std::string& kind, OperatorSpec* op) {
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  SLUICE_RETURN_IF_ERROR(ReadWindowShape(r, t, op));
  SLUICE_RETURN_IF_ERROR(r.GetDuration(t, "allowed_lateness", &op->allowed_lateness, false, false));
  return ReadAggregates(r, t, &op->aggregates);
}

// An aggregate: `aggregates`, and for a row window `rows` and `every` (1..rows, default 1).
Status ReadAggregate(const TomlReader& r, const Table& t, const OperatorType& type,
                     const std::string& kind, OperatorSpec* op) {
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  SLUICE_RETURN_IF_ERROR(r.GetInt(t, "rows", 1, kMaxAggregateRows, &op->rows, false));
  if (t.table->get("every") != nullptr) {
    if (op->rows == 0) {
      return r.Error(KeyPosition(t, "every"),
                     fmt::format("'every' applies to {} only with 'rows' (an aggregate over the "
                                 "last rows of each key)",
                                 t.what));
    }
    SLUICE_RETURN_IF_ERROR(r.GetInt(t, "every", 1, op->rows, &op->every, false));
  }
  if (t.table->get("emit") != nullptr) {
    if (op->rows > 0) {
      return r.Error(KeyPosition(t, "emit"),
                     fmt::format("'emit' applies to {} only without 'rows' (a row window's "
                                 "results are final)",
                                 t.what));
    }
    std::string emit;
    SLUICE_RETURN_IF_ERROR(
        r.GetOneOf(t, "emit", {"updates", "changelog"}, "aggregate emit mode", &emit));
    op->changelog = emit == "changelog";
  }
  return ReadAggregates(r, t, &op->aggregates);
}

Status ReadUnion(const TomlReader& r, const Table& t, const OperatorType& type,
                 const std::string& kind, OperatorSpec* op) {
  return ReadCommonKeys(r, t, type, kind, op);
}

// A window join: `inputs = [left, right]`, the window's `kind` and its durations, the keys and
// the prefixes. Window joins are inner: `join` is refused with a pointer to interval joins.
Status ReadWindowJoin(const TomlReader& r, const Table& t, const OperatorType& type,
                      const std::string& kind, OperatorSpec* op) {
  if (t.table->get("join") != nullptr) {
    return r.Error(KeyPosition(t, "join"),
                   fmt::format("'join' does not apply to {}: window joins are inner (an "
                               "interval_join can be left, right or full)",
                               t.what));
  }
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  SLUICE_RETURN_IF_ERROR(ReadJoinKeys(r, t, op));
  return ReadWindowShape(r, t, op);
}

// An interval join: `inputs = [left, right]`, `lower` and `upper` (signed), `join`, the keys and
// the prefixes.
Status ReadIntervalJoin(const TomlReader& r, const Table& t, const OperatorType& type,
                        const std::string& kind, OperatorSpec* op) {
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  SLUICE_RETURN_IF_ERROR(ReadJoinKeys(r, t, op));
  SLUICE_RETURN_IF_ERROR(r.GetSignedDuration(t, "lower", &op->lower, true));
  SLUICE_RETURN_IF_ERROR(r.GetSignedDuration(t, "upper", &op->upper, true));
  if (op->lower > op->upper) {
    return r.Error(*t.table->get("lower"),
                   fmt::format("'lower' ({}) must be at most 'upper' ({}): a right row matches a "
                               "left row when left.ts + lower <= right.ts <= left.ts + upper",
                               SignedDuration(op->lower), SignedDuration(op->upper)));
  }
  op->join_type = JoinType::kInner;
  if (t.table->get("join") != nullptr) {
    const std::vector<std::string>& names = JoinTypeNames();
    std::string join;
    SLUICE_RETURN_IF_ERROR(r.GetOneOf(t, "join", names, "join type", &join));
    op->join_type =
        static_cast<JoinType>(std::find(names.begin(), names.end(), join) - names.begin());
  }
  return Status::OK();
}

// A regular join: `inputs = [left, right]`, the keys and prefixes, and the state time-to-live:
// `state_ttl` for both sides, `left_ttl` / `right_ttl` for one (overriding `state_ttl`). Regular
// joins are inner: `join` is refused with a pointer to interval joins.
Status ReadJoin(const TomlReader& r, const Table& t, const OperatorType& type,
                const std::string& kind, OperatorSpec* op) {
  if (t.table->get("join") != nullptr) {
    return r.Error(KeyPosition(t, "join"),
                   fmt::format("'join' does not apply to {}: regular joins are inner (an "
                               "interval_join can be left, right or full)",
                               t.what));
  }
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  SLUICE_RETURN_IF_ERROR(ReadJoinKeys(r, t, op));
  int64_t ttl = 0;
  SLUICE_RETURN_IF_ERROR(r.GetDuration(t, "state_ttl", &ttl, false, false));
  op->left_ttl = op->right_ttl = ttl;
  SLUICE_RETURN_IF_ERROR(r.GetDuration(t, "left_ttl", &op->left_ttl, false, false));
  return r.GetDuration(t, "right_ttl", &op->right_ttl, false, false);
}

// A deduplicate: `keep` ("first" or "last") and `state_ttl`.
Status ReadDeduplicate(const TomlReader& r, const Table& t, const OperatorType& type,
                       const std::string& kind, OperatorSpec* op) {
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  op->keep_row = DedupKeep::kFirst;
  if (t.table->get("keep") != nullptr) {
    const std::vector<std::string>& names = DedupKeepNames();
    std::string keep;
    SLUICE_RETURN_IF_ERROR(r.GetOneOf(t, "keep", names, "row to keep", &keep));
    op->keep_row =
        static_cast<DedupKeep>(std::find(names.begin(), names.end(), keep) - names.begin());
  }
  return r.GetDuration(t, "state_ttl", &op->state_ttl, false, false);
}

// A top_n: `n`, `order_by`, `rank_field`, `per_window`, `with_ties` and `state_ttl`.
Status ReadTopN(const TomlReader& r, const Table& t, const OperatorType& type,
                const std::string& kind, OperatorSpec* op) {
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  SLUICE_RETURN_IF_ERROR(r.GetInt(t, "n", 1, kMaxTopN, &op->top_n, true));
  std::vector<const toml::node*> order;
  SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "order_by", &order, true));
  op->order_by = Texts(order);
  SLUICE_RETURN_IF_ERROR(r.GetString(t, "rank_field", &op->rank_field, false));
  SLUICE_RETURN_IF_ERROR(r.GetBool(t, "per_window", &op->per_window));
  SLUICE_RETURN_IF_ERROR(r.GetBool(t, "with_ties", &op->with_ties));
  return r.GetDuration(t, "state_ttl", &op->state_ttl, false, false);
}

// A lookup join: `key` (the stream's fields), `table_key` (the table's; default: `key`), `join`
// (inner or left), `table = { path, format, schema }` and `right_prefix`.
Status ReadLookupJoin(const TomlReader& r, const Table& t, const OperatorType& type,
                      const std::string& kind, OperatorSpec* op) {
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  std::vector<const toml::node*> nodes;
  SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "key", &nodes, true));
  op->left_key = op->right_key = Texts(nodes);
  if (const toml::node* table_key = t.table->get("table_key")) {
    nodes.clear();
    SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "table_key", &nodes, false));
    op->right_key = Texts(nodes);
    if (op->right_key.size() != op->left_key.size()) {
      return r.Error(*table_key, fmt::format("'table_key' must name as many fields as 'key' ({}), "
                                             "found {}",
                                             op->left_key.size(), op->right_key.size()));
    }
  }
  op->join_type = JoinType::kInner;
  if (t.table->get("join") != nullptr) {
    std::string join;
    SLUICE_RETURN_IF_ERROR(r.GetOneOf(t, "join", {"inner", "left"}, "lookup join type", &join));
    op->join_type = join == "left" ? JoinType::kLeft : JoinType::kInner;
  }
  SLUICE_RETURN_IF_ERROR(r.GetString(t, "right_prefix", &op->right_prefix, false));
  const toml::node* tn = t.table->get("table");
  if (tn == nullptr) return r.Missing(t, "table");
  if (!tn->is_table()) {
    return r.Error(*tn, fmt::format("'table' must be a table such as {{ path = \"side.csv\", "
                                    "schema = {{ key = \"int64\", name = \"string\" }} }}, "
                                    "found {}",
                                    DescribeNode(*tn)));
  }
  const Table table{tn->as_table(), tn, fmt::format("'table' of {}", t.what)};
  SLUICE_RETURN_IF_ERROR(r.CheckKeys(table, {"path", "format", "schema"}, {}, ""));
  SLUICE_RETURN_IF_ERROR(r.GetString(table, "path", &op->table.path, true));
  op->table.loc = r.Loc(table.table->get("path")->source().begin);
  if (table.table->get("format") != nullptr) {
    SLUICE_RETURN_IF_ERROR(
        r.GetOneOf(table, "format", {"csv", "jsonl"}, "table format", &op->table.format));
  }
  const toml::node* schema = table.table->get("schema");
  if (schema == nullptr) return r.Missing(table, "schema");
  return r.ReadSchema(*schema, &op->table.schema);
}

// A process: `function` (a registered process function) and `params`, a table whose values
// (strings, numbers or booleans) are passed to the function as text.
Status ReadProcess(const TomlReader& r, const Table& t, const OperatorType& type,
                   const std::string& kind, OperatorSpec* op) {
  SLUICE_RETURN_IF_ERROR(ReadCommonKeys(r, t, type, kind, op));
  SLUICE_RETURN_IF_ERROR(r.GetString(t, "function", &op->function, true));
  if (FindProcessFunction(op->function) == nullptr) {
    return r.Error(*t.table->get("function"),
                   fmt::format("no process function '{}' (registered: {})", op->function,
                               fmt::join(ProcessFunctionNames(), ", ")));
  }
  const toml::node* pn = t.table->get("params");
  if (pn == nullptr) return Status::OK();
  if (!pn->is_table()) {
    return r.Error(*pn, fmt::format("'params' must be a table such as {{ gap = \"30s\" }}, "
                                    "found {}",
                                    DescribeNode(*pn)));
  }
  for (const auto& [k, v] : *pn->as_table()) {
    std::string text;
    if (const auto* s = v.as_string()) {
      text = s->get();
    } else if (const auto* i = v.as_integer()) {
      text = std::to_string(i->get());
    } else if (const auto* d = v.as_floating_point()) {
      text = fmt::format("{}", d->get());
    } else if (const auto* b = v.as_boolean()) {
      text = b->get() ? "true" : "false";
    } else {
      return r.Error(v, fmt::format("params.{} must be a string, number or boolean, found {}",
                                    k.str(), DescribeNode(v)));
    }
    op->params[std::string(k.str())] = std::move(text);
  }
  return Status::OK();
}

// One reader per operator type, in OpKind order (operators/operator_types.h).
struct OperatorReader {
  OpKind kind;
  ReadFn read;
};
constexpr OperatorReader kReaders[] = {
    {OpKind::kFilter, ReadFilter},
    {OpKind::kMap, ReadMap},
    {OpKind::kKeyBy, ReadKeyBy},
    {OpKind::kWindow, ReadWindow},
    {OpKind::kAggregate, ReadAggregate},
    {OpKind::kUnion, ReadUnion},
    {OpKind::kWindowJoin, ReadWindowJoin},
    {OpKind::kIntervalJoin, ReadIntervalJoin},
    {OpKind::kDeduplicate, ReadDeduplicate},
    {OpKind::kTopN, ReadTopN},
    {OpKind::kLookupJoin, ReadLookupJoin},
    {OpKind::kJoin, ReadJoin},
    {OpKind::kProcess, ReadProcess},
};
static_assert(CoversOperatorKinds(kReaders), "one reader per OpKind, in OpKind order");

// The type (one of the registry's), then the kind when the type has kinds, then the type's own
// reader.
Status ReadOperator(const TomlReader& r, const Table& header, OperatorSpec* op) {
  op->loc = r.Loc(header.node->source().begin);
  static const std::vector<std::string> kTypeNames = OperatorTypeNames();
  std::string name;
  SLUICE_RETURN_IF_ERROR(r.GetOneOf(header, "type", kTypeNames, "operator type", &name));
  const OperatorType& type = *FindOperatorType(name);
  op->kind = type.kind;
  Table t{header.table, header.node, fmt::format("{} ({})", header.what, type.name)};
  std::string kind;
  if (!type.kinds.empty()) {
    SLUICE_RETURN_IF_ERROR(r.GetOneOf(t, "kind", type.kinds, "window kind", &kind));
    const std::vector<std::string>& windows = WindowKindNames();
    op->window =
        static_cast<WindowKind>(std::find(windows.begin(), windows.end(), kind) - windows.begin());
    t.what += fmt::format(" of kind \"{}\"", kind);
  }
  return kReaders[static_cast<size_t>(type.kind)].read(r, t, type, kind, op);
}

}  // namespace

Status ReadOperators(const TomlReader& r, const toml::table& root, std::vector<OperatorSpec>* ops) {
  const toml::node* on = root.get("operator");
  if (on == nullptr) return Status::OK();
  const toml::array* arr = on->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    return r.Error(*on, fmt::format("operators are written as [[operator]] tables, found {}",
                                    DescribeNode(*on)));
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& n = *arr->get(i);
    OperatorSpec op;
    SLUICE_RETURN_IF_ERROR(
        ReadOperator(r, Table{n.as_table(), &n, fmt::format("[[operator]] #{}", i + 1)}, &op));
    ops->push_back(std::move(op));
  }
  return Status::OK();
}

}  // namespace sluice
