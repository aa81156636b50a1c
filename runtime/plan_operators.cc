#include "runtime/plan_operators.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <set>
#include <string_view>

#include "expr/expr.h"
#include "operators/filter.h"
#include "operators/lookup_join.h"
#include "operators/map.h"
#include "operators/operator_types.h"

namespace sluice::planning {

Status Error(const SourceLoc& loc, std::string msg) {
  return Status::InvalidArgument(loc.Prefix() + msg);
}

// Re-anchors an expression error "column N: msg" at the file position where the expression text
// starts (loc points at its first character), or prefixes `what` when the position is unknown.
static Status ExprError(const Status& s, const SourceLoc& loc, std::string_view what) {
  const std::string& m = s.message();
  int col = 0;
  std::string_view rest = m;
  if (m.rfind("column ", 0) == 0) {
    const char* b = m.data() + 7;
    auto [p, ec] = std::from_chars(b, m.data() + m.size(), col);
    if (ec == std::errc() && p < m.data() + m.size() && *p == ':') {
      rest = std::string_view(p + 1);
      while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    } else {
      col = 0;
    }
  }
  if (loc.known() && col > 0) {
    SourceLoc at = loc;
    at.column = loc.column + col - 1;
    return Status::InvalidArgument(fmt::format("{}{}: {}", at.Prefix(), what, rest));
  }
  if (col > 0) {
    return Status::InvalidArgument(
        fmt::format("{}{}: at column {}: {}", loc.Prefix(), what, col, rest));
  }
  return Status::InvalidArgument(fmt::format("{}{}: {}", loc.Prefix(), what, m));
}

std::string OpName(const OperatorSpec& op, size_t i) {
  const std::string& type = OperatorTypeOf(op.kind).name;
  if (!op.name.empty()) return fmt::format("operator '{}' ({})", op.name, type);
  return fmt::format("operator #{} ({})", i + 1, type);
}

bool ValidFieldName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string FieldList(const Schema& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.field(i).name.rfind("__", 0) == 0) continue;
    if (!out.empty()) out += ", ";
    out += s.field(i).name;
  }
  return out;
}

// Plans the filter and map operators of one phase onto `transforms`, evolving `schema`.
Status PlanStateless(const OperatorSpec& op, size_t index, Schema* schema,
                     std::vector<std::unique_ptr<Transform>>* transforms) {
  const std::string name = OpName(op, index);
  if (op.kind == OpKind::kFilter) {
    if (op.predicate) {
      transforms->push_back(std::make_unique<Filter>(op.predicate, *schema));
      return Status::OK();
    }
    if (op.where.empty()) return Error(op.loc, name + ": 'where' is empty");
    auto e = CompileExpr(op.where, *schema);
    if (!e.ok()) return ExprError(e.status(), op.loc, name + " where");
    if ((*e)->type() != Type::kBool) {
      return Error(op.loc, fmt::format("{}: 'where' must be a bool expression, but '{}' is {}",
                                       name, op.where, TypeName((*e)->type())));
    }
    transforms->push_back(std::make_unique<Filter>(std::move(e).value()));
    return Status::OK();
  }
  // map
  if (op.set.empty() && op.keep.empty()) {
    return Error(op.loc, name + ": a map needs 'set' or 'keep'");
  }
  std::vector<Map::Step> steps;
  for (const Assignment& a : op.set) {
    const SourceLoc& loc = a.loc.known() ? a.loc : op.loc;
    if (!ValidFieldName(a.field)) {
      return Error(loc, fmt::format("{}: '{}' is not a valid field name (letters, digits, _)", name,
                                    a.field));
    }
    Map::Step step;
    step.input = *schema;
    Field out;
    out.name = a.field;
    if (a.fn.valid()) {
      step.fn = a.fn;
      out.type = a.fn.type;
    } else {
      auto e = CompileExpr(a.expr, *schema);
      if (!e.ok()) return ExprError(e.status(), loc, fmt::format("{} set {}", name, a.field));
      out.type = (*e)->type();
      out.unit = (*e)->unit();
      step.expr = std::move(e).value();
    }
    step.target = schema->AddOrReplace(out);
    steps.push_back(std::move(step));
  }
  std::vector<int> keep;
  if (!op.keep.empty()) {
    std::vector<Field> kept;
    std::set<std::string> seen;
    for (const std::string& f : op.keep) {
      int i = schema->IndexOf(f);
      if (i < 0) {
        return Error(op.loc, fmt::format("{}: keep names unknown field '{}' (fields: {})", name, f,
                                         FieldList(*schema)));
      }
      if (!seen.insert(f).second) {
        return Error(op.loc, fmt::format("{}: keep names '{}' twice", name, f));
      }
      keep.push_back(i);
      kept.push_back(schema->field(i));
    }
    *schema = Schema(std::move(kept));
  }
  transforms->push_back(std::make_unique<Map>(std::move(steps), std::move(keep)));
  return Status::OK();
}

