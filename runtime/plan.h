// Plan: a checked PipelineSpec, with schemas inferred and expressions bound, ready to become a
// flow graph. Built once by BuildPlan; immutable afterwards and shared by all lanes.
//
// Shape of every plan:
//   source -> pre transforms (fused, parallel)
//          -> for each keyed stage: route to lanes by its key_by -> keyed operator per lane
//             (serial, in source order) -> the stage's post transforms -> gather the lanes'
//             results (in a canonical order) for the next stage
//          -> sinks
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sluice/options.h"
#include "sluice/pipeline_spec.h"
#include "operators/keyed_operator.h"
#include "operators/source.h"
#include "operators/transform.h"

namespace sluice {

// One keyed stage: a key_by followed by a window or running aggregate, and the filters and maps
// after it up to the next key_by (or the sinks).
struct KeyedStagePlan {
  std::string name;  // "operator #3 (window)", for messages
  KeyedStageDef def;  // key columns and aggregate inputs index `input`
  Schema input;       // the rows each lane receives (hidden aggregate arguments last)
  size_t visible = 0;  // leading fields of `input` the user can see (late rows keep these)
  std::vector<std::unique_ptr<Transform>> post;  // per lane, after the operator
  Schema output;                                 // after `post`
};

struct Plan {
  PipelineSpec spec;
  uint32_t parallelism = 1;
  size_t max_in_flight = 8;
  std::string dead_letter_path;
  std::string late_path;  // empty: late events are only counted

  SourceOptions source_options;  // schema, event-time field, batch size, name
  int64_t max_out_of_orderness = 0;

  std::vector<std::unique_ptr<Transform>> pre;  // before the first keyed stage (or all)
  Schema pre_schema;                            // schema after `pre`

  // The keyed stages, in order; empty for a pipeline without key_by. Stage k > 0 reads the
  // gathered results of stage k - 1 (after its post transforms).
  std::vector<KeyedStagePlan> stages;
  Schema output_schema;  // what the sinks receive

  bool keyed() const { return !stages.empty(); }

  // Every sink, in declaration order (spec.sink first), with projection sinks resolved (their
  // state directory, pipeline and key fields filled in).
  std::vector<SinkSpec> sinks;

  // Checkpoints: on when the spec names a state directory and the source can be read again.
  bool checkpoints = false;
  std::string state_dir;
  int64_t checkpoint_interval = 0;  // us
};

// Validates `spec` and builds its plan. Errors are InvalidArgument, prefixed with
// "file:line:column: " when the spec records where the offending item was declared.
Status BuildPlan(const PipelineSpec& spec, const PipelineOptions& options,
                 std::unique_ptr<Plan>* plan);

}  // namespace sluice
