// The terminal: the progress line (cli/progress_line.h) and the summary's stage rows.
#include <doctest/doctest.h>

#include <string>

#include "../runtime/test_util.h"
#include "cli/progress_line.h"
#include "cli_util.h"

using sluice::PipelineStats;
using sluice::StageStats;
using sluice::cli::ProgressLine;
using sluice::testing::Outcome;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

TEST_CASE("progress line: counts alone when the input size is unknown") {
  ProgressLine line("p");
  PipelineStats st;
  st.events_in = 1234567;
  st.records_out = 89012;
  st.elapsed_s = 2;
  CHECK(line.Render(st) == "p: 1,234,567 events, 89,012 results, 2.0 s, 617,283 events/s");
}

TEST_CASE("progress line: percentage, bar and time left when the input size is known") {
  ProgressLine line("p");
  PipelineStats st;
  st.events_in = 100;
  st.records_out = 7;
  st.elapsed_s = 1;
  st.input_done = 250;
  st.input_total = 1000;
  // The first sample has no rate yet.
  CHECK(
      line.Render(st) ==
      "p:  25% [######------------------] 100 events, 7 results, 1.0 s, 100 events/s, --:-- left");
  st.elapsed_s = 2;
  st.input_done = 500;  // 250 units per second since the first sample: 2 s left
  st.events_in = 200;
  CHECK(line.Render(st) ==
        "p:  50% [############------------] 200 events, 7 results, 2.0 s, 100 events/s, 0:02 left");
  st.input_done = 1000;
  st.elapsed_s = 4;
  CHECK(line.Render(st).find("100% [########################]") != std::string::npos);
  CHECK(sluice::cli::FormatEta(3725) == "1:02:05");
  CHECK(sluice::cli::FormatEta(61) == "1:01");
}

TEST_CASE("summary: one row per stage with rows in, rows out and late; --quiet prints nothing") {
  ScratchDir dir("cli-progress");
  WriteFile(dir.file("p.toml"), R"([pipeline]
name = "rows"
parallelism = 2
checkpoints = false

[source]
type = "generator"
events = 10000
keys = 10

[[operator]]
type = "filter"
where = "value < 50"

[[operator]]
type = "key_by"
fields = ["key"]

[[operator]]
type = "window"
kind = "tumbling"
size = "1s"
aggregates = ["count() as n"]

[sink]
type = "null"
)");
  Outcome o = Sluice("run p.toml", dir.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  CHECK(o.output.find("\n  source: 10,000 in, 10,000 out, 0 late\n") != std::string::npos);
  CHECK(o.output.find("\n  stateless: 10,000 in, 5,000 out, 5,000 filtered, 0 late\n") !=
        std::string::npos);
  CHECK(o.output.find("\n  operator #3 (window): 5,000 in, 10 out, 0 late\n") != std::string::npos);
  CHECK(o.output.find("\n  sinks: 10 in, 0 out, 0 late\n") != std::string::npos);
  Outcome q = Sluice("run p.toml --quiet", dir.file(""));
  CHECK(q.code == 0);
  CHECK(q.output.empty());
}
