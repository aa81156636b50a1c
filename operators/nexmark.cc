#include "operators/nexmark.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "operators/generator_source.h"

namespace sluice {
namespace {

constexpr size_t kPoolBytes = size_t{1} << 16;  // random text that strings are cut from
constexpr size_t kPoolSlack = 4096;             // the longest piece one cut takes
constexpr uint32_t kHotBlock = 100;  // hot auctions, bidders, sellers: one in each block of 100
constexpr uint32_t kIdLead = 10;     // ids drawn up to this far past the latest
constexpr uint32_t kCategories = 5;

constexpr std::array<std::string_view, 6> kStates = {"AZ", "CA", "ID", "OR", "WA", "WY"};
constexpr std::array<std::string_view, 10> kCities = {
    "Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
    "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
constexpr std::array<std::string_view, 11> kFirstNames = {
    "Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"};
constexpr std::array<std::string_view, 9> kLastNames = {
    "Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"};
constexpr std::array<std::string_view, 4> kHotChannels = {"Google", "Facebook", "Baidu", "Apple"};

// The random stream of one event (wyrand), seeded by the generator's seed and the event number.
class EventRng {
 public:
  EventRng(uint64_t seed, uint64_t n) : s_(SplitMix64(seed ^ SplitMix64(n))) {}
  uint64_t Next() {
    s_ += 0xa0761d6478bd642fULL;
    const unsigned __int128 t = static_cast<unsigned __int128>(s_) * (s_ ^ 0xe7037ed1a0b428dbULL);
    return static_cast<uint64_t>(t >> 64) ^ static_cast<uint64_t>(t);
  }
  // Uniform in [0, k) (Lemire's multiply-shift; the bias is below 2^-32 * k).
  uint32_t Below(uint32_t k) { return static_cast<uint32_t>(((Next() >> 32) * k) >> 32); }
  uint64_t Below64(uint64_t k) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * k) >> 64);
  }

 private:
  uint64_t s_;
};

// Appends string values to a column without a Value per row. The column has no nulls.
inline void Put(Column& c, std::string_view v) {
  c.chars.append(v);
  c.offsets.push_back(static_cast<uint32_t>(c.chars.size()));
}
inline void EndString(Column& c) { c.offsets.push_back(static_cast<uint32_t>(c.chars.size())); }

// `len` bytes cut from `pool` at a random place, appended to `out`.
void AppendCut(const std::string& pool, size_t len, EventRng& rng, std::string* out) {
  while (len > 0) {
    const size_t take = std::min(len, kPoolSlack);
    out->append(pool.data() + rng.Below(static_cast<uint32_t>(kPoolBytes)), take);
    len -= take;
  }
}

// The length of an `extra` that pads `current` bytes to `average` on average: uniform in
// [d - d/5, d + d/5) for d = average - current (0 when current is above the average). Returns
// the least length and the width of the range.
std::pair<size_t, size_t> ExtraRange(size_t current, size_t average) {
  if (current > average) return {0, 0};
  const size_t desired = average - current;
  const size_t delta = (desired * 2 + 5) / 10;  // desired * 0.2, rounded half up
  return {desired - delta, 2 * delta};
}

size_t ExtraLength(size_t current, size_t average, EventRng& rng) {
  const auto [min, span] = ExtraRange(current, average);
  return min + (span == 0 ? 0 : rng.Below(static_cast<uint32_t>(span)));
}

// A word-like string of 3 to max - 1 characters, trimmed of spaces at its ends.
std::string_view Words(const std::string& words, const std::string& letters, uint32_t max,
                       EventRng& rng) {
  const size_t len = 3 + rng.Below(max - 3);
  std::string_view v(words.data() + rng.Below(static_cast<uint32_t>(kPoolBytes)), len);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v.empty() ? std::string_view(letters.data(), 3) : v;
}

std::string RandomText(uint64_t seed, bool spaces) {
  std::string s(kPoolBytes + kPoolSlack, ' ');
  EventRng rng(seed, spaces ? 1 : 0);
  for (char& c : s) {
    c = spaces && rng.Below(13) == 0 ? ' ' : static_cast<char>('a' + rng.Below(26));
  }
  return s;
}

