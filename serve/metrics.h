// Prometheus metrics of a running pipeline and of the process, built on scrape from
// Pipeline::Stats(): the data path keeps only its per-lane, per-batch counters
// (runtime/stage_counters.h), and all aggregation and formatting happens here, on the
// scraping thread. docs/operations.md lists every metric.
#pragma once

#include <cstdint>
#include <string>

#include "base/time_util.h"

#include "sluice/pipeline.h"

namespace sluice::serve {

// The metrics of pipeline `name` for `st`, as Prometheus text exposition format (version
// 0.0.4). `now_us`: the wall clock, microseconds since the epoch (for lags and ages).
std::string PipelineMetricsText(const std::string& name, const PipelineStats& st, int64_t now_us);

// The process's CPU time and resident memory (process_cpu_seconds_total,
// process_resident_memory_bytes, process_start_time_seconds), in the same format.
std::string ProcessMetricsText();

// Now, microseconds since the epoch (base/time_util.h).
using ::sluice::WallNowUs;

}  // namespace sluice::serve
