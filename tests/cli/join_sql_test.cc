// Joins run by the `sluice` binary from TOML files, checked against SQLite: bids and auctions
// from two csv sources loaded into an in-memory database, the joins written as SQL joins on the
// window or the time interval. The bound on out-of-orderness is an hour, so no row is late and
// the merged watermark only decides when results come, not which.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
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

// Deterministic bids (auction,bidder,price,ts) and auctions (id,seller,ts): times in ms, all
// multiples of 50 (so rows fall exactly on window and interval bounds), over about a minute,
// out of order by up to 3 s, on few keys so that windows and intervals hold
// several rows of both sides; some keys only on one side.
void WriteInputs(const std::string& dir) {
  std::mt19937_64 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::string bids = "auction,bidder,price,ts\n", auctions = "id,seller,ts\n";
  int64_t t = 1'000'000;
  for (int i = 0; i < 600; ++i) {
    t += pick(0, 4) * 50;
    bids +=
        fmt::format("{},b{},{},{}\n", pick(1, 12), pick(1, 5), pick(1, 500), t - pick(0, 60) * 50);
  }
  t = 1'000'000;
  for (int i = 0; i < 150; ++i) {
    t += pick(0, 16) * 50;
    auctions += fmt::format("{},s{},{}\n", pick(3, 15), pick(1, 4), t - pick(0, 60) * 50);
  }
  WriteFile(dir + "/bids.csv", bids);
  WriteFile(dir + "/auctions.csv", auctions);
}

// Rows of `sql` over tables bids and auctions loaded from `dir`, each "v1,v2,..." (null as an
// empty field), sorted.
std::vector<std::string> Query(const std::string& dir, const std::string& sql) {
  return sluice::testing::QueryCsvTables(
      dir,
      {{"bids", "auction INTEGER, bidder TEXT, price INTEGER, ts INTEGER"},
       {"auctions", "id INTEGER, seller TEXT, ts INTEGER"}},
      sql);
}

const char* kSources = R"toml([pipeline]
name = "joins"
checkpoints = false

[[source]]
name = "bids"
type = "csv"
path = "bids.csv"
schema = { auction = "int64", bidder = "string", price = "int64", ts = "timestamp_ms" }
event_time = "ts"
max_out_of_orderness = "1h"

[[source]]
name = "auctions"
type = "csv"
path = "auctions.csv"
schema = { id = "int64", seller = "string", ts = "timestamp_ms" }
event_time = "ts"
max_out_of_orderness = "1h"
)toml";

// Runs `operators` over `sources` (and a csv sink "out.csv" reading the last operator) at P = 1,
// 2, 3 and 4 and several batch sizes; every run must give `want` (when empty: what the first run
// gives, which must not be empty). Returns the rows.
std::vector<std::string> CheckRuns(const std::string& dir, const std::string& operators,
                                   std::vector<std::string> want,
                                   const std::string& sources = kSources) {
  WriteFile(dir + "/p.toml",
            sources + operators + "\n[[sink]]\ntype = \"csv\"\npath = \"out.csv\"\n");
  for (const char* args : {"--parallelism 1", "--parallelism 2 --batch-size 7",
                           "--parallelism 4 --batch-size 64", "--parallelism 3 --batch-size 1"}) {
    auto o = Sluice(std::string("run p.toml ") + args, dir);
    INFO(args << ": " << o.output);
    REQUIRE(o.code == 0);
    const std::vector<std::string> got = SortedCsvRows(dir + "/out.csv");
    if (want.empty()) want = got;
    REQUIRE(!want.empty());
    CheckSameSortedRows(got, want);
  }
  return want;
}

}  // namespace

TEST_CASE("a tumbling window join matches SQLite's join on the window") {
  ScratchDir dir("join-sql");
  WriteInputs(dir.file(""));
  CheckRuns(dir.file(""), R"toml(
[[operator]]
type = "window_join"
inputs = ["bids", "auctions"]
left_key = ["auction"]
right_key = ["id"]
kind = "tumbling"
size = "5s"
right_prefix = "a_"
)toml",
            Query(dir.file(""),
                  "SELECT b.auction, b.bidder, b.price, b.ts, a.id, a.seller, a.ts, "
                  "b.ts / 5000 * 5000, b.ts / 5000 * 5000 + 5000 FROM bids b JOIN auctions a "
                  "ON b.auction = a.id AND b.ts / 5000 = a.ts / 5000"));
}