// Binds the aggregates of a window/aggregate operator reading rows of *schema: parses each call,
// evaluates non-field arguments into hidden columns (a Map appended to *transforms, which run
// before the rows are routed to the stage's lanes), fills def->aggregates.
static Status PlanAggregates(const OperatorSpec& op, const std::string& name, Schema* schema,
                             std::vector<std::unique_ptr<Transform>>* transforms,
                             KeyedStageDef* def) {
  if (op.aggregates.empty()) return Error(op.loc, name + ": 'aggregates' is empty");
  std::vector<Map::Step> hidden;
  for (size_t j = 0; j < op.aggregates.size(); ++j) {
    const AggregateSpec& spec = op.aggregates[j];
    const SourceLoc& loc = spec.loc.known() ? spec.loc : op.loc;
    std::string func = spec.func, arg = spec.arg, alias = spec.alias, filter;
    int arg_column = 1, filter_column = 1;
    if (!spec.text.empty()) {
      auto call = ParseAggregateCall(spec.text);
      if (!call.ok()) return ExprError(call.status(), loc, name + " aggregate");
      func = call->func;
      arg = call->arg;
      alias = call->alias;
      arg_column = call->arg_column;
      filter = call->filter;
      filter_column = call->filter_column;
    }
    AggregateDef agg;
    if (!ParseAggFunc(func, &agg.func)) {
      return Error(loc, fmt::format("{}: unknown aggregate function '{}' (expected count, sum, "
                                    "min, max, avg, first, last, count_distinct)",
                                    name, func));
    }
    if (alias.empty()) alias = func;
    if (!ValidFieldName(alias)) {
      return Error(loc, fmt::format("{}: '{}' is not a valid alias", name, alias));
    }
    // filter (where c): the argument (1 for count()) is computed into a hidden column that is
    // null where c is not true; every aggregate skips nulls, so it sees only those rows.
    std::unique_ptr<Expr> only_where;
    if (!filter.empty()) {
      SourceLoc at = loc;
      if (at.known()) at.column += filter_column - 1;
      auto c = CompileExpr(filter, *schema);
      if (!c.ok()) {
        return ExprError(c.status(), at, fmt::format("{} aggregate {} filter", name, alias));
      }
      if ((*c)->type() != Type::kBool) {
        return Error(at, fmt::format("{}: the filter of aggregate {} must be a condition (bool), "
                                     "not {}",
                                     name, alias, TypeName((*c)->type())));
      }
      only_where = std::move(c).value();
      if (arg.empty() && !spec.arg_fn.valid()) arg = "1";
    }
    const Field* input_field = nullptr;
    if (spec.arg_fn.valid() || !arg.empty()) {
      Map::Step step;
      step.input = *schema;
      step.only_where = std::move(only_where);
      Field hf;
      hf.name = fmt::format("__arg{}", j);
      if (spec.arg_fn.valid()) {
        step.fn = spec.arg_fn;
        hf.type = spec.arg_fn.type;
      } else {
        auto e = CompileExpr(arg, *schema);
        if (!e.ok()) {
          SourceLoc at = loc;
          if (at.known()) at.column += arg_column - 1;
          return ExprError(e.status(), at, fmt::format("{} aggregate {}", name, alias));
        }
        if (auto f = (*e)->AsField(); f && !step.only_where) {
          agg.input = *f;
        } else {
          hf.type = (*e)->type();
          hf.unit = (*e)->unit();
          step.expr = std::move(e).value();
        }
      }
      if (agg.input < 0) {
        step.target = schema->AddOrReplace(hf);
        agg.input = step.target;
        hidden.push_back(std::move(step));
      }
      input_field = &schema->field(agg.input);
    } else if (agg.func != AggFunc::kCount) {
      return Error(loc, fmt::format("{}: {}() needs an argument", name, func));
    }
    auto field = AggregateResultField(agg.func, input_field, alias);
    if (!field.ok()) return Error(loc, fmt::format("{}: {}", name, field.status().message()));
    agg.output = *field;
    def->aggregates.push_back(std::move(agg));
  }
  if (!hidden.empty())
    transforms->push_back(std::make_unique<Map>(std::move(hidden), std::vector<int>{}));
  return Status::OK();
}

