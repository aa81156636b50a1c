// A deduplicate changelog through the real `sluice` binary: the csv sink writes `op` as a column,
// and applying that file in order gives the last row per key; the projection sink applies the
// changelog at every checkpoint (upsert on "+", delete on "-"), so `sluice query` serves exactly
// those rows, without `op`. Checked against a brute-force last row per key, at P = 1 and 2.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "../runtime/test_util.h"
#include "cli_util.h"

using sluice::testing::Outcome;
using sluice::testing::ReadLines;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

namespace {

std::string Pipeline(int parallelism) {
  return fmt::format(R"([pipeline]
name = "latest"
parallelism = {}
batch_size = 7
checkpoint_interval = "1ms"

[source]
type = "csv"
path = "bids.csv"
schema = {{ user = "string", ts = "timestamp_ms", amount = "int64" }}
event_time = "ts"
max_out_of_orderness = "50ms"

[[operator]]
type = "key_by"
fields = ["user"]

[[operator]]
type = "deduplicate"
keep = "last"

[[sink]]
type = "csv"
path = "changes.csv"

[[sink]]
type = "projection"
name = "last_bid"
)",
                     parallelism);
}

struct Row {
  int64_t ts;
  int64_t amount;
};

}  // namespace

TEST_CASE("a deduplicate changelog applied from its csv and by a projection gives the last row per key") {
  std::mt19937_64 rng(51);
  std::string csv = "user,ts,amount\n";
  std::map<std::string, Row> last;  // brute force: largest ts, ties the later row
  for (int i = 0; i < 3000; ++i) {
    const std::string user = fmt::format("u{}", std::uniform_int_distribution<int>(0, 40)(rng));
    const int64_t ts = 1000 + i * 3 - std::uniform_int_distribution<int64_t>(0, 40)(rng);
    const int64_t amount = std::uniform_int_distribution<int64_t>(0, 999)(rng);
    csv += fmt::format("{},{},{}\n", user, ts, amount);
    auto it = last.find(user);
    if (it == last.end() || ts >= it->second.ts) last[user] = {ts, amount};
  }
  std::set<std::string> want;
  for (const auto& [user, row] : last) want.insert(fmt::format("{},{},{}", user, row.ts, row.amount));
  std::set<std::string> want_json;
  for (const auto& [user, row] : last) {
    want_json.insert(fmt::format("{{\"user\":\"{}\",\"ts\":{},\"amount\":{}}}", user, row.ts,
                                 row.amount));
  }

  for (int p : {1, 2}) {
    INFO("P=" << p);
    ScratchDir dir("cli-changelog");
    WriteFile(dir.file("bids.csv"), csv);
    WriteFile(dir.file("p.toml"), Pipeline(p));
    Outcome run = Sluice("run p.toml --quiet", dir.file(""));
    REQUIRE_MESSAGE(run.code == 0, run.output);

    std::vector<std::string> lines = ReadLines(dir.file("changes.csv"));
    REQUIRE(!lines.empty());
    CHECK(lines[0] == "op,user,ts,amount");
    std::multiset<std::string> table;
    size_t removals = 0;
    for (size_t i = 1; i < lines.size(); ++i) {
      const std::string row = lines[i].substr(2);
      if (lines[i][0] == '+') {
        table.insert(row);
      } else {
        REQUIRE(lines[i][0] == '-');
        auto it = table.find(row);
        REQUIRE_MESSAGE(it != table.end(), "'-' of a row not in the table: " << lines[i]);
        table.erase(it);
        ++removals;
      }
    }
    CHECK(removals > 0);
    CHECK(std::set<std::string>(table.begin(), table.end()) == want);
    CHECK(table.size() == want.size());

    Outcome q = Sluice("query latest.state last_bid", dir.file(""), "", true);
    REQUIRE(q.code == 0);
    std::set<std::string> served;
    size_t start = 0;
    for (size_t nl; (nl = q.output.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string line = q.output.substr(start, nl - start);
      if (!line.empty() && line[0] == '{') served.insert(line);
    }
    CHECK(served == want_json);
    Outcome list = Sluice("query latest.state", dir.file(""), "", true);
    CHECK(list.output.find(fmt::format("\"rows\":{}", want.size())) != std::string::npos);
    CHECK(list.output.find("\"key\":[\"user\"]") != std::string::npos);
  }
}
