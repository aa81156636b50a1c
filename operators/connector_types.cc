#include "operators/connector_types.h"

#include <fmt/format.h>

#include "operators/collector_sink.h"
#include "operators/csv_sink.h"
#include "operators/csv_source.h"
#include "operators/generator_source.h"
#include "operators/jsonl_sink.h"
#include "operators/jsonl_source.h"
#include "operators/log_sink.h"
#include "operators/log_source.h"
#include "operators/nexmark_source.h"
#include "operators/null_sink.h"
#include "operators/projection_sink.h"
#include "operators/stdout_sink.h"

namespace sluice {
namespace {

template <typename T, typename... Args>
Result<std::unique_ptr<Source>> NewSource(Args&&... args) {
  return std::unique_ptr<Source>(std::make_unique<T>(std::forward<Args>(args)...));
}

template <typename T, typename... Args>
Result<std::unique_ptr<Sink>> NewSink(Args&&... args) {
  return std::unique_ptr<Sink>(std::make_unique<T>(std::forward<Args>(args)...));
}

std::string Nothing(const auto&) { return ""; }

Result<std::unique_ptr<Source>> MakeGenerator(const SourceSpec& spec,
                                              const SourceOptions& options) {
  if (spec.keys == 0) {
    return Status::InvalidArgument("generator source: keys must be at least 1, got 0");
  }
  const Schema expected = GeneratorSchema();
  bool fits = options.schema.size() == expected.size();
  for (size_t i = 0; fits && i < expected.size(); ++i) {
    fits = options.schema.field(i).type == expected.field(i).type;
  }
  if (!fits) {
    return Status::InvalidArgument(fmt::format("generator source: schema must be ({}), got ({})",
                                               expected.ToString(), options.schema.ToString()));
  }
  return NewSource<GeneratorSource>(spec.events, spec.keys, options);
}

Result<std::unique_ptr<Sink>> MakeStdout(const SinkSpec& spec) {
  if (spec.format.empty() || spec.format == "jsonl") {
    return NewSink<StdoutSink>(StdoutSink::Format::kJsonl);
  }
  if (spec.format == "csv") return NewSink<StdoutSink>(StdoutSink::Format::kCsv);
  return Status::InvalidArgument(
      fmt::format("unknown stdout format '{}' (known: jsonl, csv)", spec.format));
}

Result<std::unique_ptr<Sink>> MakeProjection(const SinkSpec& spec) {
  if (spec.name.empty()) return Status::InvalidArgument("a projection sink needs a name");
  if (spec.path.empty()) {
    return Status::InvalidArgument(
        fmt::format("projection '{}' needs checkpoints: give the pipeline a state_dir", spec.name));
  }
  return NewSink<ProjectionSink>(spec);
}

}  // namespace

const std::vector<SourceType>& SourceTypes() {
  static const std::vector<SourceType> types = {
      {"csv",
       {"path", "schema", "delimiter"},
       true,
       nullptr,
       [](const SourceSpec& s) { return fmt::format(" delimiter={}", s.delimiter); },
       [](const SourceSpec& s, const SourceOptions& o) { return NewSource<CsvSource>(s, o); }},
      {"jsonl",
       {"path", "schema"},
       true,
       nullptr,
       Nothing<SourceSpec>,
       [](const SourceSpec& s, const SourceOptions& o) { return NewSource<JsonlSource>(s, o); }},
      {"generator",
       {"schema", "events", "keys"},
       false,
       GeneratorSchema,
       [](const SourceSpec& s) { return fmt::format(" events={} keys={}", s.events, s.keys); },
       MakeGenerator},
      {"log",
       {"path", "schema", "stream", "types", "from", "follow"},
       true,
       nullptr,
       [](const SourceSpec& s) {
         return fmt::format(" stream={} types={} from={}", s.stream, fmt::join(s.types, ","),
                            s.from);
       },
       MakeLogSource},
      {"nexmark",
       {"table", "dir", "events", "seed", "rate", "max_batch_delay", "schema"},
       false,
       nullptr,
       [](const SourceSpec& s) {
         return fmt::format(" table={} dir={} events={} seed={} rate={}", s.table, s.path, s.events,
                            s.seed, s.rate);
       },
       MakeNexmarkSource},
  };
  return types;
}

const std::vector<SinkType>& SinkTypes() {
  static const std::vector<SinkType> types = {
      {"csv",
       {"path"},
       true,
       true,
       true,
       Nothing<SinkSpec>,
       [](const SinkSpec& s) { return NewSink<CsvSink>(s.path); }},
      {"jsonl",
       {"path"},
       true,
       true,
       true,
       Nothing<SinkSpec>,
       [](const SinkSpec& s) { return NewSink<JsonlSink>(s.path); }},
      {"stdout", {"format"}, false, true, false, Nothing<SinkSpec>, MakeStdout},
      {"null",
       {},
       false,
       true,
       false,
       Nothing<SinkSpec>,
       [](const SinkSpec&) { return NewSink<NullSink>(); }},
      {"log",
       {"path", "stream", "event_type", "sync", "compression", "compression_level"},
       true,
       true,
       false,
       [](const SinkSpec& s) {
         return fmt::format(" stream={} event_type={}", s.stream, s.event_type);
       },
       MakeLogSink},
      {"projection",
       {"name", "key", "keep_changes"},
       false,
       true,
       false,
       [](const SinkSpec& s) {
         return fmt::format(" name={} key={}", s.name, fmt::join(s.key, ","));
       },
       MakeProjection},
      {"collector",
       {},
       false,
       false,
       false,
       Nothing<SinkSpec>,
       [](const SinkSpec& s) -> Result<std::unique_ptr<Sink>> {
         if (!s.collector) return Status::InvalidArgument("a collector sink needs a Collector");
         return NewSink<CollectorSink>(s.collector);
       }},
  };
  return types;
}

const SourceType* FindSourceType(std::string_view name) {
  for (const SourceType& t : SourceTypes()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const SinkType* FindSinkType(std::string_view name) {
  for (const SinkType& t : SinkTypes()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<std::string> SourceTypeNames() {
  std::vector<std::string> out;
  for (const SourceType& t : SourceTypes()) out.push_back(t.name);
  return out;
}

std::vector<std::string> SinkTypeNames(bool files_only) {
  std::vector<std::string> out;
  for (const SinkType& t : SinkTypes()) {
    if (t.in_files || !files_only) out.push_back(t.name);
  }
  return out;
}

// Declared in operators/source.h.
Status Source::SavePosition(std::string* out) const {
  return Status::InvalidArgument("this source cannot record its position for a checkpoint");
}

Status Source::RestorePosition(std::string_view in) {
  return Status::InvalidArgument("this source cannot resume from a checkpoint");
}

Schema GeneratorSchema() {
  return Schema({{"key", Type::kInt64},
                 {"ts", Type::kTimestamp, TimeUnit::kMicros},
                 {"value", Type::kDouble}});
}

Result<std::unique_ptr<Source>> MakeSource(const SourceSpec& spec, const SourceOptions& options) {
  if (const SourceType* t = FindSourceType(spec.type)) return t->make(spec, options);
  return Status::InvalidArgument(fmt::format("unknown source type '{}' (known: {})", spec.type,
                                             fmt::join(SourceTypeNames(), ", ")));
}

// Declared in operators/sink.h.
Result<std::unique_ptr<Sink>> MakeSink(const SinkSpec& spec) {
  const SinkType* t = FindSinkType(spec.type);
  if (t == nullptr) {
    return Status::InvalidArgument(fmt::format("unknown sink type '{}' (known: {})", spec.type,
                                               fmt::join(SinkTypeNames(false), ", ")));
  }
  if (t->needs_path && spec.path.empty()) {
    return Status::InvalidArgument(fmt::format("a {} sink needs a path", spec.type));
  }
  return t->make(spec);
}

}  // namespace sluice
