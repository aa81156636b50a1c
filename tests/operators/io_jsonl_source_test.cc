// The JSON-lines source: members by name, types, nulls and dead letters.
#include <doctest/doctest.h>

#include <limits>

#include "io_test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

Schema Clicks() {
  return Schema({{"user", Type::kString},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis},
                 {"amount", Type::kDouble}});
}

}  // namespace

TEST_CASE("jsonl source reads objects, skips blank lines and dead-letters bad lines") {
  ScratchDir dir("jsonl");
  const std::string text =
      "{\"user\":\"a\",\"ts\":1000,\"amount\":1.5}\n"
      "{\"user\":\"b\",\"ts\":\"2000\",\"amount\":2,\"other\":true}\r\n"
      "   \n"
      "{\"user\":\"c\",\"ts\":3000}\n"
      "{not json}\n"
      "{\"user\":\"d\",\"amount\":1}\n"
      "{\"user\":7,\"ts\":1,\"amount\":1}\n"
      "[1,2]\n"
      "{\"user\":null,\"ts\":null}\n"
      "{\"user\":\"e\",\"ts\":4000,\"amount\":null}";
  WriteFile(dir.file("in.jsonl"), text);
  SourceRun run = RunSource("jsonl", dir.file("in.jsonl"), Clicks(), 1);
  REQUIRE(run.open.ok());
  const Batch& b = run.batch;
  REQUIRE(b.size() == 4);
  CHECK(b.columns[0].str(1) == "b");
  CHECK(b.columns[1].i64[1] == 2000);
  CHECK(b.ts[1] == 2'000'000);
  CHECK(b.columns[2].f64[1] == 2);
  CHECK_FALSE(b.columns[2].is_valid(2));  // absent member
  CHECK(b.columns[0].str(3) == "e");      // last line without newline
  CHECK_FALSE(b.columns[2].is_valid(3));  // JSON null
  REQUIRE(b.dead_letters.size() == 5);
  const auto& d = b.dead_letters;
  CHECK(d[0].line == 5);
  CHECK(d[0].reason.rfind("invalid JSON: ", 0) == 0);
  CHECK(d[0].raw == "{not json}");
  CHECK(d[1].reason == "missing event time 'ts'");
  CHECK(d[1].line == 6);
  CHECK(d[2].reason == "field 'user': expected string, found integer");
  CHECK(d[3].reason == "invalid JSON: expected an object, found array");
  CHECK(d[4].reason == "missing event time 'ts'");  // null event time
  CHECK(d[4].line == 9);
  CHECK(run.position == text.size());
}

