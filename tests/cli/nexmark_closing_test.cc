// The Nexmark queries that close auctions (pipelines/nexmark/q4.toml, q6.toml, q9.toml: a join,
// the best_until process function, then an aggregate changelog, a row window or nothing), run
// on generated files at P = 1 and 2 and checked against SQLite over the same files.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "../runtime/test_util.h"
#include "cli_util.h"
#include "nexmark_util.h"
#include "sqlite_rows.h"

using sluice::testing::FixDouble;
using sluice::testing::NexmarkData;
using sluice::testing::RunNexmarkQuery;
using sluice::testing::QueryCsvTables;

namespace {

// Each auction's closing price, for the queries below.
const char* kClosing =
    "WITH closing AS (SELECT a.id, a.seller, a.category, a.expires, MAX(b.price) AS price "
    "FROM auction a JOIN bid b ON b.auction = a.id "
    "AND b.date_time BETWEEN a.date_time AND a.expires GROUP BY a.id) ";

const std::string& DataDir() { return NexmarkData(30000, 11); }

// The lines of query `q` at parallelism `p`, header first.
std::vector<std::string> Run(const std::string& q, int p, const std::string& header) {
  std::vector<std::string> lines = RunNexmarkQuery(q, p, DataDir(), header);
  lines.insert(lines.begin(), header);
  return lines;
}

}  // namespace

TEST_CASE("nexmark q9: each auction's winning bid, emitted when it closes, equals SQLite's") {
  const std::vector<std::string> want = QueryCsvTables(
      DataDir(), sluice::testing::NexmarkTables(),
      "SELECT id, item_name, initial_bid, reserve, date_time, expires, seller, category, bidder, "
      "price, bid_date_time FROM (SELECT a.*, b.bidder, b.price, b.date_time AS bid_date_time, "
      "ROW_NUMBER() OVER (PARTITION BY a.id ORDER BY b.price DESC, b.date_time, b.bidder) AS rn "
      "FROM auction a JOIN bid b ON b.auction = a.id "
      "AND b.date_time BETWEEN a.date_time AND a.expires) WHERE rn = 1");
  REQUIRE(want.size() > 100);
  for (int p : {1, 2}) {
    CAPTURE(p);
    std::vector<std::string> got = Run(
        "q9", p,
        "id,item_name,initial_bid,reserve,date_time,expires,seller,category,bidder,price,"
        "bid_date_time");
    got.erase(got.begin());
    std::sort(got.begin(), got.end());
    CHECK(got == want);
  }
}

TEST_CASE("nexmark q4: the changelog of average closing prices applies to SQLite's answer") {
  const std::vector<std::string> want = QueryCsvTables(
      DataDir(), sluice::testing::NexmarkTables(),
      std::string(kClosing) +
          "SELECT category, printf('%.6f', AVG(price)) FROM closing GROUP BY category");
  REQUIRE(want.size() > 1);
  for (int p : {1, 2}) {
    CAPTURE(p);
    std::vector<std::string> lines = Run("q4", p, "op,category,avg_price");
    std::map<std::string, std::string> table;  // category -> row
    size_t retracted = 0;
    for (size_t i = 1; i < lines.size(); ++i) {
      const std::string& l = lines[i];
      const std::string row = FixDouble(l.substr(2), 1);
      const std::string category = row.substr(0, row.find(','));
      if (l[0] == '+') {
        CHECK(table.count(category) == 0);  // one row per category: "-" came first
        table[category] = row;
      } else {
        REQUIRE(l[0] == '-');
        CHECK(table[category] == row);
        table.erase(category);
        ++retracted;
      }
    }
    CHECK(retracted > 0);
    std::vector<std::string> got;
    for (const auto& [c, row] : table) got.push_back(row);
    std::sort(got.begin(), got.end());
    CHECK(got == want);
  }
}

TEST_CASE("nexmark q6: each seller's average over its last 10 closed auctions equals SQLite's") {
  const std::vector<std::string> want = QueryCsvTables(
      DataDir(), sluice::testing::NexmarkTables(),
      std::string(kClosing) +
          "SELECT id, seller, printf('%.6f', AVG(price) OVER (PARTITION BY seller ORDER BY "
          "expires, id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)) FROM closing");
  REQUIRE(want.size() > 100);
  for (int p : {1, 2}) {
    CAPTURE(p);
    std::vector<std::string> lines = Run("q6", p, "auction,seller,avg_price");
    std::vector<std::string> got;
    for (size_t i = 1; i < lines.size(); ++i) got.push_back(FixDouble(lines[i], 2));
    std::sort(got.begin(), got.end());
    CHECK(got == want);
  }
}
