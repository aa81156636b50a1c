// `sluice log ...` and `sluice schema check`: manage event logs from the command line.
//
//   sluice log append LOG --stream S --type T --schema "user:string,ts:timestamp_ms"
//                     [--from-scratch] [FILE|-]                        (cli/log_append.h)
//   sluice log read LOG [--from N|TIME] [--stream S] [--type T]... [--limit N] [--follow]
//   sluice log stats LOG
//   sluice log verify LOG
//   sluice log truncate LOG --before N | --all
//   sluice schema check OLD.fbs NEW.fbs
//
// Exit codes: 0 ok, 1 failure (I/O, corruption found, incompatible schema), 2 bad usage.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

// Adds the `log` and `schema` subcommands to `app`; each sets *exit_code when it runs.
void AddLogCommands(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
