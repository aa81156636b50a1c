// Pipelines as graphs: two sources merged by event time, a filter on one branch, a union and a
// window over it, against the brute-force reference (reference_engine.h) fed with the merged
// order and watermarks computed here from docs/semantics.md ("Several sources"); at P = 1 to 4
// and batch sizes 1 to 4096, outputs (including first/last ties across the two sources) must be
// the same. A branch read by a second sink gets every row of its input.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <random>

#include "base/time_util.h"
#include "random_events.h"
#include "reference_engine.h"
#include "window_builder.h"
#include "sluice/pipeline_builder.h"
#include "test_util.h"
#include "row_compare.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

const std::vector<std::string> kAggregates = {
    "count() as n",   "count(v) as cnt_v", "sum(v) as s",    "min(v) as lo",
    "max(v) as hi",   "avg(v) as mean",    "first(v) as fv", "last(v) as lv",
    "count_distinct(v) as dv"};

// The merge of docs/semantics.md: the next row is the sources' next row with the smallest
// event time (ties: the earlier source); the watermark before it is the minimum over the
// sources not yet exhausted of (largest event time taken from it - its bound - 1).
std::vector<std::pair<int, RefEvent>> Merge(const std::vector<std::vector<RefEvent>>& in,
                                            const std::vector<int64_t>& bounds) {
  std::vector<size_t> at(in.size(), 0);
  std::vector<int64_t> max_ts(in.size(), kMin);
  std::vector<std::pair<int, RefEvent>> out;
  for (;;) {
    int best = -1;
    int64_t w = kMax;
    for (size_t i = 0; i < in.size(); ++i) {
      if (at[i] == in[i].size()) continue;
      w = std::min(w, max_ts[i] == kMin ? kMin : max_ts[i] - bounds[i] - 1);
      if (best < 0 || in[i][at[i]].ts < in[best][at[best]].ts) best = static_cast<int>(i);
    }
    if (best < 0) return out;
    RefEvent e = in[best][at[best]++];
    max_ts[best] = std::max(max_ts[best], e.ts);
    e.wm = w;
    out.push_back({best, std::move(e)});
  }
}

struct GraphCase {
  RefConfig config;
  std::vector<std::vector<RefEvent>> sources;
  std::vector<int64_t> bounds;
};

GraphCase RandomGraphCase(std::mt19937_64& rng, RefWindow kind) {
  GraphCase c;
  std::uniform_int_distribution<int> pick(0, 3);
  c.config.kind = kind;
  c.config.size = std::vector<int64_t>{50, 100, 300, 1000}[pick(rng)];
  c.config.slide =
      std::max<int64_t>(1, c.config.size / std::vector<int64_t>{1, 2, 3, 10}[pick(rng)]);
  c.config.gap = std::vector<int64_t>{20, 40, 100, 250}[pick(rng)];
  c.config.lateness = std::vector<int64_t>{0, 0, 30, 150}[pick(rng)];
  for (int s = 0; s < 2; ++s) {
    const int keys = std::vector<int>{1, 3, 20, 200}[pick(rng)];
    const int64_t disorder = std::vector<int64_t>{0, 20, 100, 400}[pick(rng)];
    c.sources.push_back(RandomEvents(rng, keys, disorder));
    c.bounds.push_back(std::vector<int64_t>{0, 10, 50, 200}[pick(rng)]);
  }
  return c;
}

