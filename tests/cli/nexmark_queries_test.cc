// Nexmark queries q3, q11, q18, q19, q20, q21 and q22 (pipelines/nexmark) on generated files at
// P = 1 and 2, against SQLite over the same files (q21 and q22, whose string functions SQLite
// lacks, against C++ written from the contract). Updating queries (q18, q19) are compared after
// applying their changelog in file order.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "../runtime/test_util.h"
#include "cli_util.h"
#include "nexmark_util.h"
#include "sqlite_rows.h"

using sluice::testing::NexmarkData;
using sluice::testing::RunNexmarkQuery;
using sluice::testing::SplitCsvLine;
using sluice::testing::QueryCsvTables;
using sluice::testing::ReadLines;

namespace {

const auto& kTables = sluice::testing::NexmarkTables();

const std::string& DataDir() { return NexmarkData(30000, 17); }

std::vector<std::string> Run(const std::string& q, int p, const std::string& header) {
  return RunNexmarkQuery(q, p, DataDir(), header);
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> Split(const std::string& line) { return SplitCsvLine(line); }

// Applies a changelog ("op,fields...") keyed by the fields at `key` (indices after op): the
// final rows, sorted. A "-" must remove an identical row.
std::vector<std::string> Apply(const std::vector<std::string>& lines, std::vector<int> key) {
  std::map<std::string, std::string> table;
  for (const std::string& l : lines) {
    const std::string row = l.substr(2);
    const std::vector<std::string> f = Split(row);
    std::string k;
    for (int i : key) k += f[i] + "|";
    if (l[0] == '+') {
      CHECK(table.count(k) == 0);
      table[k] = row;
    } else {
      REQUIRE(l[0] == '-');
      CHECK(table[k] == row);
      table.erase(k);
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, row] : table) out.push_back(row);
  return Sorted(out);
}

}  // namespace

TEST_CASE("nexmark q3 equals SQLite's join of category-10 auctions with OR/ID/CA sellers") {
  const auto want = QueryCsvTables(DataDir(), kTables,
                                   "SELECT P.name, P.city, P.state, A.id FROM auction A JOIN "
                                   "person P ON A.seller = P.id WHERE A.category = 10 AND "
                                   "P.state IN ('OR', 'ID', 'CA')");
  REQUIRE(want.size() > 10);
  for (int p : {1, 2}) {
    CAPTURE(p);
    CHECK(Sorted(Run("q3", p, "name,city,state,id")) == want);
  }
}

TEST_CASE("nexmark q11 equals SQLite's sessions of each bidder") {
  const auto want = QueryCsvTables(
      DataDir(), kTables,
      "WITH o AS (SELECT bidder, date_time, CASE WHEN date_time - LAG(date_time) OVER "
      "(PARTITION BY bidder ORDER BY date_time) <= 10000 THEN 0 ELSE 1 END AS new FROM bid), "
      "s AS (SELECT bidder, date_time, SUM(new) OVER (PARTITION BY bidder ORDER BY date_time "
      "ROWS UNBOUNDED PRECEDING) AS sid FROM o) "
      "SELECT bidder, COUNT(*), MIN(date_time), MAX(date_time) + 10000 FROM s "
      "GROUP BY bidder, sid");
  REQUIRE(want.size() > 10);
  for (int p : {1, 2}) {
    CAPTURE(p);
    CHECK(Sorted(Run("q11", p, "bidder,bid_count,session_start,session_end")) == want);
  }
}

TEST_CASE("nexmark q18's changelog leaves SQLite's last bid per bidder and auction") {
  const auto want = QueryCsvTables(
      DataDir(), kTables,
      "SELECT auction, bidder, price, channel, url, date_time, extra FROM (SELECT *, "
      "ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC, rowid DESC) "
      "AS rn FROM bid) WHERE rn = 1");
  REQUIRE(want.size() > 100);
  for (int p : {1, 2}) {
    CAPTURE(p);
    const auto lines = Run("q18", p, "op,auction,bidder,price,channel,url,date_time,extra");
    CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
            return l[0] == '-';
          }) > 0);
    CHECK(Apply(lines, {0, 1}) == want);
  }
}

