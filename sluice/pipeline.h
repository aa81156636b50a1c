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
  uint64_t batches_in = 0;   // batches (sequence numbers) the stage handled
  uint64_t batches_out = 0;  // of those, the ones it passed on with rows
  double busy_s = 0;         // time its steps spent working (summed over lanes)
  // A keyed stage's state: keys it holds state for after its last batch (open panes or
  // sessions, running accumulators, buffered join keys: what its memory grows with), and the
  // size of its snapshot in the latest checkpoint (0 before one). Summed over lanes.
  uint64_t state_keys = 0;
  uint64_t state_bytes = 0;
  // The event-time watermark after the last batch the stage handled (microseconds since the
  // epoch; INT64_MIN before the first; INT64_MAX once the input ended). A keyed stage's is
  // the minimum over its lanes.
  int64_t watermark = INT64_MIN;
  int lane = -1;                  // for an entry of `lanes`: its index
  std::vector<StageStats> lanes;  // a keyed stage's lanes, lane 0 first; empty otherwise
};

// Rows one sink holds (a resumed run includes what earlier processes wrote), updated as each
// batch is written. `name`: "csv out.csv", "projection by_user", "null", ... in declaration
// order.
struct SinkStats {
  std::string name;
  uint64_t rows = 0;
};

// A checkpoint this process took.
struct CheckpointStats {
  uint64_t id = 0;
  int64_t taken_at_us = 0;  // wall clock, microseconds since the epoch
  double duration_s = 0;    // preparing the sinks, syncing and committing
  uint64_t state_bytes = 0;  // operator snapshots and source state it holds
};

// End-to-end latency of the results this process wrote: from the source reading the batch
// that made a result computable to the sinks writing it, counted per result row.
struct LatencyStats {
  static constexpr double kBuckets[] = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05,
                                        0.1,    0.5,    1,     5,     10};
  uint64_t count = 0;  // result rows observed
  double sum_s = 0;
  std::vector<uint64_t> buckets;  // rows with latency <= kBuckets[i] (cumulative)
  int64_t p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
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
  // Progress through an input of known size, in the source's unit (generator events, file
  // bytes, log positions): input_done of input_total. input_total is 0 when the size is unknown
  // (standard input, a followed log). Set while the run reads; a resumed run starts at its
  // checkpoint's position.
  uint64_t input_done = 0;
  uint64_t input_total = 0;
  // Sources reading an event log: log positions after the last one read (for a followed log,
  // behind the head other processes keep appending to), as of the latest batch.
  bool has_log_behind = false;
  uint64_t log_behind = 0;
  // The largest event time the sources produced (microseconds; INT64_MIN before the first).
  int64_t newest_event_time = INT64_MIN;
  // The latest checkpoints this process took, oldest first (at most kRecentCheckpoints), and
  // how long all of them took: counts of durations at most kCheckpointBuckets[i] seconds
  // (cumulative, as Prometheus histograms are), their number and sum.
  static constexpr size_t kRecentCheckpoints = 16;
  static constexpr double kCheckpointBuckets[] = {0.001, 0.005, 0.01, 0.05, 0.1,
                                                  0.5,   1,     5,    10};
  std::vector<SinkStats> sinks;  // one per sink, in declaration order
  std::vector<CheckpointStats> recent_checkpoints;
  std::vector<uint64_t> checkpoint_buckets;  // one per kCheckpointBuckets entry
  double checkpoint_seconds_sum = 0;
  LatencyStats latency;
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