TEST_CASE("jsonl source checks member types against the schema") {
  ScratchDir dir("jsonltypes");
  Schema schema({{"qty", Type::kInt64},
                 {"x", Type::kDouble},
                 {"ok", Type::kBool},
                 {"at", Type::kTimestamp, TimeUnit::kIso},
                 {"name", Type::kString}});
  WriteFile(dir.file("in.jsonl"),
            "{\"qty\":9223372036854775807,\"x\":3,\"ok\":false,\"at\":\"2024-05-01T00:00:00Z\","
            "\"name\":\"caf\\u00e9 \\\"q\\\"\"}\n"
            "{\"qty\":4.0,\"x\":18446744073709551615,\"ok\":true,\"at\":1500000}\n"
            "{\"qty\":\"5\"}\n"
            "{\"qty\":1.5}\n"
            "{\"x\":\"1\"}\n"
            "{\"ok\":1}\n"
            "{\"at\":\"yesterday\"}\n"
            "{\"at\":true}\n"
            "{\"name\":{\"a\":1}}\n"
            "{\"qty\":18446744073709551615}\n");
  SourceRun run = RunSource("jsonl", dir.file("in.jsonl"), schema, -1);
  const Batch& b = run.batch;
  REQUIRE(b.size() == 2);
  CHECK(b.columns[0].i64[0] == std::numeric_limits<int64_t>::max());
  CHECK(b.columns[0].i64[1] == 4);  // a float without fraction is accepted
  CHECK(b.columns[1].f64[0] == 3);
  CHECK(b.columns[1].f64[1] == 18446744073709551615.0);
  CHECK(b.columns[2].i64 == std::vector<int64_t>{0, 1});
  CHECK(b.columns[3].i64[0] == 1'714'521'600'000'000);
  CHECK(b.columns[3].i64[1] == 1'500'000);  // integers are raw microseconds for ISO fields
  CHECK(b.columns[4].str(0) == "caf\xc3\xa9 \"q\"");
  CHECK_FALSE(b.columns[4].is_valid(1));
  REQUIRE(b.dead_letters.size() == 8);
  const auto& d = b.dead_letters;
  CHECK(d[0].reason == "field 'qty': expected int64, found string");
  CHECK(d[1].reason == "field 'qty': expected int64, found number");
  CHECK(d[2].reason == "field 'x': expected double, found string");
  CHECK(d[3].reason == "field 'ok': expected bool, found integer");
  CHECK(d[4].reason == "field 'at': 'yesterday' is not a timestamp");
  CHECK(d[5].reason == "field 'at': expected timestamp, found bool");
  CHECK(d[6].reason == "field 'name': expected string, found object");
  CHECK(d[7].reason == "field 'qty': expected int64, found integer");
  CHECK(d[7].line == 10);
}

TEST_CASE("jsonl source ignores a byte order mark before the first object") {
  ScratchDir dir("jsonlbom");
  WriteFile(dir.file("in.jsonl"), "\xEF\xBB\xBF{\"user\":\"a\",\"ts\":1}\n");
  SourceRun run = RunSource("jsonl", dir.file("in.jsonl"), Clicks(), 1);
  CHECK(run.batch.dead_letters.empty());
  REQUIRE(run.batch.size() == 1);
  CHECK(run.batch.columns[0].str(0) == "a");
}

TEST_CASE("jsonl source reads digit strings for integer timestamp units") {
  ScratchDir dir("jsonlts");
  Schema schema({{"t", Type::kTimestamp, TimeUnit::kSeconds}});
  WriteFile(dir.file("in.jsonl"), "{\"t\":\"12\"}\n{\"t\":3}\n{\"t\":\"12:00\"}\n");
  SourceRun run = RunSource("jsonl", dir.file("in.jsonl"), schema, 0);
  CHECK(run.batch.ts == std::vector<TimeUs>{12'000'000, 3'000'000});
  REQUIRE(run.batch.dead_letters.size() == 1);
  CHECK(run.batch.dead_letters[0].reason == "field 't': '12:00' is not a timestamp_s");
}

TEST_CASE("jsonl source reads many lines across blocks in small batches") {
  ScratchDir dir("jsonlbig");
  Schema schema({{"i", Type::kInt64}, {"s", Type::kString}});
  std::string text;
  const int kRows = 50'000;
  for (int i = 0; i < kRows; ++i) {
    text += "{\"i\":" + std::to_string(i) + ",\"s\":\"" + std::string(i % 50, 'a') + "\"}\n";
  }
  WriteFile(dir.file("in.jsonl"), text);
  SourceRun run = RunSource("jsonl", dir.file("in.jsonl"), schema, -1, 1000);
  REQUIRE(run.batch.size() == kRows);
  CHECK(run.calls >= kRows / 1000);
  bool ok = true;
  for (int i = 0; i < kRows; ++i) {
    ok = ok && run.batch.columns[0].i64[i] == i &&
         run.batch.columns[1].str(i).size() == size_t(i % 50);
  }
  CHECK(ok);
  CHECK(run.position == text.size());
}

TEST_CASE("jsonl source reports a missing file as an IO error naming it") {
  ScratchDir dir("jsonlmissing");
  SourceRun run = RunSource("jsonl", dir.file("x.jsonl"), Clicks(), 1);
  CHECK(run.open.IsIOError());
  CHECK(run.open.message() ==
        "cannot open '" + dir.file("x.jsonl") + "': No such file or directory");
}
