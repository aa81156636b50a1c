#include "pipelines/toml_operators.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/time_util.h"
#include "pipelines/toml_errors.h"

namespace sluice {
namespace {

const std::vector<std::string> kOperatorTypes = {"filter", "map", "key_by", "window", "aggregate"};
const std::vector<std::string> kWindowKinds = {"tumbling", "sliding", "session"};
const KeyOwners kWindowKeys = {
    {"size", {"tumbling", "sliding"}}, {"slide", {"sliding"}}, {"gap", {"session"}}};

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

Status ReadWindow(const TomlReader& r, const Table& header, OperatorSpec* op) {
  std::string kind;
  SLUICE_RETURN_IF_ERROR(r.GetOneOf(header, "kind", kWindowKinds, "window kind", &kind));
  const Table t{header.table, header.node, fmt::format("{} of kind \"{}\"", header.what, kind)};
  SLUICE_RETURN_IF_ERROR(
      r.CheckKeys(t, {"type", "kind", "allowed_lateness", "aggregates"}, kWindowKeys, kind));
  if (kind == "tumbling") {
    op->window = WindowKind::kTumbling;
    SLUICE_RETURN_IF_ERROR(r.GetDuration(t, "size", &op->size, true, true));
  } else if (kind == "sliding") {
    op->window = WindowKind::kSliding;
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
    op->window = WindowKind::kSession;
    SLUICE_RETURN_IF_ERROR(r.GetDuration(t, "gap", &op->gap, true, true));
  }
  SLUICE_RETURN_IF_ERROR(r.GetDuration(t, "allowed_lateness", &op->allowed_lateness, false, false));
  return ReadAggregates(r, t, &op->aggregates);
}

Status ReadOperator(const TomlReader& r, const Table& header, OperatorSpec* op) {
  op->loc = r.Loc(header.node->source().begin);
  std::string type;
  SLUICE_RETURN_IF_ERROR(r.GetOneOf(header, "type", kOperatorTypes, "operator type", &type));
  const Table t{header.table, header.node, fmt::format("{} ({})", header.what, type)};
  if (type == "filter") {
    op->kind = OpKind::kFilter;
    SLUICE_RETURN_IF_ERROR(r.CheckKeys(t, {"type", "where"}, {}, ""));
    SLUICE_RETURN_IF_ERROR(r.GetString(t, "where", &op->where, true));
    // A filter's loc is the first character of its `where` text rather than the [[operator]]
    // header: PipelineSpec has no separate place for it, and the planner adds an expression
    // error's column to it.
    op->loc = r.TextLoc(*t.table->get("where"), 0);
  } else if (type == "map") {
    op->kind = OpKind::kMap;
    SLUICE_RETURN_IF_ERROR(r.CheckKeys(t, {"type", "set", "keep"}, {}, ""));
    SLUICE_RETURN_IF_ERROR(ReadAssignments(r, t, &op->set));
    std::vector<const toml::node*> keep;
    SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "keep", &keep, false));
    for (const toml::node* n : keep) op->keep.push_back(n->as_string()->get());
    if (op->set.empty() && op->keep.empty()) {
      return r.Error(*t.node, t.what + " needs 'set', 'keep' or both");
    }
  } else if (type == "key_by") {
    op->kind = OpKind::kKeyBy;
    SLUICE_RETURN_IF_ERROR(r.CheckKeys(t, {"type", "fields"}, {}, ""));
    std::vector<const toml::node*> fields;
    SLUICE_RETURN_IF_ERROR(r.GetStrings(t, "fields", &fields, true));
    for (const toml::node* n : fields) op->fields.push_back(n->as_string()->get());
  } else if (type == "window") {
    op->kind = OpKind::kWindow;
    SLUICE_RETURN_IF_ERROR(ReadWindow(r, t, op));
  } else {
    op->kind = OpKind::kAggregate;
    SLUICE_RETURN_IF_ERROR(r.CheckKeys(t, {"type", "aggregates"}, {}, ""));
    SLUICE_RETURN_IF_ERROR(ReadAggregates(r, t, &op->aggregates));
  }
  return Status::OK();
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
