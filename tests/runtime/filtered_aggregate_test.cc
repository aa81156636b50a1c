// Aggregates with `filter (where ...)`: in tumbling windows and in a running aggregate, every
// filtered aggregate must equal the same aggregate computed here by brute force over only the
// rows whose condition is true (a null condition counts as false), at P = 1 to 4 and batch
// sizes 1 to 4096. Input in event-time order, so no row is late.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "base/time_util.h"
#include "random_events.h"
#include "sluice/pipeline_builder.h"
#include "test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

const std::vector<std::string> kAggregates = {
    "count() as n",
    "count() filter (where v > 0) as pos",
    "count(v) filter (where key = 'k1' or v < -10) as c2",
    "sum(v) filter (where v % 2 = 0) as even_sum",
    "min(v) filter (where v > 5) as lo",
    "max(v) FILTER (WHERE v < 0) as hi",
    "first(v) filter (where v > 20) as f",
    "last(v) filter (where v > 20) as l",
    "avg(v) filter (where v <> 0) as mean",
    "count_distinct(v) filter (where v >= 0) as dv",
    "sum(v * 2) filter (where key <> 'k0') as twice"};

// The expected aggregates (in kAggregates order) over `rows`, in arrival order.
std::vector<Value> Expected(const std::vector<RefEvent>& rows) {
  auto pick = [&](auto cond) {
    std::vector<int64_t> out;
    for (const RefEvent& e : rows) {
      if (e.v && cond(e)) out.push_back(*e.v);
    }
    return out;
  };
  auto count = [](const std::vector<int64_t>& x) { return Value::Int(static_cast<int64_t>(x.size())); };
  auto sum = [](const std::vector<int64_t>& x) {
    int64_t s = 0;
    for (int64_t v : x) s += v;
    return x.empty() ? Value::Null() : Value::Int(s);
  };
  std::vector<Value> out;
  out.push_back(Value::Int(static_cast<int64_t>(rows.size())));
  int64_t pos = 0;
  for (const RefEvent& e : rows) pos += e.v && *e.v > 0;
  out.push_back(Value::Int(pos));
  out.push_back(count(pick([](const RefEvent& e) { return e.key == "k1" || *e.v < -10; })));
  out.push_back(sum(pick([](const RefEvent& e) { return *e.v % 2 == 0; })));
  const auto gt5 = pick([](const RefEvent& e) { return *e.v > 5; });
  out.push_back(gt5.empty() ? Value::Null() : Value::Int(*std::min_element(gt5.begin(), gt5.end())));
  const auto neg = pick([](const RefEvent& e) { return *e.v < 0; });
  out.push_back(neg.empty() ? Value::Null() : Value::Int(*std::max_element(neg.begin(), neg.end())));
  const auto gt20 = pick([](const RefEvent& e) { return *e.v > 20; });
  out.push_back(gt20.empty() ? Value::Null() : Value::Int(gt20.front()));
  out.push_back(gt20.empty() ? Value::Null() : Value::Int(gt20.back()));
  const auto nz = pick([](const RefEvent& e) { return *e.v != 0; });
  if (nz.empty()) {
    out.push_back(Value::Null(Type::kDouble));
  } else {
    double s = 0;
    for (int64_t v : nz) s += static_cast<double>(v);
    out.push_back(Value::Double(s / static_cast<double>(nz.size())));
  }
  const auto nonneg = pick([](const RefEvent& e) { return *e.v >= 0; });
  out.push_back(Value::Int(static_cast<int64_t>(std::set<int64_t>(nonneg.begin(), nonneg.end()).size())));
  auto twice = pick([](const RefEvent& e) { return e.key != "k0"; });
  for (int64_t& v : twice) v *= 2;
  out.push_back(sum(twice));
  return out;
}

std::string Text(const std::vector<Value>& values) {
  std::string s;
  for (const Value& v : values) s += v.ToString() + ",";
  return s;
}