// Checks the window settings of `op` (a window or a window join) into *kind, *size, *slide,
// *gap.
static Status PlanWindowShape(const OperatorSpec& op, const std::string& name, WindowKind* kind,
                              int64_t* size, int64_t* slide, int64_t* gap) {
  *kind = op.window;
  switch (op.window) {
    case WindowKind::kTumbling:
      if (op.size <= 0) return Error(op.loc, name + ": a tumbling window needs size > 0");
      *size = *slide = op.size;
      break;
    case WindowKind::kSliding:
      if (op.size <= 0) return Error(op.loc, name + ": a sliding window needs size > 0");
      if (op.slide <= 0 || op.slide > op.size) {
        return Error(op.loc, name + ": a sliding window needs 0 < slide <= size");
      }
      if (std::string e = SlidingRatioError(op.size, op.slide); !e.empty()) {
        return Error(op.loc, name + ": " + e);
      }
      *size = op.size;
      *slide = op.slide;
      break;
    case WindowKind::kSession:
      if (op.gap <= 0) return Error(op.loc, name + ": a session window needs gap > 0");
      *gap = op.gap;
      break;
  }
  return Status::OK();
}

// Plans the keyed stage of `op` (a window or aggregate after a key_by on `key_columns`) over rows
// of `in` with *schema (in's schema; hidden aggregate arguments are added to it by
// *transforms, the stateless work before the stage) into *stage.
Status PlanKeyed(const OperatorSpec& op, size_t index, const std::vector<int>& key_columns,
                 const StreamPlan& in, Schema* schema,
                 std::vector<std::unique_ptr<Transform>>* transforms, KeyedStagePlan* stage) {
  const std::string name = OpName(op, index);
  stage->name = name;
  KeyedStageDef& def = stage->def;
  def.kind = op.kind;
  def.key_columns = key_columns;
  stage->visible = schema->size();
  if (op.kind == OpKind::kAggregate && op.rows > 0) {
    if (op.every < 1 || op.every > op.rows) {
      return Error(op.loc, fmt::format("{}: every must be between 1 and rows ({}), found {}", name,
                                       op.rows, op.every));
    }
    def.rows = op.rows;
    def.every = op.every;
  }
  if (op.kind == OpKind::kAggregate && op.changelog) {
    if (op.rows > 0) return Error(op.loc, name + ": a row window's results are final; drop emit");
    def.changelog = true;
  }
  if (op.kind == OpKind::kProcess) {
    if (!in.has_event_time) {
      return Error(op.loc, name +
                               ": a process function's timers run on event time; set "
                               "'event_time' in [source]");
    }
    auto fn = FindProcessFunction(op.function);
    if (fn == nullptr) {
      return Error(op.loc, fmt::format("{}: no process function '{}' (registered: {})", name,
                                       op.function, fmt::join(ProcessFunctionNames(), ", ")));
    }
    ProcessSetupArgs args;
    args.input = schema;
    args.key_columns = key_columns;
    args.params = op.params;
    args.time_unit = in.time_unit;
    Result<ProcessSetup> setup = fn->setup(args);
    if (!setup.ok()) {
      return Error(op.loc, fmt::format("{}: process function '{}': {}", name, op.function,
                                       setup.status().message()));
    }
    if (!setup->make) {
      return Error(op.loc, fmt::format("{}: process function '{}' gave no way to make it", name,
                                       op.function));
    }
    def.function = op.function;
    def.params = op.params;
    def.time_unit = in.time_unit;
    std::set<std::string> out_names;
    for (int k : key_columns) out_names.insert(schema->field(k).name);
    for (const Field& f : setup->output.fields()) {
      if (!ValidFieldName(f.name) || !out_names.insert(f.name).second) {
        return Error(op.loc, fmt::format("{}: process function '{}' has an output field '{}' "
                                         "that is not a valid name or clashes with a key field; "
                                         "rename the key with a map first",
                                         name, op.function, f.name));
      }
    }
    def.process = std::make_shared<const ProcessSetup>(std::move(*setup));
  }
  if (op.kind == OpKind::kTopN) {
    if (op.state_ttl < 0) return Error(op.loc, name + ": state_ttl must be >= 0");
    if (op.top_n < 1) return Error(op.loc, name + ": n must be at least 1");
    if (op.order_by.empty()) return Error(op.loc, name + ": order_by is empty");
    def.top_n = op.top_n;
    def.state_ttl = op.state_ttl;
    def.rank_field = op.rank_field;
    for (const std::string& o : op.order_by) {
      // "field", "field asc" or "field desc" (case-insensitive direction).
      std::string field = o, dir;
      if (const size_t sp = o.find_last_of(' '); sp != std::string::npos) {
        field = o.substr(0, sp);
        dir = o.substr(sp + 1);
        for (char& c : dir) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        while (!field.empty() && field.back() == ' ') field.pop_back();
      }
      while (!field.empty() && field.front() == ' ') field.erase(field.begin());
      if (!dir.empty() && dir != "asc" && dir != "desc") {
        return Error(op.loc, fmt::format("{}: order_by '{}': the direction is 'asc' or 'desc', "
                                         "not '{}'",
                                         name, o, dir));
      }
      const int c = schema->IndexOf(field);
      if (c < 0) {
        return Error(op.loc, fmt::format("{}: order_by '{}': no field '{}' (fields: {})", name, o,
                                         field, schema->ToString()));
      }
      def.order.push_back({c, dir == "desc"});
    }
    if (!op.rank_field.empty()) {
      if (!ValidFieldName(op.rank_field)) {
        return Error(op.loc,
                     fmt::format("{}: '{}' is not a valid rank_field name", name, op.rank_field));
      }
      if (op.rank_field == "op" || schema->IndexOf(op.rank_field) >= 0) {
        return Error(op.loc, fmt::format("{}: rank_field '{}' clashes with a field of the same "
                                         "name; choose another name",
                                         name, op.rank_field));
      }
    }
  }
  if (op.kind == OpKind::kTopN && op.per_window) {
    const int end = schema->IndexOf("window_end");
    if (end < 0 || schema->field(end).type != Type::kTimestamp) {
      return Error(op.loc, fmt::format("{}: per_window needs a timestamp field 'window_end' (the "
                                       "results of a window, or a map that sets it); fields: {}",
                                       name, schema->ToString()));
    }
    if (op.state_ttl != 0) {
      return Error(op.loc, name +
                               ": state_ttl has no use with per_window: a window's rows are "
                               "dropped when it ends");
    }
    def.window_end_column = end;
  }
  if (op.kind == OpKind::kTopN && op.with_ties && !op.per_window) {
    return Error(op.loc, name +
                             ": with_ties needs per_window = true (a top_n per key keeps "
                             "exactly n rows)");
  }
  def.with_ties = op.with_ties;
  if (op.kind == OpKind::kDeduplicate || op.kind == OpKind::kTopN) {
    if (!in.has_event_time && op.kind == OpKind::kTopN) {
      return Error(op.loc, name +
                               ": top_n needs event time (for state_ttl and the watermark); "
                               "set 'event_time' in [source]");
    }
    if (schema->IndexOf("op") >= 0 && !op.per_window) {
      return Error(op.loc, fmt::format("{}: the input has a field 'op', which clashes with the "
                                       "changelog's own 'op' column; rename it with a map first",
                                       name));
    }
  }
  if (op.kind == OpKind::kDeduplicate) {
    if (!in.has_event_time) {
      return Error(op.loc, name +
                               ": deduplicate keeps rows by event time; set 'event_time' in "
                               "[source]");
    }
    if (op.state_ttl < 0) return Error(op.loc, name + ": state_ttl must be >= 0");
    def.keep_last = op.keep_row == DedupKeep::kLast;
    def.state_ttl = op.state_ttl;
  }
  if (op.kind == OpKind::kWindow) {
    if (!in.has_event_time) {
      return Error(op.loc, name + ": windows need event time; set 'event_time' in [source]");
    }
    def.time_unit = in.time_unit;
    def.allowed_lateness = op.allowed_lateness;
    if (op.allowed_lateness < 0) return Error(op.loc, name + ": allowed_lateness must be >= 0");
    SLUICE_RETURN_IF_ERROR(PlanWindowShape(op, name, &def.window, &def.size, &def.slide, &def.gap));
  }
  if (op.kind != OpKind::kDeduplicate && op.kind != OpKind::kTopN && op.kind != OpKind::kProcess) {
    SLUICE_RETURN_IF_ERROR(PlanAggregates(op, name, schema, transforms, &def));
  }
  // Output names must be unique.
  std::set<std::string> names;
  for (int k : key_columns) names.insert(schema->field(k).name);
  if (op.kind == OpKind::kWindow) {
    for (const char* w : {"window_start", "window_end"}) {
      if (!names.insert(w).second) {
        return Error(op.loc, fmt::format("{}: key field '{}' clashes with the window's own "
                                         "'{}' column; rename it with a map first",
                                         name, w, w));
      }
    }
  }
  if (def.changelog && !names.insert("op").second) {
    return Error(op.loc, fmt::format("{}: key field 'op' clashes with the changelog's own 'op' "
                                     "column; rename it with a map first",
                                     name));
  }
  for (const AggregateDef& a : def.aggregates) {
    if (!names.insert(a.output.name).second) {
      return Error(op.loc, fmt::format("{}: output field '{}' appears twice; give the "
                                       "aggregates distinct aliases with 'as'",
                                       name, a.output.name));
    }
  }
  auto keyed = MakeKeyedOperator(def, *schema);
  if (!keyed.ok()) return Error(op.loc, fmt::format("{}: {}", name, keyed.status().message()));
  stage->input = *schema;
  stage->output = (*keyed)->output_schema();
  return Status::OK();
}

