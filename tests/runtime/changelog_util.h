// Running a changelog stage (deduplicate, top_n) for the reference tests: csv rows (key,ts,v)
// keyed by `key`, through the stage, into a collector; each key's rows as text, in order.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/time_util.h"
#include "sluice/pipeline_builder.h"

namespace sluice::testing {

using ChangelogByKey = std::map<std::string, std::vector<std::string>>;

// Runs csv rows (key,ts,v), keyed by `key`, through what `stage` adds after the key_by, into a
// collector, at parallelism `p` and batch size `batch`. Gathered: a filter `where` that is not
// the stage's only reader follows it, so that its lanes' rows are gathered into one batch before
// reaching the collector. No row may be late.
inline std::shared_ptr<Collector> RunAfterKeyBy(
    const std::string& csv, int64_t bound, uint32_t p, uint32_t batch, bool gathered,
    const std::function<void(PipelineBuilder&)>& stage, const std::string& where) {
  auto out = std::make_shared<Collector>();
  PipelineBuilder g("after-key-by");
  g.parallelism(p)
      .batch_size(batch)
      .csv_source(csv, {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
      .event_time("ts", FormatDuration(bound))
      .key_by({"key"});
  stage(g);
  if (gathered) {
    g.as("stage").filter(where).collect(out).from("stage").null_sink();
  } else {
    g.collect(out);
  }
  std::unique_ptr<Pipeline> pipeline;
  Status s = g.Build(&pipeline);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  s = pipeline->Run();
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  CHECK(pipeline->Stats().late == 0);
  return out;
}

// A changelog stage (deduplicate, top_n) run as RunAfterKeyBy does; each key's rows as text,
// in order: "op,key,ts,v" plus ",rank" when the stage has a fifth column.
inline ChangelogByKey RunChangelog(const std::string& csv, int64_t bound, uint32_t p,
                                   uint32_t batch, bool gathered,
                                   const std::function<void(PipelineBuilder&)>& stage) {
  const auto out = RunAfterKeyBy(csv, bound, p, batch, gathered, stage, "op <> 'x'");
  const Schema schema = out->schema();
  REQUIRE(schema.size() >= 4);
  CHECK(schema.field(0).name == "op");
  CHECK(schema.field(1).name == "key");
  ChangelogByKey got;
  for (const std::vector<Value>& row : out->rows()) {
    std::string line = fmt::format("{},{},{},{}", row[0].ToString(), row[1].ToString(), row[2].i,
                                   row[3].ToString());
    if (row.size() > 4) line += "," + row[4].ToString();
    got[row[1].ToString()].push_back(std::move(line));
  }
  return got;
}

}  // namespace sluice::testing
