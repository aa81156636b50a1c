// Plan: a checked PipelineSpec, with schemas inferred and expressions bound, ready to become a
// flow graph. Built once by BuildPlan; immutable afterwards and shared by all lanes.
//
// Shape of every plan:
//   source -> pre transforms (fused, parallel) -> [key_by: route to lanes
//          -> keyed operator per lane (serial, in source order) -> post transforms] -> sink
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/options.h"
#include "engine/pipeline_spec.h"
#include "operators/keyed_operator.h"
#include "operators/source.h"
#include "operators/transform.h"

namespace sluice {

struct Plan {
  PipelineSpec spec;
  uint32_t parallelism = 1;
  size_t max_in_flight = 8;
  std::string dead_letter_path;
  std::string late_path;  // empty: late events are only counted

  SourceOptions source_options;  // schema, event-time field, batch size, name
  int64_t max_out_of_orderness = 0;

  std::vector<std::unique_ptr<Transform>> pre;  // before the keyed stage (or all, when unkeyed)
  Schema pre_schema;                            // schema after `pre`

  bool keyed = false;
  KeyedStageDef keyed_def;   // key columns and aggregate inputs index pre_schema
  size_t keyed_visible = 0;  // fields of pre_schema the user can see (hidden ones follow)
  std::vector<std::unique_ptr<Transform>> post;  // after the keyed stage, per lane
  Schema output_schema;                          // what the sink receives

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
