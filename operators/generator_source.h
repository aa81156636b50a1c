// The synthetic generator source: event i has key = splitmix64(i) mod K, ts = i us and
// value = i mod 100.
#pragma once

#include <cstdint>

namespace sluice {

// Vigna's splitmix64: the first output of a generator whose state is `i`.
inline uint64_t SplitMix64(uint64_t i) {
  uint64_t z = i + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline uint64_t GeneratorKey(uint64_t i, uint64_t keys) { return SplitMix64(i) % keys; }
inline int64_t GeneratorTime(uint64_t i) { return static_cast<int64_t>(i); }
inline double GeneratorValue(uint64_t i) { return static_cast<double>(i % 100); }

}  // namespace sluice
