// Order prefixes: an unsigned integer per non-null value whose order agrees with the canonical
// order of values of one type (docs/semantics.md, "Several keyed stages"): ints, timestamps and
// bools by value; doubles in the total order (-0.0 before +0.0, every NaN alike and after every
// number); strings by their bytes, of which the prefix holds the first 8 (big-endian,
// zero-padded). a < b implies prefix(a) <= prefix(b); equal prefixes say nothing for strings.
// Sorting by prefix first and comparing values only on ties is how row sorts avoid touching
// rows.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sluice {

inline uint64_t OrderPrefixInt(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63); }

inline uint64_t OrderPrefixDouble(double v) {
  if (std::isnan(v)) return UINT64_MAX;
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

inline uint64_t OrderPrefixString(std::string_view v) {
  uint64_t out = 0;
  for (size_t i = 0; i < 8; ++i) out = (out << 8) | (i < v.size() ? static_cast<uint8_t>(v[i]) : 0);
  return out;
}

}  // namespace sluice
