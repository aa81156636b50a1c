// A synthetic clickstream for demos: user,page,ts,amount as CSV.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace sluice {

struct ClickstreamOptions {
  uint64_t events = 200'000;     // clicks, including malformed lines
  uint32_t users = 500;          // users, with skewed (Zipf-like) activity
  uint32_t pages = 50;           // distinct pages
  uint32_t max_delay_ms = 1500;  // out-of-order clicks arrive up to this much later
  uint32_t malformed = 5;        // malformed lines spread through the file
  uint64_t seed = 1;             // same seed, same file
};

// Writes the clickstream to `path` (header `user,page,ts,amount`, ts in epoch milliseconds from
// 2024-05-01T00:00:00Z). Deterministic for given options.
Status WriteClickstream(const std::string& path, const ClickstreamOptions& options);

}  // namespace sluice
