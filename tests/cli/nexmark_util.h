// What the Nexmark query tests share: the tables as SQLite columns, generated input files, and
// running a query file of pipelines/nexmark on them.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../runtime/test_util.h"
#include "cli_util.h"

namespace sluice::testing {

// person, auction and bid as SQLite column definitions (QueryCsvTables).
inline const std::vector<std::pair<std::string, std::string>>& NexmarkTables() {
  static const std::vector<std::pair<std::string, std::string>> tables = {
      {"person",
       "id INTEGER, name TEXT, email_address TEXT, credit_card TEXT, city TEXT, state TEXT, "
       "date_time INTEGER, extra TEXT"},
      {"auction",
       "id INTEGER, item_name TEXT, description TEXT, initial_bid INTEGER, reserve INTEGER, "
       "date_time INTEGER, expires INTEGER, seller INTEGER, category INTEGER, extra TEXT"},
      {"bid",
       "auction INTEGER, bidder INTEGER, price INTEGER, channel TEXT, url TEXT, "
       "date_time INTEGER, extra TEXT"}};
  return tables;
}

// The directory of `sluice generate nexmark --events N --seed S` files, made once per process
// for each (N, S).
inline const std::string& NexmarkData(int events, int seed) {
  static std::map<std::pair<int, int>, std::pair<std::unique_ptr<ScratchDir>, std::string>> made;
  auto& [dir, path] = made[{events, seed}];
  if (!dir) {
    dir = std::make_unique<ScratchDir>(fmt::format("nexmark-{}-{}", events, seed));
    Outcome o = Sluice(fmt::format("generate nexmark -q --events {} --out data --seed {}", events,
                                   seed),
                       dir->file(""));
    INFO(o.output);
    REQUIRE(o.code == 0);
    path = dir->file("data");
  }
  return path;
}

// The result lines of pipelines/nexmark/`q`.toml on the files in `input` at parallelism `p`,
// after its header line, which must be `header`.
inline std::vector<std::string> RunNexmarkQuery(const std::string& q, int p,
                                                const std::string& input,
                                                const std::string& header) {
  ScratchDir out("nexmark-" + q);
  Outcome o = Sluice(fmt::format("run -q {}/pipelines/nexmark/{}.toml -p {} --var input={} "
                                 "--var output=out.csv",
                                 SLUICE_SOURCE_DIR, q, p, input),
                     out.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  std::vector<std::string> lines = ReadLines(out.file("out.csv"));
  REQUIRE(!lines.empty());
  CHECK(lines[0] == header);
  lines.erase(lines.begin());
  return lines;
}

// The comma-separated fields of `line`.
inline std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t end = 0; end != std::string::npos; start = end + 1) {
    end = line.find(',', start);
    out.push_back(line.substr(start, end == std::string::npos ? end : end - start));
  }
  return out;
}

// `line` with its field `i` (a double) written with 6 decimals.
inline std::string FixDouble(const std::string& line, size_t i) {
  std::vector<std::string> f = SplitCsvLine(line);
  f[i] = fmt::format("{:.6f}", std::strtod(f[i].c_str(), nullptr));
  std::string out;
  for (size_t k = 0; k < f.size(); ++k) out += (k ? "," : "") + f[k];
  return out;
}

}  // namespace sluice::testing
