// GET /status: a running pipeline as one JSON object (docs/operations.md): its definition
// summary, its stages and the edges between them, every figure of Pipeline::Stats() per stage
// and lane, and its latest checkpoints.
#pragma once

#include <cstdint>
#include <string>

#include "sluice/pipeline.h"
#include "sluice/pipeline_spec.h"

namespace sluice::serve {

// `spec` as the pipeline was built from it; `lanes` its parallelism; `running` whether Run()
// has not returned yet; `now_us` the wall clock (microseconds since the epoch).
std::string StatusJson(const PipelineSpec& spec, uint32_t lanes, bool running,
                       const PipelineStats& st, int64_t now_us);

}  // namespace sluice::serve
