// Hand-written single-threaded loops computing Nexmark queries straight over the generator's
// rows, the yardstick `sluice bench nexmark` runs beside each query it knows a loop for: what the
// same machine does with no engine at all. Each returns the number of result rows, which must
// equal the engine's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sluice::cli {

struct BaselineResult {
  uint64_t results = 0;
  double checksum = 0;  // a sum over the results, so that the work cannot be optimized away
  double wall_s = 0;
};

// The loop for `query` ("q0", "q1", "q2", "q5", "q7", "q11") over events 0 .. events-1 of the
// generator seeded with `seed`; nullopt for a query without one.
std::optional<BaselineResult> RunBaseline(const std::string& query, uint64_t events,
                                          uint64_t seed);

}  // namespace sluice::cli
