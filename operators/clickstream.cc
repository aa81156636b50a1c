#include "operators/clickstream.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include <fmt/format.h>

namespace sluice {

Status WriteClickstream(const std::string& path, const ClickstreamOptions& o) {
  if (o.users == 0 || o.pages == 0) return Status::InvalidArgument("users and pages must be >= 1");
  std::mt19937_64 rng(o.seed);
  // Zipf-like weights for users and pages.
  std::vector<double> uw(o.users), pw(o.pages);
  for (uint32_t i = 0; i < o.users; ++i) uw[i] = 1.0 / std::pow(i + 1, 0.8);
  for (uint32_t i = 0; i < o.pages; ++i) pw[i] = 1.0 / std::pow(i + 1, 1.0);
  std::discrete_distribution<uint32_t> pick_user(uw.begin(), uw.end());
  std::discrete_distribution<uint32_t> pick_page(pw.begin(), pw.end());
  auto page_name = [&](uint32_t p) -> std::string {
    if (p == 0) return "/home";
    if (p == 1) return "/cart";
    if (p == 2) return "/checkout";
    if (p == 3) return "/search";
    return fmt::format("/product/{}", p);
  };
  struct Click {
    int64_t arrival;
    int64_t ts;
    uint32_t user, page;
    double amount;
  };
  const int64_t t0 = 1714521600000;  // 2024-05-01T00:00:00Z in ms
  std::vector<Click> clicks;
  clicks.reserve(o.events);
  // Per-user bursts: a burst of clicks a few hundred ms apart, then an idle gap.
  std::vector<int64_t> next_time(o.users, t0);
  std::vector<uint32_t> burst_left(o.users, 0);
  std::uniform_int_distribution<int> burst_len(3, 25);
  std::exponential_distribution<double> idle(1.0 / 60000.0);  // mean 60 s between bursts
  std::uniform_int_distribution<int> within(100, 4000);
  std::uniform_real_distribution<double> unit(0, 1);
  int64_t clock = t0;
  for (uint64_t i = 0; i < o.events; ++i) {
    uint32_t u = pick_user(rng);
    if (burst_left[u] == 0) {
      burst_left[u] = burst_len(rng);
      next_time[u] = std::max(next_time[u], clock) + static_cast<int64_t>(idle(rng));
    }
    --burst_left[u];
    next_time[u] += within(rng);
    clock += 5;  // the stream's own clock advances steadily
    int64_t ts = std::min(next_time[u], clock + 30000);
    uint32_t p = pick_page(rng);
    double amount = 0;
    if (p == 2) amount = std::round(unit(rng) * 20000) / 100 + 1;   // checkout: a purchase
    else if (unit(rng) < 0.002) amount = -std::round(unit(rng) * 5000) / 100 - 1;  // refund
    int64_t arrival = ts;
    if (unit(rng) < 0.05) arrival += static_cast<int64_t>(unit(rng) * o.max_delay_ms);
    clicks.push_back({arrival, ts, u, p, amount});
  }
  std::stable_sort(clicks.begin(), clicks.end(),
                   [](const Click& a, const Click& b) { return a.arrival < b.arrival; });

  std::string tmp = path + ".inprogress";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status::IOError(fmt::format("cannot create '{}': {}", path, std::strerror(errno)));
  std::string out = "user,page,ts,amount\n";
  const uint64_t every = o.malformed ? std::max<uint64_t>(1, o.events / (o.malformed + 1)) : 0;
  uint32_t bad = 0;
  for (uint64_t i = 0; i < clicks.size(); ++i) {
    const Click& c = clicks[i];
    if (every && bad < o.malformed && i > 0 && i % every == 0) {
      switch (bad % 3) {
        case 0: out += fmt::format("u{},{},{}\n", c.user, page_name(c.page), c.ts); break;
        case 1: out += fmt::format("u{},{},{},twelve\n", c.user, page_name(c.page), c.ts); break;
        case 2: out += fmt::format("u{},{},2024-05-01 10:00,{}\n", c.user, page_name(c.page), c.amount); break;
      }
      ++bad;
      continue;
    }
    out += fmt::format("u{},{},{},{}\n", c.user, page_name(c.page), c.ts, c.amount);
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), f);
      out.clear();
    }
  }
  bool ok = std::fwrite(out.data(), 1, out.size(), f) == out.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError(fmt::format("cannot write '{}'", path));
  }
  return Status::OK();
}

}  // namespace sluice
