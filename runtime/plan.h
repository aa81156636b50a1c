// Plan: a checked PipelineSpec, with schemas inferred and expressions bound, ready to become a
// flow graph. Built once by BuildPlan; immutable afterwards and shared by all lanes.
//
// A pipeline is a directed acyclic graph of sources, operators and sinks. The planner turns it
// into streams (the rows one source or operator emits), stateless steps between streams
// (filters and maps, fused while a stream has a single reader; unions) and keyed stages (a
// window or running aggregate after a key_by, or a join), numbered in a topological order.
// Everything runs once per source batch (one sequence number):
//
//   sources (merged into one sequence) -> steps of level 0 (parallel, one task per batch)
//     -> for each keyed stage k: route its inputs to lanes by key -> the operator per lane
//        (serial, in source order) -> its post transforms (per lane) -> gather the lanes'
//        results in a canonical order -> steps of level k + 1
//     -> sinks, each writing the stream it reads
//
// A stream's level is the first point where it exists: 0 for what derives from sources alone,
// k + 1 for what needs keyed stage k's results. A stage's inputs have levels <= k.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "operators/join_operator.h"
#include "operators/keyed_operator.h"
#include "operators/source.h"
#include "operators/transform.h"
#include "sluice/options.h"
#include "sluice/pipeline_spec.h"

namespace sluice {

// The rows one source or operator emits.
struct StreamPlan {
  std::string name;  // the source's or operator's name, or "operator #3 (filter)"
  Schema schema;
  int level = 0;
  // Readers: steps, stages and sinks. A reader that changes rows works on a copy unless it is
  // the only one.
  int readers = 0;
  // The keyed stage whose results (after its post transforms) this is, or -1.
  int stage = -1;
  // Derived from a stage whose rows may update or repeat earlier rows (a running aggregate, a
  // window with allowed_lateness): such rows cannot feed a keyed stage. Names that stage.
  std::string updates;
  // Rows derive from source rows directly (not only from stage results): they may be late.
  bool from_sources = false;
  // The sources upstream of this stream (bit i: source i), through any path.
  uint64_t upstream = 0;
  bool has_event_time = false;
  TimeUnit time_unit = TimeUnit::kMicros;  // of the event-time field (window bounds' unit)
};

// Stateless work between streams: a fused run of filters and maps over one input, or a union.
struct StepPlan {
  std::string name;
  std::vector<int> inputs;  // streams; one unless a union
  int output = -1;          // stream
  bool is_union = false;
  std::vector<std::unique_ptr<Transform>> transforms;  // applied in order (not for unions)
};

// One keyed stage: a window or running aggregate after a key_by (one input), or a join (two),
// and the filters and maps after it that only it feeds.
struct KeyedStagePlan {
  std::string name;  // "operator #3 (window)", for messages
  bool join = false;
  KeyedStageDef def;        // one input: key columns and aggregate inputs index `input`
  JoinDef join_def;         // join: key columns index `input` (left) and `right`
  std::vector<int> inputs;  // streams: one, or left and right for a join
  Schema input;             // the rows each lane receives (hidden aggregate arguments last)
  size_t visible = 0;       // leading fields of `input` the user can see (late rows keep these)
  Schema right;             // join: the right input's rows
  // True when every input derives from earlier stages' results: then no row can be late here.
  bool inputs_from_stages = false;
  std::vector<std::unique_ptr<Transform>> post;  // per lane, after the operator
  Schema output;                                 // after `post`
  int output_stream = -1;
  // Plan::late_inputs index of the input's late rows (left/only, right), or -1 when no row of
  // that input can be late.
  int late[2] = {-1, -1};
  // The sources upstream of the stage's inputs: its watermark is the minimum over these alone.
  // Equal to Plan::all_sources() unless some source does not reach the stage.
  uint64_t upstream = 0;

  // True when the stage's rows are a changelog (deduplicate, top_n per key, an aggregate with
  // emit = "changelog"): gathered in the order of their causes (runtime/stage_gather.h).
  bool changelog() const {
    return !join && (def.kind == OpKind::kDeduplicate ||
                     (def.kind == OpKind::kTopN && def.window_end_column < 0) ||
                     (def.kind == OpKind::kAggregate && def.changelog));
  }
};

// An input of a keyed stage whose rows may be late: where its late rows come from and the
// fields they keep (the input's visible fields).
struct LateInput {
  std::string stage;  // the stage's name
  Schema schema;
};

// A source of the pipeline.
struct SourcePlan {
  SourceSpec spec;
  SourceOptions options;  // schema, event-time field, batch size, name
  int64_t max_out_of_orderness = 0;
  int64_t idle_timeout = 0;  // us; 0 = never idle
  int stream = -1;
};

struct Plan {
  PipelineSpec spec;
  uint32_t parallelism = 1;
  size_t max_in_flight = 8;
  std::string dead_letter_path;
  std::string late_path;  // empty: late events are only counted

  // Sources in declaration order; source i emits stream i.
  std::vector<SourcePlan> sources;
  std::vector<StreamPlan> streams;
  // steps[L]: the steps of level L, in an order that runs every step after its inputs exist.
  // Has stages.size() + 1 entries.
  std::vector<std::vector<StepPlan>> steps;
  std::vector<KeyedStagePlan> stages;
  bool keyed() const { return !stages.empty(); }
  std::vector<LateInput> late_inputs;
  // Rows carry their merged position (Batch::pos): a union needs it to merge its inputs, and
  // a stage's own watermark (below) is looked up by it.
  bool positions = false;
  // The distinct `upstream` sets of the stages that do not read every source, in stage order,
  // and with positions the set of all sources: the input driver tracks a watermark for each
  // (Frame::subsets).
  std::vector<uint64_t> watermark_subsets;
  uint64_t all_sources() const {
    return sources.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << sources.size()) - 1;
  }

  // Every sink, in declaration order (spec.sink first), with projection sinks resolved (their
  // state directory, pipeline and key fields filled in), and the stream each one writes.
  std::vector<SinkSpec> sinks;
  std::vector<int> sink_streams;
  Schema output_schema;  // the first sink's rows

  // True when every sink writes the last keyed stage's results and nothing runs after that
  // stage: its lanes then feed the sinks directly, without a final gather.
  bool direct_output = false;

  // Checkpoints: on when the spec names a state directory and every source can be read again.
  bool checkpoints = false;
  std::string state_dir;
  int64_t checkpoint_interval = 0;  // us
};

// Validates `spec` and builds its plan. Errors are InvalidArgument, prefixed with
// "file:line:column: " when the spec records where the offending item was declared.
Status BuildPlan(const PipelineSpec& spec, const PipelineOptions& options,
                 std::unique_ptr<Plan>* plan);

}  // namespace sluice
