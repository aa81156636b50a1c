// Runs a file source (csv, jsonl) over one fuzz input, as a pipeline's source node would: open,
// read batches of a few rows to the end, then resume a second source from the position saved
// after the first batch and read the rest.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sluice/pipeline_spec.h"
#include "fuzz/fuzz_util.h"
#include "operators/source.h"

namespace sluice::fuzz {

// user:string, ts:timestamp_ms (the event time), amount:double, n:int64, ok:bool.
inline Schema SourceSchema() {
  return Schema({{"user", Type::kString},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis},
                 {"amount", Type::kDouble},
                 {"n", Type::kInt64},
                 {"ok", Type::kBool}});
}

// Reads `source` to its end; returns the position saved after the first batch ("" when none).
inline std::string Drain(Source* source, const Schema& schema) {
  std::string first_position;
  bool eof = false;
  for (int batches = 0; !eof; ++batches) {
    Batch batch;
    batch.reset(schema);
    if (!source->Next(&batch, &eof).ok()) return first_position;
    Require(batch.size() <= 3);
    if (batches == 0 && source->can_resume()) {
      Require(source->SavePosition(&first_position).ok());
      (void)source->DescribePosition(first_position);
    }
  }
  return first_position;
}

inline int RunSource(const char* type, const uint8_t* data, size_t size) {
  static MemoryFile file;
  SourceSpec spec;
  spec.type = type;
  spec.path = file.Write(AsText(data, size));
  spec.schema = SourceSchema();
  spec.event_time = "ts";
  SourceOptions options;
  options.schema = spec.schema;
  options.event_time_index = 1;
  options.batch_size = 3;
  options.name = "fuzz";

  auto source = MakeSource(spec, options);
  Require(source.ok());
  if (!(*source)->Open().ok()) return 0;
  const std::string position = Drain(source->get(), options.schema);
  if (position.empty()) return 0;
  auto resumed = MakeSource(spec, options);
  Require(resumed.ok());
  if (!(*resumed)->Open().ok()) return 0;
  if (!(*resumed)->RestorePosition(position).ok()) return 0;
  Drain(resumed->get(), options.schema);
  return 0;
}

}  // namespace sluice::fuzz
