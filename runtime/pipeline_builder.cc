#include "sluice/pipeline_builder.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/byte_size.h"
#include "base/time_util.h"
#include "operators/operator_types.h"

namespace sluice {
namespace {

// A name of a source or operator, as in pipeline files: letters, digits and '_', not starting
// with a digit.
bool IsName(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

PipelineBuilder::PipelineBuilder(std::string name) { spec_.name = std::move(name); }

PipelineBuilder& PipelineBuilder::parallelism(uint32_t p) {
  spec_.parallelism = p;
  return *this;
}

PipelineBuilder& PipelineBuilder::batch_size(uint32_t rows) {
  spec_.batch_size = rows;
  return *this;
}

PipelineBuilder& PipelineBuilder::dead_letter_path(std::string path) {
  spec_.dead_letter_path = std::move(path);
  return *this;
}

PipelineBuilder& PipelineBuilder::late_path(std::string path) {
  spec_.late_path = std::move(path);
  return *this;
}

void PipelineBuilder::Fail(std::string message) {
  if (error_.ok()) error_ = Status::InvalidArgument(std::move(message));
}

int64_t PipelineBuilder::Duration(const std::string& text, const char* what) {
  auto d = ParseDuration(text);
  if (!d.ok()) {
    if (error_.ok()) error_ = d.status().WithPrefix(what);
    return 0;
  }
  return *d;
}

namespace {
Schema ToSchema(const PipelineBuilder::SchemaList& list, Status* error) {
  std::vector<Field> fields;
  for (const auto& [name, type] : list) {
    auto f = ParseFieldType(name, type);
    if (!f.ok()) {
      if (error->ok()) *error = f.status();
      continue;
    }
    fields.push_back(*f);
  }
  return Schema(std::move(fields));
}
}  // namespace

// The first source is spec_.source; later ones are more_sources.
SourceSpec& PipelineBuilder::AddSource() {
  last_ = Added::kSource;
  if (spec_.source.type.empty()) return spec_.source;
  return spec_.more_sources.emplace_back();
}

SourceSpec& PipelineBuilder::LastSource() {
  return spec_.more_sources.empty() ? spec_.source : spec_.more_sources.back();
}

PipelineBuilder& PipelineBuilder::csv_source(std::string path, const SchemaList& schema) {
  SourceSpec& src = AddSource();
  src.type = "csv";
  src.path = std::move(path);
  src.schema = ToSchema(schema, &error_);
  return *this;
}

PipelineBuilder& PipelineBuilder::jsonl_source(std::string path, const SchemaList& schema) {
  SourceSpec& src = AddSource();
  src.type = "jsonl";
  src.path = std::move(path);
  src.schema = ToSchema(schema, &error_);
  return *this;
}

PipelineBuilder& PipelineBuilder::generator_source(uint64_t events, uint64_t keys) {
  SourceSpec& src = AddSource();
  src.type = "generator";
  src.events = events;
  src.keys = keys;
  src.event_time = "ts";
  return *this;
}

PipelineBuilder& PipelineBuilder::source(SourceSpec spec) {
  AddSource() = std::move(spec);
  return *this;
}

PipelineBuilder& PipelineBuilder::event_time(std::string field, std::string bound) {
  LastSource().event_time = std::move(field);
  LastSource().max_out_of_orderness = Duration(bound, "max_out_of_orderness");
  return *this;
}

PipelineBuilder& PipelineBuilder::idle_timeout(std::string timeout) {
  LastSource().idle_timeout = Duration(timeout, "idle_timeout");
  return *this;
}

PipelineBuilder& PipelineBuilder::as(std::string name) {
  if (!IsName(name)) {
    Fail(fmt::format("as(\"{}\"): a name is letters, digits and '_', not starting with a digit",
                     name));
    return *this;
  }
  std::vector<std::string*> names = {&spec_.source.name};
  for (SourceSpec& s : spec_.more_sources) names.push_back(&s.name);
  for (OperatorSpec& op : spec_.operators) names.push_back(&op.name);
  std::string* target = last_ == Added::kSource     ? &LastSource().name
                        : last_ == Added::kOperator ? &spec_.operators.back().name
                                                    : nullptr;
  if (target == nullptr) {
    Fail(fmt::format("as(\"{}\") names the source or operator added last, but {}", name,
                     last_ == Added::kSink ? "a sink was" : "nothing was added yet"));
    return *this;
  }
  for (const std::string* other : names) {
    if (other != target && *other == name) {
      Fail(
          fmt::format("as(\"{}\"): the name is already taken; sources and operators need "
                      "distinct names",
                      name));
      return *this;
    }
  }
  *target = std::move(name);
  return *this;
}

PipelineBuilder& PipelineBuilder::from(std::string input) {
  return from(std::vector<std::string>{std::move(input)});
}

PipelineBuilder& PipelineBuilder::from(std::initializer_list<std::string> inputs) {
  return from(std::vector<std::string>(inputs));
}

PipelineBuilder& PipelineBuilder::from(std::vector<std::string> inputs) {
  if (from_pending_) {
    Fail(fmt::format("from({}) follows from({}) with no operator or sink between them",
                     fmt::join(inputs, ", "), fmt::join(from_, ", ")));
  } else if (inputs.empty() || std::find(inputs.begin(), inputs.end(), "") != inputs.end()) {
    Fail("from() needs the names of sources or operators, not empty ones");
  }
  from_ = std::move(inputs);
  from_pending_ = true;
  return *this;
}

PipelineBuilder& PipelineBuilder::AddOperator(OperatorSpec op) {
  if (from_pending_) {
    if (OperatorTypeOf(op.kind).several_inputs()) {
      Fail(fmt::format("from({}) is followed by a union or join, which names its own inputs",
                       fmt::join(from_, ", ")));
    } else {
      op.inputs = std::move(from_);
    }
    from_.clear();
    from_pending_ = false;
  }
  spec_.operators.push_back(std::move(op));
  last_ = Added::kOperator;
  return *this;
}

PipelineBuilder& PipelineBuilder::filter(std::string where) {
  OperatorSpec op;
  op.kind = OpKind::kFilter;
  op.where = std::move(where);
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::filter(RowPredicate predicate) {
  OperatorSpec op;
  op.kind = OpKind::kFilter;
  op.predicate = std::move(predicate);
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::map(std::string field, std::string expr) {
  return AddMap(Assignment{std::move(field), std::move(expr), {}, {}});
}

PipelineBuilder& PipelineBuilder::map_fn(std::string field, RowFunction fn) {
  return AddMap(Assignment{std::move(field), "", std::move(fn), {}});
}

PipelineBuilder& PipelineBuilder::AddMap(Assignment assignment) {
  OperatorSpec op;
  op.kind = OpKind::kMap;
  op.set.push_back(std::move(assignment));
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::keep(std::vector<std::string> fields) {
  OperatorSpec op;
  op.kind = OpKind::kMap;
  op.keep = std::move(fields);
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::key_by(std::vector<std::string> fields) {
  OperatorSpec op;
  op.kind = OpKind::kKeyBy;
  op.fields = std::move(fields);
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::window(WindowKind kind, int64_t size, int64_t slide, int64_t gap,
                                         std::vector<std::string> aggregates,
                                         const std::string& lateness) {
  OperatorSpec op;
  op.kind = OpKind::kWindow;
  op.window = kind;
  op.size = size;
  op.slide = slide;
  op.gap = gap;
  op.allowed_lateness = Duration(lateness, "allowed_lateness");
  for (auto& a : aggregates) {
    AggregateSpec spec;
    spec.text = std::move(a);
    op.aggregates.push_back(std::move(spec));
  }
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::tumbling(std::string size, std::vector<std::string> aggregates,
                                           std::string allowed_lateness) {
  return window(WindowKind::kTumbling, Duration(size, "tumbling size"), 0, 0, std::move(aggregates),
                allowed_lateness);
}

PipelineBuilder& PipelineBuilder::sliding(std::string size, std::string slide,
                                          std::vector<std::string> aggregates,
                                          std::string allowed_lateness) {
  return window(WindowKind::kSliding, Duration(size, "sliding size"),
                Duration(slide, "sliding slide"), 0, std::move(aggregates), allowed_lateness);
}

PipelineBuilder& PipelineBuilder::session(std::string gap, std::vector<std::string> aggregates,
                                          std::string allowed_lateness) {
  return window(WindowKind::kSession, 0, 0, Duration(gap, "session gap"), std::move(aggregates),
                allowed_lateness);
}

PipelineBuilder& PipelineBuilder::last_rows(int64_t rows, std::vector<std::string> aggregates,
                                            int64_t every) {
  if (rows < 1 || rows > kMaxAggregateRows) {
    Fail(
        fmt::format("last_rows: rows must be between 1 and {}, given {}", kMaxAggregateRows, rows));
  } else if (every < 1 || every > rows) {
    Fail(fmt::format("last_rows: every must be between 1 and rows ({}), given {}", rows, every));
  }
  running_aggregate(std::move(aggregates));
  if (last_ == Added::kOperator) {
    spec_.operators.back().rows = rows;
    spec_.operators.back().every = every;
  }
  return *this;
}

PipelineBuilder& PipelineBuilder::running_aggregate(std::vector<std::string> aggregates,
                                                    bool changelog) {
  OperatorSpec op;
  op.kind = OpKind::kAggregate;
  op.changelog = changelog;
  for (auto& a : aggregates) {
    AggregateSpec spec;
    spec.text = std::move(a);
    op.aggregates.push_back(std::move(spec));
  }
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::deduplicate(DedupKeep keep, std::string state_ttl) {
  OperatorSpec op;
  op.kind = OpKind::kDeduplicate;
  op.keep_row = keep;
  op.state_ttl = Duration(state_ttl, "deduplicate state_ttl");
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::top_n(int64_t n, std::vector<std::string> order_by,
                                        std::string rank_field, std::string state_ttl) {
  OperatorSpec op;
  op.kind = OpKind::kTopN;
  op.top_n = n;
  op.order_by = std::move(order_by);
  op.rank_field = std::move(rank_field);
  op.state_ttl = Duration(state_ttl, "top_n state_ttl");
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::window_top_n(int64_t n, std::vector<std::string> order_by,
                                               std::string rank_field, bool with_ties) {
  OperatorSpec op;
  op.kind = OpKind::kTopN;
  op.top_n = n;
  op.order_by = std::move(order_by);
  op.rank_field = std::move(rank_field);
  op.per_window = true;
  op.with_ties = with_ties;
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::process(std::string function,
                                          std::map<std::string, std::string> params) {
  OperatorSpec op;
  op.kind = OpKind::kProcess;
  op.function = std::move(function);
  op.params = std::move(params);
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::union_of(std::vector<std::string> inputs) {
  if (inputs.size() < 2) {
    Fail(fmt::format("union_of({}) needs at least 2 inputs", fmt::join(inputs, ", ")));
  }
  OperatorSpec op;
  op.kind = OpKind::kUnion;
  op.inputs = std::move(inputs);
  return AddOperator(std::move(op));
}

OperatorSpec PipelineBuilder::Join(OpKind kind, std::vector<std::string> inputs,
                                   std::vector<std::string> left_key,
                                   std::vector<std::string> right_key) {
  const char* what = kind == OpKind::kWindowJoin     ? "a window join"
                     : kind == OpKind::kIntervalJoin ? "an interval join"
                                                     : "a join";
  if (inputs.size() != 2) {
    Fail(fmt::format("{} reads exactly 2 inputs (left, right), given {}", what, inputs.size()));
  } else if (left_key.empty() || left_key.size() != right_key.size()) {
    Fail(fmt::format("{} needs key fields, as many on the left ({}) as on the right ({})", what,
                     left_key.size(), right_key.size()));
  }
  OperatorSpec op;
  op.kind = kind;
  op.inputs = std::move(inputs);
  op.left_key = std::move(left_key);
  op.right_key = std::move(right_key);
  return op;
}

PipelineBuilder& PipelineBuilder::WindowJoin(std::vector<std::string> inputs,
                                             std::vector<std::string> left_key,
                                             std::vector<std::string> right_key, WindowKind kind,
                                             int64_t size, int64_t slide, int64_t gap) {
  OperatorSpec op =
      Join(OpKind::kWindowJoin, std::move(inputs), std::move(left_key), std::move(right_key));
  op.window = kind;
  op.size = size;
  op.slide = slide;
  op.gap = gap;
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::tumbling_join(std::vector<std::string> inputs,
                                                std::vector<std::string> left_key,
                                                std::vector<std::string> right_key,
                                                std::string size) {
  return WindowJoin(std::move(inputs), std::move(left_key), std::move(right_key),
                    WindowKind::kTumbling, Duration(size, "tumbling_join size"), 0, 0);
}

PipelineBuilder& PipelineBuilder::sliding_join(std::vector<std::string> inputs,
                                               std::vector<std::string> left_key,
                                               std::vector<std::string> right_key, std::string size,
                                               std::string slide) {
  return WindowJoin(std::move(inputs), std::move(left_key), std::move(right_key),
                    WindowKind::kSliding, Duration(size, "sliding_join size"),
                    Duration(slide, "sliding_join slide"), 0);
}

PipelineBuilder& PipelineBuilder::session_join(std::vector<std::string> inputs,
                                               std::vector<std::string> left_key,
                                               std::vector<std::string> right_key,
                                               std::string gap) {
  return WindowJoin(std::move(inputs), std::move(left_key), std::move(right_key),
                    WindowKind::kSession, 0, 0, Duration(gap, "session_join gap"));
}

PipelineBuilder& PipelineBuilder::interval_join(std::vector<std::string> inputs,
                                                std::vector<std::string> left_key,
                                                std::vector<std::string> right_key,
                                                std::string lower, std::string upper,
                                                JoinType type) {
  OperatorSpec op =
      Join(OpKind::kIntervalJoin, std::move(inputs), std::move(left_key), std::move(right_key));
  // Bounds may be negative: "-5s".
  auto bound = [&](const std::string& text, const char* what) -> int64_t {
    const bool negative = !text.empty() && text[0] == '-';
    auto us = ParseDuration(std::string_view(text).substr(negative ? 1 : 0));
    if (!us.ok()) {
      Fail(
          fmt::format("{}: invalid duration '{}' (write e.g. \"10s\" or \"-5s\"; units us, ms, "
                      "s, m, h)",
                      what, text));
      return 0;
    }
    return negative ? -*us : *us;
  };
  op.lower = bound(lower, "interval_join lower");
  op.upper = bound(upper, "interval_join upper");
  if (op.lower > op.upper) {
    Fail(fmt::format("interval_join: lower ({}) must be at most upper ({})", lower, upper));
  }
  op.join_type = type;
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::join(std::vector<std::string> inputs,
                                       std::vector<std::string> left_key,
                                       std::vector<std::string> right_key, std::string left_ttl,
                                       std::string right_ttl) {
  OperatorSpec op =
      Join(OpKind::kJoin, std::move(inputs), std::move(left_key), std::move(right_key));
  if (!left_ttl.empty()) op.left_ttl = Duration(left_ttl, "join left_ttl");
  if (!right_ttl.empty()) op.right_ttl = Duration(right_ttl, "join right_ttl");
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::lookup_join(std::string path, const SchemaList& schema,
                                              std::vector<std::string> key,
                                              std::vector<std::string> table_key, JoinType type,
                                              std::string format) {
  if (key.empty()) Fail("lookup_join needs key fields");
  if (table_key.empty()) table_key = key;
  if (table_key.size() != key.size()) {
    Fail(fmt::format("lookup_join: table_key must name as many fields as key ({}), given {}",
                     key.size(), table_key.size()));
  }
  if (type != JoinType::kInner && type != JoinType::kLeft) {
    Fail("lookup_join is inner or left (JoinType::kInner or JoinType::kLeft)");
  }
  if (!format.empty() && format != "csv" && format != "jsonl") {
    Fail(fmt::format("lookup_join: unknown table format '{}' (expected csv, jsonl)", format));
  }
  OperatorSpec op;
  op.kind = OpKind::kLookupJoin;
  op.left_key = std::move(key);
  op.right_key = std::move(table_key);
  op.join_type = type;
  op.table.path = std::move(path);
  op.table.format = std::move(format);
  op.table.schema = ToSchema(schema, &error_);
  return AddOperator(std::move(op));
}

PipelineBuilder& PipelineBuilder::join_prefixes(std::string left, std::string right) {
  const OpKind kind = last_ == Added::kOperator ? spec_.operators.back().kind : OpKind::kFilter;
  if (kind == OpKind::kLookupJoin) {
    if (!left.empty()) {
      Fail(
          "join_prefixes() after a lookup_join: the stream's fields keep their names, so the "
          "left prefix must be empty");
    }
    spec_.operators.back().right_prefix = std::move(right);
    return *this;
  }
  if (kind != OpKind::kWindowJoin && kind != OpKind::kIntervalJoin && kind != OpKind::kJoin) {
    Fail("join_prefixes() must follow a join");
    return *this;
  }
  spec_.operators.back().left_prefix = std::move(left);
  spec_.operators.back().right_prefix = std::move(right);
  return *this;
}

SinkSpec& PipelineBuilder::LastSink() {
  return spec_.more_sinks.empty() ? spec_.sink : spec_.more_sinks.back();
}

PipelineBuilder& PipelineBuilder::Sink(std::string type, std::string path) {
  // The first sink is spec_.sink; later ones receive the same rows unless from() says otherwise.
  SinkSpec& sink = spec_.sink.type.empty() ? spec_.sink : spec_.more_sinks.emplace_back();
  sink.type = std::move(type);
  sink.path = std::move(path);
  if (from_pending_) {
    if (from_.size() != 1) {
      Fail(fmt::format("a sink reads one input, but from() gave {}: {}", from_.size(),
                       fmt::join(from_, ", ")));
    } else {
      sink.input = std::move(from_[0]);
    }
    from_.clear();
    from_pending_ = false;
  }
  last_ = Added::kSink;
  return *this;
}

PipelineBuilder& PipelineBuilder::projection_sink(std::string name, std::vector<std::string> key) {
  Sink("projection", "");
  LastSink().name = std::move(name);
  LastSink().key = std::move(key);
  return *this;
}

PipelineBuilder& PipelineBuilder::state_dir(std::string dir) {
  spec_.state_dir = std::move(dir);
  return *this;
}

PipelineBuilder& PipelineBuilder::checkpoint_interval(std::string interval) {
  const int64_t us = Duration(interval, "checkpoint_interval");
  if (us <= 0 && error_.ok()) {
    error_ = Status::InvalidArgument("checkpoint_interval must be greater than 0");
  }
  spec_.checkpoint_interval = us;
  return *this;
}

PipelineBuilder& PipelineBuilder::state_max_size(std::string size) {
  Result<uint64_t> bytes = ParseByteSize(size);
  if (!bytes.ok()) {
    if (error_.ok()) error_ = bytes.status().WithPrefix("state_max_size");
  } else if (*bytes < kMinStateMaxSize) {
    if (error_.ok()) {
      error_ = Status::InvalidArgument(
          fmt::format("state_max_size must be at least 1MiB, found {}", size));
    }
  } else {
    spec_.state_max_size = *bytes;
  }
  return *this;
}

PipelineBuilder& PipelineBuilder::csv_sink(std::string path) {
  return Sink("csv", std::move(path));
}
PipelineBuilder& PipelineBuilder::jsonl_sink(std::string path) {
  return Sink("jsonl", std::move(path));
}
PipelineBuilder& PipelineBuilder::stdout_sink(std::string format) {
  Sink("stdout", "");
  LastSink().format = std::move(format);
  return *this;
}
PipelineBuilder& PipelineBuilder::null_sink() { return Sink("null", ""); }
PipelineBuilder& PipelineBuilder::collect(std::shared_ptr<Collector> collector) {
  Sink("collector", "");
  LastSink().collector = std::move(collector);
  return *this;
}

Result<PipelineSpec> PipelineBuilder::spec() const {
  if (!error_.ok()) return error_;
  if (from_pending_) {
    return Status::InvalidArgument(
        fmt::format("from({}) is followed by no operator or sink", fmt::join(from_, ", ")));
  }
  if (spec_.source.type.empty()) return Status::InvalidArgument("the pipeline has no source");
  for (size_t i = 0; i <= spec_.more_sources.size() && !spec_.more_sources.empty(); ++i) {
    const SourceSpec& s = i == 0 ? spec_.source : spec_.more_sources[i - 1];
    if (s.name.empty()) {
      return Status::InvalidArgument(
          fmt::format("source {} ({} '{}') has no name: with several sources, name each one with "
                      "as()",
                      i + 1, s.type, s.path));
    }
  }
  if (spec_.sink.type.empty()) return Status::InvalidArgument("the pipeline has no sink");
  return spec_;
}

Status PipelineBuilder::Build(std::unique_ptr<Pipeline>* pipeline,
                              const PipelineOptions& options) const {
  auto s = spec();
  if (!s.ok()) return s.status().WithPrefix(fmt::format("pipeline '{}'", spec_.name));
  return Pipeline::Build(options, *s, pipeline);
}

}  // namespace sluice
