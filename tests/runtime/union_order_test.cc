// A union of a keyed stage's results with rows straight from a source: its order must not
// depend on the parallelism or on where batches are cut, including between a result and a source
// row of the same event time (docs/semantics.md, "Union"). Event times sit on a grid where many
// rows share a window's end - 1, the event time of its results. Each pipeline kind covers one way
// results are placed: windows fired by the watermark, a session window with allowed lateness
// (re-emitted for late rows), an outer interval join (pairs caused by rows, unmatched rows fired
// by the watermark), a changelog (deduplicate) and a process function's timers.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <random>
#include <string>
#include <vector>

#include "sluice/pipeline_builder.h"
#include "test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

enum class Kind { kTumbling, kSliding, kSessionLate, kOuterJoin, kDeduplicate, kTimers };

// Rows key,ts,v with ts = 10k + 4 or 10k + 9 (a tumbling 10us window's results have ts 10k + 9),
// slightly out of order.
std::string GridEvents(std::mt19937_64& rng, int n, int keys, int disorder) {
  std::string out = "key,ts,v\n";
  int64_t k = 0;
  for (int i = 0; i < n; ++i) {
    k += std::uniform_int_distribution<int>(0, 2)(rng) == 0 ? 1 : 0;
    const int64_t back = std::uniform_int_distribution<int>(0, disorder)(rng);
    const int64_t ts = 10 * (k - back) + (std::uniform_int_distribution<int>(0, 1)(rng) ? 9 : 4);
    out += fmt::format("k{},{},{}\n", std::uniform_int_distribution<int>(0, keys - 1)(rng), ts,
                       std::uniform_int_distribution<int>(0, 99)(rng));
  }
  return out;
}

// Runs `kind` over a.csv and b.csv in `dir` and returns the union's rows as written.
std::string Run(Kind kind, const ScratchDir& dir, int64_t bound, uint32_t p, uint32_t batch) {
  const PipelineBuilder::SchemaList schema = {
      {"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}};
  const std::string out = dir.file(fmt::format("out-{}-{}.csv", p, batch));
  PipelineBuilder g("union-order");
  g.parallelism(p)
      .batch_size(batch)
      .csv_source(dir.file("a.csv"), schema)
      .event_time("ts", fmt::format("{}us", bound))
      .as("a")
      .csv_source(dir.file("b.csv"), schema)
      .event_time("ts", "0us")
      .as("b");
  // Every branch ends as (x string, y int64).
  switch (kind) {
    case Kind::kTumbling:
      g.from("a").key_by({"key"}).tumbling("10us", {"count() as n"});
      g.map("x", "key").map("y", "n");
      break;
    case Kind::kSliding:
      g.from("a").key_by({"key"}).sliding("20us", "10us", {"sum(v) as s"});
      g.map("x", "key").map("y", "s");
      break;
    case Kind::kSessionLate:
      g.from("a").key_by({"key"}).session("15us", {"count() as n"}, "30us");
      g.map("x", "key").map("y", "n");
      break;
    case Kind::kOuterJoin:
      g.interval_join({"a", "b"}, {"key"}, {"key"}, "-10us", "5us", JoinType::kFull)
          .join_prefixes("l_", "r_");
      g.map("x", "l_key").map("y", "r_v");
      break;
    case Kind::kDeduplicate:
      g.from("a").key_by({"key"}).deduplicate(DedupKeep::kLast);
      g.map("x", "op || key").map("y", "v");
      break;
    case Kind::kTimers:
      g.from("a").key_by({"key"}).process("inactivity", {{"gap", "12us"}});
      g.map("x", "key").map("y", "rows");
      break;
  }
  g.keep({"x", "y"}).as("results");
  g.from("b").map("x", "key").map("y", "v").keep({"x", "y"}).as("rows");
  g.union_of({"results", "rows"}).as("merged");
  g.from("merged").csv_sink(out);
  std::unique_ptr<Pipeline> pipeline;
  Status s = g.Build(&pipeline);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  s = pipeline->Run();
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return ReadFile(out);
}

void CheckKind(Kind kind, const std::string& label) {
  std::mt19937_64 rng(static_cast<uint64_t>(kind) * 7919 + 17);
  for (int round = 0; round < 6; ++round) {
    ScratchDir dir("union-order");
    const int keys = std::vector<int>{1, 3, 8}[round % 3];
    WriteFile(dir.file("a.csv"), GridEvents(rng, 400 + 150 * round, keys, round % 2 ? 3 : 0));
    WriteFile(dir.file("b.csv"), GridEvents(rng, 300 + 100 * round, keys, 0));
    const int64_t bound = std::vector<int64_t>{0, 10, 25}[round % 3];
    const std::string want = Run(kind, dir, bound, 1, 4096);
    REQUIRE(want.size() > 10);
    for (auto [p, batch] :
         {std::pair<uint32_t, uint32_t>{1, 1}, {2, 3}, {3, 7}, {4, 64}, {2, 4096}, {1, 13}}) {
      INFO(label << " round " << round << " P=" << p << " batch=" << batch);
      CHECK(Run(kind, dir, bound, p, batch) == want);
    }
  }
}

}  // namespace

TEST_CASE("a union of a keyed stage's results and source rows is the same at any batch size") {
  const std::pair<Kind, const char*> kinds[] = {
      {Kind::kTumbling, "tumbling"},
      {Kind::kSliding, "sliding"},
      {Kind::kSessionLate, "session with allowed lateness"},
      {Kind::kOuterJoin, "full outer interval join"},
      {Kind::kDeduplicate, "deduplicate"},
      {Kind::kTimers, "process timers"}};
  for (const auto& [kind, label] : kinds) CheckKind(kind, label);
}
