// deduplicate (keep first / last, with and without state_ttl) against a brute-force reference
// written from docs/semantics.md ("Changelogs"): for every key, the exact sequence of "+" and
// "-" rows, at P = 1 to 4 and batch sizes 1 to 4096, both straight into a sink and through a
// filter after the stage (which gathers the lanes' rows). Applying each key's changelog must
// leave the row the reference keeps.
#include <doctest/doctest.h>

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

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

std::string Row(const char* op, const RefEvent& e) {
  return fmt::format("{},{},{},{}", op, e.key, e.ts, e.v ? std::to_string(*e.v) : "");
}

// Per key, the changelog rows in order. `bound`: the source's max_out_of_orderness (us), which
// sets each row's watermark; `ttl` 0: never forget.
std::map<std::string, std::vector<std::string>> Reference(const std::vector<RefEvent>& events,
                                                          bool keep_last, int64_t bound,
                                                          int64_t ttl) {
  std::map<std::string, std::vector<std::string>> out;
  std::map<std::string, RefEvent> kept;
  int64_t max_ts = kMin;
  for (const RefEvent& e : events) {
    const int64_t wm = max_ts == kMin ? kMin : max_ts - bound - 1;
    max_ts = std::max(max_ts, e.ts);
    auto it = kept.find(e.key);
    if (it != kept.end() && ttl > 0 && wm != kMin && it->second.ts < wm - ttl) {
      kept.erase(it);
      it = kept.end();
    }
    if (it == kept.end()) {
      kept[e.key] = e;
      out[e.key].push_back(Row("+", e));
      continue;
    }
    const bool replace = keep_last ? e.ts >= it->second.ts : e.ts < it->second.ts;
    if (!replace) continue;
    out[e.key].push_back(Row("-", it->second));
    out[e.key].push_back(Row("+", e));
    it->second = e;
  }
  return out;
}

ChangelogByKey Run(const std::string& csv, bool keep_last, int64_t bound, int64_t ttl,
                   bool gathered, uint32_t p, uint32_t batch) {
  return RunChangelog(csv, bound, p, batch, gathered, [&](PipelineBuilder& g) {
    g.deduplicate(keep_last ? DedupKeep::kLast : DedupKeep::kFirst, FormatDuration(ttl));
  });
}

}  // namespace

TEST_CASE("deduplicate emits the reference changelog per key at any parallelism and batch size") {
  std::mt19937_64 rng(41);
  int replaced = 0, forgotten = 0;
  for (int round = 0; round < 8; ++round) {
    const bool keep_last = round % 2 == 1;
    const int keys = std::vector<int>{1, 5, 40, 300}[round / 2];
    const int64_t disorder = std::vector<int64_t>{0, 30, 200, 60}[round / 2];
    const int64_t bound = std::vector<int64_t>{0, 10, 100, 0}[round / 2];
    const int64_t ttl = round >= 4 ? std::vector<int64_t>{50, 400}[round % 2] : 0;
    const std::vector<RefEvent> events = RandomEvents(rng, keys, disorder);
    const auto want = Reference(events, keep_last, bound, ttl);
    for (const auto& [key, rows] : want) {
      for (const std::string& r : rows) replaced += r[0] == '-';
    }
    if (ttl > 0) forgotten += static_cast<int>(Reference(events, keep_last, bound, 0) != want);
    ScratchDir dir("dedup");
    const std::string csv = dir.file("in.csv");
    WriteFile(csv, EventsCsv(events));
    for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 1}, {3, 7}, {4, 64}}) {
      for (bool gathered : {false, true}) {
        INFO("round " << round << " keep_last=" << keep_last << " ttl=" << ttl << " P=" << p
                      << " batch=" << batch << " gathered=" << gathered);
        CHECK(Run(csv, keep_last, bound, ttl, gathered, p, batch) == want);
      }
    }
  }
  CHECK(replaced > 0);   // else the "-" rows would go unchecked
  CHECK(forgotten > 0);  // else state_ttl would go unchecked
}

TEST_CASE("deduplicate is refused where its changelog would feed a keyed stage") {
  PipelineBuilder g("dedup-feeds");
  std::unique_ptr<Pipeline> pipeline;
  Status s = g.csv_source("in.csv", {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
                 .event_time("ts", "0s")
                 .key_by({"key"})
                 .deduplicate(DedupKeep::kLast)
                 .key_by({"key"})
                 .tumbling("10us", {"count() as n"})
                 .collect(std::make_shared<Collector>())
                 .Build(&pipeline);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("is a deduplicate, whose rows are a changelog") != std::string::npos);
}