// "https://www.nexmark.com/<w>/<w>/<w>/item.htm?query=1", each <w> 3 or 4 of a-z and '_'.
std::string BaseUrl(EventRng& rng) {
  std::string url = "https://www.nexmark.com";
  for (int part = 0; part < 3; ++part) {
    url += '/';
    const uint32_t len = 3 + rng.Below(2);
    for (uint32_t i = 0; i < len; ++i) {
      url += rng.Below(13) == 0 ? '_' : static_cast<char>('a' + rng.Below(26));
    }
  }
  return url + "/item.htm?query=1";
}

// A price: 100 * 10^(6u) cents for u uniform in [0, 1) in steps of 2^-24, the power read from
// two tables of 4,096 floats (10^(6 * hi / 4096) and 10^(6 * lo / 2^24)); within 10^-6 of the
// exact power, which is all a random price needs.
int64_t DrawPrice(const std::array<float, 4096>& hi, const std::array<float, 4096>& lo,
                  EventRng& rng) {
  const uint32_t u = static_cast<uint32_t>(rng.Next() >> 40);
  return static_cast<int64_t>(static_cast<double>(hi[u >> 12]) * lo[u & 4095] * 100.0 + 0.5);
}

uint32_t ReverseBits(uint32_t v) {
  uint32_t r = 0;
  for (int i = 0; i < 32; ++i, v >>= 1) r = (r << 1) | (v & 1);
  return r;
}

// Offsets [lo, hi) of a table's events within each cycle of 50.
constexpr std::pair<uint64_t, uint64_t> Offsets(NexmarkTable t) {
  return t == NexmarkTable::kPerson    ? std::pair<uint64_t, uint64_t>{0, 1}
         : t == NexmarkTable::kAuction ? std::pair<uint64_t, uint64_t>{1, 4}
                                       : std::pair<uint64_t, uint64_t>{4, 50};
}

}  // namespace

std::string_view NexmarkTableName(NexmarkTable table) {
  switch (table) {
    case NexmarkTable::kPerson:
      return "person";
    case NexmarkTable::kAuction:
      return "auction";
    case NexmarkTable::kBid:
      return "bid";
  }
  return "";
}

Result<NexmarkTable> ParseNexmarkTable(std::string_view name) {
  for (NexmarkTable t : {NexmarkTable::kPerson, NexmarkTable::kAuction, NexmarkTable::kBid}) {
    if (NexmarkTableName(t) == name) return t;
  }
  return Status::InvalidArgument(
      fmt::format("unknown nexmark table '{}' (expected person, auction or bid)", name));
}

Schema NexmarkSchema(NexmarkTable table) {
  const Field ms{"", Type::kTimestamp, TimeUnit::kMillis};
  auto i64 = [](const char* n) { return Field{n, Type::kInt64}; };
  auto str = [](const char* n) { return Field{n, Type::kString}; };
  auto time = [&](const char* n) { return Field{n, ms.type, ms.unit}; };
  switch (table) {
    case NexmarkTable::kPerson:
      return Schema({i64("id"), str("name"), str("email_address"), str("credit_card"), str("city"),
                     str("state"), time("date_time"), str("extra")});
    case NexmarkTable::kAuction:
      return Schema({i64("id"), str("item_name"), str("description"), i64("initial_bid"),
                     i64("reserve"), time("date_time"), time("expires"), i64("seller"),
                     i64("category"), str("extra")});
    case NexmarkTable::kBid:
      return Schema({i64("auction"), i64("bidder"), i64("price"), str("channel"), str("url"),
                     time("date_time"), str("extra")});
  }
  return Schema();
}

std::string NexmarkSideInputValue(int64_t key) { return fmt::format("side-{}", key); }

NexmarkGenerator::NexmarkGenerator(const NexmarkConfig& config)
    : config_(config),
      letters_(RandomText(config.seed, false)),
      words_(RandomText(config.seed, true)) {
  EventRng rng(0x6e65786d61726bULL, 0);  // the channels are the same for every seed
  channel_offsets_.push_back(0);
  auto add = [&](const std::string& name, const std::string& url) {
    channel_chars_ += name;
    channel_offsets_.push_back(static_cast<uint32_t>(channel_chars_.size()));
    channel_chars_ += url;
    channel_offsets_.push_back(static_cast<uint32_t>(channel_chars_.size()));
  };
  for (uint32_t i = 0; i < kChannels; ++i) {
    std::string url = BaseUrl(rng);
    if (rng.Below(10) > 0) {
      url += fmt::format("&channel_id={}", std::llabs(static_cast<int32_t>(ReverseBits(i))));
    }
    add(fmt::format("channel-{}", i), url);
  }
  for (std::string_view hot : kHotChannels) add(std::string(hot), BaseUrl(rng));
  if (1'000'000 % config_.rate == 0) us_per_event_ = 1'000'000 / config_.rate;
  const auto [min, span] = ExtraRange(32, config_.avg_bid_bytes);  // 4 numbers of 8 bytes
  bid_extra_min_ = static_cast<uint32_t>(min);
  bid_extra_span_ = static_cast<uint32_t>(span);
  for (size_t k = 0; k < price_hi_.size(); ++k) {
    price_hi_[k] = static_cast<float>(std::pow(10.0, 6.0 * static_cast<double>(k) / 4096.0));
    price_lo_[k] = static_cast<float>(std::pow(10.0, 6.0 * static_cast<double>(k) / 16777216.0));
  }
}