TEST_CASE("nexmark q19's changelog leaves SQLite's top 10 bids per auction") {
  const auto want = QueryCsvTables(
      DataDir(), kTables,
      "SELECT auction, bidder, price, date_time, rn FROM (SELECT *, ROW_NUMBER() OVER "
      "(PARTITION BY auction ORDER BY price DESC, date_time, bidder) AS rn FROM bid) "
      "WHERE rn <= 10");
  REQUIRE(want.size() > 100);
  for (int p : {1, 2}) {
    CAPTURE(p);
    CHECK(Apply(Run("q19", p, "op,auction,bidder,price,date_time,rank"), {0, 4}) == want);
  }
}

TEST_CASE("nexmark q20 equals SQLite's join of bids with category-10 auctions") {
  const auto want = QueryCsvTables(
      DataDir(), kTables,
      "SELECT B.auction, B.bidder, B.price, B.channel, B.url, B.date_time, B.extra, A.item_name, "
      "A.description, A.initial_bid, A.reserve, A.date_time, A.expires, A.seller, A.category "
      "FROM bid B JOIN auction A ON B.auction = A.id WHERE A.category = 10");
  REQUIRE(want.size() > 100);
  for (int p : {1, 2}) {
    CAPTURE(p);
    CHECK(Sorted(Run("q20", p,
                     "auction,bidder,price,channel,url,date_time,extra,item_name,description,"
                     "initial_bid,reserve,auction_date_time,expires,seller,category")) == want);
  }
}

TEST_CASE("nexmark q21 and q22 compute channel ids and url parts as the contract says") {
  std::vector<std::string> want21, want22;
  const std::regex param("(&|^|\\?)channel_id=([^&]*)");
  const std::vector<std::string> bids = ReadLines(DataDir() + "/bid.csv");
  for (size_t i = 1; i < bids.size(); ++i) {
    const std::vector<std::string> f = Split(bids[i]);
    std::string channel = f[3];
    for (char& c : channel) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string id;
    if (channel == "apple") {
      id = "0";
    } else if (channel == "google") {
      id = "1";
    } else if (channel == "facebook") {
      id = "2";
    } else if (channel == "baidu") {
      id = "3";
    } else if (std::smatch m; std::regex_search(f[4], m, param)) {
      id = m[2];
    }
    const std::string head = f[0] + "," + f[1] + "," + f[2] + "," + f[3];
    if (!id.empty()) want21.push_back(head + "," + id);
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t end = 0; end != std::string::npos; start = end + 1) {
      end = f[4].find('/', start);
      parts.push_back(f[4].substr(start, end == std::string::npos ? end : end - start));
    }
    auto part = [&](size_t k) { return k < parts.size() ? parts[k] : std::string(); };
    want22.push_back(head + "," + part(3) + "," + part(4) + "," + part(5));
  }
  std::sort(want21.begin(), want21.end());
  std::sort(want22.begin(), want22.end());
  REQUIRE(want21.size() > 100);
  CHECK(want21.size() < bids.size() - 1);  // some bids have no channel id
  for (int p : {1, 2}) {
    CAPTURE(p);
    CHECK(Sorted(Run("q21", p, "auction,bidder,price,channel,channel_id")) == want21);
    CHECK(Sorted(Run("q22", p, "auction,bidder,price,channel,dir1,dir2,dir3")) == want22);
  }
}

TEST_CASE("nexmark q13 equals SQLite's join of bids with the side input") {
  const std::vector<std::pair<std::string, std::string>> tables = {
      kTables[2], {"side_input", "key INTEGER, value TEXT"}};
  const auto want = QueryCsvTables(DataDir(), tables,
                                   "SELECT B.auction, B.bidder, B.price, B.date_time, S.value "
                                   "FROM bid B JOIN side_input S ON S.key = B.auction % 10000");
  REQUIRE(want.size() > 100);
  for (int p : {1, 2}) {
    CAPTURE(p);
    CHECK(Sorted(Run("q13", p, "auction,bidder,price,date_time,value")) == want);
  }
}

