// Sources, sinks and the dead-letter writer, one at a time through their interfaces.
#include <doctest/doctest.h>

#include <filesystem>

#include "../runtime/test_util.h"
#include "operators/clickstream.h"
#include "operators/generator_source.h"
#include "operators/sink.h"
#include "operators/source.h"

using namespace sluice;
using sluice::testing::ReadFile;
using sluice::testing::ReadLines;
using sluice::testing::ScratchDir;
using sluice::testing::WriteFile;

namespace {

Schema Clicks() {
  return Schema({{"user", Type::kString}, {"ts", Type::kTimestamp, TimeUnit::kMillis},
                 {"amount", Type::kDouble}});
}

// Reads a whole source into one batch (batch_size large).
Batch ReadAll(const std::string& type, const std::string& path, const Schema& schema,
              int event_time, Status* status = nullptr) {
  SourceSpec spec;
  spec.type = type;
  spec.path = path;
  SourceOptions o;
  o.schema = schema;
  o.event_time_index = event_time;
  o.batch_size = 1 << 20;
  o.name = path;
  Batch b;
  b.reset(schema);
  auto src = MakeSource(spec, o);
  REQUIRE(src.ok());
  Status s = (*src)->Open();
  if (status) *status = s;
  if (!s.ok()) return b;
  bool eof = false;
  while (!eof) REQUIRE((*src)->Next(&b, &eof).ok());
  return b;
}

}  // namespace

TEST_CASE("csv source maps header names and handles quotes CRLF and blank lines") {
  ScratchDir dir("csv");
  WriteFile(dir.file("in.csv"),
            "amount,extra,user,ts\r\n"
            "1.5,x,\"smith, j\",1000\r\n"
            "\r\n"
            "2,y,\"say \"\"hi\"\"\",2000\n"
            ",z,\"multi\nline\",3000\n");
  Batch b = ReadAll("csv", dir.file("in.csv"), Clicks(), 1);
  REQUIRE(b.size() == 3);
  CHECK(b.columns[0].str(0) == "smith, j");
  CHECK(b.columns[0].str(1) == "say \"hi\"");
  CHECK(b.columns[0].str(2) == "multi\nline");
  CHECK(b.columns[1].i64[1] == 2000);
  CHECK(b.ts[1] == 2'000'000);  // ms -> us
  CHECK(b.columns[2].f64[0] == 1.5);
  CHECK_FALSE(b.columns[2].is_valid(2));  // empty field is null
  CHECK(b.dead_letters.empty());
}

TEST_CASE("csv source sends every malformed record to dead letters with a reason") {
  ScratchDir dir("csvbad");
  WriteFile(dir.file("in.csv"),
            "user,ts,amount\n"
            "a,1,1\n"
            "b,2\n"
            "c,3,abc\n"
            "d,,4\n"
            "e,12:00,5\n"
            "f,6,6,7\n");
  Batch b = ReadAll("csv", dir.file("in.csv"), Clicks(), 1);
  CHECK(b.size() == 1);
  REQUIRE(b.dead_letters.size() == 5);
  CHECK(b.dead_letters[0].line == 3);
  CHECK(b.dead_letters[0].reason == "expected 3 fields, found 2");
  CHECK(b.dead_letters[0].raw == "b,2");
  CHECK(b.dead_letters[1].reason == "field 'amount': 'abc' is not a double");
  CHECK(b.dead_letters[2].reason == "missing event time 'ts'");
  CHECK(b.dead_letters[3].reason == "field 'ts': '12:00' is not a timestamp_ms");
  CHECK(b.dead_letters[4].reason == "expected 3 fields, found 4");
  CHECK(b.dead_letters[4].line == 7);
  // The surviving row is intact despite rolled-back partial rows.
  CHECK(b.columns[0].size() == 1);
  CHECK(b.columns[0].str(0) == "a");
}