uint64_t NexmarkGenerator::NextOf(NexmarkTable table, uint64_t n) {
  const auto [lo, hi] = Offsets(table);
  const uint64_t epoch = n / kProportion, off = n % kProportion;
  if (off < lo) return epoch * kProportion + lo;
  if (off >= hi) return (epoch + 1) * kProportion + lo;
  return n;
}

uint64_t NexmarkGenerator::CountBefore(NexmarkTable table, uint64_t n) {
  const auto [lo, hi] = Offsets(table);
  const uint64_t epoch = n / kProportion, off = n % kProportion;
  return epoch * (hi - lo) + std::clamp(off, lo, hi) - lo;
}

int64_t NexmarkGenerator::LastPersonId(uint64_t n) const {
  return static_cast<int64_t>(n / kProportion);
}

int64_t NexmarkGenerator::LastAuctionId(uint64_t n) const {
  const int64_t epoch = static_cast<int64_t>(n / kProportion);
  const int64_t off = static_cast<int64_t>(n % kProportion);
  if (off < 1) return epoch * 3 - 1;   // a person: the last auction of the previous cycle
  if (off >= 4) return epoch * 3 + 2;  // a bid: the last auction of this cycle
  return epoch * 3 + off - 1;
}

void NexmarkGenerator::AppendPerson(uint64_t n, int64_t ts, Batch* b) const {
  EventRng rng(config_.seed, n);
  Column* c = b->columns.data();
  c[0].i64.push_back(LastPersonId(n) + kFirstPersonId);
  const size_t name_start = c[1].chars.size();
  c[1].chars.append(kFirstNames[rng.Below(kFirstNames.size())]);
  c[1].chars += ' ';
  c[1].chars.append(kLastNames[rng.Below(kLastNames.size())]);
  EndString(c[1]);
  const size_t email_start = c[2].chars.size();
  AppendCut(letters_, 3 + rng.Below(4), rng, &c[2].chars);
  c[2].chars += '@';
  AppendCut(letters_, 3 + rng.Below(2), rng, &c[2].chars);
  c[2].chars.append(".com");
  EndString(c[2]);
  char card[19];
  for (int g = 0; g < 4; ++g) {
    uint32_t v = rng.Below(10000);
    for (int d = 3; d >= 0; --d, v /= 10) card[g * 5 + d] = static_cast<char>('0' + v % 10);
    if (g < 3) card[g * 5 + 4] = ' ';
  }
  Put(c[3], std::string_view(card, sizeof(card)));
  const std::string_view city = kCities[rng.Below(kCities.size())];
  const std::string_view state = kStates[rng.Below(kStates.size())];
  Put(c[4], city);
  Put(c[5], state);
  c[6].i64.push_back(ts);
  const size_t current = 8 + (c[1].chars.size() - name_start) + (c[2].chars.size() - email_start) +
                         sizeof(card) + city.size() + state.size();
  AppendCut(letters_, ExtraLength(current, config_.avg_person_bytes, rng), rng, &c[7].chars);
  EndString(c[7]);
}

