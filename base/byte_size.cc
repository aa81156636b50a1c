#include "base/byte_size.h"

#include <fmt/format.h>

#include <charconv>

namespace sluice {

Result<uint64_t> ParseByteSize(std::string_view text) {
  auto invalid = [&] {
    return Status::InvalidArgument(fmt::format(
        "'{}' is not a size: expected a number of bytes with an optional unit (B, KiB, MiB, "
        "GiB, TiB, KB, MB, GB, TB), e.g. \"64MiB\"",
        text));
  };
  uint64_t n = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec == std::errc::result_out_of_range) return invalid();
  if (ec != std::errc() || p == text.data()) return invalid();
  while (p != end && *p == ' ') ++p;
  const std::string_view unit(p, static_cast<size_t>(end - p));
  struct Unit {
    std::string_view name;
    uint64_t factor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},
      {"B", 1},
      {"KiB", uint64_t{1} << 10},
      {"MiB", uint64_t{1} << 20},
      {"GiB", uint64_t{1} << 30},
      {"TiB", uint64_t{1} << 40},
      {"KB", 1'000},
      {"MB", 1'000'000},
      {"GB", 1'000'000'000},
      {"TB", 1'000'000'000'000},
  };
  for (const Unit& u : kUnits) {
    if (u.name != unit) continue;
    if (n > UINT64_MAX / u.factor) return invalid();
    return n * u.factor;
  }
  return invalid();
}

}  // namespace sluice
