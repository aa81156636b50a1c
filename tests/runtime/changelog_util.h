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

// `stage` adds the changelog stage after the key_by. Gathered: a filter that is not the stage's
// only reader follows it, so its lanes' rows are gathered into one batch before reaching the
// collector. Rows are "op,key,ts,v" plus ",rank" when the stage has a fifth column.
inline ChangelogByKey RunChangelog(const std::string& csv, int64_t bound, uint32_t p,
                                   uint32_t batch, bool gathered,
                                   const std::function<void(PipelineBuilder&)>& stage) {
  auto out = std::make_shared<Collector>();
  PipelineBuilder g("changelog");
  g.parallelism(p)
      .batch_size(batch)
      .csv_source(csv, {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
      .event_time("ts", FormatDuration(bound))
      .key_by({"key"});
  stage(g);
  if (gathered) {
    g.as("changes").filter("op <> 'x'").collect(out).from("changes").null_sink();
  } else {
    g.collect(out);
  }
  std::unique_ptr<Pipeline> pipeline;
  Status s = g.Build(&pipeline);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  s = pipeline->Run();
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  CHECK(pipeline->Stats().late == 0);
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
