// The CSV source: header mapping, RFC 4180 quoting, types, nulls and dead letters.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
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

TEST_CASE("csv source maps header names and handles quotes CRLF and blank lines") {
  ScratchDir dir("csv");
  const std::string text =
      "amount,extra,user,ts\r\n"
      "1.5,x,\"smith, j\",1000\r\n"
      "\r\n"
      "2,y,\"say \"\"hi\"\"\",2000\n"
      ",z,\"multi\nline\",3000\n";
  WriteFile(dir.file("in.csv"), text);
  SourceRun run = RunSource("csv", dir.file("in.csv"), Clicks(), 1);
  REQUIRE(run.open.ok());
  const Batch& b = run.batch;
  REQUIRE(b.size() == 3);
  CHECK(b.columns[0].str(0) == "smith, j");
  CHECK(b.columns[0].str(1) == "say \"hi\"");
  CHECK(b.columns[0].str(2) == "multi\nline");
  CHECK(b.columns[1].i64[1] == 2000);
  CHECK(b.ts[1] == 2'000'000);  // ms -> us
  CHECK(b.columns[2].f64[0] == 1.5);
  CHECK_FALSE(b.columns[2].is_valid(2));  // empty field is null
  CHECK(b.dead_letters.empty());
  CHECK(run.position == text.size());
}

TEST_CASE("csv source numbers lines physically across multi-line quoted fields") {
  ScratchDir dir("csvlines");
  WriteFile(dir.file("in.csv"),
            "user,ts,amount\n"    // 1
            "\"a\nb\nc\",1,1\n"   // 2-4
            "\n"                  // 5
            "bad,1\n"             // 6
            "\"x\r\ny\",2,2\r\n"  // 7-8
            "worse,2,2,2\n");     // 9
  SourceRun run = RunSource("csv", dir.file("in.csv"), Clicks(), 1);
  REQUIRE(run.batch.size() == 2);
  CHECK(run.batch.columns[0].str(1) == "x\r\ny");
  REQUIRE(run.batch.dead_letters.size() == 2);
  CHECK(run.batch.dead_letters[0].line == 6);
  CHECK(run.batch.dead_letters[1].line == 9);
}

TEST_CASE("csv source sends every malformed record to dead letters with a reason") {
  ScratchDir dir("csvbad");
  Schema schema({{"user", Type::kString},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis},
                 {"amount", Type::kDouble},
                 {"qty", Type::kInt64},
                 {"ok", Type::kBool}});
  WriteFile(dir.file("in.csv"),
            "user,ts,amount,qty,ok\n"
            "a,1,1,1,true\n"
            "b,2,1,1\n"
            "c,3,abc,1,true\n"
            "d,,4,1,true\n"
            "e,12:00,5,1,true\n"
            "f,6,6,1.5,true\n"
            "g,7,7,1,yes\n"
            "h,8,8,1,true,extra\n"
            "\"i\"x,9,9,1,true\n"
            "j,10,10,1,true\r\n"
            "k,11,11,99999999999999999999,false\n"
            "\"l,12,12,1,true\n");
  SourceRun run = RunSource("csv", dir.file("in.csv"), schema, 1);
  const Batch& b = run.batch;
  REQUIRE(b.size() == 2);
  CHECK(b.columns[0].str(0) == "a");
  CHECK(b.columns[0].str(1) == "j");
  CHECK(b.columns[3].i64[1] == 1);
  CHECK(b.columns[4].i64[1] == 1);
  REQUIRE(b.dead_letters.size() == 10);
  const auto& d = b.dead_letters;
  CHECK(d[0].reason == "expected 5 fields, found 4");
  CHECK(d[0].line == 3);
  CHECK(d[0].raw == "b,2,1,1");
  CHECK(d[0].source == dir.file("in.csv"));
  CHECK(d[1].reason == "field 'amount': 'abc' is not a double");
  CHECK(d[2].reason == "missing event time 'ts'");
  CHECK(d[3].reason == "field 'ts': '12:00' is not a timestamp_ms");
  CHECK(d[4].reason == "field 'qty': '1.5' is not an int64");
  CHECK(d[5].reason == "field 'ok': 'yes' is not a bool");
  CHECK(d[6].reason == "expected 5 fields, found 6");
  CHECK(d[6].line == 9);
  CHECK(d[7].reason == "unexpected text after a closing quote");
  CHECK(d[7].raw == "\"i\"x,9,9,1,true");
  CHECK(d[8].reason == "field 'qty': '99999999999999999999' is not an int64");
  CHECK(d[8].line == 12);
  CHECK(d[9].reason == "unterminated quoted field");
  CHECK(d[9].line == 13);
  CHECK(d[9].raw == "\"l,12,12,1,true\n");
  // Rejected records leave no partial values behind in any column.
  for (const Column& c : b.columns) CHECK(c.size() == 2);
}

