// Checkpointer: a pipeline run's side of the checkpoint protocol (docs/fault-tolerance.md).
//
// Begin() opens the pipeline's checkpoint store, locks it against a second process, loads the
// latest checkpoint and decides how the run starts:
//   kFresh     no checkpoint, --from-scratch, or a completed run of another definition: start
//              from the input's beginning (the old checkpoint is removed first);
//   kResume    an unfinished checkpoint of the same definition: restore it and go on;
//   kFinalize  the input was finished but the process died before the outputs were renamed into
//              place: only finish that;
//   kComplete  the same definition already ran to completion and wrote output that stays
//              (files, a log, projections): nothing to do (a process killed right after
//              completing is indistinguishable from a finished one, and must not redo its work;
//              a pipeline that only prints or discards its rows just runs again).
// An unfinished checkpoint of a different definition is refused (InvalidArgument naming the
// change).
//
// Take() runs on the output stage's thread right after the barrier batch's output was written:
// sinks make their output durable and report commit points, then one LMDB transaction stores
// the checkpoint with the projection rows. Not thread-safe: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/plan.h"
#include "operators/sink.h"
#include "storage/checkpoint_store.h"

namespace sluice {

class Checkpointer {
 public:
  enum class Start { kFresh, kResume, kFinalize, kComplete };

  // `name`: the checkpoint's key (the pipeline name, or a replay's own); `definition`: the
  // canonical text of the pipeline (runtime/definition.h).
  Checkpointer(const Plan& plan, std::string name, std::string definition);

  Status Begin(bool from_scratch);
  Start start() const { return start_; }
  // The checkpoint resumed from (kResume, kFinalize, kComplete).
  const CheckpointRecord& resumed() const { return resumed_; }

  // The outputs taking part. Pointers must stay live while the checkpointer is used; `late`
  // may be null.
  void SetOutputs(std::vector<Sink*> sinks, Sink* late, DeadLetterWriter* dead_letters);

  struct Cut {
    std::string driver;         // SourceDriver::SaveState at the barrier
    std::string position_text;  // its source position, for people
    TimeUs watermark = kMinTime;
    std::vector<StageState> stages;  // one per keyed stage, in plan order, named as the plan does
    bool finished = false;           // the barrier is the input's last batch
    uint64_t events_in = 0, late_events = 0;
  };
  Status Take(const Cut& cut);
  // After a finished checkpoint, once every output was finalized: the run is complete.
  Status MarkClosed();

  uint64_t taken() const { return taken_; }
  uint64_t last_id() const { return last_.id; }

 private:
  const Plan& plan_;
  const std::string name_;
  const std::string definition_;
  std::unique_ptr<CheckpointStore> store_;
  Start start_ = Start::kFresh;
  CheckpointRecord resumed_;
  CheckpointRecord last_;  // the latest committed
  std::vector<Sink*> sinks_;
  Sink* late_ = nullptr;
  DeadLetterWriter* dead_letters_ = nullptr;
  uint64_t taken_ = 0;
};

}  // namespace sluice
