// Result checks for the Google Benchmark programs of bench/: a benchmark whose result is wrong
// is marked failed (SkipWithError) and the program exits 1, so that `make bench` stops.
#pragma once

#include <benchmark/benchmark.h>

#include <string>

namespace sluice::bench {

inline bool& AnyFailed() {
  static bool failed = false;
  return failed;
}

// Marks the running benchmark failed with `what` ("MISMATCH: ...").
inline void FailBenchmark(benchmark::State& state, const std::string& what) {
  state.SkipWithError(what.c_str());
  AnyFailed() = true;
}

// Runs the benchmarks selected on the command line; 1 when any failed its check.
inline int RunCheckedBenchmarks(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return AnyFailed() ? 1 : 0;
}

}  // namespace sluice::bench
