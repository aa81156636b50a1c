// `sluice run` and `sluice validate`.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

// Adds the subcommands to `app`; the chosen one stores its process exit code in *exit_code.
void AddRunCommands(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
