// SinkWriter: writes what one sequence number produced, complete and in order (ReorderBuffer):
// dead letters, late rows, then every result row to every sink; and, once a checkpoint
// barrier's output is written, hands the barrier to the checkpoint callback: at that moment
// every output of the batches up to the barrier has reached the sinks and none after it has
// (docs/fault-tolerance.md).
//
// Not thread-safe: driven by one serial graph node.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "base/latency_histogram.h"
#include "runtime/result_latency.h"
#include "operators/jsonl_sink.h"
#include "operators/sink.h"
#include "runtime/reorder_buffer.h"

namespace sluice {

// Where a SinkWriter publishes the run's output totals after each sequence number it writes, so
// that statistics read from other threads move while the run goes on. Each may be null.
struct OutputTotals {
  std::atomic<uint64_t>* records_out = nullptr;  // rows the first sink holds
  std::atomic<uint64_t>* late = nullptr;
  std::atomic<uint64_t>* dead_letters = nullptr;
  std::atomic<uint64_t>* sink_rows = nullptr;  // one per sink: the rows it holds
};

class SinkWriter {
 public:
  // Sinks are owned by the caller and must outlive this. With `sink_streams` empty, every sink
  // receives every lane part of a SeqResults (the last stage's results); otherwise sink i
  // writes stream sink_streams[i] of the SeqResults' frame. `late_sink` may be null (late
  // events are then only counted); a lane part's late rows are of late input `part_late[0]`
  // (and `part_late[1]` for late_right).
  SinkWriter(std::vector<Sink*> sinks, std::vector<int> sink_streams, LateSink* late_sink,
             std::array<int, 2> part_late, DeadLetterWriter* dead_letters);

  // The atomics must outlive this; stored with relaxed order, once per sequence number.
  void PublishTo(const OutputTotals& totals) { totals_ = totals; }
  // Called with each barrier once its batch's output is written.
  void OnBarrier(std::function<Status(const BarrierParts&)> fn) { on_barrier_ = std::move(fn); }
  // Records, for each row the first sink takes, the wall-clock time (us since the epoch) minus
  // the row's event time into *h (which must outlive this; read it after the run). Rows of the
  // final batch whose event time is past its watermark + 1 us (windows the input's end closed)
  // are counted as unmeasured instead.
  void RecordLatency(LatencyHistogram* h) { latency_ = h; }
  // Observes each written sequence number's result rows into *t (which must outlive this).
  void TrackResultLatency(ResultLatency* t) { result_latency_ = t; }

  // Writes `s`. REQUIRES: called in sequence order. After a failed write nothing more is
  // written and every later call returns the same error: a sink must never receive rows that
  // follow rows it failed to take (a log sink would give them the failed rows' ids).
  Status Write(SeqResults& s);

  uint64_t late() const { return late_; }
  const std::vector<int>& sink_streams() const { return sink_streams_; }
  // Late events counted by earlier processes of a resumed run.
  void set_late(uint64_t n) { late_ = n; }

 private:
  // Writes `s`, adding to *rows the result rows the first sink took.
  Status WriteSeq(SeqResults& s, uint64_t* rows);
  Status WriteLate(int input, const Batch* late);

  std::vector<Sink*> sinks_;
  std::vector<int> sink_streams_;
  LateSink* late_sink_;
  std::array<int, 2> part_late_;
  DeadLetterWriter* dead_letters_;
  std::function<Status(const BarrierParts&)> on_barrier_;
  uint64_t late_ = 0;
  OutputTotals totals_;
  Status failed_;  // the first failed write
  LatencyHistogram* latency_ = nullptr;
  ResultLatency* result_latency_ = nullptr;

  void Observe(const Batch& b);
};

}  // namespace sluice