// A pipeline `name` reading csv files a and b (key,ts,v) as sources "a" and "b", with c's bounds.
PipelineBuilder TwoSources(const std::string& name, const GraphCase& c, const std::string& a,
                           const std::string& b, uint32_t p, uint32_t batch) {
  const PipelineBuilder::SchemaList schema = {
      {"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}};
  PipelineBuilder g(name);
  g.parallelism(p)
      .batch_size(batch)
      .csv_source(a, schema)
      .event_time("ts", FormatDuration(c.bounds[0]))
      .as("a")
      .csv_source(b, schema)
      .event_time("ts", FormatDuration(c.bounds[1]))
      .as("b");
  return g;
}

PipelineBuilder Builder(const GraphCase& c, const std::string& a, const std::string& b,
                        const std::string& branch, uint32_t p, uint32_t batch) {
  PipelineBuilder g = TwoSources("graph", c, a, b, p, batch);
  g.from("b")
      .filter("key != 'k1'")
      .as("b_kept")
      .union_of({"a", "b_kept"})
      .key_by({"key"});
  AddReferenceWindow(g, c.config, kAggregates);
  g.as("w");
  g.from("b_kept").csv_sink(branch);
  return g;
}

void CheckGraphCase(const GraphCase& c, const std::string& label) {
  ScratchDir dir("graph");
  const std::string a = dir.file("a.csv"), b = dir.file("b.csv");
  WriteFile(a, EventsCsv(c.sources[0]));
  WriteFile(b, EventsCsv(c.sources[1]));
  std::vector<RefEvent> merged;
  for (auto& [source, e] : Merge(c.sources, c.bounds)) {
    if (source == 1 && e.key == "k1") continue;
    e.arrival = merged.size();
    merged.push_back(std::move(e));
  }
  RefResult ref = RunReference(merged, c.config);
  std::sort(ref.rows.begin(), ref.rows.end());
  size_t kept = 0;
  for (const RefEvent& e : c.sources[1]) kept += e.key != "k1";
  for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 1}, {2, 37}, {3, 5},
                          {4, 300}, {1, 2}}) {
    const std::string branch = dir.file(fmt::format("branch-{}-{}.csv", p, batch));
    auto out = std::make_shared<Collector>();
    std::unique_ptr<Pipeline> pipeline;
    Status s = Builder(c, a, b, branch, p, batch).from("w").collect(out).Build(&pipeline);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    s = pipeline->Run();
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    INFO(label << " P=" << p << " batch=" << batch << " size=" << c.config.size
               << " slide=" << c.config.slide << " gap=" << c.config.gap << " bounds="
               << c.bounds[0] << "," << c.bounds[1] << " lateness=" << c.config.lateness);
    CHECK(pipeline->Stats().late == ref.late);
    std::vector<std::string> got = out->sorted_lines();
    CheckSameSortedRows(got, ref.rows);
    CHECK(ReadLines(branch).size() == kept + 1);  // header
  }
}

void RunGraphKind(RefWindow kind, const char* label, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 6; ++round) CheckGraphCase(RandomGraphCase(rng, kind), label);
}

// A window over source a alone, while source b (with a larger bound, so a lower watermark)
// only feeds a sink: the window's watermark is a's own, so its results and late rows are those
// of a pipeline that reads a alone.
void CheckOwnWatermarkCase(const GraphCase& c, const std::string& label) {
  ScratchDir dir("own-watermark");
  const std::string a = dir.file("a.csv"), b = dir.file("b.csv");
  WriteFile(a, EventsCsv(c.sources[0]));
  WriteFile(b, EventsCsv(c.sources[1]));
  std::vector<RefEvent> alone;
  for (auto& [source, e] : Merge({c.sources[0]}, {c.bounds[0]})) {
    e.arrival = alone.size();
    alone.push_back(std::move(e));
  }
  RefResult ref = RunReference(alone, c.config);
  std::sort(ref.rows.begin(), ref.rows.end());
  for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 1}, {3, 7}, {4, 64}}) {
    const std::string branch = dir.file(fmt::format("b-{}-{}.csv", p, batch));
    auto out = std::make_shared<Collector>();
    PipelineBuilder g = TwoSources("own-watermark", c, a, b, p, batch);
    g.from("a").key_by({"key"});
    AddReferenceWindow(g, c.config, kAggregates);
    g.as("wa").from("b").csv_sink(branch).from("wa").collect(out);
    std::unique_ptr<Pipeline> pipeline;
    Status s = g.Build(&pipeline);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    s = pipeline->Run();
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    INFO(label << " P=" << p << " batch=" << batch << " bounds=" << c.bounds[0] << ","
               << c.bounds[1] << " lateness=" << c.config.lateness);
    CHECK(pipeline->Stats().late == ref.late);
    CheckSameSortedRows(out->sorted_lines(), ref.rows);
    CHECK(ReadLines(branch).size() == c.sources[1].size() + 1);  // header
  }
}

