// The demo clickstream generator.
#include <doctest/doctest.h>

#include <set>

#include "io_test_util.h"
#include "operators/clickstream.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

Schema ClickSchema() {
  return Schema({{"user", Type::kString},
                 {"page", Type::kString},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis},
                 {"amount", Type::kDouble}});
}

}  // namespace

TEST_CASE("clickstream is deterministic for a seed and differs across seeds") {
  ScratchDir dir("clicks");
  ClickstreamOptions o;
  o.events = 5000;
  o.users = 40;
  o.seed = 3;
  REQUIRE(WriteClickstream(dir.file("a.csv"), o).ok());
  REQUIRE(WriteClickstream(dir.file("b.csv"), o).ok());
  o.seed = 4;
  REQUIRE(WriteClickstream(dir.file("c.csv"), o).ok());
  const std::string a = ReadFile(dir.file("a.csv"));
  CHECK(a.rfind("user,page,ts,amount\n", 0) == 0);
  CHECK(a == ReadFile(dir.file("b.csv")));
  CHECK(a != ReadFile(dir.file("c.csv")));
}

TEST_CASE("clickstream malformed lines are rejected by the csv source and the rest is plausible") {
  ScratchDir dir("clicks2");
  ClickstreamOptions o;
  o.events = 20'000;
  o.users = 60;
  o.pages = 20;
  o.seed = 11;
  REQUIRE(WriteClickstream(dir.file("a.csv"), o).ok());
  SourceRun run = RunSource("csv", dir.file("a.csv"), ClickSchema(), 2);
  const Batch& b = run.batch;
  REQUIRE(b.dead_letters.size() == o.malformed);
  CHECK(b.size() + b.dead_letters.size() == o.events);
  std::set<std::string> reasons;
  for (const DeadLetter& d : b.dead_letters) reasons.insert(d.reason.substr(0, 14));
  CHECK(reasons == std::set<std::string>{"expected 4 fie", "field 'amount'", "field 'ts': '0"});

  const int64_t start_us = 1'714'521'600'000'000;
  std::set<std::string> users, pages;
  size_t out_of_order = 0, purchases = 0, refunds = 0;
  int64_t max_ts = 0;
  bool amounts_ok = true;
  for (size_t r = 0; r < b.size(); ++r) {
    users.insert(std::string(b.columns[0].str(r)));
    pages.insert(std::string(b.columns[1].str(r)));
    CHECK(b.ts[r] >= start_us);
    if (b.ts[r] < max_ts) ++out_of_order;
    max_ts = std::max(max_ts, b.ts[r]);
    double amount = b.columns[3].f64[r];
    bool checkout = b.columns[1].str(r) == "/checkout";
    if (amount > 0) ++purchases;
    if (amount < 0) ++refunds;
    amounts_ok = amounts_ok && (checkout || amount == 0);
  }
  CHECK(amounts_ok);  // money moves on the checkout page only
  CHECK(purchases > 0);
  CHECK(refunds > 0);
  CHECK(out_of_order > 0);
  CHECK(users.size() <= 60);
  CHECK(users.size() > 30);
  CHECK(pages.size() <= 20);
  CHECK(pages.count("/home") == 1);
  CHECK(pages.count("/checkout") == 1);
}

TEST_CASE("clickstream refuses zero users and an unwritable path") {
  ScratchDir dir("clicks3");
  ClickstreamOptions o;
  o.users = 0;
  CHECK(WriteClickstream(dir.file("a.csv"), o).IsInvalidArgument());
  o.users = 5;
  o.events = 10;
  CHECK(WriteClickstream(dir.file("no/a.csv"), o).IsIOError());
}
