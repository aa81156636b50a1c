// MakeSink (declared in operators/sink.h).
#include <fmt/format.h>

#include "operators/collector_sink.h"
#include "operators/csv_sink.h"
#include "operators/jsonl_sink.h"
#include "operators/log_sink.h"
#include "operators/null_sink.h"
#include "operators/projection_sink.h"
#include "operators/stdout_sink.h"

namespace sluice {

Result<std::unique_ptr<Sink>> MakeSink(const SinkSpec& spec) {
  if (spec.type == "csv" || spec.type == "jsonl") {
    if (spec.path.empty()) {
      return Status::InvalidArgument(fmt::format("a {} sink needs a path", spec.type));
    }
    if (spec.type == "csv") return std::unique_ptr<Sink>(std::make_unique<CsvSink>(spec.path));
    return std::unique_ptr<Sink>(std::make_unique<JsonlSink>(spec.path));
  }
  if (spec.type == "stdout") {
    if (spec.format.empty() || spec.format == "jsonl") {
      return std::unique_ptr<Sink>(std::make_unique<StdoutSink>(StdoutSink::Format::kJsonl));
    }
    if (spec.format == "csv") {
      return std::unique_ptr<Sink>(std::make_unique<StdoutSink>(StdoutSink::Format::kCsv));
    }
    return Status::InvalidArgument(
        fmt::format("unknown stdout format '{}' (known: jsonl, csv)", spec.format));
  }
  if (spec.type == "null") return std::unique_ptr<Sink>(std::make_unique<NullSink>());
  if (spec.type == "collector") {
    if (!spec.collector) return Status::InvalidArgument("a collector sink needs a Collector");
    return std::unique_ptr<Sink>(std::make_unique<CollectorSink>(spec.collector));
  }
  if (spec.type == "log") return MakeLogSink(spec);
  if (spec.type == "projection") {
    if (spec.name.empty()) return Status::InvalidArgument("a projection sink needs a name");
    if (spec.path.empty()) {
      return Status::InvalidArgument(fmt::format(
          "projection '{}' needs checkpoints: give the pipeline a state_dir", spec.name));
    }
    return std::unique_ptr<Sink>(std::make_unique<ProjectionSink>(spec));
  }
  return Status::InvalidArgument(fmt::format(
      "unknown sink type '{}' (known: csv, jsonl, stdout, null, collector, log, projection)", spec.type));
}

}  // namespace sluice