PipelineBuilder Keyed(const std::string& csv, uint32_t p, uint32_t batch) {
  PipelineBuilder g("filtered");
  g.parallelism(p)
      .batch_size(batch)
      .csv_source(csv, {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
      .event_time("ts", "0s")
      .key_by({"key"});
  return g;
}

}  // namespace

TEST_CASE("filtered aggregates in tumbling windows equal brute force over the kept rows") {
  std::mt19937_64 rng(31);
  for (int round = 0; round < 4; ++round) {
    const std::vector<RefEvent> events = RandomEvents(rng, std::vector<int>{1, 3, 20, 7}[round], 0);
    const int64_t size = std::vector<int64_t>{10, 50, 200, 37}[round];
    std::map<std::string, std::vector<RefEvent>> groups;
    for (const RefEvent& e : events) {
      const int64_t start = e.ts >= 0 ? e.ts / size * size : -((-e.ts + size - 1) / size) * size;
      groups[e.key + "," + std::to_string(start)].push_back(e);
    }
    std::vector<std::string> want;
    for (const auto& [k, rows] : groups) want.push_back(k + "," + Text(Expected(rows)));
    std::sort(want.begin(), want.end());
    ScratchDir dir("filtered");
    const std::string csv = dir.file("in.csv");
    WriteFile(csv, EventsCsv(events));
    for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 1}, {3, 7}, {4, 64}}) {
      INFO("round " << round << " P=" << p << " batch=" << batch);
      auto out = std::make_shared<Collector>();
      std::unique_ptr<sluice::Pipeline> pipeline;
      Status s = Keyed(csv, p, batch)
                     .tumbling(FormatDuration(size), kAggregates)
                     .collect(out)
                     .Build(&pipeline);
      REQUIRE_MESSAGE(s.ok(), s.ToString());
      s = pipeline->Run();
      REQUIRE_MESSAGE(s.ok(), s.ToString());
      const Schema schema = out->schema();
      REQUIRE(schema.field(0).name == "key");
      REQUIRE(schema.field(1).name == "window_start");
      REQUIRE(schema.field(3).name == "n");
      std::vector<std::string> got;
      for (const std::vector<Value>& row : out->rows()) {
        std::vector<Value> aggs(row.begin() + 3, row.end());
        got.push_back(row[0].ToString() + "," + std::to_string(row[1].i) + "," + Text(aggs));
      }
      std::sort(got.begin(), got.end());
      CHECK(got == want);
    }
  }
}

TEST_CASE("filtered aggregates in a running aggregate end at brute force over the kept rows") {
  std::mt19937_64 rng(32);
  const std::vector<RefEvent> events = RandomEvents(rng, 5, 0);
  std::map<std::string, std::vector<RefEvent>> by_key;
  for (const RefEvent& e : events) by_key[e.key].push_back(e);
  ScratchDir dir("filtered-running");
  const std::string csv = dir.file("in.csv");
  WriteFile(csv, EventsCsv(events));
  for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 3}, {4, 100}}) {
    INFO("P=" << p << " batch=" << batch);
    auto out = std::make_shared<Collector>();
    std::unique_ptr<sluice::Pipeline> pipeline;
    Status s = Keyed(csv, p, batch).running_aggregate(kAggregates).collect(out).Build(&pipeline);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    s = pipeline->Run();
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    REQUIRE(out->schema().field(1).name == "n");
    std::map<std::string, std::string> last;  // key -> aggregates of its row with the largest n
    std::map<std::string, int64_t> most;
    for (const std::vector<Value>& row : out->rows()) {
      const std::string key = row[0].ToString();
      if (row[1].i <= most[key]) continue;
      most[key] = row[1].i;
      last[key] = Text(std::vector<Value>(row.begin() + 1, row.end()));
    }
    REQUIRE(last.size() == by_key.size());
    for (const auto& [key, rows] : by_key) CHECK(last[key] == Text(Expected(rows)));
  }
}

TEST_CASE("a filter that is not a condition, or does not compile, is refused with its column") {
  ScratchDir dir("filtered-errors");
  const std::string csv = dir.file("in.csv");
  WriteFile(csv, "key,ts,v\nk0,1,2\n");
  std::unique_ptr<sluice::Pipeline> pipeline;
  Status s = Keyed(csv, 1, 10)
                 .tumbling("10us", {"count() filter (where v + 1) as n"})
                 .collect(std::make_shared<Collector>())
                 .Build(&pipeline);
  INFO(s.ToString());
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("the filter of aggregate n must be a condition (bool), not int64") !=
        std::string::npos);
  s = Keyed(csv, 1, 10)
          .tumbling("10us", {"sum(v) filter (where w > 1) as n"})
          .collect(std::make_shared<Collector>())
          .Build(&pipeline);
  INFO(s.ToString());
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("unknown field 'w'") != std::string::npos);
}
