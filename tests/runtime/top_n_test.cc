// top_n against a brute-force reference written from docs/semantics.md ("Changelogs"): per key,
// the exact sequence of "+" and "-" rows, with and without a rank column and state_ttl, at P = 1
// to 4 and batch sizes 1 to 4096, straight into a sink and through a gathering filter. Applying
// a key's changelog must leave its n first rows.
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

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

struct Kept {
  RefEvent e;
  size_t arrival;
};

// order_by = ["v desc", "ts"]: larger v first, nulls last; then smaller ts; then earlier arrival.
bool Before(const Kept& a, const Kept& b) {
  if (a.e.v.has_value() != b.e.v.has_value()) return a.e.v.has_value();
  if (a.e.v && *a.e.v != *b.e.v) return *a.e.v > *b.e.v;
  if (a.e.ts != b.e.ts) return a.e.ts < b.e.ts;
  return a.arrival < b.arrival;
}

std::string Row(const char* op, const RefEvent& e, size_t rank) {
  std::string s = fmt::format("{},{},{},{}", op, e.key, e.ts, e.v ? std::to_string(*e.v) : "");
  return rank ? s + "," + std::to_string(rank) : s;
}

std::map<std::string, std::vector<std::string>> Reference(const std::vector<RefEvent>& events,
                                                          size_t n, bool ranked, int64_t bound,
                                                          int64_t ttl) {
  std::map<std::string, std::vector<std::string>> out;
  std::map<std::string, std::vector<Kept>> kept;
  std::map<std::string, int64_t> newest;
  int64_t max_ts = kMin;
  for (size_t i = 0; i < events.size(); ++i) {
    const RefEvent& e = events[i];
    const int64_t wm = max_ts == kMin ? kMin : max_ts - bound - 1;
    max_ts = std::max(max_ts, e.ts);
    std::vector<Kept>& rows = kept[e.key];
    if (!rows.empty() && ttl > 0 && wm != kMin && newest[e.key] < wm - ttl) {
      rows.clear();
      newest.erase(e.key);
    }
    newest[e.key] = newest.count(e.key) ? std::max(newest[e.key], e.ts) : e.ts;
    const Kept k{e, i};
    size_t pos = 0;
    while (pos < rows.size() && !Before(k, rows[pos])) ++pos;
    if (pos >= n) continue;
    std::vector<std::string>& log = out[e.key];
    if (ranked) {
      for (size_t j = pos; j < rows.size(); ++j) log.push_back(Row("-", rows[j].e, j + 1));
    } else if (rows.size() == n) {
      log.push_back(Row("-", rows.back().e, 0));
    }
    rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(pos), k);
    if (rows.size() > n) rows.pop_back();
    const size_t end = ranked ? rows.size() : pos + 1;
    for (size_t j = pos; j < end; ++j) log.push_back(Row("+", rows[j].e, ranked ? j + 1 : 0));
  }
  return out;
}

ChangelogByKey Run(const std::string& csv, size_t n, bool ranked, int64_t bound, int64_t ttl,
                   bool gathered, uint32_t p, uint32_t batch) {
  return RunChangelog(csv, bound, p, batch, gathered, [&](PipelineBuilder& g) {
    g.top_n(static_cast<int64_t>(n), {"v DESC", "ts"}, ranked ? "rank" : "", FormatDuration(ttl));
  });
}

}  // namespace

TEST_CASE("top_n emits the reference changelog per key at any parallelism and batch size") {
  std::mt19937_64 rng(61);
  int pushed_out = 0, forgotten = 0;
  for (int round = 0; round < 8; ++round) {
    const size_t n = std::vector<size_t>{1, 3, 10, 2}[round / 2];
    const bool ranked = round % 2 == 1;
    const int keys = std::vector<int>{1, 6, 30, 200}[round / 2];
    const int64_t disorder = std::vector<int64_t>{0, 40, 200, 20}[round / 2];
    const int64_t bound = std::vector<int64_t>{0, 10, 100, 0}[round / 2];
    const int64_t ttl = round >= 4 ? std::vector<int64_t>{60, 500}[round % 2] : 0;
    const std::vector<RefEvent> events = RandomEvents(rng, keys, disorder);
    const auto want = Reference(events, n, ranked, bound, ttl);
    for (const auto& [key, rows] : want) {
      for (const std::string& r : rows) pushed_out += r[0] == '-';
    }
    if (ttl > 0) forgotten += static_cast<int>(Reference(events, n, ranked, bound, 0) != want);
    ScratchDir dir("top");
    const std::string csv = dir.file("in.csv");
    WriteFile(csv, EventsCsv(events));
    for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 1}, {3, 7}, {4, 64}}) {
      for (bool gathered : {false, true}) {
        INFO("round " << round << " n=" << n << " ranked=" << ranked << " ttl=" << ttl
                      << " P=" << p << " batch=" << batch << " gathered=" << gathered);
        CHECK(Run(csv, n, ranked, bound, ttl, gathered, p, batch) == want);
      }
    }
  }
  CHECK(pushed_out > 0);
  CHECK(forgotten > 0);
}

TEST_CASE("top_n planning errors name the operator") {
  auto build = [](std::vector<std::string> order, std::string rank) {
    std::unique_ptr<Pipeline> pipeline;
    PipelineBuilder g("top-errors");
    return g.csv_source("in.csv", {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
        .event_time("ts", "0s")
        .key_by({"key"})
        .top_n(3, std::move(order), std::move(rank))
        .collect(std::make_shared<Collector>())
        .Build(&pipeline);
  };
  Status s = build({"w desc"}, "");
  CHECK(s.message().find("order_by 'w desc': no field 'w'") != std::string::npos);
  s = build({"v down"}, "");
  CHECK(s.message().find("the direction is 'asc' or 'desc', not 'down'") != std::string::npos);
  s = build({"v"}, "ts");
  CHECK(s.message().find("rank_field 'ts' clashes with a field") != std::string::npos);
  CHECK(build({"v desc", "ts asc"}, "rank").ok());
}
