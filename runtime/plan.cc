#include "runtime/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

#include "operators/connector_types.h"
#include "operators/operator_types.h"
#include "runtime/plan_operators.h"

namespace sluice {
namespace {

using planning::Error;
using planning::FieldList;
using planning::OpName;
using planning::PlanJoin;
using planning::PlanKeyed;
using planning::ValidFieldName;

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
    if (last.changelog) {  // op, the key fields, the aggregates
      for (int k : last.key_columns) sink->key.push_back(plan.stages[in.stage].input.field(k).name);
    }
    if (last.kind == OpKind::kTopN && last.window_end_column >= 0) {  // the input's fields, rank
      for (int k : last.key_columns) sink->key.push_back(plan.stages[in.stage].input.field(k).name);
      sink->key.push_back("window_end");
      if (last.rank_field.empty()) {
        return Error(sink->loc, fmt::format("projection '{}': a top_n per window without "
                                            "rank_field needs the projection's key fields "
                                            "(key = [...]), or give the top_n a rank_field",
                                            sink->name));
      }
      sink->key.push_back(last.rank_field);
    } else if (last.kind == OpKind::kDeduplicate || last.kind == OpKind::kTopN) {  // op, fields
      for (int k : last.key_columns) sink->key.push_back(plan.stages[in.stage].input.field(k).name);
      if (last.kind == OpKind::kTopN) {
        if (last.rank_field.empty()) {
          return Error(sink->loc, fmt::format("projection '{}': a top_n without rank_field needs "
                                              "the projection's key fields (key = [...]), or "
                                              "give the top_n a rank_field",
                                              sink->name));
        }
        sink->key.push_back(last.rank_field);
      }
    }
    for (size_t k = 0;
         k < last.key_columns.size() && k < out.size() && last.kind != OpKind::kDeduplicate &&
         last.kind != OpKind::kTopN && !last.changelog;
         ++k) {
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
  // Plans operator j (its inputs planned) into out_[j], by its type's step below.
  Status PlanOperator(size_t j);
  Status PlanStateless(size_t j);  // filter, map
  Status PlanKeyBy(size_t j);
  Status PlanKeyedStage(size_t j);  // window, aggregate
  Status PlanUnion(size_t j);
  Status PlanJoinStage(size_t j);  // window_join, interval_join, join
  Status PlanLookupJoin(size_t j);
  Status PlanSinks();

  // The stream a stateless reader of `in` works on: `in` itself.
  // Appends `ts` (which turn rows of stream `in` into rows of `schema`) after `in`: onto the
  // step or stage that produces `in` when this is its only reader, else into a new step. Returns
  // the stream that holds the result.
  int Append(int in, std::vector<std::unique_ptr<Transform>> ts, Schema schema,
             const std::string& name, int readers);
  Status StreamInput(size_t j, size_t k, int* stream);
  // Appends `stage` (inputs set) and the stream of its results; returns that stream.
  int AddStage(KeyedStagePlan stage, const std::string& name, int readers, TimeUnit unit,
               const std::string& updates);
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
  if (n > 64) {
    return Error(source(64).loc, fmt::format("a pipeline may have at most 64 sources, not {}", n));
  }
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
    st.upstream = uint64_t{1} << i;
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
    const OperatorType& type = OperatorTypeOf(op.kind);
    if (!type.several_inputs()) {
      if (n != 1) {
        return Error(op.loc, fmt::format("{}: reads one input, not {}; use a union to combine "
                                         "several",
                                         name, n));
      }
    } else if (type.min_inputs == type.max_inputs) {  // the joins
      if (n != type.min_inputs) {
        return Error(op.loc, fmt::format("{}: a join reads exactly two inputs (inputs = "
                                         "[\"left\", \"right\"]), not {}",
                                         name, n));
      }
    } else if (n < type.min_inputs) {
      return Error(op.loc, fmt::format("{}: {} needs at least two inputs (inputs = [...])", name,
                                       type.noun));
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
      return Error(op.loc, fmt::format("{}: a key_by must be followed by a window, "
                                       "aggregate or deduplicate, not another key_by",
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
  if (prev != nullptr && prev->changelog()) {
    if (prev->def.kind == OpKind::kAggregate) {
      return Error(op.loc, fmt::format("{}: {} is an aggregate with emit = \"changelog\", whose "
                                       "rows are a changelog (a row may be retracted later); it "
                                       "cannot feed another keyed stage (end the pipeline with it)",
                                       name, s.updates));
    }
    return Error(op.loc, fmt::format("{}: {} is a {}, whose rows are a changelog (a row "
                                     "may be retracted later); it cannot feed another keyed "
                                     "stage (end the pipeline with it)",
                                     name, s.updates,
                                     prev->def.kind == OpKind::kTopN ? "top_n" : "deduplicate"));
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

int GraphPlanner::AddStage(KeyedStagePlan stage, const std::string& name, int readers,
                           TimeUnit unit, const std::string& updates) {
  stage.inputs_from_stages = true;
  stage.upstream = 0;
  for (int in : stage.inputs) {
    stage.inputs_from_stages = stage.inputs_from_stages && !plan_.streams[in].from_sources;
    stage.upstream |= plan_.streams[in].upstream;
  }
  StreamPlan o;
  o.upstream = stage.upstream;
  o.name = name;
  o.schema = stage.output;
  o.level = static_cast<int>(plan_.stages.size()) + 1;
  o.readers = readers;
  o.stage = static_cast<int>(plan_.stages.size());
  o.has_event_time = true;
  o.time_unit = unit;
  o.updates = updates;
  stage.output_stream = NewStream(std::move(o));
  plan_.stages.push_back(std::move(stage));
  StepsAt(static_cast<int>(plan_.stages.size()));
  return plan_.stages.back().output_stream;
}

// One planning step per operator type, in OpKind order (operators/operator_types.h).
struct OperatorPlanner {
  OpKind kind;
  Status (GraphPlanner::*plan)(size_t j);
};

Status GraphPlanner::PlanOperator(size_t j) {
  static constexpr OperatorPlanner kPlanners[] = {
      {OpKind::kFilter, &GraphPlanner::PlanStateless},
      {OpKind::kMap, &GraphPlanner::PlanStateless},
      {OpKind::kKeyBy, &GraphPlanner::PlanKeyBy},
      {OpKind::kWindow, &GraphPlanner::PlanKeyedStage},
      {OpKind::kAggregate, &GraphPlanner::PlanKeyedStage},
      {OpKind::kUnion, &GraphPlanner::PlanUnion},
      {OpKind::kWindowJoin, &GraphPlanner::PlanJoinStage},
      {OpKind::kIntervalJoin, &GraphPlanner::PlanJoinStage},
      {OpKind::kDeduplicate, &GraphPlanner::PlanKeyedStage},
      {OpKind::kTopN, &GraphPlanner::PlanKeyedStage},
      {OpKind::kLookupJoin, &GraphPlanner::PlanLookupJoin},
      {OpKind::kJoin, &GraphPlanner::PlanJoinStage},
      {OpKind::kProcess, &GraphPlanner::PlanKeyedStage},
  };
  static_assert(CoversOperatorKinds(kPlanners), "one planning step per OpKind, in OpKind order");
  const size_t kind = static_cast<size_t>(spec_.operators[j].kind);
  if (kind >= kOperatorKinds) return Status::Internal("unknown operator kind");
  return (this->*kPlanners[kind].plan)(j);
}

Status GraphPlanner::PlanStateless(size_t j) {
  const OperatorSpec& op = spec_.operators[j];
  int in = -1;
  SLUICE_RETURN_IF_ERROR(StreamInput(j, 0, &in));
  Schema schema = plan_.streams[in].schema;
  std::vector<std::unique_ptr<Transform>> ts;
  SLUICE_RETURN_IF_ERROR(planning::PlanStateless(op, j, &schema, &ts));
  out_[j].stream = Append(in, std::move(ts), std::move(schema), OpName(op, j), op_readers_[j]);
  return Status::OK();
}

// A lookup join is stateless: a transform like a map's, fused with the steps around it. Its
// table's content hash goes into the plan's spec, for the definition text.
Status GraphPlanner::PlanLookupJoin(size_t j) {
  const OperatorSpec& op = spec_.operators[j];
  int in = -1;
  SLUICE_RETURN_IF_ERROR(StreamInput(j, 0, &in));
  Schema schema = plan_.streams[in].schema;
  std::vector<std::unique_ptr<Transform>> ts;
  SLUICE_RETURN_IF_ERROR(
      planning::PlanLookupJoin(op, j, &schema, &ts, &plan_.spec.operators[j].table_digest));
  out_[j].stream = Append(in, std::move(ts), std::move(schema), OpName(op, j), op_readers_[j]);
  return Status::OK();
}

Status GraphPlanner::PlanKeyBy(size_t j) {
  const OperatorSpec& op = spec_.operators[j];
  const std::string name = OpName(op, j);
  NodeOut& out = out_[j];
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
      return Error(op.loc,
                   fmt::format("{}: unknown field '{}' (fields: {})", name, f, FieldList(schema)));
    }
    if (!seen.insert(f).second) return Error(op.loc, fmt::format("{}: '{}' twice", name, f));
    out.key_columns.push_back(k);
  }
  out.stream = in;
  out.keyed = true;
  out.key_by = &op;
  return Status::OK();
}

Status GraphPlanner::PlanKeyedStage(size_t j) {
  const OperatorSpec& op = spec_.operators[j];
  const std::string name = OpName(op, j);
  Node from = inputs_[j][0];
  if (from.source || !out_[from.index].keyed) {
    return Error(
        op.loc,
        fmt::format("{} needs a key_by before it; to aggregate all events together, add a map with "
                    "set = [\"all = 1\"] and key_by [\"all\"]",
                    name));
  }
  const NodeOut& keyed = out_[from.index];
  SLUICE_RETURN_IF_ERROR(
      CheckFeedsStage(*keyed.key_by, OpName(*keyed.key_by, from.index), keyed.stream));
  const StreamPlan& in = plan_.streams[keyed.stream];
  const TimeUnit unit = in.time_unit;  // `in` does not outlive Append below
  KeyedStagePlan stage;
  Schema schema = in.schema;
  std::vector<std::unique_ptr<Transform>> hidden;
  SLUICE_RETURN_IF_ERROR(PlanKeyed(op, j, keyed.key_columns, in, &schema, &hidden, &stage));
  int input = keyed.stream;
  if (!hidden.empty()) {
    // Hidden aggregate arguments: a stream of the stage's own (one reader).
    const int readers = plan_.streams[input].readers;
    input = Append(input, std::move(hidden), schema, plan_.streams[input].name, 1);
    if (input == keyed.stream) plan_.streams[input].readers = readers;
  }
  stage.inputs = {input};
  // A row window's rows are each final (append-only); a running aggregate's update earlier ones.
  const bool updates = (op.kind == OpKind::kAggregate && op.rows == 0) ||
                       op.kind == OpKind::kDeduplicate ||
                       (op.kind == OpKind::kTopN && !op.per_window) || op.allowed_lateness > 0;
  out_[j].stream = AddStage(std::move(stage), name, op_readers_[j], unit, updates ? name : "");
  return Status::OK();
}

Status GraphPlanner::PlanUnion(size_t j) {
  const OperatorSpec& op = spec_.operators[j];
  const std::string name = OpName(op, j);
  StreamPlan o;
  for (size_t k = 0; k < inputs_[j].size(); ++k) {
    int in = -1;
    SLUICE_RETURN_IF_ERROR(StreamInput(j, k, &in));
    const StreamPlan& s = plan_.streams[in];
    if (k == 0) {
      o = s;
    } else if (!(s.schema == o.schema)) {
      return Error(op.loc,
                   fmt::format("{}: the inputs of a union need the same fields of the "
                               "same types in the same order; '{}' has ({}) but '{}' "
                               "has ({})",
                               name, o.name, o.schema.ToString(), s.name, s.schema.ToString()));
    } else if (s.has_event_time != o.has_event_time) {
      return Error(op.loc, fmt::format("{}: '{}' has event time and '{}' has not; set "
                                       "event_time on both sources",
                                       name, s.has_event_time ? s.name : o.name,
                                       s.has_event_time ? o.name : s.name));
    }
    o.level = std::max(o.level, s.level);
    o.from_sources = o.from_sources || s.from_sources;
    o.upstream |= s.upstream;
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
  out_[j].stream = step.output;
  std::vector<StepPlan>& steps = StepsAt(level);
  steps.push_back(std::move(step));
  producer_[out_[j].stream] = {level, static_cast<int>(steps.size()) - 1};
  return Status::OK();
}

Status GraphPlanner::PlanJoinStage(size_t j) {
  const OperatorSpec& op = spec_.operators[j];
  const std::string name = OpName(op, j);
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
  out_[j].stream = AddStage(std::move(stage), name, op_readers_[j], plan_.streams[l].time_unit, "");
  return Status::OK();
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
  for (const KeyedStagePlan& stage : plan_.stages) {
    auto& subsets = plan_.watermark_subsets;
    if (stage.upstream == plan_.all_sources() ||
        std::find(subsets.begin(), subsets.end(), stage.upstream) != subsets.end()) {
      continue;
    }
    subsets.push_back(stage.upstream);
    plan_.positions = true;
  }
  // With positions, every stage's watermark before each row places its fired results
  // (runtime/stage_gather.h), so the watermark over all sources is tracked too.
  if (plan_.positions && !plan_.stages.empty() &&
      std::find(plan_.watermark_subsets.begin(), plan_.watermark_subsets.end(),
                plan_.all_sources()) == plan_.watermark_subsets.end()) {
    plan_.watermark_subsets.push_back(plan_.all_sources());
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
