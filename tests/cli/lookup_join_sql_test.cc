// Lookup joins run by the `sluice` binary from TOML files, checked against SQLite: bids from a
// csv source joined, on auction % 100 (computed by a map), with a side table whose keys repeat,
// miss and are sometimes null, loaded into the same in-memory database. Every run, at
// parallelism 1 and 2 and batch sizes 1, 7 and 4096, must give SQLite's rows as a multiset.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "../runtime/row_compare.h"
#include "../runtime/test_util.h"
#include "cli_util.h"
#include "sqlite_rows.h"

using sluice::testing::CheckSameSortedRows;
using sluice::testing::ReadLines;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::SortedCsvRows;
using sluice::testing::WriteFile;

namespace {

// bids.csv (auction,bidder,price,ts; some auctions empty, so null) and side.csv (key,label):
// keys 0..79 once or twice, 80..99 absent, 100..109 never matched, one line without a key.
void WriteInputs(const std::string& dir) {
  std::mt19937_64 rng(11);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::string bids = "auction,bidder,price,ts\n";
  int64_t t = 1'000'000;
  for (int i = 0; i < 700; ++i) {
    t += pick(0, 4) * 50;
    const std::string auction = pick(0, 30) == 0 ? "" : std::to_string(pick(1, 1000));
    bids += fmt::format("{},b{},{},{}\n", auction, pick(1, 5), pick(1, 500), t - pick(0, 20) * 50);
  }
  const char* labels[] = {"plain", "été", "東京", "größer🚀", "x_y"};
  std::string side = "key,label\n";
  for (int k = 0; k < 110; ++k) {
    if (k >= 80 && k < 100) continue;
    const int copies = k % 7 == 0 ? 2 : 1;
    for (int c = 0; c < copies; ++c) side += fmt::format("{},{}{}\n", k, labels[(k + c) % 5], c);
  }
  side += ",orphan\n";
  WriteFile(dir + "/bids.csv", bids);
  WriteFile(dir + "/side.csv", side);
}

// Rows of `sql` over tables bids and side loaded from `dir` (an empty field is null).
std::vector<std::string> Query(const std::string& dir, const std::string& sql) {
  return sluice::testing::QueryCsvTables(
      dir,
      {{"bids", "auction INTEGER, bidder TEXT, price INTEGER, ts INTEGER"},
       {"side", "key INTEGER, label TEXT"}},
      sql);
}

const char* kPipeline = R"toml([pipeline]
name = "lookup"
checkpoints = false

[source]
type = "csv"
path = "bids.csv"
schema = { auction = "int64", bidder = "string", price = "int64", ts = "timestamp_ms" }
event_time = "ts"
max_out_of_orderness = "1h"

[[operator]]
type = "map"
set = ["auction_mod = auction % 100"]

[[operator]]
type = "lookup_join"
key = ["auction_mod"]
table_key = ["key"]
join = "JOIN_TYPE"
right_prefix = "s_"
table = { path = "side.csv", schema = { key = "int64", label = "string" } }

[sink]
type = "csv"
path = "out.csv"
)toml";

// The pipeline with `join` as its join type.
std::string PipelineText(const std::string& join) {
  std::string text = kPipeline;
  text.replace(text.find("JOIN_TYPE"), 9, join);
  return text;
}

}  // namespace

TEST_CASE("lookup joins, inner and left, match SQLite's joins with the side table") {
  const std::vector<std::pair<std::string, std::string>> kinds = {{"inner", "JOIN"},
                                                                  {"left", "LEFT JOIN"}};
  for (const auto& [join, sql] : kinds) {
    CAPTURE(join);
    ScratchDir dir("lookup-sql");
    WriteInputs(dir.file(""));
    WriteFile(dir.file("p.toml"), PipelineText(join));
    const std::vector<std::string> want = Query(
        dir.file(""),
        fmt::format("SELECT b.auction, b.bidder, b.price, b.ts, b.auction % 100, s.key, s.label "
                    "FROM bids b {} side s ON b.auction % 100 = s.key",
                    sql));
    REQUIRE(want.size() > 500);
    for (const char* args : {"--parallelism 1 --batch-size 4096", "--parallelism 1 --batch-size 7",
                             "--parallelism 1 --batch-size 1", "--parallelism 2 --batch-size 4096",
                             "--parallelism 2 --batch-size 7", "--parallelism 2 --batch-size 1"}) {
      auto o = Sluice(std::string("run p.toml ") + args, dir.file(""));
      INFO(args << ": " << o.output);
      REQUIRE(o.code == 0);
      CheckSameSortedRows(SortedCsvRows(dir.file("out.csv")), want);
    }
  }
}

