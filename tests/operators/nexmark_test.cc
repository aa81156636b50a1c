// The Nexmark generator (operators/nexmark.h) and its source: proportions, shapes, determinism,
// random access.
#include "operators/nexmark.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>

#include "operators/nexmark_source.h"

using namespace sluice;

namespace {

constexpr NexmarkTable kTables[] = {NexmarkTable::kPerson, NexmarkTable::kAuction,
                                    NexmarkTable::kBid};

// The rows of `table` among events [from, to) of `gen`, produced in batches of `batch` rows.
Batch Rows(const NexmarkGenerator& gen, NexmarkTable table, uint64_t from, uint64_t to,
           size_t batch = 1000) {
  Batch all;
  all.reset(NexmarkSchema(table));
  Batch b;
  b.reset(NexmarkSchema(table));
  uint64_t next = from;
  while (next < to) {
    b.clear();
    gen.Fill(table, &next, to, batch, &b);
    b.wm.resize(b.size());  // the runtime's part; append_row copies it
    for (size_t r = 0; r < b.size(); ++r) all.append_row(b, r);
  }
  return all;
}

}  // namespace

TEST_CASE("nexmark: 1 person, 3 auctions and 46 bids in every 50 events") {
  for (uint64_t n = 0; n < 200; ++n) {
    const uint64_t r = n % 50;
    CHECK(NexmarkGenerator::TableOf(n) == (r == 0  ? NexmarkTable::kPerson
                                           : r < 4 ? NexmarkTable::kAuction
                                                   : NexmarkTable::kBid));
  }
  for (uint64_t n : {0u, 1u, 49u, 50u, 51u, 1000u, 1234u}) {
    uint64_t counted = 0;
    for (NexmarkTable t : kTables) counted += NexmarkGenerator::CountBefore(t, n);
    CHECK(counted == n);
  }
  CHECK(NexmarkGenerator::CountBefore(NexmarkTable::kBid, 100) == 92);
  CHECK(NexmarkGenerator::NextOf(NexmarkTable::kPerson, 1) == 50);
  CHECK(NexmarkGenerator::NextOf(NexmarkTable::kAuction, 4) == 51);
  CHECK(NexmarkGenerator::NextOf(NexmarkTable::kBid, 0) == 4);
}

TEST_CASE("nexmark: schemas") {
  CHECK(NexmarkSchema(NexmarkTable::kPerson).ToString() ==
        Schema({{"id", Type::kInt64},
                {"name", Type::kString},
                {"email_address", Type::kString},
                {"credit_card", Type::kString},
                {"city", Type::kString},
                {"state", Type::kString},
                {"date_time", Type::kTimestamp, TimeUnit::kMillis},
                {"extra", Type::kString}})
            .ToString());
  CHECK(NexmarkSchema(NexmarkTable::kAuction).size() == 10);
  CHECK(NexmarkSchema(NexmarkTable::kBid).size() == 7);
  CHECK(ParseNexmarkTable("bid").ok());
  CHECK(ParseNexmarkTable("bids").status().message() ==
        "unknown nexmark table 'bids' (expected person, auction or bid)");
}

TEST_CASE("nexmark: the same seed gives the same events, whatever the batch size") {
  NexmarkConfig config;
  config.seed = 7;
  const NexmarkGenerator a(config), b(config);
  for (NexmarkTable t : kTables) {
    Batch x = Rows(a, t, 0, 5000, 4096), y = Rows(b, t, 0, 5000, 7);
    REQUIRE(x.size() == y.size());
    REQUIRE(x.size() == NexmarkGenerator::CountBefore(t, 5000));
    for (size_t r = 0; r < x.size(); ++r) CHECK(x.row(r) == y.row(r));
    // Random access: a range from the middle gives the same rows.
    Batch tail = Rows(a, t, 2500, 5000);
    const size_t skip = NexmarkGenerator::CountBefore(t, 2500);
    REQUIRE(tail.size() == x.size() - skip);
    for (size_t r = 0; r < tail.size(); ++r) CHECK(tail.row(r) == x.row(skip + r));
  }
  config.seed = 8;
  const NexmarkGenerator c(config);
  Batch x = Rows(a, NexmarkTable::kBid, 0, 500), z = Rows(c, NexmarkTable::kBid, 0, 500);
  size_t same = 0;
  for (size_t r = 0; r < x.size(); ++r) same += x.row(r) == z.row(r);
  CHECK(same < x.size() / 10);
}