void NexmarkGenerator::AppendAuction(uint64_t n, int64_t ts, Batch* b) const {
  EventRng rng(config_.seed, n);
  Column* c = b->columns.data();
  c[0].i64.push_back(LastAuctionId(n) + kFirstAuctionId);
  const std::string_view item = Words(words_, letters_, 20, rng);
  const std::string_view desc = Words(words_, letters_, 100, rng);
  Put(c[1], item);
  Put(c[2], desc);
  const int64_t initial = DrawPrice(price_hi_, price_lo_, rng);
  c[3].i64.push_back(initial);
  c[4].i64.push_back(initial + DrawPrice(price_hi_, price_lo_, rng));
  c[5].i64.push_back(ts);
  // Auctions last on average as long as the next in_flight_auctions auctions take to arrive.
  const uint64_t ahead = uint64_t{config_.in_flight_auctions} * kProportion / 3;
  const int64_t horizon = TimestampMs(n + ahead) - ts;
  c[6].i64.push_back(
      ts + 1 +
      static_cast<int64_t>(rng.Below64(static_cast<uint64_t>(std::max<int64_t>(horizon * 2, 1)))));
  int64_t seller;
  const int64_t last_person = LastPersonId(n);
  if (rng.Below(config_.hot_seller_ratio) > 0) {
    seller = last_person / kHotBlock * kHotBlock;
  } else {
    const int64_t people = last_person + 1;
    const int64_t active = std::min<int64_t>(people, config_.active_people);
    seller =
        people - active + static_cast<int64_t>(rng.Below(static_cast<uint32_t>(active) + kIdLead));
  }
  c[7].i64.push_back(seller + kFirstPersonId);
  c[8].i64.push_back(kFirstCategory + rng.Below(kCategories));
  const size_t current = 8 + item.size() + desc.size() + 40;
  AppendCut(letters_, ExtraLength(current, config_.avg_auction_bytes, rng), rng, &c[9].chars);
  EndString(c[9]);
}

void NexmarkGenerator::AppendBid(uint64_t n, int64_t ts, Batch* b) const {
  EventRng rng(config_.seed, n);
  Column* c = b->columns.data();
  const int64_t last_auction = LastAuctionId(n);
  int64_t auction;
  if (rng.Below(config_.hot_auction_ratio) > 0) {
    auction = last_auction / kHotBlock * kHotBlock;
  } else {
    const int64_t lo = std::max<int64_t>(last_auction - config_.in_flight_auctions, 0);
    auction = lo + static_cast<int64_t>(
                       rng.Below(static_cast<uint32_t>(last_auction - lo + 1) + kIdLead));
  }
  c[0].i64.push_back(auction + kFirstAuctionId);
  const int64_t last_person = LastPersonId(n);
  int64_t bidder;
  if (rng.Below(config_.hot_bidder_ratio) > 0) {
    bidder = last_person / kHotBlock * kHotBlock + 1;
  } else {
    const int64_t people = last_person + 1;
    const int64_t active = std::min<int64_t>(people, config_.active_people);
    bidder =
        people - active + static_cast<int64_t>(rng.Below(static_cast<uint32_t>(active) + kIdLead));
  }
  c[1].i64.push_back(bidder + kFirstPersonId);
  c[2].i64.push_back(DrawPrice(price_hi_, price_lo_, rng));
  const uint32_t ch = rng.Below(config_.hot_channel_ratio) > 0
                          ? kChannels + rng.Below(kHotChannels.size())
                          : rng.Below(kChannels);
  const uint32_t* at = channel_offsets_.data() + 2 * ch;
  Put(c[3], std::string_view(channel_chars_.data() + at[0], at[1] - at[0]));
  Put(c[4], std::string_view(channel_chars_.data() + at[1], at[2] - at[1]));
  c[5].i64.push_back(ts);
  AppendCut(letters_, bid_extra_min_ + (bid_extra_span_ == 0 ? 0 : rng.Below(bid_extra_span_)), rng,
            &c[6].chars);
  EndString(c[6]);
}

size_t NexmarkGenerator::Fill(NexmarkTable table, uint64_t* next, uint64_t end, size_t max_rows,
                              Batch* batch) const {
  size_t rows = 0;
  uint64_t n = NextOf(table, *next);
  for (Column& col : batch->columns) {
    if (col.type == Type::kString) {
      col.offsets.reserve(col.offsets.size() + max_rows);
    } else {
      col.i64.reserve(col.i64.size() + max_rows);
    }
  }
  batch->ts.reserve(batch->ts.size() + max_rows);
  while (n < end && rows < max_rows) {
    const int64_t ts = TimestampMs(n);
    switch (table) {
      case NexmarkTable::kPerson:
        AppendPerson(n, ts, batch);
        break;
      case NexmarkTable::kAuction:
        AppendAuction(n, ts, batch);
        break;
      case NexmarkTable::kBid:
        AppendBid(n, ts, batch);
        break;
    }
    batch->ts.push_back(ts * 1000);
    ++rows;
    n = NextOf(table, n + 1);
  }
  *next = std::min(n, end);
  return rows;
}

}  // namespace sluice
