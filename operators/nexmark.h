// The Nexmark generator: persons, auctions and bids of an online auction, following the Nexmark
// specification as the Flink Nexmark project implements it (docs/pipelines.md, "nexmark source").
//
// Events are numbered 0, 1, 2, ...; event n is a person when n % 50 is 0, an auction when it is
// 1..3 and a bid otherwise (1 : 3 : 46). Its date_time is base_time_ms + n * 1000 / rate ms
// (`rate` events per second of event time), so that every table is sorted by date_time and the
// three interleave. Every field of event n is drawn from a random stream seeded by (seed, n)
// alone: any range of events, of any one table, can be produced on its own, and the same seed
// gives the same events.
//
// The shapes, as in the Flink generator: person ids count up from 1000 and auction ids from
// 1000, one per person or auction event; a bid goes to a hot auction (the first of the latest
// block of 100 auctions) with probability 1 - 1/hot_auction_ratio, else to one of the last
// 100 auctions (or up to 10 not yet created); bidders and sellers likewise (hot bidders are the
// second person of the latest block of 100 persons, hot sellers the first), other persons drawn
// from the last 1,000 (plus up to 10 ahead); prices are 100 * 10^(6u) cents for uniform u; an
// auction expires 1 ms to twice the time of 100 auctions after it starts; 5 categories from 10;
// names, cities and states from small fixed lists; bids come through 4 hot channels (Google,
// Facebook, Baidu, Apple) with probability 1 - 1/hot_channel_ratio, else through one of 10,000
// channels "channel-K", most of whose urls carry a channel_id query parameter; `extra` pads each
// event to about 200 (person), 500 (auction) or 100 (bid) bytes. No value holds a comma.
//
// Thread-safe: a NexmarkGenerator is immutable once built, and Fill may run concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/batch.h"
#include "base/status.h"
#include "base/types.h"

namespace sluice {

enum class NexmarkTable { kPerson = 0, kAuction = 1, kBid = 2 };

// "person", "auction", "bid".
std::string_view NexmarkTableName(NexmarkTable table);
// The table named `name`; InvalidArgument naming the three when there is none.
Result<NexmarkTable> ParseNexmarkTable(std::string_view name);
// The table's schema (ids, prices int64; date_time and expires timestamp_ms; the rest string):
//   person:  id,name,email_address,credit_card,city,state,date_time,extra
//   auction: id,item_name,description,initial_bid,reserve,date_time,expires,seller,category,extra
//   bid:     auction,bidder,price,channel,url,date_time,extra
Schema NexmarkSchema(NexmarkTable table);

struct NexmarkConfig {
  uint64_t seed = 0;
  // Event time of event 0, in ms since the epoch (2024-01-01T00:00:00Z).
  int64_t base_time_ms = 1'704'067'200'000;
  // Events per second of event time (all tables together); 10,000 as Flink's default, so that
  // one million events span 100 s.
  uint64_t rate = 10'000;
  // The Flink defaults.
  uint32_t active_people = 1000;
  uint32_t in_flight_auctions = 100;
  uint32_t hot_seller_ratio = 4;
  uint32_t hot_auction_ratio = 2;
  uint32_t hot_bidder_ratio = 4;
  uint32_t hot_channel_ratio = 2;
  uint32_t avg_person_bytes = 200;
  uint32_t avg_auction_bytes = 500;
  uint32_t avg_bid_bytes = 100;
};

class NexmarkGenerator {
 public:
  static constexpr uint64_t kProportion = 50;  // events per cycle: 1 person, 3 auctions, 46 bids
  static constexpr int64_t kFirstPersonId = 1000;
  static constexpr int64_t kFirstAuctionId = 1000;
  static constexpr int64_t kFirstCategory = 10;
  static constexpr uint32_t kChannels = 10'000;

  // REQUIRES: config.rate > 0 and every ratio > 0.
  explicit NexmarkGenerator(const NexmarkConfig& config);

  const NexmarkConfig& config() const { return config_; }
  // Moves event 0's date_time (every event's moves with it); nothing else changes.
  void set_base_time_ms(int64_t ms) { config_.base_time_ms = ms; }
  static NexmarkTable TableOf(uint64_t n) {
    const uint64_t r = n % kProportion;
    return r == 0 ? NexmarkTable::kPerson : r < 4 ? NexmarkTable::kAuction : NexmarkTable::kBid;
  }
  // date_time of event n, in ms.
  int64_t TimestampMs(uint64_t n) const {
    // n * 1000 / rate, by a constant division when the rate divides 10^6 (the same value).
    return config_.base_time_ms + static_cast<int64_t>(us_per_event_ != 0
                                                           ? n * us_per_event_ / 1000
                                                           : (n * 1000) / config_.rate);
  }
  // The first event number >= n of `table`.
  static uint64_t NextOf(NexmarkTable table, uint64_t n);
  // The number of events of `table` among events [0, n).
  static uint64_t CountBefore(NexmarkTable table, uint64_t n);

  // Appends to `batch` (REQUIRES: reset to NexmarkSchema(table)) the rows of the events of
  // `table` among [*next, end), at most `max_rows` of them, with batch->ts = date_time in us;
  // sets *next past the last event it considered. Returns the rows appended.
  size_t Fill(NexmarkTable table, uint64_t* next, uint64_t end, size_t max_rows,
              Batch* batch) const;

 private:
  int64_t LastPersonId(uint64_t n) const;   // base 0
  int64_t LastAuctionId(uint64_t n) const;  // base 0
  // Event n, whose date_time is `ts`, appended as a row (without batch->ts).
  void AppendPerson(uint64_t n, int64_t ts, Batch* b) const;
  void AppendAuction(uint64_t n, int64_t ts, Batch* b) const;
  void AppendBid(uint64_t n, int64_t ts, Batch* b) const;

  NexmarkConfig config_;
  uint64_t us_per_event_ = 0;  // 10^6 / rate when exact, else 0
  // A bid's extra is bid_extra_min_ + a draw below bid_extra_span_ (0: none) bytes long.
  uint32_t bid_extra_min_ = 0;
  uint32_t bid_extra_span_ = 0;
  std::string letters_;  // random a-z, pool that extras and emails are cut from
  std::string words_;    // random a-z with about one space in 13, for names and descriptions
  // The channels, kChannels and then the 4 hot ones, packed in one string: channel i's name is
  // [channel_offsets_[2i], channel_offsets_[2i+1]) of channel_chars_, its url the next range.
  std::string channel_chars_;
  std::vector<uint32_t> channel_offsets_;
  std::array<float, 4096> price_hi_;  // 10^(6 * k / 4096); floats, so both fit in L1
  std::array<float, 4096> price_lo_;  // 10^(6 * k / 2^24)
};

// The side table of Nexmark query 13: key 0..9999, value its text ("side-<key>").
std::string NexmarkSideInputValue(int64_t key);

}  // namespace sluice
