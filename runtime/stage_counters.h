// Rows through each stage of a run (PipelineStats::stages): counted once per batch by the step
// that handles it, with relaxed atomics, so that Stats() can read them while the run goes on.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sluice/pipeline.h"

namespace sluice {

struct StageCounter {
  explicit StageCounter(std::string n) : name(std::move(n)) {}
  void Add(std::atomic<uint64_t>& c, uint64_t n) { c.fetch_add(n, std::memory_order_relaxed); }
  StageStats Read() const;

  const std::string name;
  std::atomic<uint64_t> rows_in{0}, rows_out{0}, filtered{0}, late{0}, dead_letters{0};
};

// The counters of one run, in stage order: the source, the stateless stage, each keyed stage,
// the sinks.
struct StageCounters {
  StageCounter* source() { return all[0].get(); }
  StageCounter* stateless() { return all[1].get(); }
  StageCounter* keyed(size_t k) { return all[2 + k].get(); }
  StageCounter* sinks() { return all.back().get(); }
  std::vector<StageStats> Read() const;

  std::vector<std::unique_ptr<StageCounter>> all;
};

}  // namespace sluice
