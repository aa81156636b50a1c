#include "sluice/pipeline_builder.h"

#include <fmt/format.h>

#include "base/time_util.h"

namespace sluice {

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

PipelineBuilder& PipelineBuilder::csv_source(std::string path, const SchemaList& schema) {
  spec_.source.type = "csv";
  spec_.source.path = std::move(path);
  spec_.source.schema = ToSchema(schema, &error_);
  return *this;
}

PipelineBuilder& PipelineBuilder::jsonl_source(std::string path, const SchemaList& schema) {
  spec_.source.type = "jsonl";
  spec_.source.path = std::move(path);
  spec_.source.schema = ToSchema(schema, &error_);
  return *this;
}

PipelineBuilder& PipelineBuilder::generator_source(uint64_t events, uint64_t keys) {
  spec_.source.type = "generator";
  spec_.source.events = events;
  spec_.source.keys = keys;
  spec_.source.event_time = "ts";
  return *this;
}

PipelineBuilder& PipelineBuilder::source(SourceSpec spec) {
  spec_.source = std::move(spec);
  return *this;
}

PipelineBuilder& PipelineBuilder::event_time(std::string field, std::string bound) {
  spec_.source.event_time = std::move(field);
  spec_.source.max_out_of_orderness = Duration(bound, "max_out_of_orderness");
  return *this;
}

PipelineBuilder& PipelineBuilder::filter(std::string where) {
  OperatorSpec op;
  op.kind = OpKind::kFilter;
  op.where = std::move(where);
  spec_.operators.push_back(std::move(op));
  return *this;
}

PipelineBuilder& PipelineBuilder::filter(RowPredicate predicate) {
  OperatorSpec op;
  op.kind = OpKind::kFilter;
  op.predicate = std::move(predicate);
  spec_.operators.push_back(std::move(op));
  return *this;
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
  spec_.operators.push_back(std::move(op));
  return *this;
}

PipelineBuilder& PipelineBuilder::keep(std::vector<std::string> fields) {
  OperatorSpec op;
  op.kind = OpKind::kMap;
  op.keep = std::move(fields);
  spec_.operators.push_back(std::move(op));
  return *this;
}

PipelineBuilder& PipelineBuilder::key_by(std::vector<std::string> fields) {
  OperatorSpec op;
  op.kind = OpKind::kKeyBy;
  op.fields = std::move(fields);
  spec_.operators.push_back(std::move(op));
  return *this;
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
  spec_.operators.push_back(std::move(op));
  return *this;
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

PipelineBuilder& PipelineBuilder::running_aggregate(std::vector<std::string> aggregates) {
  OperatorSpec op;
  op.kind = OpKind::kAggregate;
  for (auto& a : aggregates) {
    AggregateSpec spec;
    spec.text = std::move(a);
    op.aggregates.push_back(std::move(spec));
  }
  spec_.operators.push_back(std::move(op));
  return *this;
}

PipelineBuilder& PipelineBuilder::Sink(std::string type, std::string path) {
  // The first sink is spec_.sink; later ones receive the same rows.
  SinkSpec* sink = &spec_.sink;
  if (!spec_.sink.type.empty()) sink = &spec_.more_sinks.emplace_back();
  sink->type = std::move(type);
  sink->path = std::move(path);
  last_sink_ = sink;
  return *this;
}

PipelineBuilder& PipelineBuilder::projection_sink(std::string name, std::vector<std::string> key) {
  Sink("projection", "");
  last_sink_->name = std::move(name);
  last_sink_->key = std::move(key);
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

PipelineBuilder& PipelineBuilder::csv_sink(std::string path) {
  return Sink("csv", std::move(path));
}
PipelineBuilder& PipelineBuilder::jsonl_sink(std::string path) {
  return Sink("jsonl", std::move(path));
}
PipelineBuilder& PipelineBuilder::stdout_sink(std::string format) {
  Sink("stdout", "");
  last_sink_->format = std::move(format);
  return *this;
}
PipelineBuilder& PipelineBuilder::null_sink() { return Sink("null", ""); }
PipelineBuilder& PipelineBuilder::collect(std::shared_ptr<Collector> collector) {
  Sink("collector", "");
  last_sink_->collector = std::move(collector);
  return *this;
}

Result<PipelineSpec> PipelineBuilder::spec() const {
  if (!error_.ok()) return error_;
  if (spec_.source.type.empty()) return Status::InvalidArgument("the pipeline has no source");
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
