// Helpers for the source and sink tests: run a source to the end, build small batches.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "../runtime/test_util.h"
#include "operators/sink.h"
#include "operators/source.h"

namespace sluice::testing {

struct SourceRun {
  Status open;            // Open()'s status; nothing was read when it failed
  Batch batch;            // every row and dead letter, appended across Next() calls
  int calls = 0;          // Next() calls until eof
  uint64_t position = 0;  // source_position after the last call
};

// Opens a source of `type` over `path` and reads it to the end, `batch_size` rows per call at most.
inline SourceRun RunSource(const std::string& type, const std::string& path, const Schema& schema,
                           int event_time, size_t batch_size = 1 << 20, char delimiter = ',') {
  SourceSpec spec;
  spec.type = type;
  spec.path = path;
  spec.delimiter = delimiter;
  SourceOptions o;
  o.schema = schema;
  o.event_time_index = event_time;
  o.batch_size = batch_size;
  o.name = path;
  SourceRun run;
  run.batch.reset(schema);
  auto src = MakeSource(spec, o);
  REQUIRE(src.ok());
  run.open = (*src)->Open();
  if (!run.open.ok()) return run;
  bool eof = false;
  while (!eof) {
    size_t before = run.batch.size();
    REQUIRE((*src)->Next(&run.batch, &eof).ok());
    CHECK(run.batch.size() - before <= batch_size);
    run.position = run.batch.source_position;
    ++run.calls;
    REQUIRE(run.calls < 1'000'000);
  }
  return run;
}

}  // namespace sluice::testing
