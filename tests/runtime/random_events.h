// Random keyed events for the differential tests: event times advance ~3 us per event from
// -500 us (negative window starts are covered), each displaced back by up to `disorder` us, over
// `keys` keys "k0".."k<keys-1>"; about 1 in 15 values is null. Written as csv (key,ts,v) for a
// csv source with ts in timestamp_us.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "reference_engine.h"

namespace sluice::testing {

inline std::vector<RefEvent> RandomEvents(std::mt19937_64& rng, int keys, int64_t disorder) {
  std::vector<RefEvent> events;
  const int n = std::uniform_int_distribution<int>(200, 3000)(rng);
  int64_t t = -500;
  for (int i = 0; i < n; ++i) {
    t += std::uniform_int_distribution<int64_t>(0, 6)(rng);
    RefEvent e;
    e.key = "k" + std::to_string(std::uniform_int_distribution<int>(0, keys - 1)(rng));
    e.ts = t - std::uniform_int_distribution<int64_t>(0, disorder)(rng);
    if (std::uniform_int_distribution<int>(0, 14)(rng) != 0) {
      e.v = std::uniform_int_distribution<int64_t>(-50, 50)(rng);
    }
    e.arrival = static_cast<size_t>(i);
    events.push_back(std::move(e));
  }
  return events;
}

inline std::string EventsCsv(const std::vector<RefEvent>& events) {
  std::string out = "key,ts,v\n";
  for (const RefEvent& e : events) {
    out += fmt::format("{},{},{}\n", e.key, e.ts, e.v ? fmt::format("{}", *e.v) : "");
  }
  return out;
}

}  // namespace sluice::testing
