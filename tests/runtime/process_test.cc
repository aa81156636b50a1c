// The built-in `inactivity` process function through whole pipelines, against a brute force
// written from docs/semantics.md ("Process functions"): before each row every timer at or below
// the row's watermark (the largest earlier event time - bound - 1) fires, in time then key order;
// at the end every timer fires. Per key, a row counts into the pending burst and moves its timer
// to max(timer, ts + gap); a firing timer emits (rows, first time, timer time) and forgets the
// key. At P = 1 to 4 and batch sizes 1 to 4096, straight into the sink and gathered; then a
// second keyed stage over the results (they are final).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "base/time_util.h"
#include "changelog_util.h"
#include "random_events.h"
#include "sluice/pipeline_builder.h"
#include "test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

std::vector<std::string> Reference(const std::vector<RefEvent>& events, int64_t bound,
                                   int64_t gap) {
  struct Burst {
    int64_t rows = 0, first = 0, due = 0;
  };
  std::map<std::string, Burst> open;
  std::vector<std::string> out;
  auto fire = [&](int64_t wm) {
    for (;;) {
      int64_t t = kMin;
      for (const auto& [k, b] : open) t = t == kMin ? b.due : std::min(t, b.due);
      if (open.empty() || (wm != std::numeric_limits<int64_t>::max() && (wm == kMin || t > wm))) {
        return;
      }
      for (auto it = open.begin(); it != open.end();) {
        if (it->second.due != t) {
          ++it;
          continue;
        }
        out.push_back(fmt::format("{},{},{},{}", it->first, it->second.rows, it->second.first,
                                  it->second.due));
        it = open.erase(it);
      }
    }
  };
  int64_t max_ts = kMin;
  for (const RefEvent& e : events) {
    fire(max_ts == kMin ? kMin : max_ts - bound - 1);
    max_ts = std::max(max_ts, e.ts);
    auto [it, fresh] = open.try_emplace(e.key);
    Burst& b = it->second;
    if (fresh) {
      b = {1, e.ts, e.ts + gap};
    } else {
      ++b.rows;
      b.first = std::min(b.first, e.ts);
      b.due = std::max(b.due, e.ts + gap);
    }
  }
  fire(std::numeric_limits<int64_t>::max());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Run(const std::string& csv, int64_t bound, int64_t gap, uint32_t p,
                             uint32_t batch, bool gathered) {
  const auto out = RunAfterKeyBy(
      csv, bound, p, batch, gathered,
      [&](PipelineBuilder& g) { g.process("inactivity", {{"gap", FormatDuration(gap)}}); },
      "rows > 0");
  REQUIRE(out->schema().ToString() ==
          "key:string, rows:int64, first_time:timestamp_us, end_time:timestamp_us");
  std::vector<std::string> got;
  for (const std::vector<Value>& row : out->rows()) {
    got.push_back(fmt::format("{},{},{},{}", row[0].ToString(), row[1].i, row[2].i, row[3].i));
  }
  std::sort(got.begin(), got.end());
  return got;
}

}  // namespace

TEST_CASE("a process function's results equal the reference at any parallelism and batch size") {
  std::mt19937_64 rng(71);
  size_t merged = 0;
  for (int round = 0; round < 6; ++round) {
    const int keys = std::vector<int>{1, 5, 40}[round % 3];
    const int64_t disorder = std::vector<int64_t>{0, 30, 150}[round % 3];
    const int64_t bound = std::vector<int64_t>{0, 10, 100}[round / 2];
    const int64_t gap = std::vector<int64_t>{5, 40, 200}[round % 3];
    const std::vector<RefEvent> events = RandomEvents(rng, keys, disorder);
    const std::vector<std::string> want = Reference(events, bound, gap);
    size_t counted = 0;
    for (const std::string& r : want) {
      const size_t c = r.find(',');
      const int64_t rows = std::stoll(r.substr(c + 1, r.find(',', c + 1) - c - 1));
      counted += static_cast<size_t>(rows);
      merged += rows > 1;
    }
    REQUIRE(counted == events.size());  // every row is in exactly one burst
    ScratchDir dir("process");
    const std::string csv = dir.file("in.csv");
    WriteFile(csv, EventsCsv(events));
    for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 1}, {3, 7}, {4, 64}}) {
      for (bool gathered : {false, true}) {
        INFO("round " << round << " P=" << p << " batch=" << batch << " gathered=" << gathered);
        CHECK(Run(csv, bound, gap, p, batch, gathered) == want);
      }
    }
  }
  CHECK(merged > 0);
}

