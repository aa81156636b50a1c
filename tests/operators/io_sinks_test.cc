// The csv, jsonl, stdout, null and collector sinks.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "io_test_util.h"
#include "codecs/state_codec.h"
#include "operators/csv_sink.h"
#include "operators/file_sink.h"
#include "operators/jsonl_sink.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

Schema Mixed() {
  return Schema({{"name", Type::kString},
                 {"n", Type::kInt64},
                 {"x", Type::kDouble},
                 {"ok", Type::kBool},
                 {"at", Type::kTimestamp, TimeUnit::kIso},
                 {"ms", Type::kTimestamp, TimeUnit::kMillis}});
}

Batch MixedBatch() {
  Batch b;
  b.reset(Mixed());
  b.columns[0].push_string("a,\"b\"\n");
  b.columns[1].push_int(-3);
  b.columns[2].push_double(0.1);
  b.columns[3].push_int(1);
  b.columns[4].push_int(1'500'000);
  b.columns[5].push_int(1714521600000);
  b.columns[0].push_string("tab\there\x01");
  b.columns[1].push_null();
  b.columns[2].push_double(1e300);
  b.columns[3].push_int(0);
  b.columns[4].push_null();
  b.columns[5].push_int(-1);
  b.columns[0].push_null();
  b.columns[1].push_int(7);
  b.columns[2].push_double(std::nan(""));
  b.columns[3].push_null();
  b.columns[4].push_int(-1);
  b.columns[5].push_null();
  b.ts = {0, 0, 0};
  b.wm = {0, 0, 0};
  return b;
}

// Writes `batch` through a fresh sink of `type` at `path` and closes it.
void WriteAll(const std::string& type, const std::string& path, const Batch& batch) {
  SinkSpec spec;
  spec.type = type;
  spec.path = path;
  auto sink = MakeSink(spec);
  REQUIRE(sink.ok());
  REQUIRE((*sink)->Open(Mixed()).ok());
  REQUIRE((*sink)->Write(batch).ok());
  CHECK_FALSE(std::filesystem::exists(path));  // not committed yet
  CHECK(std::filesystem::exists(path + ".inprogress"));
  REQUIRE((*sink)->Close().ok());
  CHECK((*sink)->rows() == batch.size());
  CHECK_FALSE(std::filesystem::exists(path + ".inprogress"));
  (*sink)->Abort();  // after a successful Close: nothing to undo
  CHECK(std::filesystem::exists(path));
}

}  // namespace

TEST_CASE("csv sink writes header, quoting, nulls and ISO timestamps exactly") {
  ScratchDir dir("csvsink");
  WriteAll("csv", dir.file("out.csv"), MixedBatch());
  CHECK(ReadFile(dir.file("out.csv")) ==
        "name,n,x,ok,at,ms\n"
        "\"a,\"\"b\"\"\n\",-3,0.1,true,1970-01-01T00:00:01.5Z,1714521600000\n"
        "tab\there\x01,,1e+300,false,,-1\n"
        ",7,nan,,1969-12-31T23:59:59.999999Z,\n");
}

TEST_CASE("jsonl sink writes keys in order, escapes and nulls exactly") {
  ScratchDir dir("jsonlsink");
  WriteAll("jsonl", dir.file("out.jsonl"), MixedBatch());
  CHECK(ReadFile(dir.file("out.jsonl")) ==
        "{\"name\":\"a,\\\"b\\\"\\n\",\"n\":-3,\"x\":0.1,\"ok\":true,"
        "\"at\":\"1970-01-01T00:00:01.5Z\",\"ms\":1714521600000}\n"
        "{\"name\":\"tab\\there\\u0001\",\"n\":null,\"x\":1e+300,\"ok\":false,\"at\":null,"
        "\"ms\":-1}\n"
        "{\"name\":null,\"n\":7,\"x\":null,\"ok\":null,\"at\":\"1969-12-31T23:59:59.999999Z\","
        "\"ms\":null}\n");
}

