// Loading pipeline files with `--var NAME=VALUE` assignments, shared by the commands that take
// them (run, replay, validate, bench).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "base/status.h"
#include "sluice/pipeline_spec.h"

namespace sluice::cli {

// Loads FILE with the assignments substituted (a later one for the same name wins). A malformed
// assignment is InvalidArgument.
Result<PipelineSpec> LoadWithVars(const std::string& file, const std::vector<std::string>& vars);

// Adds `--var NAME=VALUE` (repeatable) to a command.
void AddVarOption(CLI::App* cmd, std::vector<std::string>* vars);

}  // namespace sluice::cli
