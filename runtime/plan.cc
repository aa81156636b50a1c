#include "runtime/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

#include "expr/expr.h"
#include "operators/connector_types.h"
#include "operators/filter.h"
#include "operators/map.h"

namespace sluice {
namespace {

Status Error(const SourceLoc& loc, std::string msg) {
  return Status::InvalidArgument(loc.Prefix() + msg);
}

// Re-anchors an expression error "column N: msg" at the file position where the expression text
// starts (loc points at its first character), or prefixes `what` when the position is unknown.
Status ExprError(const Status& s, const SourceLoc& loc, std::string_view what) {
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

std::string_view OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kFilter:
      return "filter";
    case OpKind::kMap:
      return "map";
    case OpKind::kKeyBy:
      return "key_by";
    case OpKind::kWindow:
      return "window";
    case OpKind::kAggregate:
      return "aggregate";
    case OpKind::kUnion:
      return "union";
    case OpKind::kWindowJoin:
      return "window_join";
    case OpKind::kIntervalJoin:
      return "interval_join";
  }
  return "?";
}

std::string OpName(const OperatorSpec& op, size_t i) {
  if (!op.name.empty()) return fmt::format("operator '{}' ({})", op.name, OpKindName(op.kind));
  return fmt::format("operator #{} ({})", i + 1, OpKindName(op.kind));
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
Status PlanAggregates(const OperatorSpec& op, const std::string& name, Schema* schema,
                      std::vector<std::unique_ptr<Transform>>* transforms, KeyedStageDef* def) {
  if (op.aggregates.empty()) return Error(op.loc, name + ": 'aggregates' is empty");
  std::vector<Map::Step> hidden;
  for (size_t j = 0; j < op.aggregates.size(); ++j) {
    const AggregateSpec& spec = op.aggregates[j];
    const SourceLoc& loc = spec.loc.known() ? spec.loc : op.loc;
    std::string func = spec.func, arg = spec.arg, alias = spec.alias;
    int arg_column = 1;
    if (!spec.text.empty()) {
      auto call = ParseAggregateCall(spec.text);
      if (!call.ok()) return ExprError(call.status(), loc, name + " aggregate");
      func = call->func;
      arg = call->arg;
      alias = call->alias;
      arg_column = call->arg_column;
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
    const Field* input_field = nullptr;
    if (spec.arg_fn.valid() || !arg.empty()) {
      Map::Step step;
      step.input = *schema;
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
        if (auto f = (*e)->AsField()) {
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
Status PlanWindowShape(const OperatorSpec& op, const std::string& name, WindowKind* kind,
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
  if (op.kind == OpKind::kWindow) {
    if (!in.has_event_time) {
      return Error(op.loc, name + ": windows need event time; set 'event_time' in [source]");
    }
    def.time_unit = in.time_unit;
    def.allowed_lateness = op.allowed_lateness;
    if (op.allowed_lateness < 0) return Error(op.loc, name + ": allowed_lateness must be >= 0");
    SLUICE_RETURN_IF_ERROR(
        PlanWindowShape(op, name, &def.window, &def.size, &def.slide, &def.gap));
  }
  SLUICE_RETURN_IF_ERROR(PlanAggregates(op, name, schema, transforms, &def));
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
Status JoinKeyColumns(const OperatorSpec& op, const std::string& name, const char* side,
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

// Plans the join `op` of streams `left` and `right` into *stage.
Status PlanJoin(const OperatorSpec& op, size_t index, const StreamPlan& left,
                const StreamPlan& right, KeyedStagePlan* stage) {
  const std::string name = OpName(op, index);
  stage->name = name;
  stage->join = true;
  JoinDef& def = stage->join_def;
  def.kind = op.kind;
  SLUICE_RETURN_IF_ERROR(
      JoinKeyColumns(op, name, "left", op.left_key, left.schema, &def.left_key));
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
                                       name, l.name, TypeName(l), r.name,
                                       TypeName(r)));
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
    SLUICE_RETURN_IF_ERROR(
        PlanWindowShape(op, name, &def.window, &def.size, &def.slide, &def.gap));
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

Status PlanSource(const SourceSpec& src, SourcePlan* out) {
  out->spec = src;
  SourceOptions& so = out->options;
  const SourceType* type = FindSourceType(src.type);
  if (type == nullptr) {
    return Error(src.loc, fmt::format("unknown source type '{}' (expected {})", src.type,
                                      fmt::join(SourceTypeNames(), ", ")));
  }
  so.schema = type->fixed_schema ? type->fixed_schema() : src.schema;
  if (so.schema.size() == 0) return Error(src.loc, "the source needs a schema");
  if (type->needs_path && src.path.empty()) {
    return Error(src.loc, fmt::format("a {} source needs a path", src.type));
  }
  std::string et = src.event_time;
  if (et.empty() && type->fixed_schema) et = "ts";
  if (!et.empty()) {
    int i = so.schema.IndexOf(et);
    if (i < 0) {
      return Error(src.loc, fmt::format("event_time '{}' is not a field of the source (fields: {})",
                                        et, FieldList(so.schema)));
    }
    Type t = so.schema.field(i).type;
    if (t != Type::kTimestamp && t != Type::kInt64) {
      return Error(src.loc,
                   fmt::format("event_time '{}' must be a timestamp or int64 field, not {}", et,
                               TypeName(t)));
    }
    so.event_time_index = i;
  }
  if (src.max_out_of_orderness < 0) return Error(src.loc, "max_out_of_orderness must be >= 0");
  if (src.idle_timeout < 0) return Error(src.loc, "idle_timeout must be >= 0");
  out->max_out_of_orderness = src.max_out_of_orderness;
  out->idle_timeout = src.idle_timeout;
  so.name = type->needs_path ? src.path : src.type;
  return Status::OK();
}

// `path` made absolute and normal: through the file system for the part that exists (symbolic
// links resolved), lexically for the rest.
std::string NormalizePath(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) p = fs::absolute(path, ec).lexically_normal();
  if (ec) p = fs::path(path).lexically_normal();
  return p.string();
}

Status PlanSink(const PipelineSpec& spec, const Plan& plan, int stream, SinkSpec* sink) {
  const SinkType* type = FindSinkType(sink->type);
  if (type == nullptr) {
    return Error(sink->loc, fmt::format("unknown sink type '{}' (expected {})", sink->type,
                                        fmt::join(SinkTypeNames(true), ", ")));
  }
  if (type->needs_path && sink->path.empty()) {
    return Error(sink->loc, fmt::format("a {} sink needs a path", sink->type));
  }
  if (sink->type == "collector" && !sink->collector) {
    return Error(sink->loc, "a collector sink needs a Collector");
  }
  if (sink->type != "projection") return Status::OK();
  if (sink->name.empty()) return Error(sink->loc, "a projection sink needs a name");
  if (sink->name.find('\0') != std::string::npos) {
    return Error(sink->loc, "a projection name cannot hold a NUL character");
  }
  sink->path = spec.state_dir;
  sink->pipeline = spec.name;
  const StreamPlan& in = plan.streams[stream];
  const Schema& out = in.schema;
  if (sink->key.empty()) {
    if (in.stage < 0 || plan.stages[in.stage].join) {
      return Error(sink->loc, fmt::format("projection '{}': {} must name the projection's key "
                                          "fields (key = [...])",
                                          sink->name,
                                          plan.keyed() ? "rows that are not a window's or "
                                                         "aggregate's"
                                                       : "an unkeyed pipeline"));
    }
    const KeyedStageDef& last = plan.stages[in.stage].def;
    for (size_t k = 0; k < last.key_columns.size() && k < out.size(); ++k) {
      sink->key.push_back(out.field(k).name);
    }
    if (last.kind == OpKind::kWindow && out.IndexOf("window_start") >= 0) {
      sink->key.push_back("window_start");
    }
  }
  for (const std::string& k : sink->key) {
    if (out.IndexOf(k) < 0) {
      return Error(sink->loc, fmt::format("projection '{}': key field '{}' is not an output "
                                          "field (fields: {})",
                                          sink->name, k, FieldList(out)));
    }
  }
  return Status::OK();
}

// A node of the declared graph: a source or an operator.
struct Node {
  bool source = false;
  size_t index = 0;
  bool operator==(const Node&) const = default;
};

// What planning a node produced: a stream, or (a key_by) a stream and key columns that only a
// window or aggregate may read.
struct NodeOut {
  int stream = -1;
  bool keyed = false;
  std::vector<int> key_columns;
  const OperatorSpec* key_by = nullptr;
};

// Plans a PipelineSpec's graph into a Plan.
class GraphPlanner {
 public:
  GraphPlanner(const PipelineSpec& spec, Plan* plan) : spec_(spec), plan_(*plan) {}
  Status Run();

 private:
  std::string NodeName(Node n) const {
    if (n.source) {
      const SourceSpec& s = source(n.index);
      return s.name.empty() ? "the source" : fmt::format("source '{}'", s.name);
    }
    return OpName(spec_.operators[n.index], n.index);
  }
  const SourceSpec& source(size_t i) const {
    return i == 0 ? spec_.source : spec_.more_sources[i - 1];
  }
  size_t n_sources() const { return 1 + spec_.more_sources.size(); }

  Status PlanSources();
  Status ResolveInputs();
  Status Order();
  void CountReaders();
  Status PlanOperator(size_t j);
  Status PlanSinks();

  // The stream a stateless reader of `in` works on: `in` itself.
  // Appends `ts` (which turn rows of stream `in` into rows of `schema`) after `in`: onto the
  // step or stage that produces `in` when this is its only reader, else into a new step. Returns
  // the stream that holds the result.
  int Append(int in, std::vector<std::unique_ptr<Transform>> ts, Schema schema,
             const std::string& name, int readers);
  Status StreamInput(size_t j, size_t k, int* stream);
  Status CheckFeedsStage(const OperatorSpec& op, const std::string& name, int stream) const;
  int NewStream(StreamPlan s) {
    plan_.streams.push_back(std::move(s));
    producer_.push_back({-1, -1});
    return static_cast<int>(plan_.streams.size()) - 1;
  }
  std::vector<StepPlan>& StepsAt(int level) {
    if (plan_.steps.size() <= static_cast<size_t>(level)) plan_.steps.resize(level + 1);
    return plan_.steps[level];
  }

  const PipelineSpec& spec_;
  Plan& plan_;
  std::map<std::string, Node> names_;
  std::vector<std::vector<Node>> inputs_;  // per operator
  std::vector<size_t> order_;              // operators in a topological order
  std::vector<int> op_readers_;            // per operator: readers of its rows
  std::vector<int> source_readers_;
  std::vector<Node> sink_inputs_;
  std::vector<NodeOut> out_;  // per operator
  // Per stream: the step that produces it (level, index) or {-1, -1}.
  std::vector<std::pair<int, int>> producer_;
};

Status GraphPlanner::PlanSources() {
  const size_t n = n_sources();
  for (size_t i = 0; i < n; ++i) {
    const SourceSpec& src = source(i);
    if (n > 1 && src.name.empty()) {
      return Error(src.loc, "with several sources, every source needs a name (name = \"...\")");
    }
    SourcePlan sp;
    SLUICE_RETURN_IF_ERROR(PlanSource(src, &sp));
    StreamPlan st;
    st.name = src.name.empty() ? "the source" : src.name;
    st.schema = sp.options.schema;
    st.from_sources = true;
    if (sp.options.event_time_index >= 0) {
      const Field& f = st.schema.field(sp.options.event_time_index);
      st.has_event_time = true;
      st.time_unit = f.type == Type::kTimestamp ? f.unit : TimeUnit::kMicros;
    }
    sp.stream = NewStream(std::move(st));
    plan_.sources.push_back(std::move(sp));
    if (!src.name.empty()) {
      if (!ValidFieldName(src.name)) {
        return Error(src.loc, fmt::format("source name '{}' is not a valid name (letters, "
                                          "digits, _)",
                                          src.name));
      }
      if (!names_.emplace(src.name, Node{true, i}).second) {
        return Error(src.loc, fmt::format("two sources are named '{}'", src.name));
      }
    }
  }
  return Status::OK();
}

Status GraphPlanner::ResolveInputs() {
  const auto& ops = spec_.operators;
  for (size_t j = 0; j < ops.size(); ++j) {
    const OperatorSpec& op = ops[j];
    if (op.name.empty()) continue;
    if (!ValidFieldName(op.name)) {
      return Error(op.loc, fmt::format("{}: '{}' is not a valid name (letters, digits, _)",
                                       OpName(op, j), op.name));
    }
    auto [it, inserted] = names_.emplace(op.name, Node{false, j});
    if (!inserted) {
      return Error(op.loc, fmt::format("the name '{}' is already used by {}", op.name,
                                       NodeName(it->second)));
    }
  }
  auto known = [&] {
    std::vector<std::string> n;
    for (const auto& [name, node] : names_) n.push_back(name);
    return n.empty() ? std::string("none: give sources and operators a name")
                     : fmt::format("{}", fmt::join(n, ", "));
  };
  inputs_.resize(ops.size());
  for (size_t j = 0; j < ops.size(); ++j) {
    const OperatorSpec& op = ops[j];
    const std::string name = OpName(op, j);
    if (op.inputs.empty()) {
      inputs_[j].push_back(j == 0 ? Node{true, 0} : Node{false, j - 1});
    }
    for (const std::string& in : op.inputs) {
      auto it = names_.find(in);
      if (it == names_.end()) {
        return Error(op.loc, fmt::format("{}: unknown input '{}' (named sources and operators: "
                                         "{})",
                                         name, in, known()));
      }
      if (it->second == Node{false, j}) {
        return Error(op.loc, fmt::format("{} reads itself; a pipeline cannot have cycles", name));
      }
      inputs_[j].push_back(it->second);
    }
    const size_t n = inputs_[j].size();
    switch (op.kind) {
      case OpKind::kUnion:
        if (n < 2) {
          return Error(op.loc, name + ": a union needs at least two inputs (inputs = [...])");
        }
        break;
      case OpKind::kWindowJoin:
      case OpKind::kIntervalJoin:
        if (n != 2) {
          return Error(op.loc, fmt::format("{}: a join reads exactly two inputs (inputs = "
                                           "[\"left\", \"right\"]), not {}",
                                           name, n));
        }
        break;
      default:
        if (n != 1) {
          return Error(op.loc, fmt::format("{}: reads one input, not {}; use a union to combine "
                                           "several",
                                           name, n));
        }
    }
  }
  for (size_t i = 0; i < 1 + spec_.more_sinks.size(); ++i) {
    const SinkSpec& sink = i == 0 ? spec_.sink : spec_.more_sinks[i - 1];
    if (sink.input.empty()) {
      sink_inputs_.push_back(ops.empty() ? Node{true, 0} : Node{false, ops.size() - 1});
      continue;
    }
    auto it = names_.find(sink.input);
    if (it == names_.end()) {
      return Error(sink.loc, fmt::format("unknown sink input '{}' (named sources and operators: "
                                         "{})",
                                         sink.input, known()));
    }
    sink_inputs_.push_back(it->second);
  }
  return Status::OK();
}

// Kahn's algorithm, taking the earliest declared operator among the ready ones: a pipeline
// without names keeps its declaration order.
Status GraphPlanner::Order() {
  const size_t n = spec_.operators.size();
  std::vector<int> pending(n, 0);
  std::vector<std::vector<size_t>> readers(n);
  for (size_t j = 0; j < n; ++j) {
    for (Node in : inputs_[j]) {
      if (in.source) continue;
      ++pending[j];
      readers[in.index].push_back(j);
    }
  }
  std::set<size_t> ready;
  for (size_t j = 0; j < n; ++j) {
    if (pending[j] == 0) ready.insert(j);
  }
  while (!ready.empty()) {
    size_t j = *ready.begin();
    ready.erase(ready.begin());
    order_.push_back(j);
    for (size_t r : readers[j]) {
      if (--pending[r] == 0) ready.insert(r);
    }
  }
  if (order_.size() == n) return Status::OK();
  // Walk back from an operator left over to show one cycle.
  size_t at = 0;
  while (pending[at] == 0) ++at;
  std::vector<size_t> path;
  std::vector<int> seen(n, -1);
  while (seen[at] < 0) {
    seen[at] = static_cast<int>(path.size());
    path.push_back(at);
    for (Node in : inputs_[at]) {
      if (!in.source && pending[in.index] > 0) {
        at = in.index;
        break;
      }
    }
  }
  std::vector<std::string> cycle;
  for (size_t i = seen[at]; i < path.size(); ++i) {
    cycle.push_back(OpName(spec_.operators[path[i]], path[i]));
  }
  cycle.push_back(cycle.front());
  std::reverse(cycle.begin(), cycle.end());
  return Error(spec_.operators[at].loc,
               fmt::format("the operators form a cycle: {}", fmt::join(cycle, " -> ")));
}

// Readers of each node's rows; a key_by's readers read its input's rows.
void GraphPlanner::CountReaders() {
  op_readers_.assign(spec_.operators.size(), 0);
  source_readers_.assign(n_sources(), 0);
  for (Node in : sink_inputs_) {
    (in.source ? source_readers_[in.index] : op_readers_[in.index]) += 1;
  }
  // Reverse topological order: every reader of an operator comes before it, so a key_by's count
  // is complete when it is passed on to its input.
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const size_t j = *it;
    const int weight = spec_.operators[j].kind == OpKind::kKeyBy ? op_readers_[j] : 1;
    for (Node in : inputs_[j]) {
      (in.source ? source_readers_[in.index] : op_readers_[in.index]) += weight;
    }
  }
}

int GraphPlanner::Append(int in, std::vector<std::unique_ptr<Transform>> ts, Schema schema,
                         const std::string& name, int readers) {
  StreamPlan& s = plan_.streams[in];
  if (s.readers == 1) {
    auto [level, index] = producer_[in];
    std::vector<std::unique_ptr<Transform>>* into = nullptr;
    if (level >= 0 && !plan_.steps[level][index].is_union) {
      into = &plan_.steps[level][index].transforms;
    } else if (s.stage >= 0 && plan_.stages[s.stage].output_stream == in) {
      into = &plan_.stages[s.stage].post;
      plan_.stages[s.stage].output = schema;
    }
    if (into != nullptr) {
      for (auto& t : ts) into->push_back(std::move(t));
      s.name = name;
      s.schema = std::move(schema);
      s.readers = readers;
      return in;
    }
  }
  StepPlan step;
  step.name = name;
  step.inputs = {in};
  step.transforms = std::move(ts);
  StreamPlan out = s;
  out.name = name;
  out.schema = std::move(schema);
  out.readers = readers;
  out.stage = -1;
  const int level = s.level;
  const int id = NewStream(std::move(out));
  step.output = id;
  std::vector<StepPlan>& steps = StepsAt(level);
  steps.push_back(std::move(step));
  producer_[id] = {level, static_cast<int>(steps.size()) - 1};
  return id;
}

// The stream of input k of operator j; refuses a key_by there.
Status GraphPlanner::StreamInput(size_t j, size_t k, int* stream) {
  Node in = inputs_[j][k];
  if (in.source) {
    *stream = plan_.sources[in.index].stream;
    return Status::OK();
  }
  const NodeOut& o = out_[in.index];
  if (o.keyed) {
    const OperatorSpec& op = spec_.operators[j];
    if (op.kind == OpKind::kKeyBy) {
      return Error(op.loc, fmt::format("{}: a key_by must be followed by a window or "
                                       "aggregate, not another key_by",
                                       OpName(op, j)));
    }
    return Error(op.loc, fmt::format("{}: between key_by and its window/aggregate only the "
                                     "window or aggregate may come; move this operator before "
                                     "the key_by",
                                     OpName(op, j)));
  }
  *stream = o.stream;
  return Status::OK();
}

// Refuses a keyed stage or join reading `stream` when its rows may update earlier ones: later
// stages rely on every result row being final and stamped before the watermark that preceded
// it (docs/semantics.md, "Several keyed stages").
Status GraphPlanner::CheckFeedsStage(const OperatorSpec& op, const std::string& name,
                                     int stream) const {
  const StreamPlan& s = plan_.streams[stream];
  if (s.updates.empty()) return Status::OK();
  const KeyedStagePlan* prev = nullptr;
  for (const KeyedStagePlan& st : plan_.stages) {
    if (st.name == s.updates) prev = &st;
  }
  if (prev != nullptr && prev->def.kind == OpKind::kAggregate) {
    return Error(op.loc, fmt::format("{}: {} is a running aggregate, whose rows update earlier "
                                     "ones; it cannot feed another keyed stage (end the pipeline "
                                     "with it, or use a window)",
                                     name, s.updates));
  }
  return Error(op.loc, fmt::format("{}: {} has allowed_lateness, so it may emit a window "
                                   "again; a window that feeds another keyed stage needs "
                                   "allowed_lateness = 0",
                                   name, s.updates));
}

Status GraphPlanner::PlanOperator(size_t j) {
  const OperatorSpec& op = spec_.operators[j];
  const std::string name = OpName(op, j);
  NodeOut& out = out_[j];
  switch (op.kind) {
    case OpKind::kFilter:
    case OpKind::kMap: {
      int in = -1;
      SLUICE_RETURN_IF_ERROR(StreamInput(j, 0, &in));
      Schema schema = plan_.streams[in].schema;
      std::vector<std::unique_ptr<Transform>> ts;
      SLUICE_RETURN_IF_ERROR(PlanStateless(op, j, &schema, &ts));
      out.stream = Append(in, std::move(ts), std::move(schema), name, op_readers_[j]);
      return Status::OK();
    }
    case OpKind::kKeyBy: {
      int in = -1;
      SLUICE_RETURN_IF_ERROR(StreamInput(j, 0, &in));
      if (op_readers_[j] == 0) {
        return Error(op.loc, "key_by must be followed by a window or aggregate operator");
      }
      if (op.fields.empty()) return Error(op.loc, name + ": key_by needs at least one field");
      const Schema& schema = plan_.streams[in].schema;
      std::set<std::string> seen;
      for (const std::string& f : op.fields) {
        int k = schema.IndexOf(f);
        if (k < 0) {
          return Error(op.loc, fmt::format("{}: unknown field '{}' (fields: {})", name, f,
                                           FieldList(schema)));
        }
        if (!seen.insert(f).second) return Error(op.loc, fmt::format("{}: '{}' twice", name, f));
        out.key_columns.push_back(k);
      }
      out.stream = in;
      out.keyed = true;
      out.key_by = &op;
      return Status::OK();
    }
    case OpKind::kWindow:
    case OpKind::kAggregate: {
      Node from = inputs_[j][0];
      if (from.source || !out_[from.index].keyed) {
        return Error(
            op.loc,
            fmt::format(
                "{} needs a key_by before it; to aggregate all events together, add a map with "
                "set = [\"all = 1\"] and key_by [\"all\"]",
                name));
      }
      const NodeOut& keyed = out_[from.index];
      SLUICE_RETURN_IF_ERROR(CheckFeedsStage(*keyed.key_by, OpName(*keyed.key_by, from.index),
                                             keyed.stream));
      const StreamPlan& in = plan_.streams[keyed.stream];
      KeyedStagePlan stage;
      Schema schema = in.schema;
      std::vector<std::unique_ptr<Transform>> hidden;
      SLUICE_RETURN_IF_ERROR(
          PlanKeyed(op, j, keyed.key_columns, in, &schema, &hidden, &stage));
      int input = keyed.stream;
      if (!hidden.empty()) {
        // Hidden aggregate arguments: a stream of the stage's own (one reader).
        const int readers = plan_.streams[input].readers;
        input = Append(input, std::move(hidden), schema, plan_.streams[input].name, 1);
        if (input == keyed.stream) plan_.streams[input].readers = readers;
      }
      stage.inputs = {input};
      stage.inputs_from_stages = !plan_.streams[input].from_sources;
      StreamPlan o;
      o.name = name;
      o.schema = stage.output;
      o.level = static_cast<int>(plan_.stages.size()) + 1;
      o.readers = op_readers_[j];
      o.stage = static_cast<int>(plan_.stages.size());
      o.has_event_time = true;
      o.time_unit = in.time_unit;
      if (op.kind == OpKind::kAggregate || op.allowed_lateness > 0) o.updates = name;
      stage.output_stream = NewStream(std::move(o));
      out.stream = stage.output_stream;
      plan_.stages.push_back(std::move(stage));
      StepsAt(static_cast<int>(plan_.stages.size()));
      return Status::OK();
    }
    case OpKind::kUnion: {
      StreamPlan o;
      for (size_t k = 0; k < inputs_[j].size(); ++k) {
        int in = -1;
        SLUICE_RETURN_IF_ERROR(StreamInput(j, k, &in));
        const StreamPlan& s = plan_.streams[in];
        if (k == 0) {
          o = s;
        } else if (!(s.schema == o.schema)) {
          return Error(op.loc, fmt::format("{}: the inputs of a union need the same fields of "
                                           "the same types in the same order; '{}' has ({}) but "
                                           "'{}' has ({})",
                                           name, o.name, o.schema.ToString(), s.name,
                                           s.schema.ToString()));
        } else if (s.has_event_time != o.has_event_time) {
          return Error(op.loc, fmt::format("{}: '{}' has event time and '{}' has not; set "
                                           "event_time on both sources",
                                           name, s.has_event_time ? s.name : o.name,
                                           s.has_event_time ? o.name : s.name));
        }
        o.level = std::max(o.level, s.level);
        o.from_sources = o.from_sources || s.from_sources;
        if (o.updates.empty()) o.updates = s.updates;
      }
      StepPlan step;
      step.name = name;
      step.is_union = true;
      for (size_t k = 0; k < inputs_[j].size(); ++k) {
        int in = -1;
        SLUICE_RETURN_IF_ERROR(StreamInput(j, k, &in));
        step.inputs.push_back(in);
      }
      o.name = name;
      o.readers = op_readers_[j];
      o.stage = -1;
      const int level = o.level;
      step.output = NewStream(std::move(o));
      out.stream = step.output;
      std::vector<StepPlan>& steps = StepsAt(level);
      steps.push_back(std::move(step));
      producer_[out.stream] = {level, static_cast<int>(steps.size()) - 1};
      return Status::OK();
    }
    case OpKind::kWindowJoin:
    case OpKind::kIntervalJoin: {
      int l = -1, r = -1;
      for (size_t k = 0; k < 2; ++k) {
        Node in = inputs_[j][k];
        if (!in.source && out_[in.index].keyed) {
          return Error(op.loc, fmt::format("{}: a join reads rows, not a key_by; name the key "
                                           "fields with left_key and right_key instead",
                                           name));
        }
      }
      SLUICE_RETURN_IF_ERROR(StreamInput(j, 0, &l));
      SLUICE_RETURN_IF_ERROR(StreamInput(j, 1, &r));
      SLUICE_RETURN_IF_ERROR(CheckFeedsStage(op, name, l));
      SLUICE_RETURN_IF_ERROR(CheckFeedsStage(op, name, r));
      KeyedStagePlan stage;
      SLUICE_RETURN_IF_ERROR(PlanJoin(op, j, plan_.streams[l], plan_.streams[r], &stage));
      stage.inputs = {l, r};
      stage.inputs_from_stages =
          !plan_.streams[l].from_sources && !plan_.streams[r].from_sources;
      StreamPlan o;
      o.name = name;
      o.schema = stage.output;
      o.level = static_cast<int>(plan_.stages.size()) + 1;
      o.readers = op_readers_[j];
      o.stage = static_cast<int>(plan_.stages.size());
      o.has_event_time = true;
      o.time_unit = plan_.streams[l].time_unit;
      stage.output_stream = NewStream(std::move(o));
      out.stream = stage.output_stream;
      plan_.stages.push_back(std::move(stage));
      StepsAt(static_cast<int>(plan_.stages.size()));
      return Status::OK();
    }
  }
  return Status::Internal("unknown operator kind");
}

Status GraphPlanner::PlanSinks() {
  std::vector<SinkSpec> sinks = {spec_.sink};
  sinks.insert(sinks.end(), spec_.more_sinks.begin(), spec_.more_sinks.end());
  // Output files by their normalized path -> the path as written, so that `out/dup.csv` and
  // `out/./dup.csv` (or a symbolic link to the same directory) are one file.
  std::map<std::string, std::string> files;
  std::set<std::string> projections;
  for (size_t i = 0; i < sinks.size(); ++i) {
    SinkSpec& sink = sinks[i];
    Node in = sink_inputs_[i];
    int stream = -1;
    if (in.source) {
      stream = plan_.sources[in.index].stream;
    } else if (out_[in.index].keyed) {
      return Error(sink.loc, fmt::format("a sink cannot read {}: a key_by must be followed by "
                                         "a window or aggregate",
                                         NodeName(in)));
    } else {
      stream = out_[in.index].stream;
    }
    plan_.sink_streams.push_back(stream);
    SLUICE_RETURN_IF_ERROR(PlanSink(spec_, plan_, stream, &sink));
    if (FindSinkType(sink.type)->writes_file) {
      auto [it, inserted] = files.emplace(NormalizePath(sink.path), sink.path);
      if (!inserted) {
        return Error(sink.loc, it->second == sink.path
                                   ? fmt::format("two sinks write '{}'", sink.path)
                                   : fmt::format("two sinks write the same file: '{}' is '{}'",
                                                 sink.path, it->second));
      }
    }
    if (sink.type == "projection" && !projections.insert(sink.name).second) {
      return Error(sink.loc, fmt::format("two sinks write projection '{}'", sink.name));
    }
  }
  const std::pair<std::string_view, std::string> side_files[] = {
      {"dead_letter_path", plan_.dead_letter_path}, {"late_path", plan_.late_path}};
  for (const auto& [what, path] : side_files) {
    if (path.empty()) continue;
    if (auto it = files.find(NormalizePath(path)); it != files.end()) {
      return Error(spec_.loc, fmt::format("{} '{}' is also written by a sink ('{}'); give it a "
                                          "file of its own",
                                          what, path, it->second));
    }
  }
  plan_.sinks = std::move(sinks);
  plan_.output_schema = plan_.streams[plan_.sink_streams[0]].schema;
  return Status::OK();
}

Status GraphPlanner::Run() {
  SLUICE_RETURN_IF_ERROR(PlanSources());
  SLUICE_RETURN_IF_ERROR(ResolveInputs());
  SLUICE_RETURN_IF_ERROR(Order());
  CountReaders();
  for (size_t i = 0; i < plan_.sources.size(); ++i) {
    plan_.streams[plan_.sources[i].stream].readers = source_readers_[i];
  }
  out_.resize(spec_.operators.size());
  StepsAt(0);
  for (size_t j : order_) SLUICE_RETURN_IF_ERROR(PlanOperator(j));
  plan_.steps.resize(plan_.stages.size() + 1);
  for (const auto& level : plan_.steps) {
    for (const StepPlan& step : level) plan_.positions = plan_.positions || step.is_union;
  }
  for (KeyedStagePlan& stage : plan_.stages) {
    for (size_t j = 0; j < stage.inputs.size(); ++j) {
      if (!plan_.streams[stage.inputs[j]].from_sources) continue;
      const Schema& in = j == 0 ? stage.input : stage.right;
      const size_t visible = j == 0 ? stage.visible : in.size();
      std::vector<Field> fields(in.fields().begin(), in.fields().begin() + visible);
      stage.late[j] = static_cast<int>(plan_.late_inputs.size());
      plan_.late_inputs.push_back({stage.name, Schema(std::move(fields))});
    }
  }
  SLUICE_RETURN_IF_ERROR(PlanSinks());
  const size_t n = plan_.stages.size();
  if (n > 0) {
    const int last = plan_.stages.back().output_stream;
    plan_.direct_output = plan_.steps[n].empty();
    for (int s : plan_.sink_streams) plan_.direct_output = plan_.direct_output && s == last;
  }
  return Status::OK();
}

}  // namespace

Status BuildPlan(const PipelineSpec& spec, const PipelineOptions& options,
                 std::unique_ptr<Plan>* out) {
  auto plan = std::make_unique<Plan>();
  plan->spec = spec;
  if (spec.name.empty()) return Error(spec.loc, "the pipeline needs a name");
  uint32_t p = options.parallelism ? options.parallelism : spec.parallelism;
  if (p == 0) p = std::max(1u, std::thread::hardware_concurrency());
  plan->parallelism = p;
  size_t batch = spec.batch_size ? spec.batch_size : options.batch_size;
  if (batch == 0 || batch > (1u << 20)) {
    return Error(spec.loc, "batch_size must be between 1 and 1048576");
  }
  plan->max_in_flight = options.max_in_flight ? options.max_in_flight : 4 * p + 4;
  plan->dead_letter_path =
      spec.dead_letter_path.empty()
          ? fmt::format("{}/{}.dlq.jsonl", options.default_dead_letter_dir, spec.name)
          : spec.dead_letter_path;
  plan->late_path = spec.late_path;

  SLUICE_RETURN_IF_ERROR(GraphPlanner(spec, plan.get()).Run());
  for (SourcePlan& s : plan->sources) s.options.batch_size = batch;

  plan->state_dir = spec.state_dir;
  plan->checkpoint_interval = spec.checkpoint_interval;
  if (!plan->state_dir.empty() && plan->checkpoint_interval <= 0) {
    return Error(spec.loc, "checkpoint_interval must be greater than 0");
  }
  // Standard input cannot be read again: such a pipeline runs without checkpoints.
  bool stdin_source = false;
  for (const SourcePlan& s : plan->sources) stdin_source = stdin_source || s.spec.path == "-";
  plan->checkpoints = !plan->state_dir.empty() && !stdin_source;
  for (const SinkSpec& sink : plan->sinks) {
    if (sink.type == "projection" && !plan->checkpoints) {
      return Error(
          sink.loc,
          fmt::format(
              "projection '{}' lives in the pipeline's state directory, so it needs checkpoints: "
              "set [pipeline] state_dir{}",
              sink.name, stdin_source ? " and read a file, not standard input" : ""));
    }
  }
  *out = std::move(plan);
  return Status::OK();
}

}  // namespace sluice
