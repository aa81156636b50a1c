// MakeSource and GeneratorSchema (declared in operators/source.h).
#include <fmt/format.h>

#include "operators/csv_source.h"
#include "operators/generator_source.h"
#include "operators/jsonl_source.h"
#include "operators/log_source.h"
#include "operators/source.h"

namespace sluice {

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
  if (spec.type == "csv")
    return std::unique_ptr<Source>(std::make_unique<CsvSource>(spec, options));
  if (spec.type == "jsonl") {
    return std::unique_ptr<Source>(std::make_unique<JsonlSource>(spec, options));
  }
  if (spec.type == "generator") {
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
    return std::unique_ptr<Source>(
        std::make_unique<GeneratorSource>(spec.events, spec.keys, options));
  }
  if (spec.type == "log") return MakeLogSource(spec, options);
  return Status::InvalidArgument(
      fmt::format("unknown source type '{}' (known: csv, jsonl, generator, log)", spec.type));
}

}  // namespace sluice
