// The terminal's view of a run: the progress line redrawn while it runs and the per-stage rows
// of the end-of-run summary.
#pragma once

#include <cstdint>
#include <string>

#include "sluice/pipeline.h"

namespace sluice::cli {

// "1,234,567"
std::string Thousands(uint64_t v);

// Draws the progress line from successive Stats() samples: events read, results written (the
// rows the first sink holds), elapsed time and rate, and, when the input's size is known
// (PipelineStats::input_total), a percentage, a bar and an estimate of the time left from the
// rate since the first sample (so a resumed run's earlier progress does not skew it).
// Not thread-safe: one watcher thread owns it.
class ProgressLine {
 public:
  explicit ProgressLine(std::string name) : name_(std::move(name)) {}
  // The line for `st`, without the leading carriage return or trailing erase.
  std::string Render(const PipelineStats& st);

 private:
  static constexpr int kBarWidth = 24;
  std::string name_;
  bool have_first_ = false;
  uint64_t first_done_ = 0;
  double first_elapsed_ = 0;
};

// "0:42", "1:02:03": a duration in whole seconds for the estimate of the time left.
std::string FormatEta(double seconds);

// The summary's rows, one per stage: "  source: 200,000 in, 199,995 out, 5 dead letters".
std::string StageRows(const PipelineStats& st);

}  // namespace sluice::cli