// Resolves a join's key fields of one input.
static Status JoinKeyColumns(const OperatorSpec& op, const std::string& name, const char* side,
                             const std::vector<std::string>& fields, const Schema& schema,
                             std::vector<int>* out) {
  if (fields.empty()) return Error(op.loc, fmt::format("{}: {}_key is empty", name, side));
  std::set<std::string> seen;
  for (const std::string& f : fields) {
    int k = schema.IndexOf(f);
    if (k < 0) {
      return Error(op.loc, fmt::format("{}: {} key field '{}' is not a field of the {} input "
                                       "(fields: {})",
                                       name, side, f, side, FieldList(schema)));
    }
    if (!seen.insert(f).second) {
      return Error(op.loc, fmt::format("{}: {} key names '{}' twice", name, side, f));
    }
    out->push_back(k);
  }
  return Status::OK();
}

Status PlanLookupJoin(const OperatorSpec& op, size_t index, Schema* schema,
                      std::vector<std::unique_ptr<Transform>>* transforms, std::string* digest) {
  const std::string name = OpName(op, index);
  const SourceLoc& table_loc = op.table.loc.known() ? op.table.loc : op.loc;
  if (op.join_type != JoinType::kInner && op.join_type != JoinType::kLeft) {
    return Error(op.loc, name + ": a lookup join is inner or left");
  }
  if (op.left_key.empty()) return Error(op.loc, name + ": a lookup join needs key fields");
  const std::vector<std::string>& table_key = op.right_key.empty() ? op.left_key : op.right_key;
  if (table_key.size() != op.left_key.size()) {
    return Error(op.loc, fmt::format("{}: key has {} fields but table_key has {}; they are "
                                     "compared pairwise",
                                     name, op.left_key.size(), table_key.size()));
  }
  std::vector<int> key, tkey;
  SLUICE_RETURN_IF_ERROR(JoinKeyColumns(op, name, "stream", op.left_key, *schema, &key));
  SLUICE_RETURN_IF_ERROR(JoinKeyColumns(op, name, "table", table_key, op.table.schema, &tkey));
  for (size_t i = 0; i < key.size(); ++i) {
    const Field& l = schema->field(key[i]);
    const Field& r = op.table.schema.field(tkey[i]);
    if (l.type != r.type || (l.type == Type::kTimestamp && l.unit != r.unit)) {
      return Error(op.loc, fmt::format("{}: key fields of different types: stream '{}' is {}, "
                                       "table '{}' is {}; convert the stream's with a map first "
                                       "or change the table's schema",
                                       name, l.name, TypeName(l), r.name, TypeName(r)));
    }
  }
  std::vector<Field> fields = schema->fields();
  for (const Field& f : op.table.schema.fields()) {
    Field out = f;
    out.name = op.right_prefix + f.name;
    for (const Field& g : fields) {
      if (g.name == out.name) {
        return Error(table_loc,
                     fmt::format("{}: the output would have two fields named '{}' (the stream's "
                                 "and the table's '{}'); set right_prefix (such as right_prefix "
                                 "= \"t_\") to tell them apart",
                                 name, out.name, f.name));
      }
    }
    fields.push_back(std::move(out));
  }
  LookupTable table;
  if (Status s = LoadLookupTable(op.table, &table); !s.ok()) {
    return s.WithPrefix(fmt::format("{}{}: table", table_loc.Prefix(), name));
  }
  *digest = table.digest;
  transforms->push_back(std::make_unique<LookupJoin>(std::move(table), std::move(key),
                                                     std::move(tkey), op.join_type));
  *schema = Schema(std::move(fields));
  return Status::OK();
}