namespace {

// SQLite's day of an epoch-millisecond column, and q15's twelve figures.
const char* kDay = "strftime('%Y-%m-%d', date_time / 1000, 'unixepoch')";
const char* kStats =
    "COUNT(*), SUM(price < 10000), SUM(price >= 10000 AND price < 1000000), "
    "SUM(price >= 1000000), COUNT(DISTINCT bidder), "
    "COUNT(DISTINCT CASE WHEN price < 10000 THEN bidder END), "
    "COUNT(DISTINCT CASE WHEN price >= 10000 AND price < 1000000 THEN bidder END), "
    "COUNT(DISTINCT CASE WHEN price >= 1000000 THEN bidder END), COUNT(DISTINCT auction), "
    "COUNT(DISTINCT CASE WHEN price < 10000 THEN auction END), "
    "COUNT(DISTINCT CASE WHEN price >= 10000 AND price < 1000000 THEN auction END), "
    "COUNT(DISTINCT CASE WHEN price >= 1000000 THEN auction END)";
const char* kStatColumns =
    "total_bids,rank1_bids,rank2_bids,rank3_bids,total_bidders,rank1_bidders,rank2_bidders,"
    "rank3_bidders,total_auctions,rank1_auctions,rank2_auctions,rank3_auctions";

}  // namespace

TEST_CASE("nexmark q15, q16 and q17: statistics per day equal SQLite's GROUP BY") {
  const auto want15 = QueryCsvTables(
      DataDir(), kTables, fmt::format("SELECT {0}, {1} FROM bid GROUP BY {0}", kDay, kStats));
  const auto want16 = QueryCsvTables(
      DataDir(), kTables,
      fmt::format("SELECT channel, {0}, {1} FROM bid GROUP BY channel, {0}", kDay, kStats));
  const auto want17 = QueryCsvTables(
      DataDir(), kTables,
      fmt::format("SELECT auction, {0}, COUNT(*), SUM(price < 10000), SUM(price >= 10000 AND "
                  "price < 1000000), SUM(price >= 1000000), MIN(price), MAX(price), "
                  "printf('%.6f', AVG(price)), SUM(price) FROM bid GROUP BY auction, {0}",
                  kDay));
  REQUIRE(!want15.empty());
  REQUIRE(want16.size() > 100);
  REQUIRE(want17.size() > 100);
  for (int p : {1, 2}) {
    CAPTURE(p);
    CHECK(Sorted(Run("q15", p, std::string("day,") + kStatColumns)) == want15);
    CHECK(Sorted(Run("q16", p, std::string("channel,day,") + kStatColumns)) == want16);
    std::vector<std::string> got17;
    for (const std::string& line :
         Run("q17", p,
             "auction,day,total_bids,rank1_bids,rank2_bids,rank3_bids,min_price,max_price,"
             "avg_price,sum_price")) {
      got17.push_back(sluice::testing::FixDouble(line, 8));
    }
    CHECK(Sorted(got17) == want17);
  }
}

namespace {

// 15 s of event time: two q7 windows, several q5 and q8 windows.
const std::string& WindowData() { return NexmarkData(150000, 23); }

}  // namespace

