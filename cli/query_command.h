// `sluice query DIR [PROJECTION [KEY...]]`: reads a projection (storage/projection_store.h) from a
// pipeline's state directory as JSON lines, with its freshness on stderr.
//
//   sluice query clicks-per-user.state                      lists the projections
//   sluice query clicks-per-user.state by_user              every row, in key order
//   sluice query clicks-per-user.state by_user u6           rows whose first key field is "u6"
//   sluice query clicks-per-user.state by_user --freshness  only the freshness, as JSON
//
// Exit codes: 0 ok (also when no row matches), 1 no such state or projection, 2 bad usage.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddQueryCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
