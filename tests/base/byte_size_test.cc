#include "base/byte_size.h"

#include <doctest/doctest.h>

namespace sluice {

TEST_CASE("ParseByteSize reads numbers with binary and decimal units") {
  CHECK(*ParseByteSize("0") == 0);
  CHECK(*ParseByteSize("4096") == 4096);
  CHECK(*ParseByteSize("10B") == 10);
  CHECK(*ParseByteSize("64MiB") == (uint64_t{64} << 20));
  CHECK(*ParseByteSize("1 GiB") == (uint64_t{1} << 30));
  CHECK(*ParseByteSize("3KiB") == 3072);
  CHECK(*ParseByteSize("2TiB") == (uint64_t{2} << 40));
  CHECK(*ParseByteSize("500MB") == 500'000'000);
  CHECK(*ParseByteSize("7KB") == 7000);
  CHECK(*ParseByteSize("1 TB") == 1'000'000'000'000);
  CHECK(*ParseByteSize("18446744073709551615") == UINT64_MAX);
}

TEST_CASE("ParseByteSize refuses what is not a size") {
  for (const char* text : {"", "MiB", "-1", "1.5GiB", "1 gib", "1 PB", "1MiB ", " 1", "1  x",
                           "18446744073709551616", "16777216TiB"}) {
    Result<uint64_t> r = ParseByteSize(text);
    INFO(text);
    CHECK_FALSE(r.ok());
    CHECK(r.status().IsInvalidArgument());
    CHECK(r.status().message().find("is not a size") != std::string::npos);
  }
}

}  // namespace sluice
