#include "operators/clickstream.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "operators/generator_source.h"
#include "operators/record_parse.h"

namespace sluice {
namespace {

// A small portable generator (a splitmix64 stream), so a seed gives the same file everywhere;
// the <random> distributions are implementation-defined.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return SplitMix64(state_++ * 0x9e3779b97f4a7c15ULL); }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>((static_cast<unsigned __int128>(Next()) * span) >> 64);
  }
  double Exponential(double mean) { return -mean * std::log1p(-Unit()); }

 private:
  uint64_t state_;
};

// Picks index i with probability proportional to 1 / (i + 1)^exponent.
class ZipfPicker {
 public:
  ZipfPicker(uint32_t n, double exponent) {
    double total = 0;
    for (uint32_t i = 0; i < n; ++i)
      cumulative_.push_back(total += 1.0 / std::pow(i + 1, exponent));
  }
  uint32_t Pick(Rng* rng) const {
    double x = rng->Unit() * cumulative_.back();
    auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
    return static_cast<uint32_t>(
        std::min<size_t>(it - cumulative_.begin(), cumulative_.size() - 1));
  }

 private:
  std::vector<double> cumulative_;
};

std::string PageName(uint32_t p) {
  switch (p) {
    case 0:
      return "/home";
    case 1:
      return "/cart";
    case 2:
      return "/checkout";
    case 3:
      return "/search";
    default:
      return fmt::format("/product/{}", p);
  }
}

struct Click {
  int64_t arrival;  // when the click reaches the file (ms)
  int64_t ts;       // when it happened (ms)
  uint32_t user, page;
  double amount;
};

constexpr int64_t kStartMs = 1714521600000;  // 2024-05-01T00:00:00Z
constexpr uint32_t kCheckout = 2;
constexpr int64_t kStragglerDelayMs = 20'000;  // far behind any watermark bound of the demo

// Sessions start as a Poisson process (one every ~250 ms: about 40 at a time); each belongs to a
// user drawn by popularity who has been idle for a while, and is a burst of 2-30 clicks 0.3-4 s
// apart, followed by 31 s - 5 min of idleness.
std::vector<Click> MakeClicks(const ClickstreamOptions& o, Rng* rng) {
  ZipfPicker users(o.users, 0.8), pages(o.pages, 1.0);
  std::vector<int64_t> busy_until(o.users, kStartMs);
  std::vector<Click> clicks;
  clicks.reserve(o.events);
  double start = static_cast<double>(kStartMs);
  while (clicks.size() < o.events) {
    start += rng->Exponential(250.0);
    uint32_t u = users.Pick(rng);
    for (int tries = 0; tries < 8 && busy_until[u] > start; ++tries) u = users.Pick(rng);
    if (busy_until[u] > start) continue;
    int64_t ts = static_cast<int64_t>(start);
    const int64_t len = rng->Between(2, 30);
    for (int64_t k = 0; k < len && clicks.size() < o.events; ++k) {
      uint32_t p = pages.Pick(rng);
      double amount = 0;
      if (p == kCheckout) {  // usually a purchase, rarely a refund
        double r = rng->Unit();
        if (r < 0.6) {
          amount = std::round(rng->Unit() * 20000) / 100 + 1;
        } else if (r < 0.62) {
          amount = -(std::round(rng->Unit() * 5000) / 100 + 1);
        }
      }
      int64_t arrival = ts;
      double d = rng->Unit();
      if (d < 0.05) {
        arrival += static_cast<int64_t>(rng->Unit() * o.max_delay_ms);  // out of order
      } else if (d < 0.0505) {
        arrival += kStragglerDelayMs;  // too late for its window
      }
      clicks.push_back({arrival, ts, u, p, amount});
      ts += rng->Between(300, 4000);
    }
    busy_until[u] = ts + rng->Between(31'000, 300'000);
  }
  std::stable_sort(clicks.begin(), clicks.end(),
                   [](const Click& a, const Click& b) { return a.arrival < b.arrival; });
  return clicks;
}

}  // namespace

Status WriteClickstream(const std::string& path, const ClickstreamOptions& o) {
  if (o.users == 0 || o.pages == 0) {
    return Status::InvalidArgument("clickstream: users and pages must be at least 1");
  }
  Rng rng(o.seed);
  const std::vector<Click> clicks = MakeClicks(o, &rng);

  PendingFile file(path);
  SLUICE_RETURN_IF_ERROR(file.Open());
  std::string out = "user,page,ts,amount\n";
  // Malformed lines replace clicks at even spacing, cycling through three kinds of damage.
  const uint64_t every = o.malformed ? std::max<uint64_t>(1, o.events / (o.malformed + 1)) : 0;
  uint32_t bad = 0;
  for (uint64_t i = 0; i < clicks.size(); ++i) {
    const Click& c = clicks[i];
    auto it = std::back_inserter(out);
    if (every && bad < o.malformed && i > 0 && i % every == 0) {
      switch (bad++ % 3) {
        case 0:
          fmt::format_to(it, "u{},{},{}\n", c.user, PageName(c.page), c.ts);
          break;
        case 1:
          fmt::format_to(it, "u{},{},{},twelve\n", c.user, PageName(c.page), c.ts);
          break;
        default:
          fmt::format_to(it, "u{},{},05/01/2024 10:00,{}\n", c.user, PageName(c.page), c.amount);
      }
      continue;
    }
    fmt::format_to(it, "u{},{},{},{}\n", c.user, PageName(c.page), c.ts, c.amount);
    if (out.size() >= (1 << 20)) {
      SLUICE_RETURN_IF_ERROR(file.Write(out));
      out.clear();
    }
  }
  SLUICE_RETURN_IF_ERROR(file.Write(out));
  return file.Commit();
}

}  // namespace sluice