TEST_CASE("csv source refuses a header without a schema field") {
  ScratchDir dir("csvhdr");
  WriteFile(dir.file("x.csv"), "user,time,amt\na,1,2\n");
  SourceRun run = RunSource("csv", dir.file("x.csv"), Clicks(), 1);
  CHECK(run.open.IsInvalidArgument());
  CHECK(run.open.message() ==
        "csv file '" + dir.file("x.csv") + "' has no column 'ts' (header: user, time, amt)");
}

TEST_CASE("csv source reports a missing file as an IO error naming it") {
  ScratchDir dir("csvmissing");
  SourceRun run = RunSource("csv", dir.file("x.csv"), Clicks(), 1);
  CHECK(run.open.IsIOError());
  CHECK(run.open.message() == "cannot open '" + dir.file("x.csv") + "': No such file or directory");
}

TEST_CASE("csv source gives no rows for an empty or header-only file") {
  ScratchDir dir("csvempty");
  WriteFile(dir.file("empty.csv"), "");
  WriteFile(dir.file("header.csv"), "user,ts,amount\r\n\n");
  for (const char* name : {"empty.csv", "header.csv"}) {
    SourceRun run = RunSource("csv", dir.file(name), Clicks(), 1);
    CHECK(run.open.ok());
    CHECK(run.batch.size() == 0);
    CHECK(run.batch.dead_letters.empty());
  }
}

TEST_CASE("csv source reads empty fields as nulls of every type") {
  ScratchDir dir("csvnull");
  Schema schema({{"s", Type::kString},
                 {"i", Type::kInt64},
                 {"d", Type::kDouble},
                 {"b", Type::kBool},
                 {"t", Type::kTimestamp, TimeUnit::kSeconds}});
  WriteFile(dir.file("in.csv"), "s,i,d,b,t\n,,,,\n\"\",1,2,true,3\nx,,,,\n");
  SourceRun run = RunSource("csv", dir.file("in.csv"), schema, -1);
  const Batch& b = run.batch;
  REQUIRE(b.size() == 3);
  for (size_t c = 0; c < 5; ++c) {
    CHECK_FALSE(b.columns[c].is_valid(0));
    CHECK(b.columns[c].is_valid(1) == (c != 0));  // a quoted empty string is null too
    CHECK(b.columns[c].is_valid(2) == (c == 0));
  }
  CHECK(b.ts == std::vector<TimeUs>{0, 0, 0});  // no event-time field
}