// Plans the join `op` of streams `left` and `right` into *stage.
Status PlanJoin(const OperatorSpec& op, size_t index, const StreamPlan& left,
                const StreamPlan& right, KeyedStagePlan* stage) {
  const std::string name = OpName(op, index);
  stage->name = name;
  stage->join = true;
  JoinDef& def = stage->join_def;
  def.kind = op.kind;
  SLUICE_RETURN_IF_ERROR(JoinKeyColumns(op, name, "left", op.left_key, left.schema, &def.left_key));
  SLUICE_RETURN_IF_ERROR(
      JoinKeyColumns(op, name, "right", op.right_key, right.schema, &def.right_key));
  if (def.left_key.size() != def.right_key.size()) {
    return Error(op.loc, fmt::format("{}: left_key has {} fields but right_key has {}; they are "
                                     "compared pairwise",
                                     name, def.left_key.size(), def.right_key.size()));
  }
  for (size_t i = 0; i < def.left_key.size(); ++i) {
    const Field& l = left.schema.field(def.left_key[i]);
    const Field& r = right.schema.field(def.right_key[i]);
    if (l.type != r.type || (l.type == Type::kTimestamp && l.unit != r.unit)) {
      return Error(op.loc, fmt::format("{}: join keys of different types: left '{}' is {}, "
                                       "right '{}' is {}; convert one with a map first",
                                       name, l.name, TypeName(l), r.name, TypeName(r)));
    }
  }
  if (!left.has_event_time || !right.has_event_time) {
    return Error(op.loc, fmt::format("{}: joins need event time on both inputs; set "
                                     "'event_time' in the {} input's source",
                                     name, left.has_event_time ? "right" : "left"));
  }
  def.time_unit = left.time_unit;
  def.left_prefix = op.left_prefix;
  def.right_prefix = op.right_prefix;
  if (op.kind == OpKind::kWindowJoin) {
    if (op.join_type != JoinType::kInner) {
      return Error(op.loc, name + ": a window join is an inner join");
    }
    SLUICE_RETURN_IF_ERROR(PlanWindowShape(op, name, &def.window, &def.size, &def.slide, &def.gap));
  } else if (op.kind == OpKind::kJoin) {
    if (op.join_type != JoinType::kInner) {
      return Error(op.loc, name + ": a regular join is an inner join");
    }
    if (op.left_ttl < 0 || op.right_ttl < 0) {
      return Error(op.loc, name + ": a join's state ttl must be >= 0");
    }
    def.ttl[0] = op.left_ttl;
    def.ttl[1] = op.right_ttl;
  } else {
    def.type = op.join_type;
    if (op.lower > op.upper) {
      return Error(op.loc, fmt::format("{}: lower must be <= upper", name));
    }
    def.lower = op.lower;
    def.upper = op.upper;
  }
  auto schema = JoinOutputSchema(def, left.schema, right.schema);
  if (!schema.ok()) return Error(op.loc, fmt::format("{}: {}", name, schema.status().message()));
  auto made = MakeJoinOperator(def, left.schema, right.schema);
  if (!made.ok()) return Error(op.loc, fmt::format("{}: {}", name, made.status().message()));
  stage->input = left.schema;
  stage->visible = left.schema.size();
  stage->right = right.schema;
  stage->output = *schema;
  return Status::OK();
}

}  // namespace sluice::planning
