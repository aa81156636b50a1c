// The canonical text of a pipeline definition, stored with each checkpoint so that a resumed run
// can tell whether the pipeline still means what it meant when the checkpoint was taken.
//
// One line per item ("source: csv path=clicks.csv schema=user:string,ts:timestamp_ms ...",
// "operator 3: window tumbling size=10000000us ...", "sink 1: csv path=out.csv", "lanes: 2").
// Everything that decides the state or where output goes is in it; what does not (batch size,
// the file's comments and layout) is not. C++ lambdas appear as "<function>": a changed lambda
// cannot be detected.
#pragma once

#include <string>

#include "sluice/pipeline_spec.h"

namespace sluice {

std::string DescribeDefinition(const PipelineSpec& spec, uint32_t lanes);

// The first line that differs between two definitions, as "was `...`, now `...`"; empty when
// they are equal.
std::string DefinitionChange(const std::string& was, const std::string& now);

}  // namespace sluice