// Sources a and b (and, when `with_c`, a source c that only feeds a sink and whose bound keeps
// its watermark far behind): a tumbling window over a, then an interval join (left outer) of
// its results with b. The join's watermark is over a and b only, so c changes nothing.
std::vector<std::string> RunJoinOfWindow(const GraphCase& c, const ScratchDir& dir, bool with_c,
                                         uint32_t p, uint32_t batch, uint64_t* late) {
  const PipelineBuilder::SchemaList schema = {
      {"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}};
  auto out = std::make_shared<Collector>();
  PipelineBuilder g("join-of-window");
  g.parallelism(p)
      .batch_size(batch)
      .csv_source(dir.file("a.csv"), schema)
      .event_time("ts", FormatDuration(c.bounds[0]))
      .as("a")
      .csv_source(dir.file("b.csv"), schema)
      .event_time("ts", FormatDuration(c.bounds[1]))
      .as("b");
  if (with_c) {
    g.csv_source(dir.file("c.csv"), schema).event_time("ts", "1000s").as("c");
  }
  g.from("a")
      .key_by({"key"})
      .tumbling(FormatDuration(c.config.size), {"count() as n", "sum(v) as s"})
      .as("wa")
      .interval_join({"wa", "b"}, {"key"}, {"key"}, "-50us", "50us", JoinType::kLeft)
      .join_prefixes("w_", "b_")
      .as("j")
      .collect(out);
  if (with_c) g.from("c").csv_sink(dir.file(fmt::format("c-{}-{}.csv", p, batch)));
  std::unique_ptr<Pipeline> pipeline;
  Status s = g.Build(&pipeline);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  s = pipeline->Run();
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  *late = pipeline->Stats().late;
  return out->sorted_lines();
}

}  // namespace

TEST_CASE("a join of a window over a with b ignores a third source's watermark") {
  std::mt19937_64 rng(22);
  for (int round = 0; round < 4; ++round) {
    GraphCase c = RandomGraphCase(rng, RefWindow::kTumbling);
    c.bounds = {std::vector<int64_t>{0, 10, 0, 50}[round], std::vector<int64_t>{0, 20, 100, 0}[round]};
    ScratchDir dir("join-of-window");
    WriteFile(dir.file("a.csv"), EventsCsv(c.sources[0]));
    WriteFile(dir.file("b.csv"), EventsCsv(c.sources[1]));
    WriteFile(dir.file("c.csv"), EventsCsv(RandomEvents(rng, 5, 400)));
    uint64_t want_late = 0;
    const std::vector<std::string> want = RunJoinOfWindow(c, dir, false, 1, 4096, &want_late);
    REQUIRE(!want.empty());
    for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 1}, {3, 7}, {4, 64}}) {
      INFO("round " << round << " P=" << p << " batch=" << batch);
      uint64_t late = 0;
      CHECK(RunJoinOfWindow(c, dir, true, p, batch, &late) == want);
      CHECK(late == want_late);
    }
  }
}

TEST_CASE("a window over one of two sources has that source's own watermark") {
  std::mt19937_64 rng(21);
  size_t late = 0;
  for (RefWindow kind : {RefWindow::kTumbling, RefWindow::kSliding, RefWindow::kSession}) {
    for (int round = 0; round < 3; ++round) {
      GraphCase c = RandomGraphCase(rng, kind);
      c.config.lateness = 0;
      c.bounds = {std::vector<int64_t>{0, 0, 10}[round], 100000};
      CheckOwnWatermarkCase(c, "own watermark");
      std::vector<RefEvent> alone;
      for (auto& [source, e] : Merge({c.sources[0]}, {c.bounds[0]})) alone.push_back(e);
      late += RunReference(alone, c.config).late;
    }
  }
  CHECK(late > 0);  // else a watermark held back by b would pass unnoticed
}

TEST_CASE("two sources merged, filtered and unioned into a tumbling window match the reference") {
  RunGraphKind(RefWindow::kTumbling, "tumbling", 11);
}

TEST_CASE("two sources merged, filtered and unioned into a sliding window match the reference") {
  RunGraphKind(RefWindow::kSliding, "sliding", 12);
}

TEST_CASE("two sources merged, filtered and unioned into a session window match the reference") {
  RunGraphKind(RefWindow::kSession, "session", 13);
}
