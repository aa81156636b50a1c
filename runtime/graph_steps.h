// The work of each node of a pipeline's flow graph, as plain objects: the graph builder
// (runtime/flow_graph.h) wraps each in a oneTBB node, and nothing here knows oneTBB.
//
//   SourceStep    reads the next batch of every source, merged into one frame (serial)
//   StatelessStep runs the steps of level 0 and routes rows to the first keyed stage's lanes
//   LaneStep      one lane of one keyed stage: its operator, then the stage's filters and maps
//   ExchangeStep  after a keyed stage: gathers the lanes' results of a seq, puts them in
//                 canonical order (runtime/stage_gather.h), runs the steps of the next level
//                 and routes rows to the next stage (or hands the frame to the output)
//   OutputStep    restores source order (ReorderBuffer) and writes the sinks (SinkWriter)
//
// Every step sees every sequence number, also after a failure (then with empty batches), so
// that sequencers never wait for a number that will not come and the graph drains.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/batch.h"
#include "runtime/input_driver.h"
#include "runtime/plan.h"
#include "runtime/reorder_buffer.h"
#include "runtime/run_guard.h"
#include "runtime/sink_writer.h"
#include "runtime/stage_counters.h"

namespace sluice {

// One source batch on its way into a keyed stage: the batches of the stage's inputs (the left
// and right input for a join). Every lane reads its rows of `whole` (and `right`; read-only,
// shared) through rows[lane] (right_rows[lane]). `whole` carries the source batch's seq,
// watermarks and checkpoint barrier. `frame` holds every stream computed so far for the seq.
struct Routed {
  uint64_t seq = 0;
  BatchPtr whole;
  BatchPtr right;
  std::vector<std::vector<uint32_t>> rows;        // per lane; unused with one lane (all rows)
  std::vector<std::vector<uint32_t>> right_rows;  // per lane; joins
  std::vector<DeadLetter> dead;
  EarlierStages earlier;  // what the keyed stages before this one left for the output
  FramePtr frame;
};
using RoutedPtr = std::shared_ptr<Routed>;

// What moves between nodes after the source. Cheap to copy (oneTBB copies messages).
struct Msg {
  uint64_t seq = 0;
  uint32_t lane = 0;
  RoutedPtr routed;                             // into a keyed stage's lanes, or to the output
  BatchPtr result;                              // out of a lane
  std::shared_ptr<const std::string> snapshot;  // the lane's operator state at a barrier
};

class SourceStep {
 public:
  // `latency` (may be null) gets each frame's sequence number stamped as it is read.
  SourceStep(InputDriver* driver, RunGuard* run, StageCounter* counter, ResultLatency* latency)
      : driver_(driver), run_(run), counter_(counter), latency_(latency) {}
  // The next frame, or null at the end of the input or once the run failed.
  FramePtr Next();

 private:
  InputDriver* driver_;
  RunGuard* run_;
  StageCounter* counter_;
  ResultLatency* latency_;
};

class StatelessStep {
 public:
  StatelessStep(const Plan& plan, RunGuard* run, StageCounter* counter)
      : plan_(plan), run_(run), counter_(counter) {}
  Msg Run(const FramePtr& frame) const;

 private:
  const Plan& plan_;
  RunGuard* run_;
  StageCounter* counter_;
};

class LaneStep {
 public:
  LaneStep(const Plan& plan, size_t stage, uint32_t lane, KeyedOperator* op, RunGuard* run,
           StageCounter* counter);
  Msg Run(const Msg& in) const;

 private:
  const Plan& plan_;
  const size_t stage_;
  const uint32_t lane_;
  KeyedOperator* op_;  // used by one thread at a time (the lane's node is serial)
  RunGuard* run_;
  StageCounter* counter_;
  std::string name_;  // "lane 1 of the keyed stage (session window)", for messages
};

// Thread-safe: lanes deliver concurrently.
class ExchangeStep {
 public:
  ExchangeStep(const Plan& plan, size_t stage, RunGuard* run);
  // Takes one lane's result; once all lanes of its seq are in, sets *out to the message for the
  // next stage's lanes (or, after the last stage, for the output) and returns true.
  bool Run(const Msg& in, Msg* out);

 private:
  const Plan& plan_;
  const size_t stage_;  // the stage whose results this gathers
  RunGuard* run_;
  std::string name_;
  struct Pending {
    std::vector<Msg> parts;  // by lane
    uint32_t received = 0;
  };
  std::mutex mu_;
  std::map<uint64_t, Pending> pending_;  // GUARDED_BY(mu_)
};

// Not thread-safe: driven by one serial node.
class OutputStep {
 public:
  OutputStep(uint32_t lanes, SinkWriter* writer, RunGuard* run, StageCounter* counter)
      : reorder_(lanes), writer_(writer), run_(run), counter_(counter) {}
  // Takes one lane's result of the last stage (Plan::direct_output) or one seq's frame; returns
  // how many sequence numbers completed and were written (each frees one in-flight slot).
  size_t Run(const Msg& m);

 private:
  ReorderBuffer reorder_;
  SinkWriter* writer_;
  RunGuard* run_;
  StageCounter* counter_;
  std::vector<SeqResults> done_;
  std::map<uint64_t, TimeUs> watermarks_;  // of the seqs not yet written
};

// "session window", "running aggregate", "interval join", ...
std::string_view KeyedStageName(const KeyedStagePlan& stage);

}  // namespace sluice
