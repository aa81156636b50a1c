// OutputStage: the last node of every pipeline. It receives each source batch's results from
// every lane, in any order, and writes them in source order (seq), lanes in index order: the
// output files are the same on every run with the same parallelism. It also writes dead letters
// and late events, tells the source that a batch has left the pipeline (backpressure), and, when
// a checkpoint barrier's output is written, hands the barrier to the checkpoint callback: at
// that moment every output of the batches up to the barrier has reached the sinks and none after
// it has (docs/fault-tolerance.md).
//
// Not thread-safe: driven by one serial graph node.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/batch.h"
#include "operators/sink.h"

namespace sluice {

// What the lanes hand over at a barrier.
struct BarrierParts {
  bool have_source = false;  // the source batch was handed over (driver_state, last are set)
  std::string driver_state;  // the source driver's state after the barrier batch
  bool last = false;         // the barrier is the input's last batch
  TimeUs watermark = kMinTime;
  // One snapshot per lane of the last keyed stage; `earlier` holds those of the keyed stages
  // before it, stage by stage (each stage's lanes in index order).
  std::vector<std::shared_ptr<const std::string>> operators;
  std::vector<std::shared_ptr<const std::string>> earlier;
};

// What a seq carries from the keyed stages before the last one, handed over with exactly one
// lane's result (lane 0) of the last stage.
struct EarlierStages {
  std::vector<std::shared_ptr<const std::string>> snapshots;  // at a barrier, stage-major
  std::vector<std::unique_ptr<Batch>> late;  // late rows of the first keyed stage, lane order
};

class OutputStage {
 public:
  // `lanes`: results expected per seq. Sinks are owned by the caller and must outlive this; every
  // sink receives every result row. `late_sink` may be null (late events are then only counted);
  // `late_fields` is how many leading columns of a late batch are user-visible.
  OutputStage(uint32_t lanes, std::vector<Sink*> sinks, Sink* late_sink, size_t late_fields,
              DeadLetterWriter* dead_letters);

  // Called with each barrier once its batch's output is written.
  void OnBarrier(std::function<Status(const BarrierParts&)> fn) { on_barrier_ = std::move(fn); }

  // Takes lane `lane`'s result for source batch `seq`; `dead` are that seq's dead letters (pass
  // them with exactly one lane's result). `snapshot` is the lane's operator snapshot when the
  // batch is a barrier; `barrier` (with exactly one lane's result) the source batch when it is a
  // barrier; `earlier` (with exactly one lane's result, or null) what the earlier keyed stages
  // left for this seq. Writes every seq that became complete and in order; returns how many
  // completed (each frees one in-flight slot).
  Result<size_t> Add(uint64_t seq, uint32_t lane, BatchPtr result, std::vector<DeadLetter>* dead,
                     std::shared_ptr<const std::string> snapshot = nullptr,
                     const Batch* barrier = nullptr, EarlierStages* earlier = nullptr);

  uint64_t late() const { return late_; }
  // Late events counted by earlier processes of a resumed run.
  void set_late(uint64_t n) { late_ = n; }

 private:
  struct Pending {
    std::vector<BatchPtr> parts;
    std::vector<DeadLetter> dead;
    std::vector<std::unique_ptr<Batch>> earlier_late;
    uint32_t received = 0;
    std::unique_ptr<BarrierParts> barrier;
  };
  Status Write(Pending& p);
  Status WriteLate(Batch* late);

  const uint32_t lanes_;
  std::vector<Sink*> sinks_;
  Sink* late_sink_;
  size_t late_fields_;
  DeadLetterWriter* dead_letters_;
  std::function<Status(const BarrierParts&)> on_barrier_;
  uint64_t next_seq_ = 0;
  std::map<uint64_t, Pending> pending_;
  uint64_t late_ = 0;
};

}  // namespace sluice
