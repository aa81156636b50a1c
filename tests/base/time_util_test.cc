#include <doctest/doctest.h>

#include "base/time_util.h"

using namespace sluice;

TEST_CASE("ParseDuration accepts every unit and combinations") {
  CHECK(ParseDuration("250us").value() == 250);
  CHECK(ParseDuration("10ms").value() == 10'000);
  CHECK(ParseDuration("2s").value() == 2'000'000);
  CHECK(ParseDuration("5m").value() == 300'000'000);
  CHECK(ParseDuration("1h").value() == 3'600'000'000);
  CHECK(ParseDuration("1m30s").value() == 90'000'000);
  CHECK(ParseDuration("0").value() == 0);
}

TEST_CASE("ParseDuration refuses malformed text with a helpful message") {
  CHECK(ParseDuration("").status().IsInvalidArgument());
  CHECK(ParseDuration("10").status().message().find("missing unit") != std::string::npos);
  CHECK(ParseDuration("10 parsecs").status().IsInvalidArgument());
  CHECK(ParseDuration("-1s").status().IsInvalidArgument());
  CHECK(ParseDuration("10x").status().message().find("unknown unit 'x'") != std::string::npos);
  CHECK(ParseDuration("99999999999999999999s").status().IsInvalidArgument());
}

TEST_CASE("FormatDuration picks the largest exact unit") {
  CHECK(FormatDuration(10'000'000) == "10s");
  CHECK(FormatDuration(1'500) == "1500us");
  CHECK(FormatDuration(60'000'000) == "1m");
}

TEST_CASE("ISO timestamps round-trip and honour offsets") {
  int64_t us = 0;
  REQUIRE(ParseTimestamp("1970-01-01T00:00:00Z", TimeUnit::kIso, &us));
  CHECK(us == 0);
  REQUIRE(ParseTimestamp("2024-05-01T12:00:00.25Z", TimeUnit::kIso, &us));
  CHECK(FormatIso(us) == "2024-05-01T12:00:00.25Z");
  int64_t with_offset = 0;
  REQUIRE(ParseTimestamp("2024-05-01T14:00:00.25+02:00", TimeUnit::kIso, &with_offset));
  CHECK(with_offset == us);
  REQUIRE(ParseTimestamp("1969-12-31T23:59:59Z", TimeUnit::kIso, &us));
  CHECK(us == -1'000'000);
  CHECK(FormatIso(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK_FALSE(ParseTimestamp("2024-13-01", TimeUnit::kIso, &us));
  CHECK_FALSE(ParseTimestamp("yesterday", TimeUnit::kIso, &us));
}

TEST_CASE("ISO dates that do not exist are refused, leap years included") {
  int64_t us = 0;
  for (const char* bad : {"2024-02-30", "2023-02-29", "1900-02-29", "2100-02-29T00:00:00Z",
                          "2024-04-31", "2024-06-31T12:00:00Z", "2024-09-31", "2024-11-31",
                          "2024-01-32", "2024-00-10", "2024-01-00",
                          "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00+01:60"}) {
    CHECK_MESSAGE(!ParseTimestamp(bad, TimeUnit::kIso, &us), bad);
  }
  for (const char* good : {"2024-02-29", "2000-02-29", "1600-02-29T23:59:59Z", "2023-02-28",
                           "2024-04-30", "2024-12-31", "2024-01-31", "2024-01-01T00:00:00+23:59"}) {
    CHECK_MESSAGE(ParseTimestamp(good, TimeUnit::kIso, &us), good);
  }
  REQUIRE(ParseTimestamp("2024-02-29", TimeUnit::kIso, &us));
  CHECK(FormatIso(us) == "2024-02-29T00:00:00Z");
  REQUIRE(ParseTimestamp("2024-03-01", TimeUnit::kIso, &us));
  CHECK(FormatIso(us) == "2024-03-01T00:00:00Z");
}

TEST_CASE("integer timestamps refuse decimals and junk") {
  int64_t v = 0;
  CHECK(ParseTimestamp("1700000000123", TimeUnit::kMillis, &v));
  CHECK(v == 1700000000123);
  CHECK_FALSE(ParseTimestamp("12.5", TimeUnit::kMillis, &v));
  CHECK_FALSE(ParseTimestamp("", TimeUnit::kMillis, &v));
  CHECK(RawToMicros(1500, TimeUnit::kMillis) == 1'500'000);
}

TEST_CASE("FloorDiv and AlignDown are exact for negative times") {
  CHECK(FloorDiv(-1, 10) == -1);
  CHECK(FloorDiv(-10, 10) == -1);
  CHECK(FloorDiv(9, 10) == 0);
  CHECK(AlignDown(-1, 10) == -10);
  CHECK(AlignDown(25, 10) == 20);
}
