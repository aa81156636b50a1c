// Differential tests: random keyed inputs with bounded disorder through tumbling, sliding and
// session windows, at P=1 and P=2 with different batch sizes, against the brute-force reference.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "sluice/pipeline_builder.h"
#include "base/time_util.h"
#include "random_events.h"
#include "reference_engine.h"
#include "window_builder.h"
#include "test_util.h"
#include "row_compare.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

const std::vector<std::string> kAggregates = {
    "count() as n",   "count(v) as cnt_v", "sum(v) as s",    "min(v) as lo",
    "max(v) as hi",   "avg(v) as mean",    "first(v) as fv", "last(v) as lv",
    "count_distinct(v) as dv"};

struct Case {
  RefConfig config;
  std::vector<RefEvent> events;
};

// A random window configuration over random events (random_events.h).
Case RandomCase(std::mt19937_64& rng, RefWindow kind) {
  Case c;
  std::uniform_int_distribution<int> pick(0, 3);
  c.config.kind = kind;
  c.config.size = std::vector<int64_t>{50, 100, 300, 1000}[pick(rng)];
  c.config.slide = std::max<int64_t>(1, c.config.size / std::vector<int64_t>{1, 2, 3, 10}[pick(rng)]);
  c.config.gap = std::vector<int64_t>{20, 40, 100, 250}[pick(rng)];
  c.config.bound = std::vector<int64_t>{0, 10, 50, 200}[pick(rng)];
  c.config.lateness = std::vector<int64_t>{0, 0, 30, 150}[pick(rng)];
  const int keys = std::vector<int>{1, 3, 20, 200}[pick(rng)];
  const int64_t disorder = std::vector<int64_t>{0, 20, 100, 400}[pick(rng)];
  c.events = RandomEvents(rng, keys, disorder);
  return c;
}

PipelineBuilder Builder(const Case& c, const std::string& csv, uint32_t p, uint32_t batch) {
  PipelineBuilder b("differential");
  b.parallelism(p)
      .batch_size(batch)
      .csv_source(csv, {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
      .event_time("ts", FormatDuration(c.config.bound))
      .key_by({"key"});
  AddReferenceWindow(b, c.config, kAggregates);
  return b;
}

void CheckCase(const Case& c, const std::string& label) {
  ScratchDir dir("diff");
  std::string csv = dir.file("in.csv");
  WriteFile(csv, EventsCsv(c.events));
  RefResult ref = RunReference(c.events, c.config);
  std::sort(ref.rows.begin(), ref.rows.end());
  for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 1}, {2, 37}, {2, 1000},
                          {3, 5}, {4, 300}}) {
    auto out = std::make_shared<Collector>();
    std::unique_ptr<Pipeline> pipeline;
    Status s = Builder(c, csv, p, batch).collect(out).Build(&pipeline);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    s = pipeline->Run();
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    INFO(label << " P=" << p << " batch=" << batch << " size=" << c.config.size
               << " slide=" << c.config.slide << " gap=" << c.config.gap
               << " bound=" << c.config.bound << " lateness=" << c.config.lateness
               << " events=" << c.events.size());
    CHECK(pipeline->Stats().late == ref.late);
    std::vector<std::string> got = out->sorted_lines();
    CheckSameSortedRows(got, ref.rows);
  }
}

void RunKind(RefWindow kind, const char* label, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 12; ++round) CheckCase(RandomCase(rng, kind), label);
}

}  // namespace

TEST_CASE("tumbling windows match the reference at P=1 to 4 for any batching") {
  RunKind(RefWindow::kTumbling, "tumbling", 1);
}

TEST_CASE("sliding windows match the reference at P=1 to 4 for any batching") {
  RunKind(RefWindow::kSliding, "sliding", 2);
}

TEST_CASE("session windows match the reference at P=1 to 4 for any batching") {
  RunKind(RefWindow::kSession, "session", 3);
}