TEST_CASE("a process function's results feed a later keyed stage") {
  std::mt19937_64 rng(72);
  const std::vector<RefEvent> events = RandomEvents(rng, 8, 20);
  ScratchDir dir("process-chain");
  const std::string csv = dir.file("in.csv");
  WriteFile(csv, EventsCsv(events));
  std::vector<std::string> first;
  for (uint32_t p : {1u, 2u, 4u}) {
    auto out = std::make_shared<Collector>();
    PipelineBuilder g("process-chain");
    g.parallelism(p)
        .batch_size(p == 2 ? 5 : 4096)
        .csv_source(csv, {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
        .event_time("ts", "0s")
        .key_by({"key"})
        .process("inactivity", {{"gap", "20us"}})
        .key_by({"key"})
        .tumbling("1ms", {"count() as bursts", "sum(rows) as rows"})
        .collect(out);
    std::unique_ptr<Pipeline> pipeline;
    Status s = g.Build(&pipeline);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    s = pipeline->Run();
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    int64_t rows = 0;
    for (const auto& row : out->rows()) rows += row[4].i;
    CHECK(rows == static_cast<int64_t>(events.size()));
    if (p == 1) first = out->sorted_lines();
    CHECK(out->sorted_lines() == first);
  }
}

TEST_CASE("process planning errors") {
  auto build = [](std::string function, std::map<std::string, std::string> params) {
    std::unique_ptr<Pipeline> pipeline;
    PipelineBuilder g("process-errors");
    return g.csv_source("in.csv", {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
        .event_time("ts", "0s")
        .key_by({"key"})
        .process(std::move(function), std::move(params))
        .collect(std::make_shared<Collector>())
        .Build(&pipeline);
  };
  CHECK(build("nope", {}).message().find("no process function 'nope' (registered: ") !=
        std::string::npos);
  CHECK(build("inactivity", {{"gap", "soon"}}).message().find("inactivity gap: ") !=
        std::string::npos);
  CHECK(build("inactivity", {{"gap", "1s"}}).ok());
  CHECK(build("best_until", {{"until", "v"}, {"order_by", "v"}}).message().find(
            "best_until: until 'v' is not a timestamp field") != std::string::npos);
  CHECK(build("best_until", {{"until", "ts"}, {"order_by", "key"}}).message().find(
            "best_until order_by: 'key' is not a field of the input other than the key") !=
        std::string::npos);
  CHECK(build("best_until", {{"until", "ts"}, {"order_by", "v sideways"}}).message().find(
            "the direction is 'asc' or 'desc', not 'sideways'") != std::string::npos);
  CHECK(build("best_until", {{"until", "ts"}}).message().find("best_until needs params") !=
        std::string::npos);
  CHECK(build("best_until", {{"until", "ts"}, {"order_by", "v desc, ts"}}).ok());
}

TEST_CASE("best_until emits each key's best row once the watermark reaches its deadline") {
  ScratchDir dir("best-until");
  const std::string csv = dir.file("in.csv");
  // Keys a and b with deadlines 50 and 30 (the `until` of each key's first row); c's row arrives
  // when the watermark (bound 0) is already past its deadline 5, so it is ignored.
  WriteFile(csv,
            "key,ts,until,v\na,10,50,3\nb,12,30,1\na,20,99,9\nb,25,30,4\na,40,50,9\n"
            "b,60,30,8\nc,61,5,1\na,70,50,100\n");
  auto out = std::make_shared<Collector>();
  PipelineBuilder g("best-until");
  g.csv_source(csv, {{"key", "string"},
                     {"ts", "timestamp_us"},
                     {"until", "timestamp_us"},
                     {"v", "int64"}})
      .event_time("ts", "0s")
      .key_by({"key"})
      .process("best_until", {{"until", "until"}, {"order_by", "v desc"}})
      .collect(out);
  std::unique_ptr<Pipeline> pipeline;
  Status s = g.Build(&pipeline);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  REQUIRE(pipeline->Run().ok());
  // a: 3, 9 (ts 20, first of the tied 9s), 9 (ts 40) before 50; 100 at ts 70 starts a new round
  // whose deadline 50 has passed: ignored. b: 1, 4 before 30; 8 at 60 ignored likewise.
  CHECK(out->sorted_lines() == std::vector<std::string>{"a,20,99,9", "b,25,30,4"});
}
