// Pipeline: the public entry point for running a dataflow.
//
//   PipelineSpec spec = ...;                      // from PipelineBuilder or LoadPipelineFile
//   std::unique_ptr<Pipeline> p;
//   Status s = Pipeline::Build(PipelineOptions(), spec, &p);   // validates, plans; reads no data
//   if (s.ok()) s = p->Run();                                  // runs to end of input
//
// Thread-safety: Run() is called once, from one thread. Stop() and Stats() may be called from any
// thread at any time, including while Run() is in progress.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sluice/options.h"
#include "sluice/pipeline_spec.h"
#include "base/status.h"

namespace sluice {

// Rows through one stage of a run, counted by this process (a resumed run's earlier processes
// are not included). Stages, in order: "source" (rows_out well-formed events, dead_letters
// malformed records), "stateless" (the filters and maps before the first key_by: rows_in =
// rows_out + filtered), one per keyed stage named after its window or aggregate operator
// (rows_in = rows it aggregated + late; rows_out its results after the filters and maps that
// follow it, filtered what those dropped), and "sinks" (rows_in, rows each sink received).
struct StageStats {
  std::string name;
  uint64_t rows_in = 0;
  uint64_t rows_out = 0;
  uint64_t filtered = 0;
  uint64_t late = 0;
  uint64_t dead_letters = 0;
};

struct PipelineStats {
  uint64_t events_in = 0;     // well-formed events read from the source
  uint64_t records_out = 0;   // rows written to the sink
  uint64_t late = 0;          // events dropped as late by a window
  uint64_t dead_letters = 0;  // malformed records sent to the dead-letter file
  double elapsed_s = 0;       // wall time of Run() so far
  // Checkpointed runs. The counts above then include what earlier processes of a resumed run
  // did, so a resumed run reports what one uninterrupted run would have.
  uint64_t checkpoints = 0;      // checkpoints taken by this process
  uint64_t last_checkpoint = 0;  // id of the latest committed checkpoint (0 = none)
  uint64_t resumed_from = 0;     // id of the checkpoint this run resumed from (0 = fresh)
  uint64_t events_before = 0;    // of events_in, those that earlier processes read
  std::string resumed_position;  // its source position, for people
  bool finalized_only = false;   // the input had been finished; this run only committed output
  bool already_complete = false;  // the same pipeline had completed: nothing was done
  std::vector<StageStats> stages;  // see StageStats
  // Events this process read per second (a resumed run does not count earlier processes').
  double events_per_s() const {
    return elapsed_s > 0 ? (events_in - events_before) / elapsed_s : 0;
  }
};

class Pipeline {
 public:
  // Checks `spec` (schemas, expressions, operator order, options) and plans the graph. Invalid
  // pipelines are InvalidArgument with "file:line:column: " prefixes when the spec came from a
  // file. Opens no file and reads no data.
  static Status Build(const PipelineOptions& options, const PipelineSpec& spec,
                      std::unique_ptr<Pipeline>* pipeline);

  Pipeline() = default;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  virtual ~Pipeline() = default;

  // Opens the source and sinks and processes all input. On failure, file sinks are rolled back
  // (no partial output is left behind as if complete) and the first error is returned. A
  // checkpointed pipeline (PipelineSpec::state_dir) instead resumes from its latest checkpoint
  // when there is one, and on failure keeps what its last checkpoint committed for the next run
  // (docs/fault-tolerance.md). When the same pipeline already ran to completion there, Run()
  // does nothing (Stats().already_complete); PipelineOptions::from_scratch runs it again.
  virtual Status Run() = 0;
  // Asks a running pipeline to stop soon; Run() then returns Aborted.
  virtual void Stop() = 0;
  virtual PipelineStats Stats() const = 0;
  // Schema of the rows the sink receives.
  virtual const Schema& output_schema() const = 0;
  // The effective number of lanes.
  virtual uint32_t parallelism() const = 0;
};

}  // namespace sluice