TEST_CASE("csv source refuses a header without a schema field and a missing file") {
  ScratchDir dir("csvhdr");
  WriteFile(dir.file("in.csv"), "user,time,amount\na,1,2\n");
  Status s;
  ReadAll("csv", dir.file("in.csv"), Clicks(), 1, &s);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("has no column 'ts' (header: user, time, amount)") != std::string::npos);
  ReadAll("csv", dir.file("missing.csv"), Clicks(), 1, &s);
  CHECK(s.IsIOError());
  CHECK(s.message().find("missing.csv") != std::string::npos);
}

TEST_CASE("jsonl source reads objects and dead-letters bad lines") {
  ScratchDir dir("jsonl");
  WriteFile(dir.file("in.jsonl"),
            "{\"user\":\"a\",\"ts\":1000,\"amount\":1.5}\n"
            "{\"user\":\"b\",\"ts\":\"2000\",\"amount\":2,\"other\":true}\n"
            "\n"
            "{\"user\":\"c\",\"ts\":3000}\n"
            "{not json}\n"
            "{\"user\":\"d\",\"amount\":1}\n"
            "{\"user\":7,\"ts\":1,\"amount\":1}\n"
            "[1,2]\n");
  Batch b = ReadAll("jsonl", dir.file("in.jsonl"), Clicks(), 1);
  REQUIRE(b.size() == 3);
  CHECK(b.columns[1].i64[1] == 2000);
  CHECK(b.columns[2].f64[1] == 2);
  CHECK_FALSE(b.columns[2].is_valid(2));
  REQUIRE(b.dead_letters.size() == 4);
  CHECK(b.dead_letters[0].line == 5);
  CHECK(b.dead_letters[0].reason.rfind("invalid JSON", 0) == 0);
  CHECK(b.dead_letters[1].reason == "missing event time 'ts'");
  CHECK(b.dead_letters[2].reason.find("field 'user': expected string") == 0);
  CHECK(b.dead_letters[3].reason.rfind("invalid JSON", 0) == 0);
}

