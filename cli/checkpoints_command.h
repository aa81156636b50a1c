// `sluice checkpoints DIR`: lists the latest checkpoint of every pipeline whose state is in DIR
// (one JSON object per line): its id, when it was taken, the source position and watermark it
// holds, and whether the run finished and completed.
//
// Exit codes: 0 ok, 1 no such state directory.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddCheckpointsCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
