// `sluice generate nexmark` and the Nexmark queries in pipelines/nexmark, run on generated files
// and checked against SQLite over the same files.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "../runtime/test_util.h"
#include "cli_util.h"
#include "sqlite_rows.h"

using sluice::testing::Outcome;
using sluice::testing::QueryCsvTables;
using sluice::testing::ReadLines;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

namespace {

constexpr int kEvents = 20'000;  // 400 persons, 1,200 auctions, 18,400 bids

const char* kBidColumns =
    "auction INTEGER, bidder INTEGER, price INTEGER, channel TEXT, url TEXT, date_time INTEGER, "
    "extra TEXT";

std::string Query(const std::string& name) {
  return std::string(SLUICE_SOURCE_DIR) + "/pipelines/nexmark/" + name;
}

// The lines of a csv file after its header, sorted.
std::vector<std::string> SortedRows(const std::string& path) {
  std::vector<std::string> lines = ReadLines(path);
  if (!lines.empty()) lines.erase(lines.begin());
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Field `i` of each comma-separated line.
int64_t FieldOf(const std::string& line, int i) {
  size_t start = 0;
  for (int k = 0; k < i; ++k) start = line.find(',', start) + 1;
  return std::strtoll(line.c_str() + start, nullptr, 10);
}

// Generates the files once for the whole suite.
const std::string& DataDir() {
  static ScratchDir dir("nexmark-data");
  static bool made = [] {
    Outcome o = Sluice(fmt::format("generate nexmark --events {} --out data --seed 5", kEvents),
                       dir.file(""));
    INFO(o.output);
    REQUIRE(o.code == 0);
    return true;
  }();
  static const std::string path = dir.file("data");
  (void)made;
  return path;
}

}  // namespace

TEST_CASE("sluice generate nexmark writes four files, each sorted by date_time") {
  const std::string& dir = DataDir();
  const std::vector<std::string> person = ReadLines(dir + "/person.csv");
  const std::vector<std::string> auction = ReadLines(dir + "/auction.csv");
  const std::vector<std::string> bid = ReadLines(dir + "/bid.csv");
  const std::vector<std::string> side = ReadLines(dir + "/side_input.csv");
  REQUIRE(person.size() == 401);
  REQUIRE(auction.size() == 1201);
  REQUIRE(bid.size() == 18'401);
  REQUIRE(side.size() == 10'001);
  CHECK(person[0] == "id,name,email_address,credit_card,city,state,date_time,extra");
  CHECK(auction[0] ==
        "id,item_name,description,initial_bid,reserve,date_time,expires,seller,category,extra");
  CHECK(bid[0] == "auction,bidder,price,channel,url,date_time,extra");
  CHECK(side[0] == "key,value");
  CHECK(side[1].rfind("0,", 0) == 0);
  CHECK(side[10'000].rfind("9999,", 0) == 0);
  for (const auto& [lines, column, fields] :
       {std::tuple{&person, 6, 8}, std::tuple{&auction, 5, 10}, std::tuple{&bid, 5, 7}}) {
    int64_t prev = 0;
    for (size_t i = 1; i < lines->size(); ++i) {
      const std::string& l = (*lines)[i];
      CHECK(std::count(l.begin(), l.end(), ',') == fields - 1);
      const int64_t t = FieldOf(l, column);
      CHECK(t >= prev);
      prev = t;
    }
  }
  for (size_t i = 1; i < auction.size(); ++i) {
    CHECK(FieldOf(auction[i], 6) > FieldOf(auction[i], 5));  // expires > date_time
  }
  // The same seed writes the same files; another seed others.
  ScratchDir again("nexmark-again");
  REQUIRE(Sluice(fmt::format("generate nexmark -q --events {} --out d5 --seed 5", kEvents),
                 again.file(""))
              .code == 0);
  REQUIRE(Sluice(fmt::format("generate nexmark -q --events {} --out d6 --seed 6", kEvents),
                 again.file(""))
              .code == 0);
  CHECK(ReadLines(again.file("d5/bid.csv")) == bid);
  CHECK(ReadLines(again.file("d6/bid.csv")) != bid);
}

TEST_CASE("sluice generate nexmark --help describes the files") {
  Outcome o = Sluice("generate nexmark --help");
  CHECK(o.code == 0);
  CHECK(o.output.find("--events") != std::string::npos);
  CHECK(o.output.find("side_input.csv") != std::string::npos);
}

TEST_CASE("nexmark q0 passes every bid through") {
  const std::string& dir = DataDir();
  ScratchDir out("nexmark-q0");
  Outcome o =
      Sluice(fmt::format("run -q {} --var input={} --var output=q0.csv", Query("q0.toml"), dir),
             out.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  CHECK(ReadLines(out.file("q0.csv"))[0] == "auction,bidder,price,date_time,extra");
  CHECK(SortedRows(out.file("q0.csv")) ==
        QueryCsvTables(dir, {{"bid", kBidColumns}},
                       "SELECT auction, bidder, price, date_time, extra FROM bid"));
}

TEST_CASE("nexmark q1 converts prices to euros") {
  const std::string& dir = DataDir();
  ScratchDir out("nexmark-q1");
  Outcome o =
      Sluice(fmt::format("run -q {} --var input={} --var output=q1.csv", Query("q1.toml"), dir),
             out.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  CHECK(ReadLines(out.file("q1.csv"))[0] == "auction,bidder,price,date_time,extra");
  // Prices compared to 6 decimals: both sides compute the same double product.
  std::vector<std::string> rows;
  for (const std::string& line : SortedRows(out.file("q1.csv"))) {
    const size_t a = line.find(',', line.find(',') + 1), b = line.find(',', a + 1);
    rows.push_back(line.substr(0, a + 1) +
                   fmt::format("{:.6f}", std::strtod(line.c_str() + a + 1, nullptr)) +
                   line.substr(b));
  }
  std::sort(rows.begin(), rows.end());
  CHECK(rows == QueryCsvTables(dir, {{"bid", kBidColumns}},
                               "SELECT auction, bidder, printf('%.6f', 0.908 * price), "
                               "date_time, extra FROM bid"));
}

TEST_CASE("nexmark q2 selects the bids on every 123rd auction") {
  const std::string& dir = DataDir();
  ScratchDir out("nexmark-q2");
  Outcome o =
      Sluice(fmt::format("run -q {} --var input={} --var output=q2.csv", Query("q2.toml"), dir),
             out.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  CHECK(ReadLines(out.file("q2.csv"))[0] == "auction,price");
  const std::vector<std::string> expected = QueryCsvTables(
      dir, {{"bid", kBidColumns}}, "SELECT auction, price FROM bid WHERE auction % 123 = 0");
  CHECK_FALSE(expected.empty());
  CHECK(SortedRows(out.file("q2.csv")) == expected);
}

TEST_CASE("a nexmark source generates the rows that the files hold") {
  const std::string& dir = DataDir();
  ScratchDir out("nexmark-gen");
  const std::string pipeline = fmt::format(R"([pipeline]
checkpoints = false

[[source]]
name = "person"
type = "nexmark"
table = "person"
dir = "${{input:-}}"
events = {}
seed = 5

[sink]
type = "csv"
path = "${{output}}"
)",
                                           kEvents);
  WriteFile(out.file("p.toml"), pipeline);
  Outcome files =
      Sluice(fmt::format("run -q p.toml --var input={} --var output=f.csv", dir), out.file(""));
  INFO(files.output);
  REQUIRE(files.code == 0);
  Outcome gen = Sluice("run -q p.toml --var output=g.csv", out.file(""));
  INFO(gen.output);
  REQUIRE(gen.code == 0);
  const std::vector<std::string> rows = ReadLines(out.file("g.csv"));
  CHECK(rows.size() == 401);
  CHECK(rows == ReadLines(out.file("f.csv")));
  CHECK(rows == ReadLines(dir + "/person.csv"));
}
