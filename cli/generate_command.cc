#include "cli/generate_command.h"

#include <memory>
#include <string>

#include <fmt/format.h>

#include "operators/clickstream.h"

namespace sluice::cli {

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
}

}  // namespace sluice::cli