TEST_CASE("jsonl sink output of invalid UTF-8 is valid JSON, with U+FFFD for the bad bytes") {
  ScratchDir dir("jsonlutf8");
  Batch b = MixedBatch();
  b.columns[0] = Column(Type::kString);
  b.columns[0].push_string("caf\xc3\xa9 \xff\xfe");
  b.columns[0].push_string(std::string("\x00\x80\xc3", 3));
  b.columns[0].push_string("\xed\xa0\x80");
  WriteAll("jsonl", dir.file("out.jsonl"), b);
  std::string text = ReadFile(dir.file("out.jsonl"));
  const std::string r = "\xEF\xBF\xBD";
  CHECK(text.find("{\"name\":\"caf\xc3\xa9 " + r + r + "\",") == 0);
  CHECK(text.find("{\"name\":\"\\u0000" + r + r + "\",") != std::string::npos);
  CHECK(text.find("{\"name\":\"" + r + r + r + "\",") != std::string::npos);
  SourceRun run = RunSource("jsonl", dir.file("out.jsonl"), Mixed(), -1);
  CHECK(run.batch.dead_letters.empty());
  REQUIRE(run.batch.size() == 3);
  CHECK(run.batch.columns[0].str(0) == "caf\xc3\xa9 " + r + r);
}

TEST_CASE("csv sink output reads back through the csv source") {
  ScratchDir dir("roundtrip");
  Batch b = MixedBatch();
  WriteAll("csv", dir.file("out.csv"), b);
  SourceRun run = RunSource("csv", dir.file("out.csv"), Mixed(), -1);
  REQUIRE(run.batch.size() == 3);
  CHECK(run.batch.dead_letters.empty());
  CHECK(run.batch.columns[0].str(0) == "a,\"b\"\n");
  CHECK(run.batch.columns[2].f64[1] == 1e300);
  CHECK(run.batch.columns[4].i64[0] == 1'500'000);
  CHECK(run.batch.columns[4].i64[2] == -1);
}

