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
  // Sessions start as a Poisson process; each belongs to a user drawn by popularity, who must
  // have been idle for a while; a session is a burst of clicks 0.3-4 s apart.
  std::vector<int64_t> busy_until(o.users, t0);
  std::uniform_int_distribution<int> burst_len(2, 30);
  std::uniform_int_distribution<int> think_ms(300, 4000);
  std::uniform_int_distribution<int> idle_ms(31'000, 300'000);
  std::uniform_real_distribution<double> unit(0, 1);
  // About 40 concurrent sessions on average: one new session every ~250 ms.
  std::exponential_distribution<double> next_session(1.0 / 250.0);
  double start = static_cast<double>(t0);
  while (clicks.size() < o.events) {
    start += next_session(rng);
    uint32_t u = pick_user(rng);
    for (int tries = 0; tries < 8 && busy_until[u] > start; ++tries) u = pick_user(rng);
    if (busy_until[u] > start) continue;
    int64_t ts = static_cast<int64_t>(start);
    int len = burst_len(rng);
    for (int k = 0; k < len && clicks.size() < o.events; ++k) {
      uint32_t p = pick_page(rng);
      double amount = 0;
      if (p == 2) {  // checkout: usually a purchase, rarely a refund
        double r = unit(rng);
        if (r < 0.6) amount = std::round(unit(rng) * 20000) / 100 + 1;
        else if (r < 0.62) amount = -(std::round(unit(rng) * 5000) / 100 + 1);
      }
      int64_t arrival = ts;
      double d = unit(rng);
      if (d < 0.05) arrival += static_cast<int64_t>(unit(rng) * o.max_delay_ms);  // out of order
      else if (d < 0.0005 + 0.05) arrival += 20'000;  // a straggler: arrives too late
      clicks.push_back({arrival, ts, u, p, amount});
      ts += think_ms(rng);
    }
    busy_until[u] = ts + idle_ms(rng);
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
