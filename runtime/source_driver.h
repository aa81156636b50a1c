// SourceDriver: pulls batches from a Source and stamps what the runtime owns: the dense sequence
// number, the watermark before each row (wm) and after the batch, the final `last` batch, and
// checkpoint barriers.
//
//   W before an event = (largest event time among all earlier events, in input order) - B - 1us
//
// so the watermark depends on input order alone, never on batching or threads.
//
// Checkpoints: when enabled, the first batch produced once `interval` has passed since the last
// barrier, and the last batch, are barriers (Batch::checkpoint), carrying SaveState() of the
// driver as it stands after them. Restore() (after Open(), before any Next()) continues from
// such a state: the watermark, event count and source position go on as if uninterrupted;
// sequence numbers start again at 0 (they are local to one run of the graph).
//
// Not thread-safe: driven by the graph's (serial) source node.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "base/batch.h"
#include "operators/source.h"

namespace sluice {

class SourceDriver {
 public:
  SourceDriver(std::unique_ptr<Source> source, Schema schema, int64_t max_out_of_orderness);

  Status Open() { return source_->Open(); }
  // Marks barriers every `interval` (and at the end). REQUIRES: source().can_resume().
  void EnableCheckpoints(std::chrono::microseconds interval) {
    checkpoints_ = true;
    interval_ = interval;
    last_barrier_ = std::chrono::steady_clock::now();
  }
  // Produces the next batch into *out. After the batch flagged `last` has been produced, sets
  // *done and produces nothing more.
  Status Next(Batch* out, bool* done);

  // The driver's state after the last batch produced (codecs/state_codec.h).
  Status SaveState(std::string* out) const;
  Status Restore(std::string_view state);
  // The source position inside a saved state, for people ("byte 1024, line 17").
  std::string DescribeState(std::string_view state) const;
  // The event count inside a saved state.
  uint64_t EventsOf(std::string_view state) const;

  uint64_t events() const { return events_.load(std::memory_order_relaxed); }
  // The largest event time produced so far (kMinTime before the first).
  TimeUs newest_event_time() const { return max_ts_; }
  const Source& source() const { return *source_; }

 private:
  // A saved state's parts; `position` points into the state.
  struct Saved {
    TimeUs max_ts = kMinTime;
    uint64_t events = 0;
    std::string_view position;
  };
  static Status Parse(std::string_view state, Saved* out);

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
  bool checkpoints_ = false;
  std::chrono::microseconds interval_{0};
  std::chrono::steady_clock::time_point last_barrier_;
};

}  // namespace sluice