TEST_CASE("sinks of a large output flush in blocks and count every row") {
  ScratchDir dir("bigsink");
  Schema schema({{"i", Type::kInt64}});
  Batch b;
  b.reset(schema);
  for (int i = 0; i < 300'000; ++i) b.columns[0].push_int(i);
  b.ts.assign(300'000, 0);
  SinkSpec spec;
  spec.type = "csv";
  spec.path = dir.file("big.csv");
  auto sink = MakeSink(spec);
  REQUIRE(sink.ok());
  REQUIRE((*sink)->Open(schema).ok());
  REQUIRE((*sink)->Write(b).ok());
  REQUIRE((*sink)->Write(b).ok());
  REQUIRE((*sink)->Close().ok());
  CHECK((*sink)->rows() == 600'000);
  auto lines = ReadLines(dir.file("big.csv"));
  REQUIRE(lines.size() == 600'001);
  CHECK(lines[1] == "0");
  CHECK(lines[300'000] == "299999");
  CHECK(lines[300'001] == "0");
}

TEST_CASE("an aborted file sink removes its temporary file and leaves the target alone") {
  ScratchDir dir("abort");
  WriteFile(dir.file("out.csv"), "previous\n");
  for (const char* type : {"csv", "jsonl"}) {
    SinkSpec spec;
    spec.type = type;
    spec.path = dir.file("out.csv");
    auto sink = MakeSink(spec);
    REQUIRE(sink.ok());
    REQUIRE((*sink)->Open(Mixed()).ok());
    REQUIRE((*sink)->Write(MixedBatch()).ok());
    CHECK(std::filesystem::exists(dir.file("out.csv.inprogress")));
    (*sink)->Abort();
    CHECK_FALSE(std::filesystem::exists(dir.file("out.csv.inprogress")));
    CHECK(ReadFile(dir.file("out.csv")) == "previous\n");
  }
}

TEST_CASE("a file sink that is destroyed without Close leaves no temporary file") {
  ScratchDir dir("dropped");
  {
    CsvSink sink(dir.file("out.csv"));
    REQUIRE(sink.Open(Mixed()).ok());
  }
  CHECK(std::filesystem::is_empty(dir.file("")));
}

TEST_CASE("a file sink with an unwritable path fails at open naming it") {
  ScratchDir dir("unwritable");
  for (const char* type : {"csv", "jsonl"}) {
    SinkSpec spec;
    spec.type = type;
    spec.path = dir.file("out/x.csv");
    auto sink = MakeSink(spec);
    REQUIRE(sink.ok());
    Status s = (*sink)->Open(Mixed());
    CHECK(s.IsIOError());
    CHECK(s.message() == "cannot create '" + spec.path + "': No such file or directory");
  }
}

TEST_CASE("null sink counts rows and collector sink hands them over") {
  Batch b = MixedBatch();
  SinkSpec spec;
  spec.type = "null";
  auto null_sink = MakeSink(spec);
  REQUIRE(null_sink.ok());
  REQUIRE((*null_sink)->Open(Mixed()).ok());
  REQUIRE((*null_sink)->Write(b).ok());
  REQUIRE((*null_sink)->Write(b).ok());
  REQUIRE((*null_sink)->Close().ok());
  CHECK((*null_sink)->rows() == 6);

  spec.type = "collector";
  CHECK(MakeSink(spec).status().IsInvalidArgument());  // no collector given
  spec.collector = std::make_shared<Collector>();
  auto collector_sink = MakeSink(spec);
  REQUIRE(collector_sink.ok());
  REQUIRE((*collector_sink)->Open(Mixed()).ok());
  REQUIRE((*collector_sink)->Write(b).ok());
  REQUIRE((*collector_sink)->Close().ok());
  CHECK((*collector_sink)->rows() == 3);
  CHECK(spec.collector->schema() == Mixed());
  REQUIRE(spec.collector->size() == 3);
  CHECK(spec.collector->rows()[1][1].null);
  CHECK(spec.collector->rows()[0][1] == Value::Int(-3));
}

TEST_CASE("csv encoder writes the same text the csv sink does") {
  CsvEncoder enc(Mixed());
  std::string out;
  enc.AppendHeader(&out);
  enc.AppendRows(MixedBatch(), 1, 2, &out);
  CHECK(out == "name,n,x,ok,at,ms\ntab\there\x01,,1e+300,false,,-1\n");
  JsonlEncoder json(Schema({{"k", Type::kString}}));
  Batch b;
  b.reset(Schema({{"k", Type::kString}}));
  b.columns[0].push_string("\"");
  b.ts = {0};
  out.clear();
  json.AppendRows(b, 0, 1, &out);
  CHECK(out == "{\"k\":\"\\\"\"}\n");
}

TEST_CASE("sink factory rejects unknown types and stdout formats") {
  SinkSpec spec;
  spec.type = "parquet";
  auto made = MakeSink(spec);
  CHECK(made.status().IsInvalidArgument());
  CHECK(made.status().message() ==
        "unknown sink type 'parquet' (known: csv, jsonl, stdout, null, log, projection, collector)");
  spec.type = "stdout";
  spec.format = "xml";
  CHECK(MakeSink(spec).status().IsInvalidArgument());
  spec.format = "csv";
  CHECK(MakeSink(spec).ok());
  spec.format = "";
  CHECK(MakeSink(spec).ok());
  spec.type = "csv";
  spec.path = "";
  CHECK(MakeSink(spec).status().IsInvalidArgument());
}

namespace {

// A version-1 file commit point (no checksum), as earlier builds wrote it.
std::string FileCommitV1(uint64_t bytes, uint64_t rows) {
  std::string state;
  StateWriter w(&state);
  w.PutHeader(kStateFileSink, 1);
  w.PutVarint(bytes);
  w.PutVarint(rows);
  return state;
}

// Writes MixedBatch() through a csv sink at `path`, checkpoints, writes it again (uncommitted)
// and detaches, as a killed run would leave it. Returns the commit point.
std::string CommitAndDetach(const std::string& path) {
  SinkSpec spec;
  spec.type = "csv";
  spec.path = path;
  auto sink = MakeSink(spec);
  REQUIRE(sink.ok());
  REQUIRE((*sink)->Resume(Mixed(), "").ok());
  REQUIRE((*sink)->Write(MixedBatch()).ok());
  std::string state;
  REQUIRE((*sink)->PrepareCheckpoint(&state).ok());
  REQUIRE((*sink)->Write(MixedBatch()).ok());
  (*sink)->Detach();
  return state;
}

Status ResumeCsv(const std::string& path, const std::string& state) {
  SinkSpec spec;
  spec.type = "csv";
  spec.path = path;
  auto sink = MakeSink(spec);
  REQUIRE(sink.ok());
  Status s = (*sink)->Resume(Mixed(), state);
  if (s.ok()) s = (*sink)->Close();
  return s;
}

void Overwrite(const std::string& path, size_t at, char c) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(at));
  f.put(c);
}

}  // namespace

TEST_CASE("file commit points record a checksum; version 1 ones decode without one") {
  FileCommit c;
  c.bytes = 1234;
  c.rows = 7;
  c.crc = 0xdeadbeef;
  std::string state;
  EncodeFileCommit(c, &state);
  FileCommit back;
  REQUIRE(DecodeFileCommit(state, &back).ok());
  CHECK(back.bytes == 1234);
  CHECK(back.rows == 7);
  CHECK(back.has_crc);
  CHECK(back.crc == 0xdeadbeef);
  REQUIRE(DecodeFileCommit(FileCommitV1(99, 3), &back).ok());
  CHECK(back.bytes == 99);
  CHECK(back.rows == 3);
  CHECK_FALSE(back.has_crc);
  state[1] = 3;  // a newer version
  CHECK(DecodeFileCommit(state, &back).IsCorruption());
}

TEST_CASE("a file sink resumes when its committed bytes are intact, and only the tail is cut") {
  ScratchDir dir("sinkcrc-ok");
  const std::string state = CommitAndDetach(dir.file("out.csv"));
  REQUIRE(ResumeCsv(dir.file("out.csv"), state).ok());
  std::string once = ReadFile(dir.file("out.csv"));
  CHECK(std::count(once.begin(), once.end(), '\n') == 5);  // header and one batch (3 rows, one
                                                           // of them two lines)
}

TEST_CASE("a file sink refuses to resume when committed bytes were overwritten") {
  ScratchDir dir("sinkcrc-bad");
  const std::string state = CommitAndDetach(dir.file("out.csv"));
  Overwrite(dir.file("out.csv.inprogress"), 10, '#');
  Status s = ResumeCsv(dir.file("out.csv"), state);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("cannot resume '" + dir.file("out.csv") + "': the ") == 0);
  CHECK(s.message().find(" bytes of '" + dir.file("out.csv.inprogress") +
                         "' that the checkpoint committed were changed since (checksum ") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("out.csv")));
  // Past the committed length, bytes are cut off anyway: what is there is no error.
  ScratchDir tail("sinkcrc-tail");
  const std::string state2 = CommitAndDetach(tail.file("out.csv"));
  const std::string committed = ReadFile(tail.file("out.csv.inprogress"));
  WriteFile(tail.file("out.csv.inprogress"), committed + "written after the checkpoint\n");
  CHECK(ResumeCsv(tail.file("out.csv"), state2).ok());
  CHECK(ReadFile(tail.file("out.csv")) == committed);
}

TEST_CASE("a file sink resumes a version-1 commit point, which has no checksum, as before") {
  ScratchDir dir("sinkcrc-v1");
  const std::string state = CommitAndDetach(dir.file("out.csv"));
  FileCommit c;
  REQUIRE(DecodeFileCommit(state, &c).ok());
  Overwrite(dir.file("out.csv.inprogress"), 10, '#');  // not detectable without a checksum
  REQUIRE(ResumeCsv(dir.file("out.csv"), FileCommitV1(c.bytes, c.rows)).ok());
  CHECK(ReadFile(dir.file("out.csv")).size() == c.bytes);
}
