// SinkWriter: writes what one sequence number produced, complete and in order (ReorderBuffer):
// dead letters, late rows, then every result row to every sink; and, once a checkpoint
// barrier's output is written, hands the barrier to the checkpoint callback: at that moment
// every output of the batches up to the barrier has reached the sinks and none after it has
// (docs/fault-tolerance.md).
//
// Not thread-safe: driven by one serial graph node.
#pragma once

#include <functional>
#include <vector>

#include "operators/sink.h"
#include "runtime/reorder_buffer.h"

namespace sluice {

class SinkWriter {
 public:
  // Sinks are owned by the caller and must outlive this; every sink receives every result row.
  // `late_sink` may be null (late events are then only counted); `late_fields` is how many
  // leading columns of a late batch are user-visible.
  SinkWriter(std::vector<Sink*> sinks, Sink* late_sink, size_t late_fields,
             DeadLetterWriter* dead_letters);

  // Called with each barrier once its batch's output is written.
  void OnBarrier(std::function<Status(const BarrierParts&)> fn) { on_barrier_ = std::move(fn); }

  // Writes `s`. REQUIRES: called in sequence order. After a failed write nothing more is
  // written and every later call returns the same error: a sink must never receive rows that
  // follow rows it failed to take (a log sink would give them the failed rows' ids).
  Status Write(SeqResults& s);

  uint64_t late() const { return late_; }
  // Late events counted by earlier processes of a resumed run.
  void set_late(uint64_t n) { late_ = n; }

 private:
  Status WriteSeq(SeqResults& s);
  Status WriteLate(Batch* late);

  std::vector<Sink*> sinks_;
  Sink* late_sink_;
  size_t late_fields_;
  DeadLetterWriter* dead_letters_;
  std::function<Status(const BarrierParts&)> on_barrier_;
  uint64_t late_ = 0;
  Status failed_;  // the first failed write
};

}  // namespace sluice
