// What `sluice bench` measured, and how it is shown: a table on the terminal, a JSON document
// and a report directory (index.html with SVG charts drawn here; no network fetches).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/latency_histogram.h"
#include "base/status.h"

namespace sluice::cli {

struct BenchRun {
  std::string query;     // "q5", or the pipeline file's name
  std::string mode;      // "throughput" or "latency"
  uint32_t parallelism = 0;
  uint64_t events = 0;   // events covered (nexmark: all three tables' events generated)
  uint64_t results = 0;  // rows the sink received
  double wall_s = 0;
  double cpu_s = 0;
  double peak_rss_mb = 0;
  uint64_t rate = 0;     // latency mode: events/s asked for
  LatencyHistogram latency;  // latency mode: us per result row
  // Throughput mode, when the query has a hand-written loop.
  bool has_baseline = false;
  uint64_t baseline_results = 0;
  double baseline_wall_s = 0;

  double events_per_s() const { return wall_s > 0 ? events / wall_s : 0; }
  double cpu_s_per_million() const { return events ? cpu_s * 1e6 / events : 0; }
  double baseline_events_per_s() const {
    return baseline_wall_s > 0 ? events / baseline_wall_s : 0;
  }
  bool baseline_matches() const { return baseline_results == results; }
};

// "model name" of the first processor, hardware threads, kernel, as JSON members.
std::string MachineJson();

// The table printed after the runs.
std::string BenchTable(const std::vector<BenchRun>& runs);
// {"machine": {...}, "runs": [...]}
std::string BenchJson(const std::vector<BenchRun>& runs);
// Markdown for docs/benchmarks.md: the machine and the UTC date, then a throughput table (every
// throughput run, with the hand-written loop where there is one) and a latency table (every
// latency run, its rate also as a share of the same query's measured throughput when the runs
// hold one).
std::string BenchMarkdown(const std::vector<BenchRun>& runs);
// Writes DIR/index.html, DIR/throughput.svg and DIR/latency.svg (creating DIR).
Status WriteBenchReport(const std::string& dir, const std::vector<BenchRun>& runs);

}  // namespace sluice::cli