TEST_CASE("generator follows the documented formula") {
  CHECK(SplitMix64(0) == 0xe220a8397b1dcdafULL);
  Batch b = ReadAll("generator", "", GeneratorSchema(), 1);
  CHECK(b.size() == 0);  // events = 0 by default
  SourceSpec spec;
  spec.type = "generator";
  spec.events = 10'000;
  spec.keys = 13;
  SourceOptions o;
  o.schema = GeneratorSchema();
  o.event_time_index = 1;
  o.batch_size = 4096;
  auto src = MakeSource(spec, o);
  REQUIRE(src.ok());
  Batch all;
  all.reset(o.schema);
  bool eof = false;
  int batches = 0;
  while (!eof) {
    Batch part;
    part.reset(o.schema);
    REQUIRE((*src)->Next(&part, &eof).ok());
    CHECK(part.size() <= 4096);
    part.wm.assign(part.size(), 0);  // the runtime stamps wm; sources leave it empty
    for (size_t r = 0; r < part.size(); ++r) all.append_row(part, r);
    ++batches;
  }
  CHECK(batches == 3);
  REQUIRE(all.size() == 10'000);
  for (uint64_t i : {0ull, 1ull, 4095ull, 4096ull, 9999ull}) {
    CHECK(all.columns[0].i64[i] == static_cast<int64_t>(SplitMix64(i) % 13));
    CHECK(all.columns[1].i64[i] == static_cast<int64_t>(i));
    CHECK(all.columns[2].f64[i] == static_cast<double>(i % 100));
  }
  spec.keys = 0;
  CHECK(MakeSource(spec, o).status().IsInvalidArgument());
}

TEST_CASE("csv and jsonl sinks write exact text and commit by rename") {
  ScratchDir dir("sinks");
  Schema schema({{"name", Type::kString}, {"n", Type::kInt64}, {"x", Type::kDouble},
                 {"ok", Type::kBool}, {"at", Type::kTimestamp, TimeUnit::kIso}});
  Batch b;
  b.reset(schema);
  b.columns[0].push_string("a,\"b\"\n");
  b.columns[1].push_int(-3);
  b.columns[2].push_double(0.1);
  b.columns[3].push_int(1);
  b.columns[4].push_int(1'500'000);
  b.columns[0].push_string("tab\there");
  b.columns[1].push_null();
  b.columns[2].push_double(1e300);
  b.columns[3].push_int(0);
  b.columns[4].push_null();
  b.ts = {0, 0};
  b.wm = {0, 0};
  for (const char* type : {"csv", "jsonl"}) {
    SinkSpec spec;
    spec.type = type;
    spec.path = dir.file(std::string("out.") + type);
    auto sink = MakeSink(spec);
    REQUIRE(sink.ok());
    REQUIRE((*sink)->Open(schema).ok());
    REQUIRE((*sink)->Write(b).ok());
    CHECK_FALSE(std::filesystem::exists(spec.path));  // not committed yet
    REQUIRE((*sink)->Close().ok());
    CHECK((*sink)->rows() == 2);
  }
  CHECK(ReadFile(dir.file("out.csv")) ==
        "name,n,x,ok,at\n"
        "\"a,\"\"b\"\"\n\",-3,0.1,true,1970-01-01T00:00:01.5Z\n"
        "tab\there,,1e+300,false,\n");
  CHECK(ReadFile(dir.file("out.jsonl")) ==
        "{\"name\":\"a,\\\"b\\\"\\n\",\"n\":-3,\"x\":0.1,\"ok\":true,\"at\":\"1970-01-01T00:00:01.5Z\"}\n"
        "{\"name\":\"tab\\there\",\"n\":null,\"x\":1e+300,\"ok\":false,\"at\":null}\n");
}

TEST_CASE("an aborted file sink leaves nothing and an unwritable one fails at open") {
  ScratchDir dir("abort");
  SinkSpec spec;
  spec.type = "csv";
  spec.path = dir.file("out.csv");
  auto sink = MakeSink(spec);
  REQUIRE(sink.ok());
  REQUIRE((*sink)->Open(Schema({{"a", Type::kInt64}})).ok());
  (*sink)->Abort();
  CHECK(std::filesystem::is_empty(dir.file("")));
  spec.path = dir.file("no/dir/out.csv");
  auto bad = MakeSink(spec);
  REQUIRE(bad.ok());
  Status s = (*bad)->Open(Schema({{"a", Type::kInt64}}));
  CHECK(s.IsIOError());
  CHECK(s.message().find("no/dir/out.csv") != std::string::npos);
  spec.type = "parquet";
  CHECK(MakeSink(spec).status().IsInvalidArgument());
}

TEST_CASE("dead-letter writer creates its file only for the first record") {
  ScratchDir dir("dlq");
  {
    DeadLetterWriter w(dir.file("d.jsonl"));
    REQUIRE(w.Write({}).ok());
    REQUIRE(w.Close().ok());
    CHECK_FALSE(std::filesystem::exists(dir.file("d.jsonl")));
  }
  DeadLetterWriter w(dir.file("d.jsonl"));
  REQUIRE(w.Write({{"in.csv", 7, "bad \"thing\"", "a,b\tc"}}).ok());
  REQUIRE(w.Close().ok());
  CHECK(w.count() == 1);
  CHECK(ReadFile(dir.file("d.jsonl")) ==
        "{\"source\":\"in.csv\",\"line\":7,\"reason\":\"bad \\\"thing\\\"\",\"raw\":\"a,b\\tc\"}\n");
}

TEST_CASE("the clickstream is deterministic and its malformed lines are rejected") {
  ScratchDir dir("clicks");
  ClickstreamOptions o;
  o.events = 5000;
  o.users = 40;
  o.seed = 3;
  REQUIRE(WriteClickstream(dir.file("a.csv"), o).ok());
  REQUIRE(WriteClickstream(dir.file("b.csv"), o).ok());
  CHECK(ReadFile(dir.file("a.csv")) == ReadFile(dir.file("b.csv")));
  Schema schema({{"user", Type::kString}, {"page", Type::kString},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis}, {"amount", Type::kDouble}});
  Batch b = ReadAll("csv", dir.file("a.csv"), schema, 2);
  CHECK(b.dead_letters.size() == o.malformed);
  CHECK(b.size() + b.dead_letters.size() == o.events);
}