TEST_CASE("nexmark: persons") {
  const NexmarkGenerator gen{NexmarkConfig()};
  Batch p = Rows(gen, NexmarkTable::kPerson, 0, 50'000);
  REQUIRE(p.size() == 1000);
  const std::set<std::string> states = {"AZ", "CA", "ID", "OR", "WA", "WY"};
  int64_t prev = 0;
  for (size_t r = 0; r < p.size(); ++r) {
    CHECK(p.columns[0].i64[r] == 1000 + static_cast<int64_t>(r));  // ids count up from 1000
    CHECK(p.columns[1].str(r).find(' ') != std::string_view::npos);
    CHECK(p.columns[2].str(r).find('@') != std::string_view::npos);
    CHECK(p.columns[2].str(r).substr(p.columns[2].str(r).size() - 4) == ".com");
    CHECK(p.columns[3].str(r).size() == 19);
    CHECK(states.count(std::string(p.columns[5].str(r))) == 1);
    CHECK(p.columns[6].i64[r] >= prev);
    CHECK(p.ts[r] == p.columns[6].i64[r] * 1000);
    prev = p.columns[6].i64[r];
  }
  // Event n is at base + n / 10 ms: person r is event 50 r.
  CHECK(p.columns[6].i64[10] == NexmarkConfig().base_time_ms + 50);
}

TEST_CASE("nexmark: auctions expire after they start, and name sellers that exist") {
  const NexmarkGenerator gen{NexmarkConfig()};
  Batch a = Rows(gen, NexmarkTable::kAuction, 0, 50'000);
  REQUIRE(a.size() == 3000);
  std::map<int64_t, int> categories;
  for (size_t r = 0; r < a.size(); ++r) {
    CHECK(a.columns[0].i64[r] == 1000 + static_cast<int64_t>(r));
    CHECK(a.columns[4].i64[r] >= a.columns[3].i64[r]);  // reserve >= initial bid
    CHECK(a.columns[6].i64[r] > a.columns[5].i64[r]);   // expires > date_time
    const int64_t people = static_cast<int64_t>(r / 3) + 1;
    CHECK(a.columns[7].i64[r] >= 1000);
    CHECK(a.columns[7].i64[r] < 1000 + people + 10);
    ++categories[a.columns[8].i64[r]];
  }
  CHECK(categories.size() == 5);
  CHECK(categories.begin()->first == 10);
}

TEST_CASE("nexmark: bids go mostly to hot auctions and come from hot bidders") {
  const NexmarkGenerator gen{NexmarkConfig()};
  Batch b = Rows(gen, NexmarkTable::kBid, 0, 100'000);
  REQUIRE(b.size() == 92'000);
  size_t hot_auction = 0, hot_bidder = 0, hot_channel = 0, with_id = 0;
  for (size_t r = 0; r < b.size(); ++r) {
    const int64_t auction = b.columns[0].i64[r] - 1000;
    const int64_t bidder = b.columns[1].i64[r] - 1000;
    hot_auction += auction % 100 == 0;
    hot_bidder += bidder % 100 == 1;
    CHECK(b.columns[2].i64[r] >= 100);
    CHECK(b.columns[2].i64[r] <= 100'000'000);
    const std::string_view channel = b.columns[3].str(r), url = b.columns[4].str(r);
    hot_channel += channel.substr(0, 8) != "channel-";
    with_id += url.find("channel_id=") != std::string_view::npos;
    CHECK(url.substr(0, 24) == "https://www.nexmark.com/");
    CHECK(b.columns[6].str(r).size() >= 50);
  }
  // P(hot auction) = 1/2 plus the odd random pick; P(hot bidder) = 3/4; P(hot channel) = 1/2.
  CHECK(hot_auction > b.size() / 2);
  CHECK(hot_auction < b.size() * 6 / 10);
  CHECK(hot_bidder > b.size() * 7 / 10);
  CHECK(hot_bidder < b.size() * 8 / 10);
  CHECK(hot_channel > b.size() * 45 / 100);
  CHECK(hot_channel < b.size() * 55 / 100);
  CHECK(with_id > b.size() * 4 / 10);
}

TEST_CASE("nexmark: no value holds a comma, quote or newline") {
  const NexmarkGenerator gen{NexmarkConfig()};
  for (NexmarkTable t : kTables) {
    Batch b = Rows(gen, t, 0, 20'000);
    for (const Column& c : b.columns) {
      if (c.type != Type::kString) continue;
      CHECK(c.chars.find_first_of(",\"\n\r") == std::string::npos);
      for (size_t r = 0; r < b.size(); ++r) CHECK_FALSE(c.str(r).empty());
    }
  }
}

TEST_CASE("nexmark source: produces its table, resumes from a saved position") {
  SourceSpec spec;
  spec.type = "nexmark";
  spec.table = "auction";
  spec.events = 1000;
  spec.seed = 3;
  SourceOptions options;
  options.schema = NexmarkSchema(NexmarkTable::kAuction);
  options.event_time_index = 5;
  options.batch_size = 16;
  auto src = MakeNexmarkSource(spec, options);
  REQUIRE(src.ok());
  Batch b;
  b.reset(options.schema);
  bool eof = false;
  REQUIRE((*src)->Next(&b, &eof).ok());
  CHECK(b.size() == 16);
  CHECK_FALSE(eof);
  std::string saved;
  REQUIRE((*src)->SavePosition(&saved).ok());
  size_t rows = b.size();
  Batch rest;
  rest.reset(options.schema);
  while (!eof) {
    b.clear();
    REQUIRE((*src)->Next(&b, &eof).ok());
    b.wm.resize(b.size());
    for (size_t r = 0; r < b.size(); ++r) rest.append_row(b, r);
    rows += b.size();
  }
  CHECK(rows == 60);
  auto again = MakeNexmarkSource(spec, options);
  REQUIRE(again.ok());
  REQUIRE((*again)->RestorePosition(saved).ok());
  Batch c;
  c.reset(options.schema);
  eof = false;
  size_t i = 0;
  while (!eof) {
    c.clear();
    REQUIRE((*again)->Next(&c, &eof).ok());
    for (size_t r = 0; r < c.size(); ++r, ++i) CHECK(c.row(r) == rest.row(i));
  }
  CHECK(i == rest.size());
  options.schema = NexmarkSchema(NexmarkTable::kBid);
  CHECK_FALSE(MakeNexmarkSource(spec, options).ok());
}

TEST_CASE("nexmark source: rate mode paces events in wall-clock time") {
  SourceSpec spec;
  spec.type = "nexmark";
  spec.table = "bid";
  spec.events = 2000;  // 0.1 s at 20,000 events/s
  spec.rate = 20'000;
  SourceOptions options;
  options.schema = NexmarkSchema(NexmarkTable::kBid);
  options.event_time_index = 5;
  options.batch_size = 4096;
  auto src = MakeNexmarkSource(spec, options);
  REQUIRE(src.ok());
  const auto wall_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const int64_t opened = wall_ms();
  const auto start = std::chrono::steady_clock::now();
  REQUIRE((*src)->Open().ok());
  Batch b;
  b.reset(options.schema);
  bool eof = false;
  size_t rows = 0, batches = 0;
  while (!eof) {
    b.clear();
    REQUIRE((*src)->Next(&b, &eof).ok());
    for (size_t r = 0; r < b.size(); ++r) {
      // date_time is the time the event was due: never later than when it is returned.
      CHECK(b.columns[5].i64[r] <= wall_ms());
      CHECK(b.columns[5].i64[r] >= opened);
    }
    rows += b.size();
    ++batches;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(rows == 1840);
  CHECK(batches > 5);  // partial batches leave once their first row has waited 1 ms
  CHECK(secs >= 0.09);
  spec.path = "data";
  CHECK(MakeNexmarkSource(spec, options).status().message() ==
        "nexmark source: 'rate' paces the generator; it does not apply to files ('dir')");
}