TEST_CASE("a window join feeding a second keyed stage matches SQLite's grouped join") {
  ScratchDir dir("join-sql");
  WriteInputs(dir.file(""));
  CheckRuns(dir.file(""), R"toml(
[[operator]]
type = "window_join"
inputs = ["bids", "auctions"]
left_key = ["auction"]
right_key = ["id"]
kind = "tumbling"
size = "5s"
right_prefix = "a_"

[[operator]]
type = "key_by"
fields = ["a_seller"]

[[operator]]
type = "window"
kind = "tumbling"
size = "10s"
aggregates = ["count() as pairs", "sum(price) as total", "max(price) as top"]
)toml",
            Query(dir.file(""),
                  "SELECT a.seller, b.ts / 10000 * 10000, b.ts / 10000 * 10000 + 10000, "
                  "count(*), sum(b.price), max(b.price) FROM bids b JOIN auctions a "
                  "ON b.auction = a.id AND b.ts / 5000 = a.ts / 5000 "
                  "GROUP BY a.seller, b.ts / 10000"));
}

TEST_CASE("interval joins, inner and outer, match SQLite's joins on the interval") {
  const std::string on = "b.auction = a.id AND a.ts BETWEEN b.ts - 4000 AND b.ts + 1500";
  const std::string cols = "b.auction, b.bidder, b.price, b.ts, a.id, a.seller, a.ts";
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"inner", "JOIN"}, {"left", "LEFT JOIN"}, {"right", "RIGHT JOIN"}, {"full", "FULL JOIN"}};
  for (const auto& [join, sql] : kinds) {
    CAPTURE(join);
    ScratchDir dir("join-sql");
    WriteInputs(dir.file(""));
    CheckRuns(dir.file(""),
              fmt::format(R"toml(
[[operator]]
type = "interval_join"
inputs = ["bids", "auctions"]
left_key = ["auction"]
right_key = ["id"]
lower = "-4s"
upper = "1500ms"
join = "{}"
right_prefix = "a_"
)toml",
                          join),
              Query(dir.file(""),
                    fmt::format("SELECT {} FROM bids b {} auctions a ON {}", cols, sql, on)));
  }
}

TEST_CASE("a regular join matches SQLite's join on the key") {
  ScratchDir dir("join-sql");
  WriteInputs(dir.file(""));
  CheckRuns(dir.file(""), R"toml(
[[operator]]
type = "join"
inputs = ["bids", "auctions"]
left_key = ["auction"]
right_key = ["id"]
right_prefix = "a_"
)toml",
            Query(dir.file(""),
                  "SELECT b.auction, b.bidder, b.price, b.ts, a.id, a.seller, a.ts "
                  "FROM bids b JOIN auctions a ON b.auction = a.id"));
}

TEST_CASE("a regular join with a state ttl gives the same pairs at any parallelism and batch "
          "size, a subset of the join without one") {
  ScratchDir dir("join-sql");
  WriteInputs(dir.file(""));
  const std::vector<std::string> all =
      Query(dir.file(""),
            "SELECT b.auction, b.bidder, b.price, b.ts, a.id, a.seller, a.ts "
            "FROM bids b JOIN auctions a ON b.auction = a.id");
  // Bound 0: the watermark follows the data, so rows leave the state during the run.
  std::string sources = kSources;
  for (size_t at; (at = sources.find("\"1h\"")) != std::string::npos;) {
    sources.replace(at, 4, "\"0s\"");
  }
  const std::vector<std::string> got = CheckRuns(dir.file(""), R"toml(
[[operator]]
type = "join"
inputs = ["bids", "auctions"]
left_key = ["auction"]
right_key = ["id"]
right_prefix = "a_"
left_ttl = "2s"
right_ttl = "5s"
)toml",
                                                 {}, sources);
  CHECK(got.size() < all.size());
  CHECK(std::includes(all.begin(), all.end(), got.begin(), got.end()));
}
