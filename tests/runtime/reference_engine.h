// A brute-force reference for keyed event-time windows, written straight from docs/semantics.md:
// events are processed one at a time in input order, every window keeps its raw events, nothing is
// incremental. Slow and obviously correct; the oracle for the differential tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace sluice::testing {

struct RefEvent {
  std::string key;
  int64_t ts = 0;              // microseconds
  std::optional<int64_t> v;    // aggregate input; nullopt = null
  size_t arrival = 0;          // input order
  // The watermark in force before the event, when the input is not one source (a merge of
  // several computes it); nullopt = from input order and RefConfig::bound.
  std::optional<int64_t> wm;
};

enum class RefWindow { kTumbling, kSliding, kSession };

struct RefConfig {
  RefWindow kind = RefWindow::kTumbling;
  int64_t size = 0, slide = 0, gap = 0;
  int64_t bound = 0;     // max_out_of_orderness
  int64_t lateness = 0;  // allowed lateness
};

struct RefResult {
  std::vector<std::string> rows;  // "key,start,end,n,cnt_v,sum,min,max,avg,first,last,distinct"
  size_t late = 0;
};

// Aggregates in the order the differential test declares them:
//   count() as n, count(v) as cnt_v, sum(v), min(v), max(v), avg(v), first(v), last(v),
//   count_distinct(v)
inline std::string RefRow(const std::string& key, int64_t start, int64_t end,
                          const std::vector<RefEvent>& events) {
  int64_t n = static_cast<int64_t>(events.size()), cnt = 0, sum = 0;
  std::optional<int64_t> mn, mx;
  const RefEvent* first = nullptr;
  const RefEvent* last = nullptr;
  std::set<int64_t> distinct;
  for (const RefEvent& e : events) {
    if (!e.v) continue;
    ++cnt;
    sum += *e.v;
    mn = mn ? std::min(*mn, *e.v) : *e.v;
    mx = mx ? std::max(*mx, *e.v) : *e.v;
    distinct.insert(*e.v);
    if (!first || e.ts < first->ts || (e.ts == first->ts && e.arrival < first->arrival)) first = &e;
    if (!last || e.ts > last->ts || (e.ts == last->ts && e.arrival > last->arrival)) last = &e;
  }
  auto opt = [](std::optional<int64_t> x) { return x ? fmt::format("{}", *x) : std::string(); };
  std::string avg = cnt ? fmt::format("{}", static_cast<double>(sum) / cnt) : std::string();
  return fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}", key, start, end, n, cnt,
                     cnt ? fmt::format("{}", sum) : std::string(), opt(mn), opt(mx), avg,
                     first ? fmt::format("{}", *first->v) : std::string(),
                     last ? fmt::format("{}", *last->v) : std::string(), distinct.size());
}

inline int64_t RefFloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

inline RefResult RunReference(const std::vector<RefEvent>& input, const RefConfig& c) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  struct Win {
    std::string key;
    int64_t start, end;
    std::vector<RefEvent> events;
    bool fired = false;
  };
  std::vector<Win> open;  // every window with state
  RefResult out;
  auto fire = [&](int64_t w) {
    for (Win& win : open) {
      if (!win.fired && win.end - 1 <= w) {
        out.rows.push_back(RefRow(win.key, win.start, win.end, win.events));
        win.fired = true;
      }
    }
    open.erase(std::remove_if(open.begin(), open.end(),
                              [&](const Win& win) {
                                return w != kMin && win.end - 1 + c.lateness <= w;
                              }),
               open.end());
  };
  int64_t max_ts = kMin;
  for (const RefEvent& e : input) {
    int64_t w = e.wm ? *e.wm : max_ts == kMin ? kMin : max_ts - c.bound - 1;
    fire(w);
    auto is_late = [&](int64_t end) { return w != kMin && end - 1 + c.lateness <= w; };
    auto refire = [&](Win& win) {
      if (win.end - 1 <= w) {
        out.rows.push_back(RefRow(win.key, win.start, win.end, win.events));
        win.fired = true;
      }
    };
    if (c.kind != RefWindow::kSession) {
      int64_t size = c.size, slide = c.kind == RefWindow::kTumbling ? c.size : c.slide;
      int64_t last_start = RefFloorDiv(e.ts, slide) * slide;
      if (is_late(last_start + size)) {
        ++out.late;
      } else {
        for (int64_t s = last_start; s > e.ts - size; s -= slide) {
          if (is_late(s + size)) continue;
          Win* found = nullptr;
          for (Win& win : open) {
            if (win.key == e.key && win.start == s) found = &win;
          }
          if (!found) {
            open.push_back(Win{e.key, s, s + size, {}, false});
            found = &open.back();
          }
          found->events.push_back(e);
          refire(*found);
        }
      }
    } else {
      int64_t start = e.ts, end = e.ts + c.gap;
      std::vector<RefEvent> events{e};
      bool merged = false;
      for (auto it = open.begin(); it != open.end();) {
        if (it->key == e.key && it->start <= end && it->end >= start) {
          start = std::min(start, it->start);
          end = std::max(end, it->end);
          events.insert(events.end(), it->events.begin(), it->events.end());
          it = open.erase(it);
          merged = true;
        } else {
          ++it;
        }
      }
      if (!merged && is_late(end)) {
        ++out.late;
      } else {
        open.push_back(Win{e.key, start, end, std::move(events), false});
        refire(open.back());
      }
    }
    max_ts = std::max(max_ts, e.ts);
  }
  fire(kMax - 1);
  return out;
}

}  // namespace sluice::testing
