// ReorderBuffer: restores source order after the lanes. It receives each source batch's results
// from every lane of the last keyed stage (or the whole batch, unkeyed), in any order, and hands
// out each sequence number's results once all lanes delivered them, in sequence order, lanes in
// index order: what the sinks then receive is the same on every run with the same parallelism.
//
// Not thread-safe: driven by one serial graph node.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/batch.h"
#include "runtime/frame.h"

namespace sluice {

// What the lanes hand over at a checkpoint barrier.
struct BarrierParts {
  bool have_source = false;  // the barrier batch itself was handed over (the fields below)
  std::string driver_state;  // the source driver's state after the barrier batch
  bool last = false;         // the barrier is the input's last batch
  TimeUs watermark = kMinTime;
  // One snapshot per lane of the last keyed stage; `earlier` holds those of the keyed stages
  // before it, stage by stage (each stage's lanes in index order).
  std::vector<std::shared_ptr<const std::string>> operators;
  std::vector<std::shared_ptr<const std::string>> earlier;
};

// Late rows of one input of one keyed stage (Plan::late_inputs[input]).
struct LateRows {
  int input = 0;
  std::unique_ptr<Batch> rows;
};

// What a seq carries from the keyed stages before the output.
struct EarlierStages {
  std::vector<std::shared_ptr<const std::string>> snapshots;  // at a barrier, stage-major
  std::vector<LateRows> late;  // stage by stage, lanes in index order
};

// Everything one sequence number produced, complete.
struct SeqResults {
  uint64_t seq = 0;
  std::vector<BatchPtr> parts;  // per lane of the last stage (direct output); may be null
  FramePtr frame;               // otherwise: every stream; sinks write theirs
  std::vector<DeadLetter> dead;
  std::vector<LateRows> earlier_late;
  std::unique_ptr<BarrierParts> barrier;  // set when the batch is a checkpoint barrier
};

// One lane's result for one sequence number. The seq-wide parts (dead letters, the barrier's
// source batch, what earlier stages left) come with exactly one lane's result, lane 0's.
struct LaneResult {
  uint64_t seq = 0;
  uint32_t lane = 0;
  BatchPtr result;
  FramePtr frame;
  std::shared_ptr<const std::string> snapshot;  // the lane's operator state at a barrier
  std::vector<DeadLetter>* dead = nullptr;
  const Batch* barrier = nullptr;  // the batch, when it is a barrier (its checkpoint fields)
  EarlierStages* earlier = nullptr;
};

class ReorderBuffer {
 public:
  // `lanes`: results expected per seq.
  explicit ReorderBuffer(uint32_t lanes) : lanes_(lanes) {}

  // Takes one lane's result (moving out of its pointers) and appends to *done every seq that
  // became complete, in order.
  void Add(LaneResult r, std::vector<SeqResults>* done);

 private:
  struct Pending {
    SeqResults results;
    uint32_t received = 0;
  };
  const uint32_t lanes_;
  uint64_t next_seq_ = 0;
  std::map<uint64_t, Pending> pending_;
};

}  // namespace sluice
