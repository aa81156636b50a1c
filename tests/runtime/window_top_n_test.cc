// top_n per window (operators/window_top_n.cc) after a tumbling window, "hot keys" (Flink's
// window Top-N): per window, the n keys with the most rows (ties by key), against a brute force
// written from docs/semantics.md, at P = 1 to 4 and batch sizes 1 to 4096, straight into a sink
// and through a gathering filter; with and without a rank; and as the input of a later keyed
// stage. The bound covers the disorder, so no row is late and each window's counts are exact.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>

#include "base/time_util.h"
#include "changelog_util.h"
#include "random_events.h"
#include "sluice/pipeline_builder.h"
#include "test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

struct Counts {
  int64_t n = 0;
  int64_t total = 0;
  bool any = false;  // a non-null v
};

// "key,window_start,window_end,n,total[,rank]" rows of the top n keys of each window by
// (n desc, total desc nulls last, key asc), sorted.
std::vector<std::string> Reference(const std::vector<RefEvent>& events, int64_t size, size_t n,
                                   bool ranked) {
  std::map<int64_t, std::map<std::string, Counts>> windows;
  for (const RefEvent& e : events) {
    Counts& c = windows[AlignDown(e.ts, size)][e.key];
    ++c.n;
    if (e.v) {
      c.total += *e.v;
      c.any = true;
    }
  }
  std::vector<std::string> out;
  for (const auto& [start, keys] : windows) {
    std::vector<std::pair<std::string, Counts>> rows(keys.begin(), keys.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      if (a.second.n != b.second.n) return a.second.n > b.second.n;
      if (a.second.any != b.second.any) return a.second.any;
      if (a.second.any && a.second.total != b.second.total) return a.second.total > b.second.total;
      return a.first < b.first;
    });
    for (size_t i = 0; i < rows.size() && i < n; ++i) {
      const Counts& c = rows[i].second;
      std::string line = fmt::format("{},{},{},{},{}", rows[i].first, start, start + size, c.n,
                                     c.any ? std::to_string(c.total) : "null");
      if (ranked) line += "," + std::to_string(i + 1);
      out.push_back(std::move(line));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Run(const std::string& csv, int64_t bound, int64_t size, size_t n,
                             bool ranked, bool gathered, uint32_t p, uint32_t batch) {
  const auto out = RunAfterKeyBy(
      csv, bound, p, batch, gathered,
      [&](PipelineBuilder& g) {
        g.tumbling(FormatDuration(size), {"count() as n", "sum(v) as total"})
            .key_by({"window_start"})
            .window_top_n(static_cast<int64_t>(n), {"n desc", "total desc", "key"},
                          ranked ? "rank" : "");
      },
      "n > 0");
  const Schema schema = out->schema();
  REQUIRE(schema.size() == (ranked ? 6u : 5u));
  CHECK(schema.field(0).name == "key");
  CHECK(schema.field(2).name == "window_end");
  std::vector<std::string> got;
  for (const std::vector<Value>& row : out->rows()) {
    std::string line = fmt::format("{},{},{},{},{}", row[0].ToString(), row[1].i, row[2].i,
                                   row[3].i, row[4].null ? "null" : std::to_string(row[4].i));
    if (ranked) line += "," + std::to_string(row[5].i);
    got.push_back(std::move(line));
  }
  std::sort(got.begin(), got.end());
  return got;
}

// Checks that run(p, batch, gathered) gives `want` at P = 1 to 4 and batch sizes 1 to 4096,
// straight into the sink and through a gathering filter.
template <typename RunFn>
void CheckEveryCut(const std::vector<std::string>& want, const std::string& what, RunFn run) {
  for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 1}, {3, 7}, {4, 64}}) {
    for (bool gathered : {false, true}) {
      INFO(what << " P=" << p << " batch=" << batch << " gathered=" << gathered);
      CHECK(run(p, batch, gathered) == want);
    }
  }
}

}  // namespace

TEST_CASE("top_n per window keeps each window's n first keys at any parallelism and batch size") {
  std::mt19937_64 rng(77);
  size_t cut = 0;  // windows with more keys than n: the top-N dropped some
  for (int round = 0; round < 6; ++round) {
    const size_t n = std::vector<size_t>{1, 3, 5}[round % 3];
    const bool ranked = round % 2 == 0;
    const int keys = std::vector<int>{4, 12, 40}[round % 3];
    const int64_t disorder = std::vector<int64_t>{0, 30, 120}[round / 2];
    const int64_t size = std::vector<int64_t>{50, 200, 500}[round % 3];
    const std::vector<RefEvent> events = RandomEvents(rng, keys, disorder);
    const auto want = Reference(events, size, n, ranked);
    REQUIRE(!want.empty());
    cut += want.size() < Reference(events, size, events.size(), false).size();
    ScratchDir dir("window-top");
    const std::string csv = dir.file("in.csv");
    WriteFile(csv, EventsCsv(events));
    CheckEveryCut(want, fmt::format("round {} n={} ranked={}", round, n, ranked),
                  [&](uint32_t p, uint32_t batch, bool gathered) {
                    return Run(csv, disorder, size, n, ranked, gathered, p, batch);
                  });
  }
  CHECK(cut > 0);
}

