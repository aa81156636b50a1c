#include "runtime/plan.h"

#include <fmt/format.h>

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

std::string OpName(const OperatorSpec& op, size_t i) {
  const char* kind = "?";
  switch (op.kind) {
    case OpKind::kFilter:
      kind = "filter";
      break;
    case OpKind::kMap:
      kind = "map";
      break;
    case OpKind::kKeyBy:
      kind = "key_by";
      break;
    case OpKind::kWindow:
      kind = "window";
      break;
    case OpKind::kAggregate:
      kind = "aggregate";
      break;
  }
  return fmt::format("operator #{} ({})", i + 1, kind);
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

// Plans the keyed stage of `op` (a window or aggregate after a key_by on `key_columns`) over rows
// of *schema, appending it to plan->stages. Hidden aggregate arguments are added to *schema by
// *transforms (the stateless work before the stage).
Status PlanKeyed(const OperatorSpec& op, size_t index, const std::vector<int>& key_columns,
                 Schema* schema, std::vector<std::unique_ptr<Transform>>* transforms, Plan* plan) {
  const std::string name = OpName(op, index);
  KeyedStagePlan stage;
  stage.name = name;
  KeyedStageDef& def = stage.def;
  def.kind = op.kind;
  def.key_columns = key_columns;
  stage.visible = schema->size();
  if (op.kind == OpKind::kWindow) {
    int et = plan->source_options.event_time_index;
    if (et < 0) {
      return Error(op.loc, name + ": windows need event time; set 'event_time' in [source]");
    }
    const Field& etf = plan->source_options.schema.field(et);
    def.time_unit = etf.type == Type::kTimestamp ? etf.unit : TimeUnit::kMicros;
    def.window = op.window;
    def.allowed_lateness = op.allowed_lateness;
    if (op.allowed_lateness < 0) return Error(op.loc, name + ": allowed_lateness must be >= 0");
    switch (op.window) {
      case WindowKind::kTumbling:
        if (op.size <= 0) return Error(op.loc, name + ": a tumbling window needs size > 0");
        def.size = def.slide = op.size;
        break;
      case WindowKind::kSliding:
        if (op.size <= 0) return Error(op.loc, name + ": a sliding window needs size > 0");
        if (op.slide <= 0 || op.slide > op.size) {
          return Error(op.loc, name + ": a sliding window needs 0 < slide <= size");
        }
        if (std::string e = SlidingRatioError(op.size, op.slide); !e.empty()) {
          return Error(op.loc, name + ": " + e);
        }
        def.size = op.size;
        def.slide = op.slide;
        break;
      case WindowKind::kSession:
        if (op.gap <= 0) return Error(op.loc, name + ": a session window needs gap > 0");
        def.gap = op.gap;
        break;
    }
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
  stage.input = *schema;
  stage.output = (*keyed)->output_schema();
  plan->stages.push_back(std::move(stage));
  return Status::OK();
}

// Refuses a keyed stage whose results cannot feed the next keyed stage (the key_by `op`): later
// stages rely on every result row being final and stamped after the watermark that preceded it
// (docs/semantics.md, "Several keyed stages").
Status CheckFeedsNextStage(const KeyedStagePlan& prev, const OperatorSpec& op,
                           const std::string& name) {
  if (prev.def.kind == OpKind::kAggregate) {
    return Error(op.loc, fmt::format("{}: {} is a running aggregate, whose rows update earlier "
                                     "ones; it cannot feed another keyed stage (end the pipeline "
                                     "with it, or use a window)",
                                     name, prev.name));
  }
  if (prev.def.allowed_lateness > 0) {
    return Error(op.loc, fmt::format("{}: {} has allowed_lateness, so it may emit a window "
                                     "again; a window that feeds another keyed stage needs "
                                     "allowed_lateness = 0",
                                     name, prev.name));
  }
  return Status::OK();
}

Status PlanSource(const PipelineSpec& spec, Plan* plan) {
  const SourceSpec& src = spec.source;
  SourceOptions& so = plan->source_options;
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
  plan->max_out_of_orderness = src.max_out_of_orderness;
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

Status PlanSink(const PipelineSpec& spec, const Plan& plan, SinkSpec* sink) {
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
  const Schema& out = plan.output_schema;
  if (sink->key.empty()) {
    if (!plan.keyed()) {
      return Error(sink->loc, fmt::format("projection '{}': an unkeyed pipeline must name the "
                                          "projection's key fields (key = [...])",
                                          sink->name));
    }
    const KeyedStageDef& last = plan.stages.back().def;
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

  SLUICE_RETURN_IF_ERROR(PlanSource(spec, plan.get()));
  plan->source_options.batch_size = batch;
  plan->pre_schema = plan->source_options.schema;

  // Where stateless operators go: `pre` before the first keyed stage, then the post transforms of
  // the latest keyed stage.
  Schema* schema = &plan->pre_schema;
  std::vector<std::unique_ptr<Transform>>* transforms = &plan->pre;
  std::vector<int> key_columns;
  const OperatorSpec* key_by_op = nullptr;  // a key_by not yet followed by its window/aggregate
  for (size_t i = 0; i < spec.operators.size(); ++i) {
    const OperatorSpec& op = spec.operators[i];
    const std::string name = OpName(op, i);
    switch (op.kind) {
      case OpKind::kFilter:
      case OpKind::kMap:
        if (key_by_op) {
          return Error(op.loc, fmt::format("{}: between key_by and its window/aggregate only "
                                           "the window or aggregate may come; move this "
                                           "operator before the key_by",
                                           name));
        }
        SLUICE_RETURN_IF_ERROR(PlanStateless(op, i, schema, transforms));
        break;
      case OpKind::kKeyBy: {
        if (key_by_op) {
          return Error(op.loc, fmt::format("{}: a key_by must be followed by a window or "
                                           "aggregate, not another key_by",
                                           name));
        }
        if (plan->keyed()) {
          SLUICE_RETURN_IF_ERROR(CheckFeedsNextStage(plan->stages.back(), op, name));
        }
        if (op.fields.empty()) return Error(op.loc, name + ": key_by needs at least one field");
        std::set<std::string> seen;
        key_columns.clear();
        for (const std::string& f : op.fields) {
          int k = schema->IndexOf(f);
          if (k < 0) {
            return Error(op.loc, fmt::format("{}: unknown field '{}' (fields: {})", name, f,
                                             FieldList(*schema)));
          }
          if (!seen.insert(f).second) return Error(op.loc, fmt::format("{}: '{}' twice", name, f));
          key_columns.push_back(k);
        }
        key_by_op = &op;
        break;
      }
      case OpKind::kWindow:
      case OpKind::kAggregate:
        if (!key_by_op) {
          return Error(
              op.loc,
              fmt::format(
                  "{} needs a key_by before it; to aggregate all events together, add a map with "
                  "set = [\"all = 1\"] and key_by [\"all\"]",
                  name));
        }
        SLUICE_RETURN_IF_ERROR(PlanKeyed(op, i, key_columns, schema, transforms, plan.get()));
        schema = &plan->stages.back().output;
        transforms = &plan->stages.back().post;
        key_by_op = nullptr;
        break;
    }
  }
  if (key_by_op) {
    return Error(key_by_op->loc, "key_by must be followed by a window or aggregate operator");
  }
  plan->output_schema = *schema;

  std::vector<SinkSpec> sinks = {spec.sink};
  sinks.insert(sinks.end(), spec.more_sinks.begin(), spec.more_sinks.end());
  // Output files by their normalized path -> the path as written, so that `out/dup.csv` and
  // `out/./dup.csv` (or a symbolic link to the same directory) are one file.
  std::map<std::string, std::string> files;
  std::set<std::string> projections;
  for (SinkSpec& sink : sinks) {
    SLUICE_RETURN_IF_ERROR(PlanSink(spec, *plan, &sink));
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
      {"dead_letter_path", plan->dead_letter_path}, {"late_path", plan->late_path}};
  for (const auto& [what, path] : side_files) {
    if (path.empty()) continue;
    if (auto it = files.find(NormalizePath(path)); it != files.end()) {
      return Error(spec.loc, fmt::format("{} '{}' is also written by a sink ('{}'); give it a "
                                         "file of its own",
                                         what, path, it->second));
    }
  }
  plan->sinks = std::move(sinks);

  plan->state_dir = spec.state_dir;
  plan->checkpoint_interval = spec.checkpoint_interval;
  if (!plan->state_dir.empty() && plan->checkpoint_interval <= 0) {
    return Error(spec.loc, "checkpoint_interval must be greater than 0");
  }
  // Standard input cannot be read again: such a pipeline runs without checkpoints.
  plan->checkpoints = !plan->state_dir.empty() && spec.source.path != "-";
  for (const SinkSpec& sink : plan->sinks) {
    if (sink.type == "projection" && !plan->checkpoints) {
      return Error(
          sink.loc,
          fmt::format(
              "projection '{}' lives in the pipeline's state directory, so it needs checkpoints: "
              "set [pipeline] state_dir{}",
              sink.name, spec.source.path == "-" ? " and read a file, not standard input" : ""));
    }
  }
  *out = std::move(plan);
  return Status::OK();
}

}  // namespace sluice
