// Rows through each stage of a run (PipelineStats::stages): counted once per batch by the step
// that handles it, with relaxed atomics, so that Stats() can read them while the run goes on.
// A keyed stage counts in one counter per lane (each written by its lane's serial node alone,
// on its own cache line), summed when read: the cost on the data path is a few relaxed adds
// and two clock reads per batch, never per row, and aggregation happens on the reader's side.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/types.h"
#include "runtime/result_latency.h"
#include "sluice/pipeline.h"

namespace sluice {

struct alignas(64) StageCounter {
  explicit StageCounter(std::string n) : name(std::move(n)) {}
  void Add(std::atomic<uint64_t>& c, uint64_t n) { c.fetch_add(n, std::memory_order_relaxed); }
  // Raises the watermark to `w`. REQUIRES: one writer at a time (a serial node).
  void RaiseWatermark(TimeUs w) {
    if (w > watermark.load(std::memory_order_relaxed)) {
      watermark.store(w, std::memory_order_relaxed);
    }
  }
  StageCounter* lane(size_t i) { return lanes[i].get(); }
  // This stage's figures; a stage with lanes sums them (its watermark is their minimum) and
  // lists each in StageStats::lanes.
  StageStats Read() const;

  const std::string name;
  std::atomic<uint64_t> rows_in{0}, rows_out{0}, filtered{0}, late{0}, dead_letters{0};
  std::atomic<uint64_t> batches_in{0}, batches_out{0};
  std::atomic<uint64_t> busy_ns{0};  // time spent in the step's work
  std::atomic<uint64_t> state_keys{0}, state_bytes{0};  // a lane's: see StageStats
  std::atomic<TimeUs> watermark{kMinTime};
  std::atomic<TimeUs> newest_event_time{kMinTime};   // the source's: its largest event time
  std::vector<std::unique_ptr<StageCounter>> lanes;  // keyed stages: one per lane
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
  // Result latency, stamped by the source step and observed by the sink writer.
  std::unique_ptr<ResultLatency> latency;
};

// Measures the time from construction to destruction into `counter->busy_ns`.
class BusyTimer {
 public:
  explicit BusyTimer(StageCounter* counter);
  ~BusyTimer();
  BusyTimer(const BusyTimer&) = delete;
  BusyTimer& operator=(const BusyTimer&) = delete;

 private:
  StageCounter* counter_;
  int64_t start_ns_;
};

}  // namespace sluice