TEST_CASE("nexmark q5, q7 and q8 (windows, then joins) equal SQLite's answers") {
  const auto want5 = QueryCsvTables(
      WindowData(), kTables,
      "WITH w AS (SELECT auction, (date_time / 2000) * 2000 - j * 2000 AS ws FROM bid, "
      "(SELECT 0 AS j UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL "
      "SELECT 4)), c AS (SELECT auction, ws, COUNT(*) AS num FROM w GROUP BY auction, ws), "
      "m AS (SELECT ws, MAX(num) AS mx FROM c GROUP BY ws) "
      "SELECT c.auction, c.num, c.ws, c.ws + 10000 FROM c JOIN m ON c.ws = m.ws AND c.num = m.mx");
  const auto want7 = QueryCsvTables(
      WindowData(), kTables,
      "WITH b AS (SELECT *, (date_time / 10000) * 10000 + 10000 AS we FROM bid), "
      "m AS (SELECT we, MAX(price) AS mx FROM b GROUP BY we) "
      "SELECT b.auction, b.price, b.bidder, b.date_time, b.extra, b.we FROM b JOIN m "
      "ON b.we = m.we AND b.price = m.mx");
  const auto want8 = QueryCsvTables(
      WindowData(), kTables,
      "SELECT DISTINCT P.id, P.name, (P.date_time / 10000) * 10000 FROM person P JOIN auction A "
      "ON P.id = A.seller AND P.date_time / 10000 = A.date_time / 10000");
  REQUIRE(want5.size() > 5);
  REQUIRE(want7.size() >= 2);
  REQUIRE(want8.size() > 10);
  for (int p : {1, 2}) {
    CAPTURE(p);
    CHECK(Sorted(RunNexmarkQuery("q5", p, WindowData(), "auction,num,window_start,window_end")) ==
          want5);
    CHECK(Sorted(RunNexmarkQuery("q7", p, WindowData(),
                                 "auction,price,bidder,date_time,extra,window_end")) == want7);
    CHECK(Sorted(RunNexmarkQuery("q8", p, WindowData(), "id,name,window_start")) == want8);
  }
}

TEST_CASE("nexmark q14 equals SQLite's answer, at every part of the day and price bound") {
  // Generated bids (all in the first hour), and bids written here at the hours and prices where
  // the contract changes its answer.
  sluice::testing::ScratchDir dir("nexmark-q14");
  std::vector<std::string> lines = {"auction,bidder,price,channel,url,date_time,extra"};
  const int64_t day = 1704067200000;  // 2024-01-01T00:00:00Z
  int n = 0;
  for (int hour : {0, 5, 6, 7, 8, 12, 18, 19, 20, 23}) {
    for (int64_t price : {int64_t{1101321}, int64_t{1101322}, int64_t{55066079},
                          int64_t{55066080}, int64_t{2000000}}) {
      lines.push_back(fmt::format("{},{},{},Apple,https://x/y,{},{}", 1000 + n, 2000 + n, price,
                                  day + hour * 3600000 + n, n % 3 ? "abcabcc" : "xyz"));
      ++n;
    }
  }
  std::string csv;
  for (const std::string& l : lines) csv += l + "\n";
  std::filesystem::create_directories(dir.file("data"));
  sluice::testing::WriteFile(dir.file("data/bid.csv"), csv);
  for (const std::string& data : {DataDir(), dir.file("data")}) {
    const auto want = QueryCsvTables(
        data, {kTables[2]},
        "SELECT auction, bidder, printf('%.6f', 0.908 * price), CASE WHEN h BETWEEN 8 AND 18 "
        "THEN 'dayTime' WHEN h <= 6 OR h >= 20 THEN 'nightTime' ELSE 'otherTime' END, "
        "date_time, extra, length(extra) - length(replace(extra, 'c', '')) FROM (SELECT *, "
        "CAST(strftime('%H', date_time / 1000, 'unixepoch') AS INTEGER) AS h FROM bid) "
        "WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000");
    REQUIRE(want.size() > 20);
    for (int p : {1, 2}) {
      CAPTURE(p);
      std::vector<std::string> got;
      for (const std::string& line :
           RunNexmarkQuery("q14", p, data,
                           "auction,bidder,price,bid_time_type,date_time,extra,c_counts")) {
        got.push_back(sluice::testing::FixDouble(line, 2));
      }
      CHECK(Sorted(got) == want);
    }
  }
}
