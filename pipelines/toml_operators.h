// Reading the [[operator]] tables of a pipeline file.
#pragma once

#include <toml++/toml.h>

#include <vector>

#include "sluice/pipeline_spec.h"
#include "pipelines/toml_reader.h"

namespace sluice {

// Appends one OperatorSpec per [[operator]] table of `root`, in file order. Checks shape only:
// expressions and aggregates are kept as text with their positions, for the planner.
Status ReadOperators(const TomlReader& reader, const toml::table& root,
                     std::vector<OperatorSpec>* ops);

}  // namespace sluice