TEST_CASE("top_n per window: its rows are final, so a later keyed stage may read them") {
  std::mt19937_64 rng(5);
  const std::vector<RefEvent> events = RandomEvents(rng, 10, 0);
  ScratchDir dir("window-top-chain");
  WriteFile(dir.file("in.csv"), EventsCsv(events));
  // How often each key was the hottest of a window, counted per 1000 us.
  const auto top = Reference(events, 100, 1, false);
  std::map<std::string, int64_t> wins;
  for (const std::string& row : top) ++wins[row.substr(0, row.find(','))];
  auto out = std::make_shared<Collector>();
  std::unique_ptr<Pipeline> pipeline;
  Status s = PipelineBuilder("chain")
                 .csv_source(dir.file("in.csv"),
                             {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
                 .event_time("ts", "0s")
                 .key_by({"key"})
                 .tumbling("100us", {"count() as n", "sum(v) as total"})
                 .key_by({"window_start"})
                 .window_top_n(1, {"n desc", "total desc", "key"})
                 .key_by({"key"})
                 .running_aggregate({"count() as wins"})
                 .collect(out)
                 .Build(&pipeline);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  REQUIRE(pipeline->Run().ok());
  std::map<std::string, int64_t> got;
  for (const auto& row : out->rows()) got[row[0].ToString()] = row[1].i;  // the latest per key
  CHECK(got == wins);
}

TEST_CASE("top_n per window needs a window_end field") {
  std::unique_ptr<Pipeline> pipeline;
  Status s = PipelineBuilder("no-window")
                 .csv_source("in.csv", {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
                 .event_time("ts", "0s")
                 .key_by({"key"})
                 .window_top_n(3, {"v desc"})
                 .collect(std::make_shared<Collector>())
                 .Build(&pipeline);
  CHECK(s.message().find("per_window needs a timestamp field 'window_end'") != std::string::npos);
}

namespace {

// "key,window_start,window_end,n[,rank]" rows of each window's keys whose rank by count (n desc;
// equal counts share a rank, the next rank skips, as SQL's RANK()) is at most `top`, sorted.
std::vector<std::string> ReferenceWithTies(const std::vector<RefEvent>& events, int64_t size,
                                           int64_t top, bool ranked) {
  std::map<int64_t, std::map<std::string, int64_t>> windows;
  for (const RefEvent& e : events) ++windows[AlignDown(e.ts, size)][e.key];
  std::vector<std::string> out;
  for (const auto& [start, keys] : windows) {
    for (const auto& [key, n] : keys) {
      int64_t rank = 1;
      for (const auto& [other, m] : keys) rank += m > n;
      if (rank > top) continue;
      std::string line = fmt::format("{},{},{},{}", key, start, start + size, n);
      if (ranked) line += "," + std::to_string(rank);
      out.push_back(std::move(line));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> RunWithTies(const std::string& csv, int64_t bound, int64_t size, int64_t n,
                                     bool ranked, bool gathered, uint32_t p, uint32_t batch) {
  const auto out = RunAfterKeyBy(
      csv, bound, p, batch, gathered,
      [&](PipelineBuilder& g) {
        g.tumbling(FormatDuration(size), {"count() as n"})
            .key_by({"window_start"})
            .window_top_n(n, {"n desc"}, ranked ? "rank" : "", /*with_ties=*/true);
      },
      "n > 0");
  std::vector<std::string> got;
  for (const std::vector<Value>& row : out->rows()) {
    std::string line = fmt::format("{},{},{},{}", row[0].ToString(), row[1].i, row[2].i, row[3].i);
    if (ranked) line += "," + std::to_string(row[4].i);
    got.push_back(std::move(line));
  }
  std::sort(got.begin(), got.end());
  return got;
}

}  // namespace

TEST_CASE("top_n per window with_ties keeps every row of rank <= n, ranks as RANK()") {
  std::mt19937_64 rng(91);
  size_t tied_past_n = 0;  // windows that kept more than n rows: ties at the n-th
  for (int round = 0; round < 6; ++round) {
    const int64_t n = std::vector<int64_t>{1, 2, 4}[round % 3];
    const bool ranked = round % 2 == 0;
    const int keys = std::vector<int>{3, 8, 30}[round % 3];
    const int64_t disorder = std::vector<int64_t>{0, 30, 120}[round / 2];
    const int64_t size = std::vector<int64_t>{20, 50, 200}[round % 3];
    const std::vector<RefEvent> events = RandomEvents(rng, keys, disorder);
    const auto want = ReferenceWithTies(events, size, n, ranked);
    REQUIRE(!want.empty());
    std::map<std::string, int64_t> per_window;
    for (const std::string& row : want) {
      const size_t a = row.find(','), b = row.find(',', a + 1);
      ++per_window[row.substr(a + 1, b - a - 1)];
    }
    for (const auto& [start, rows] : per_window) tied_past_n += rows > n;
    ScratchDir dir("window-top-ties");
    const std::string csv = dir.file("in.csv");
    WriteFile(csv, EventsCsv(events));
    CheckEveryCut(want, fmt::format("round {} n={} ranked={}", round, n, ranked),
                  [&](uint32_t p, uint32_t batch, bool gathered) {
                    return RunWithTies(csv, disorder, size, n, ranked, gathered, p, batch);
                  });
  }
  CHECK(tied_past_n > 0);
}

TEST_CASE("top_n with_ties needs per_window") {
  auto spec = PipelineBuilder("ties-per-key")
                  .csv_source("in.csv", {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
                  .event_time("ts", "0s")
                  .key_by({"key"})
                  .top_n(2, {"v desc"})
                  .collect(std::make_shared<Collector>())
                  .spec();
  REQUIRE(spec.ok());
  spec->operators.back().with_ties = true;
  std::unique_ptr<Pipeline> pipeline;
  Status s = Pipeline::Build(PipelineOptions(), *spec, &pipeline);
  CHECK(s.message().find("with_ties needs per_window = true") != std::string::npos);
}
