// The sluice command: run and validate pipelines, manage event logs, generate demo data.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <new>

#include "cli/bench_command.h"
#include "cli/checkpoints_command.h"
#include "cli/generate_command.h"
#include "cli/log_commands.h"
#include "cli/query_command.h"
#include "cli/run_command.h"
#include "cli/serve_command.h"

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f) then fails the write with EFBIG, reported like a full disk
  // with the file named, instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app(
      "sluice: a dataflow stream-processing engine.\n"
      "Run windowed analytics pipelines declared in TOML files over CSV, JSON lines, generated\n"
      "data or an LMDB event log.",
      "sluice");
  app.set_version_flag("--version", "sluice 0.1.0");
  app.require_subcommand(1);
  int exit_code = 0;
  sluice::cli::AddRunCommands(app, &exit_code);
  sluice::cli::AddGenerateCommand(app, &exit_code);
  sluice::cli::AddLogCommands(app, &exit_code);
  sluice::cli::AddQueryCommand(app, &exit_code);
  sluice::cli::AddCheckpointsCommand(app, &exit_code);
  sluice::cli::AddServeCommand(app, &exit_code);
  sluice::cli::AddBenchCommand(app, &exit_code);
  app.footer(
      "Examples:\n"
      "  sluice validate pipelines/examples/clicks-per-user.toml\n"
      "  sluice run pipelines/examples/clicks-per-user.toml --parallelism 2\n"
      "  sluice query clicks-per-user.state by_user u6\n"
      "  sluice run FILE --help   (help for one command)\n"
      "Exit codes: 0 ok, 1 runtime failure, 2 invalid pipeline or usage, 130 interrupted.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const std::bad_alloc&) {
    // The pipeline reports its own out-of-memory errors, naming the stage; this is for the
    // rest (reading a log, a query), so that the process still ends with a message and exit 1.
    std::fputs("sluice: out of memory\n", stderr);
    return 1;
  }
  return exit_code;
}
