// `sluice serve STATE_DIR --http HOST:PORT [--http-token T]`: the read side alone. Serves the
// projections of a state directory over HTTP (serve/http_server.h: GET /projections,
// /projections/NAME, /metrics with the process's own figures) without running a pipeline, until
// interrupted.
//
// Exit codes: 0 after SIGINT/SIGTERM, 1 cannot listen, 2 bad usage (a non-loopback address
// without a token).
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddServeCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
