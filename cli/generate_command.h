// `sluice generate`: writes synthetic input files (the demo's clickstream).
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddGenerateCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
