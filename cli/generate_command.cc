#include "cli/generate_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "operators/clickstream.h"
#include "operators/nexmark_files.h"

namespace sluice::cli {

namespace {

struct NexmarkArgs {
  std::string out;
  uint64_t events = 1'000'000;
  uint64_t seed = 0;
  bool quiet = false;
};

int GenerateNexmark(const NexmarkArgs& args) {
  NexmarkConfig config;
  config.seed = args.seed;
  // Progress on a terminal, at most twice a second: "nexmark: 12,345,678 of 100,000,000 events".
  const bool show = !args.quiet && isatty(STDERR_FILENO);
  auto last = std::chrono::steady_clock::now();
  bool printed = false;
  auto progress = [&](uint64_t done) {
    const auto now = std::chrono::steady_clock::now();
    if (!show || now - last < std::chrono::milliseconds(500)) return;
    last = now;
    printed = true;
    fmt::print(stderr, "\rnexmark: {} of {} events ({:.0f}%)   ", done, args.events,
               100.0 * static_cast<double>(done) / static_cast<double>(args.events));
  };
  const auto start = std::chrono::steady_clock::now();
  Status s = WriteNexmarkFiles(args.out, args.events, config, progress);
  if (printed) fmt::print(stderr, "\r\033[K");
  if (!s.ok()) {
    fmt::print(stderr, "sluice: {}\n", s.message());
    return 1;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!args.quiet) {
    fmt::print(stderr,
               "wrote {} nexmark events ({} persons, {} auctions, {} bids) to {}/{{person,auction,"
               "bid}}.csv and side_input.csv in {:.2f} s\n",
               args.events, NexmarkGenerator::CountBefore(NexmarkTable::kPerson, args.events),
               NexmarkGenerator::CountBefore(NexmarkTable::kAuction, args.events),
               NexmarkGenerator::CountBefore(NexmarkTable::kBid, args.events), args.out, secs);
  }
  return 0;
}

void AddNexmarkCommand(CLI::App* gen, int* exit_code) {
  auto args = std::make_shared<NexmarkArgs>();
  CLI::App* nexmark = gen->add_subcommand(
      "nexmark",
      "The Nexmark benchmark's persons, auctions and bids as CSV files in a directory:\n"
      "person.csv, auction.csv, bid.csv (each sorted by date_time, epoch ms) and side_input.csv");
  nexmark->add_option("-o,--out", args->out, "Output directory (created if needed)")->required();
  nexmark->add_option("--events", args->events,
                      "Events of the three tables together (1 person : 3 auctions : 46 bids; "
                      "10,000 per second of event time)")
      ->capture_default_str();
  nexmark->add_option("--seed", args->seed, "Random seed (same seed, same files)")
      ->capture_default_str();
  nexmark->add_flag("-q,--quiet", args->quiet, "No progress and no summary line on stderr");
  nexmark->footer(
      "The same events as a pipeline's nexmark sources with the same seed and events "
      "(docs/pipelines.md).\nExample: sluice generate nexmark --events 1000000 --out nexmark-data");
  nexmark->callback([args, exit_code] { *exit_code = GenerateNexmark(*args); });
}

}  // namespace

void AddGenerateCommand(CLI::App& app, int* exit_code) {
  CLI::App* gen = app.add_subcommand("generate", "Write synthetic input data");
  gen->require_subcommand(1);
  auto opts = std::make_shared<ClickstreamOptions>();
  auto out = std::make_shared<std::string>();
  CLI::App* clicks = gen->add_subcommand(
      "clickstream",
      "A realistic clickstream CSV (user,page,ts,amount): bursts, out-of-order arrivals, a few "
      "malformed lines");
  clicks->add_option("-o,--out", *out, "Output CSV file")->required();
  clicks->add_option("--events", opts->events, "Number of clicks")->capture_default_str();
  clicks->add_option("--users", opts->users, "Number of users")->capture_default_str();
  clicks->add_option("--pages", opts->pages, "Number of pages")->capture_default_str();
  clicks->add_option("--max-delay-ms", opts->max_delay_ms,
                     "Largest arrival delay of out-of-order clicks")
      ->capture_default_str();
  clicks->add_option("--malformed", opts->malformed, "Malformed lines to include")
      ->capture_default_str();
  clicks->add_option("--seed", opts->seed, "Random seed (same seed, same file)")
      ->capture_default_str();
  clicks->callback([opts, out, exit_code] {
    Status s = WriteClickstream(*out, *opts);
    if (!s.ok()) {
      fmt::print(stderr, "sluice: {}\n", s.message());
      *exit_code = 1;
      return;
    }
    fmt::print(stderr, "wrote {} clicks by {} users to {}\n", opts->events, opts->users, *out);
  });
  AddNexmarkCommand(gen, exit_code);
}

}  // namespace sluice::cli