// Runs the pipeline `text` (writing out.csv) at P = 1 and 2 and batch sizes 1, 7 and 4096.
void CheckRuns(const std::string& dir, const std::string& text,
               const std::vector<std::string>& want) {
  WriteFile(dir + "/p.toml", text);
  REQUIRE(want.size() > 50);
  for (const char* args : {"--parallelism 1 --batch-size 4096", "--parallelism 2 --batch-size 7",
                           "--parallelism 2 --batch-size 1"}) {
    auto o = Sluice(std::string("run p.toml ") + args, dir);
    INFO(args << ": " << o.output);
    REQUIRE(o.code == 0);
    CheckSameSortedRows(SortedCsvRows(dir + "/out.csv"), want);
  }
}

TEST_CASE("a lookup join after a union and after a window matches SQLite") {
  ScratchDir dir("lookup-sql");
  WriteInputs(dir.file(""));
  // Two sources read the same bids: rows carry merged positions, repeated by the join.
  std::string text = PipelineText("inner");
  text.replace(text.find("[source]"), 8, "[[source]]\nname = \"a\"");
  const std::string source_b = R"toml(
[[source]]
name = "b"
type = "csv"
path = "bids.csv"
schema = { auction = "int64", bidder = "string", price = "int64", ts = "timestamp_ms" }
event_time = "ts"
max_out_of_orderness = "1h"

[[operator]]
type = "union"
inputs = ["a", "b"]
)toml";
  text.replace(text.find("\n[[operator]]\ntype = \"map\""), 0, source_b);
  CheckRuns(dir.file(""), text,
            Query(dir.file(""),
                  "SELECT b.auction, b.bidder, b.price, b.ts, b.auction % 100, s.key, s.label "
                  "FROM (SELECT * FROM bids UNION ALL SELECT * FROM bids) b JOIN side s "
                  "ON b.auction % 100 = s.key"));
  // Windows per auction_mod, then their rows joined (the join runs after the keyed stage).
  for (const auto& [join, sql] :
       std::vector<std::pair<std::string, std::string>>{{"inner", "JOIN"}, {"left", "LEFT JOIN"}}) {
    CAPTURE(join);
    std::string windowed = PipelineText(join);
    windowed.replace(windowed.find("\n[[operator]]\ntype = \"lookup_join\""), 0, R"toml(
[[operator]]
type = "key_by"
fields = ["auction_mod"]

[[operator]]
type = "window"
kind = "tumbling"
size = "5s"
aggregates = ["count() as n", "sum(price) as total"]
)toml");
    CheckRuns(dir.file(""), windowed,
              Query(dir.file(""),
                    fmt::format("SELECT w.m, w.ws, w.ws + 5000, w.n, w.total, s.key, s.label FROM "
                                "(SELECT auction % 100 AS m, ts / 5000 * 5000 AS ws, count(*) AS "
                                "n, sum(price) AS total FROM bids GROUP BY 1, 2) w {} side s ON "
                                "w.m = s.key",
                                sql)));
  }
}

TEST_CASE("a lookup join's malformed table line stops the run before it starts") {
  ScratchDir dir("lookup-sql");
  WriteInputs(dir.file(""));
  WriteFile(dir.file("side.csv"), "key,label\n1,one\ntwo,2\n");
  WriteFile(dir.file("p.toml"), PipelineText("inner"));
  auto o = Sluice("run p.toml", dir.file(""));
  CHECK(o.code == 2);
  CHECK(o.output.find("p.toml:22:18: operator #2 (lookup_join): table: side.csv:3: field 'key': "
                      "'two' is not an int64") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("out.csv")));
}
