// Event times outside 0001-01-01..9999-12-31 UTC, or that overflow microseconds, are dead letters
// ("out of range"), never silently dropped rows or a watermark pushed to the end of time.
#include <doctest/doctest.h>

#include <string>

#include "base/time_util.h"
#include "io_test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

Schema Events(TimeUnit unit) {
  return Schema({{"k", Type::kString}, {"ts", Type::kTimestamp, unit}});
}

}  // namespace

TEST_CASE("csv source dead-letters event times at the edge of int64 and keeps the rows around them") {
  ScratchDir dir("csv-time-range");
  WriteFile(dir.file("ms.csv"),
            "k,ts\n"
            "a,1000\n"
            "b,9223372036854775\n"   // fits int64 microseconds, but is year 294,247
            "c,9223372036854776\n"   // overflows microseconds
            "d,-9223372036854775808\n"
            "e,253402300799999\n"    // 9999-12-31T23:59:59.999Z: the last millisecond accepted
            "f,253402300800000\n"    // 10000-01-01
            "g,-62135596800000\n"    // 0001-01-01: the first accepted
            "h,-62135596800001\n"
            "i,2000\n");
  SourceRun run = RunSource("csv", dir.file("ms.csv"), Events(TimeUnit::kMillis), 1);
  REQUIRE(run.open.ok());
  REQUIRE(run.batch.size() == 4);
  CHECK(run.batch.columns[0].str(0) == "a");
  CHECK(run.batch.columns[0].str(1) == "e");
  CHECK(run.batch.ts[1] == 253'402'300'799'999'000);
  CHECK(run.batch.columns[0].str(2) == "g");
  CHECK(run.batch.ts[2] == kMinEventTime);
  CHECK(run.batch.columns[0].str(3) == "i");
  REQUIRE(run.batch.dead_letters.size() == 5);
  for (const DeadLetter& d : run.batch.dead_letters) {
    CHECK(d.reason.find("out of range") != std::string::npos);
    CHECK(d.reason.find("'ts'") != std::string::npos);
  }
  CHECK(run.batch.dead_letters[0].line == 3);
  CHECK(run.batch.dead_letters[0].reason.find("9223372036854775 ms") != std::string::npos);

  WriteFile(dir.file("us.csv"), "k,ts\na,9223372036854775807\nb,-9223372036854775807\nc,5\n");
  SourceRun us = RunSource("csv", dir.file("us.csv"), Events(TimeUnit::kMicros), 1);
  REQUIRE(us.batch.size() == 1);
  CHECK(us.batch.ts[0] == 5);
  CHECK(us.batch.dead_letters.size() == 2);

  WriteFile(dir.file("s.csv"), "k,ts\na,9223372036854\nb,253402300799\n");
  SourceRun s = RunSource("csv", dir.file("s.csv"), Events(TimeUnit::kSeconds), 1);
  REQUIRE(s.batch.size() == 1);
  CHECK(s.batch.ts[0] == 253'402'300'799'000'000);
  CHECK(s.batch.dead_letters.size() == 1);
}

TEST_CASE("csv source checks double and int64 event-time fields against the range too") {
  ScratchDir dir("csv-time-range-num");
  Schema schema({{"k", Type::kString}, {"t", Type::kDouble}});
  WriteFile(dir.file("d.csv"), "k,t\na,1.5\nb,nan\nc,inf\nd,1e300\ne,-1e19\nf,7\n");
  SourceRun run = RunSource("csv", dir.file("d.csv"), schema, 1);
  REQUIRE(run.batch.size() == 2);
  CHECK(run.batch.ts[0] == 1);
  CHECK(run.batch.ts[1] == 7);
  CHECK(run.batch.dead_letters.size() == 4);

  Schema ints({{"k", Type::kString}, {"t", Type::kInt64}});
  WriteFile(dir.file("i.csv"), "k,t\na,9223372036854775807\nb,3\n");
  SourceRun i = RunSource("csv", dir.file("i.csv"), ints, 1);
  REQUIRE(i.batch.size() == 1);
  CHECK(i.batch.dead_letters.size() == 1);
}

TEST_CASE("jsonl source dead-letters out-of-range event times") {
  ScratchDir dir("jsonl-time-range");
  WriteFile(dir.file("in.jsonl"),
            "{\"k\":\"a\",\"ts\":1}\n"
            "{\"k\":\"b\",\"ts\":9223372036854775}\n"
            "{\"k\":\"c\",\"ts\":\"9223372036854776\"}\n"
            "{\"k\":\"d\",\"ts\":2}\n");
  SourceRun run = RunSource("jsonl", dir.file("in.jsonl"), Events(TimeUnit::kMillis), 1);
  REQUIRE(run.batch.size() == 2);
  CHECK(run.batch.columns[0].str(1) == "d");
  REQUIRE(run.batch.dead_letters.size() == 2);
  CHECK(run.batch.dead_letters[0].line == 2);
  CHECK(run.batch.dead_letters[1].reason.find("out of range") != std::string::npos);
}
