// SourceDriver: pulls batches from a Source and stamps what the runtime owns: the dense sequence
// number, the watermark before each row (wm) and after the batch, and the final `last` batch.
//
//   W before an event = (largest event time among all earlier events, in input order) - B - 1us
//
// so the watermark depends on input order alone, never on batching or threads. Not thread-safe:
// driven by the graph's (serial) source node.
#pragma once

#include <atomic>
#include <memory>

#include "engine/batch.h"
#include "operators/source.h"

namespace sluice {

class SourceDriver {
 public:
  SourceDriver(std::unique_ptr<Source> source, Schema schema, int64_t max_out_of_orderness);

  Status Open() { return source_->Open(); }
  // Produces the next batch into *out. After the batch flagged `last` has been produced, sets
  // *done and produces nothing more.
  Status Next(Batch* out, bool* done);

  uint64_t events() const { return events_.load(std::memory_order_relaxed); }

 private:
  TimeUs WatermarkFor(TimeUs max_ts) const {
    if (max_ts == kMinTime) return kMinTime;
    TimeUs w;
    if (__builtin_sub_overflow(max_ts, bound_ + 1, &w)) return kMinTime;
    return w;
  }

  std::unique_ptr<Source> source_;
  Schema schema_;
  int64_t bound_;
  TimeUs max_ts_ = kMinTime;
  uint64_t next_seq_ = 0;
  bool finished_ = false;
  std::atomic<uint64_t> events_{0};
};

}  // namespace sluice
