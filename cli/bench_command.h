// `sluice bench nexmark` and `sluice bench pipeline`: throughput and latency of pipelines, with
// hand-written loops as baselines (docs/benchmarks.md, "sluice bench").
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddBenchCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
