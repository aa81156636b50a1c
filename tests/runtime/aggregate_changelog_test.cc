// A running aggregate with emit = "changelog" against a brute force written from
// docs/semantics.md ("Changelogs"): per key, for each row, "-" the previous result and "+" the new
// one, nothing when they are equal, and only "+" for the key's first row. At P = 1 to 4 and batch
// sizes 1 to 4096, straight into the sink and gathered. Applying the changelog leaves the final
// aggregate of every key.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>

#include "base/time_util.h"
#include "changelog_util.h"
#include "random_events.h"
#include "sluice/pipeline_builder.h"
#include "test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

using ByKey = std::map<std::string, std::vector<std::string>>;

// count(), sum(v) and max(v) (null while no v): "op,key,n,sum,max".
ByKey Reference(const std::vector<RefEvent>& events) {
  struct Acc {
    int64_t n = 0;
    std::optional<int64_t> sum, max;
  };
  std::map<std::string, Acc> acc;
  ByKey out;
  auto text = [](const char* op, const std::string& key, const Acc& a) {
    return fmt::format("{},{},{},{},{}", op, key, a.n, a.sum ? std::to_string(*a.sum) : "",
                       a.max ? std::to_string(*a.max) : "");
  };
  for (const RefEvent& e : events) {
    const bool had = acc.count(e.key) != 0;
    Acc& a = acc[e.key];
    const std::string before = text("-", e.key, a);
    Acc next = a;
    ++next.n;
    if (e.v) {
      next.sum = next.sum.value_or(0) + *e.v;
      next.max = std::max(next.max.value_or(*e.v), *e.v);
    }
    const std::string after = text("+", e.key, next);
    if (had && before.substr(1) == after.substr(1)) continue;
    if (had) out[e.key].push_back(before);
    out[e.key].push_back(after);
    a = next;
  }
  return out;
}

ByKey Run(const std::string& csv, uint32_t p, uint32_t batch, bool gathered) {
  const auto out = RunAfterKeyBy(
      csv, 1000, p, batch, gathered,
      [](PipelineBuilder& g) {
        g.running_aggregate({"count() as n", "sum(v) as total", "max(v) as top"}, true);
      },
      "op <> 'x'");
  REQUIRE(out->schema().ToString() == "op:string, key:string, n:int64, total:int64, top:int64");
  ByKey got;
  for (const std::vector<Value>& row : out->rows()) {
    got[row[1].ToString()].push_back(fmt::format("{},{},{},{},{}", row[0].ToString(),
                                                 row[1].ToString(), row[2].ToString(),
                                                 row[3].ToString(), row[4].ToString()));
  }
  return got;
}

}  // namespace

TEST_CASE("an aggregate changelog equals the reference per key at any parallelism and batch size") {
  std::mt19937_64 rng(81);
  size_t retractions = 0;
  for (int round = 0; round < 4; ++round) {
    const int keys = std::vector<int>{1, 4, 30, 300}[round];
    std::vector<RefEvent> events = RandomEvents(rng, keys, 20);
    const ByKey want = Reference(events);
    for (const auto& [k, rows] : want) {
      for (const std::string& r : rows) retractions += r[0] == '-';
    }
    ScratchDir dir("aggregate-changelog");
    const std::string csv = dir.file("in.csv");
    WriteFile(csv, EventsCsv(events));
    for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 1}, {3, 7}, {4, 64}}) {
      for (bool gathered : {false, true}) {
        INFO("round " << round << " P=" << p << " batch=" << batch << " gathered=" << gathered);
        CHECK(Run(csv, p, batch, gathered) == want);
      }
    }
  }
  CHECK(retractions > 0);
}

TEST_CASE("an aggregate changelog emits nothing for a row that leaves the result unchanged") {
  ScratchDir dir("aggregate-changelog-same");
  const std::string csv = dir.file("in.csv");
  WriteFile(csv, "key,ts,v\na,1,5\na,2,5\na,3,7\nb,4,1\n");
  auto out = std::make_shared<Collector>();
  PipelineBuilder g("same");
  g.csv_source(csv, {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
      .event_time("ts", "0s")
      .key_by({"key"})
      .running_aggregate({"max(v) as top"}, true)
      .collect(out);
  std::unique_ptr<Pipeline> pipeline;
  REQUIRE(g.Build(&pipeline).ok());
  REQUIRE(pipeline->Run().ok());
  std::vector<std::string> lines;
  for (const auto& row : out->rows()) {
    lines.push_back(row[0].ToString() + row[1].ToString() + row[2].ToString());
  }
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<std::string>{"+a5", "+a7", "+b1", "-a5"});
}