TEST_CASE("csv source parses numbers, bools and timestamps strictly") {
  ScratchDir dir("csvtypes");
  Schema schema({{"i", Type::kInt64},
                 {"d", Type::kDouble},
                 {"b", Type::kBool},
                 {"t", Type::kTimestamp, TimeUnit::kIso}});
  WriteFile(dir.file("in.csv"),
            "i,d,b,t\n"
            "9223372036854775807,1e3,TRUE,2024-05-01T00:00:00Z\n"
            "-9223372036854775808,-0.5,False,2024-05-01 00:00:01.5+00:00\n"
            "+7,NaN,1,1970-01-01\n"
            " 8 ,INF,0,1970-01-01T00:00:00.000001Z\n"
            "9,-inf,true,2024-05-01\n");
  SourceRun run = RunSource("csv", dir.file("in.csv"), schema, 3);
  const Batch& b = run.batch;
  REQUIRE(b.dead_letters.empty());
  REQUIRE(b.size() == 5);
  CHECK(b.columns[0].i64[0] == std::numeric_limits<int64_t>::max());
  CHECK(b.columns[0].i64[1] == std::numeric_limits<int64_t>::min());
  CHECK(b.columns[0].i64[2] == 7);
  CHECK(b.columns[0].i64[3] == 8);
  CHECK(b.columns[1].f64[0] == 1000);
  CHECK(b.columns[1].f64[1] == -0.5);
  CHECK(std::isnan(b.columns[1].f64[2]));
  CHECK(b.columns[1].f64[3] == std::numeric_limits<double>::infinity());
  CHECK(b.columns[1].f64[4] == -std::numeric_limits<double>::infinity());
  CHECK(b.columns[2].i64 == std::vector<int64_t>{1, 0, 1, 0, 1});
  CHECK(b.columns[3].i64[0] == 1'714'521'600'000'000);
  CHECK(b.ts[1] == 1'714'521'601'500'000);  // ISO values are microseconds
  CHECK(b.ts[3] == 1);
}

TEST_CASE("csv source converts event time from seconds") {
  ScratchDir dir("csvsec");
  Schema schema({{"t", Type::kTimestamp, TimeUnit::kSeconds}});
  WriteFile(dir.file("in.csv"), "t\n-2\n3\n");
  SourceRun run = RunSource("csv", dir.file("in.csv"), schema, 0);
  CHECK(run.batch.ts == std::vector<TimeUs>{-2'000'000, 3'000'000});
}

TEST_CASE("csv source respects batch size and reports bytes consumed") {
  ScratchDir dir("csvbatch");
  std::string text = "user,ts,amount\n";
  for (int i = 0; i < 10; ++i) text += "u" + std::to_string(i) + "," + std::to_string(i) + ",1\n";
  WriteFile(dir.file("in.csv"), text);
  SourceSpec spec;
  spec.type = "csv";
  spec.path = dir.file("in.csv");
  SourceOptions o;
  o.schema = Clicks();
  o.event_time_index = 1;
  o.batch_size = 4;
  o.name = "in";
  auto src = MakeSource(spec, o);
  REQUIRE(src.ok());
  REQUIRE((*src)->Open().ok());
  Batch b;
  b.reset(o.schema);
  bool eof = false;
  REQUIRE((*src)->Next(&b, &eof).ok());
  CHECK(b.size() == 4);
  CHECK_FALSE(eof);
  CHECK(b.source_position == 15 + 4 * 7);  // header and four 7-byte lines
  size_t total = b.size();
  while (!eof) {
    b.reset(o.schema);
    REQUIRE((*src)->Next(&b, &eof).ok());
    CHECK(b.size() <= 4);
    total += b.size();
  }
  CHECK(total == 10);
  CHECK(b.source_position == text.size());
}

TEST_CASE("csv source reads records across block boundaries and longer than a block") {
  ScratchDir dir("csvbig");
  Schema schema({{"id", Type::kInt64}, {"text", Type::kString}});
  std::string text = "id,text\n";
  const std::string long_field(3 << 20, 'z');  // three 1 MiB blocks in one field
  const int kRows = 60'000;
  for (int i = 0; i < kRows; ++i) {
    text += std::to_string(i) + ",";
    if (i == 30'000) {
      text += "\"" + long_field + "\n\"\"q\"\"\"\n";
    } else if (i % 7 == 0) {
      text += "\"row " + std::to_string(i) + ",\nquoted\"\n";
    } else {
      text += "row " + std::to_string(i) + "\n";
    }
  }
  WriteFile(dir.file("in.csv"), text);
  SourceRun run = RunSource("csv", dir.file("in.csv"), schema, -1, 4096);
  const Batch& b = run.batch;
  REQUIRE(b.dead_letters.empty());
  REQUIRE(b.size() == kRows);
  bool ok = true;
  for (int i = 0; i < kRows; ++i) {
    ok = ok && b.columns[0].i64[i] == i;
    if (i == 30'000) {
      CHECK(b.columns[1].str(i) == long_field + "\n\"q\"");
    } else if (i % 7 == 0) {
      ok = ok && b.columns[1].str(i) == "row " + std::to_string(i) + ",\nquoted";
    } else {
      ok = ok && b.columns[1].str(i) == "row " + std::to_string(i);
    }
  }
  CHECK(ok);
  CHECK(run.position == text.size());
}

TEST_CASE("csv source splits at the spec's delimiter and ignores a byte order mark") {
  ScratchDir dir("csvdelim");
  WriteFile(dir.file("in.csv"), "\xEF\xBB\xBFuser;ts;amount\n\"a;b\";1;2,5\n");
  Schema schema({{"user", Type::kString},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis},
                 {"amount", Type::kString}});
  SourceRun run = RunSource("csv", dir.file("in.csv"), schema, 1, 1 << 20, ';');
  REQUIRE(run.open.ok());
  REQUIRE(run.batch.size() == 1);
  CHECK(run.batch.columns[0].str(0) == "a;b");
  CHECK(run.batch.columns[2].str(0) == "2,5");
}

TEST_CASE("source factory rejects unknown types and lists the known ones") {
  SourceSpec spec;
  spec.type = "parquet";
  auto made = MakeSource(spec, SourceOptions{});
  CHECK(made.status().IsInvalidArgument());
  CHECK(made.status().message() ==
        "unknown source type 'parquet' (known: csv, jsonl, generator, log, nexmark)");
}

TEST_CASE("source and sink factories hand the log type to the event-log operators") {
  ScratchDir dir("factorylog");
  SourceSpec source;
  source.type = "log";
  source.path = dir.file("log");
  SourceOptions o;
  o.schema = Schema({{"a", Type::kInt64}});
  auto src = MakeSource(source, o);
  CHECK((src.ok() || src.status().message().find("unknown source type") == std::string::npos));
  SinkSpec sink;
  sink.type = "log";
  sink.path = dir.file("log");
  auto made = MakeSink(sink);
  CHECK((made.ok() || made.status().message().find("unknown sink type") == std::string::npos));
}
