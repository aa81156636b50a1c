// Sources that save and restore their read position for checkpoints (Source::SavePosition,
// RestorePosition): resuming at any batch boundary yields exactly the rows and dead letters of an
// uninterrupted run, and positions that do not fit the input are refused.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "codecs/state_codec.h"
#include "operators/log_sink.h"
#include "operators/log_source.h"
#include "operators/source.h"
#include "runtime/test_util.h"
#include "storage/log_test_util.h"

namespace sluice {
namespace {

using testing::ScratchDir;
using testing::TempDir;
using testing::WriteFile;

// What one Next() call produced, rendered as text.
struct Chunk {
  std::vector<std::string> rows;  // "v1|v2|...@ts"
  std::vector<std::string> dead;  // "line: reason [raw]"
  uint64_t position = 0;          // batch->source_position
  bool eof = false;
  bool operator==(const Chunk&) const = default;
};

Chunk Render(const Batch& b, bool eof) {
  Chunk c;
  for (size_t r = 0; r < b.size(); ++r) {
    std::string row;
    for (const Value& v : b.row(r)) row += v.ToString() + "|";
    c.rows.push_back(fmt::format("{}@{}", row, b.ts[r]));
  }
  for (const DeadLetter& d : b.dead_letters) {
    c.dead.push_back(fmt::format("{}: {} [{}]", d.line, d.reason, d.raw));
  }
  c.position = b.source_position;
  c.eof = eof;
  return c;
}

// Reads up to `max` batches (until eof).
std::vector<Chunk> ReadBatches(Source* src, const Schema& schema, size_t max = 100000) {
  std::vector<Chunk> out;
  bool eof = false;
  while (!eof && out.size() < max) {
    Batch b;
    b.reset(schema);
    Status s = src->Next(&b, &eof);
    INFO(s.ToString());
    REQUIRE(s.ok());
    out.push_back(Render(b, eof));
    REQUIRE(out.size() < 100000);
  }
  return out;
}

// A fresh source over the same input, already opened.
using Factory = std::function<std::unique_ptr<Source>()>;

std::unique_ptr<Source> Opened(Result<std::unique_ptr<Source>> src) {
  INFO(src.status().ToString());
  REQUIRE(src.ok());
  Status s = (*src)->Open();
  INFO(s.ToString());
  REQUIRE(s.ok());
  return std::move(src).value();
}

SourceOptions Options(const Schema& schema, int event_time, size_t batch_size,
                      const std::string& name) {
  SourceOptions o;
  o.schema = schema;
  o.event_time_index = event_time;
  o.batch_size = batch_size;
  o.name = name;
  return o;
}

Factory FileSource(const std::string& type, const std::string& path, const Schema& schema,
                   int event_time, size_t batch_size) {
  return [=] {
    SourceSpec spec;
    spec.type = type;
    spec.path = path;
    return Opened(MakeSource(spec, Options(schema, event_time, batch_size, path)));
  };
}

// For every batch boundary k: k batches from source A, its position restored into a fresh
// source B, B read to the end. A's k batches + B's must be the uninterrupted run; B's batches
// are the uninterrupted run's batches k.. one for one (rows, dead letters, source_position).
// Returns the uninterrupted run.
std::vector<Chunk> CheckResumeAtEveryBoundary(const Factory& make, const Schema& schema) {
  const std::vector<Chunk> full = ReadBatches(make().get(), schema);
  REQUIRE(!full.empty());
  REQUIRE(full.back().eof);
  for (size_t k = 0; k <= full.size(); ++k) {
    CAPTURE(k);
    std::unique_ptr<Source> a = make();
    REQUIRE(a->can_resume());
    std::vector<Chunk> got = ReadBatches(a.get(), schema, k);
    REQUIRE(got.size() == k);
    std::string saved;
    REQUIRE(a->SavePosition(&saved).ok());
    CHECK(a->DescribePosition(saved) != "");

    std::unique_ptr<Source> b = make();
    Status s = b->RestorePosition(saved);
    INFO(s.ToString());
    REQUIRE(s.ok());
    std::vector<Chunk> rest = ReadBatches(b.get(), schema);
    if (k < full.size()) {
      CHECK(rest == std::vector<Chunk>(full.begin() + k, full.end()));
    } else {  // restored at the end: nothing more
      REQUIRE(rest.size() == 1);
      CHECK(rest[0].rows.empty());
      CHECK(rest[0].dead.empty());
      CHECK(rest[0].eof);
      CHECK(rest[0].position == full.back().position);
    }
    got.insert(got.end(), rest.begin(), rest.end());
    std::vector<std::string> rows, want_rows, dead, want_dead;
    for (const Chunk& c : got) {
      rows.insert(rows.end(), c.rows.begin(), c.rows.end());
      dead.insert(dead.end(), c.dead.begin(), c.dead.end());
    }
    for (const Chunk& c : full) {
      want_rows.insert(want_rows.end(), c.rows.begin(), c.rows.end());
      want_dead.insert(want_dead.end(), c.dead.begin(), c.dead.end());
    }
    CHECK(rows == want_rows);
    CHECK(dead == want_dead);
  }
  return full;
}

size_t CountRows(const std::vector<Chunk>& run) {
  size_t n = 0;
  for (const Chunk& c : run) n += c.rows.size();
  return n;
}
size_t CountDead(const std::vector<Chunk>& run) {
  size_t n = 0;
  for (const Chunk& c : run) n += c.dead.size();
  return n;
}

// Every strict prefix, the position with a byte appended, an empty string and garbage: refused.
void CheckRefusesDamaged(const Factory& make, const std::string& good) {
  for (size_t n = 0; n < good.size(); ++n) {
    CAPTURE(n);
    CHECK_FALSE(make()->RestorePosition(std::string_view(good).substr(0, n)).ok());
  }
  CHECK_FALSE(make()->RestorePosition(good + "x").ok());
  CHECK_FALSE(make()->RestorePosition("garbage").ok());
  CHECK_FALSE(make()->RestorePosition(std::string(20, '\xff')).ok());
  std::string newer = good;
  newer[1] = 9;  // format version 9
  CHECK_FALSE(make()->RestorePosition(newer).ok());
  CHECK(make()->DescribePosition("garbage") == "");
}

std::string SavedAfter(Source* src, const Schema& schema, size_t batches) {
  ReadBatches(src, schema, batches);
  std::string saved;
  REQUIRE(src->SavePosition(&saved).ok());
  return saved;
}

// ---- csv ----

Schema CsvSchema() {
  return Schema({{"id", Type::kInt64}, {"name", Type::kString}, {"ts", Type::kInt64}});
}

const char* const kCsv =
    "id,name,ts\r\n"             // 1
    "1,alice,100\r\n"            // 2
    "\r\n"                       // 3
    "2,\"bob\nsmith\",200\n"     // 4-5
    "x,carol,300\n"              // 6: not an int
    "\n"                         // 7
    "\n"                         // 8
    "4,\"dan \"\"d\"\"\",400\n"  // 9
    "5,eve\n"                    // 10: too few fields
    "6,\"fr\"ank,600\n"          // 11: text after a closing quote
    "7,gina,\n"                  // 12: no event time
    "8,\"h\r\ni\",800\r\n"       // 13-14
    "9,\"multi\n\nline\",900\n"  // 15-17
    "10,jo,1000";                // 18, no line end

TEST_CASE("csv source: resuming at every batch boundary repeats nothing and loses nothing") {
  ScratchDir dir("srcpos-csv");
  const std::string path = dir.file("in.csv");
  WriteFile(path, kCsv);
  for (size_t batch : {1, 2, 3, 100}) {
    CAPTURE(batch);
    auto run =
        CheckResumeAtEveryBoundary(FileSource("csv", path, CsvSchema(), 2, batch), CsvSchema());
    CHECK(CountRows(run) == 6);
    CHECK(CountDead(run) == 4);
    CHECK(run.back().position == std::string(kCsv).size());
  }
}

TEST_CASE("csv source: positions name byte and line; damaged or foreign ones are refused") {
  ScratchDir dir("srcpos-csv2");
  const std::string path = dir.file("in.csv");
  WriteFile(path, kCsv);
  Factory make = FileSource("csv", path, CsvSchema(), 2, 1);
  auto a = make();
  const std::string saved = SavedAfter(a.get(), CsvSchema(), 2);  // rows 1 and 2 (lines 2-5)
  CHECK(a->DescribePosition(saved) ==
        fmt::format("byte {}, line 6", std::string(kCsv).find("x,carol")));
  CheckRefusesDamaged(make, saved);

  // A jsonl or generator position is not a csv position, nor the other way round.
  ScratchDir jdir("srcpos-csv3");
  WriteFile(jdir.file("in.jsonl"), "{\"id\":1}\n");
  Schema ids({{"id", Type::kInt64}});
  auto j = FileSource("jsonl", jdir.file("in.jsonl"), ids, -1, 1)();
  CHECK_FALSE(j->RestorePosition(saved).ok());
  std::string jsaved;
  REQUIRE(j->SavePosition(&jsaved).ok());
  CHECK_FALSE(make()->RestorePosition(jsaved).ok());

  // Offset 0 lies inside the header.
  std::string zero;
  StateWriter w(&zero);
  w.PutHeader(kStateCsvSource, 1);
  w.PutVarint(0);
  w.PutVarint(1);
  w.PutVarint(3);
  w.PutBool(false);
  CHECK(make()->RestorePosition(zero).IsCorruption());
}

TEST_CASE("csv source: a file shorter than the checkpointed position is Corruption") {
  ScratchDir dir("srcpos-csv4");
  const std::string path = dir.file("in.csv");
  WriteFile(path, kCsv);
  const std::string saved =
      SavedAfter(FileSource("csv", path, CsvSchema(), 2, 4)().get(), CsvSchema(), 1);
  WriteFile(path, "id,name,ts\n1,alice,100\n");
  Status s = FileSource("csv", path, CsvSchema(), 2, 4)()->RestorePosition(saved);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("is shorter (23 bytes) than the checkpointed position") !=
        std::string::npos);

  // As long, but rewritten: the byte before the offset ends no line.
  std::string other = kCsv;
  other.replace(other.find("alice"), 5, "alicia");  // later bytes move by one
  WriteFile(path, other);
  s = FileSource("csv", path, CsvSchema(), 2, 4)()->RestorePosition(saved);
  CHECK(s.IsCorruption());

  // A header with other fields.
  WriteFile(path, std::string("id,name,ts,extra\n") + (kCsv + 12));
  s = FileSource("csv", path, CsvSchema(), 2, 4)()->RestorePosition(saved);
  CHECK(s.IsCorruption());

  // Emptied.
  WriteFile(path, "");
  s = FileSource("csv", path, CsvSchema(), 2, 4)()->RestorePosition(saved);
  CHECK(s.IsCorruption());
}

TEST_CASE("csv source: an empty file resumes as empty") {
  ScratchDir dir("srcpos-csv5");
  const std::string path = dir.file("in.csv");
  WriteFile(path, "\n\n");
  Factory make = FileSource("csv", path, CsvSchema(), 2, 4);
  auto run = CheckResumeAtEveryBoundary(make, CsvSchema());
  CHECK(CountRows(run) == 0);
  std::string saved;
  REQUIRE(make()->SavePosition(&saved).ok());
  CHECK(make()->DescribePosition(saved) == "empty file");
  WriteFile(path, kCsv);  // has a header now
  CHECK(make()->RestorePosition(saved).IsCorruption());
}

// ---- jsonl ----

Schema JsonSchema() {
  return Schema({{"id", Type::kInt64}, {"name", Type::kString}, {"ts", Type::kInt64}});
}

const char* const kJsonl =
    "\xEF\xBB\xBF{\"id\":1,\"name\":\"a\",\"ts\":100}\n"  // 1, with a byte order mark
    "\n"                                                  // 2
    "{\"id\":2,\"name\":\"b\",\"ts\":200}\r\n"            // 3
    "not json\n"                                          // 4
    "{\"id\":\"x\",\"ts\":300}\n"                         // 5: wrong type
    "   \n"                                               // 6
    "{\"id\":4,\"ts\":400}\n"                             // 7
    "[1,2]\n"                                             // 8: not an object
    "{\"id\":5,\"name\":\"e\"}\n"                         // 9: no event time
    "{\"id\":6,\"name\":\"f\",\"ts\":600}\n"              // 10
    "{\"id\":7,\"name\":\"g\",\"ts\":700}";               // 11, no line end

TEST_CASE("jsonl source: resuming at every batch boundary repeats nothing and loses nothing") {
  ScratchDir dir("srcpos-jsonl");
  const std::string path = dir.file("in.jsonl");
  WriteFile(path, kJsonl);
  for (size_t batch : {1, 2, 3, 100}) {
    CAPTURE(batch);
    auto run =
        CheckResumeAtEveryBoundary(FileSource("jsonl", path, JsonSchema(), 2, batch), JsonSchema());
    CHECK(CountRows(run) == 5);
    CHECK(CountDead(run) == 4);
  }
}

TEST_CASE("jsonl source: explicit start and end positions; damaged or stale ones are refused") {
  ScratchDir dir("srcpos-jsonl2");
  const std::string path = dir.file("in.jsonl");
  WriteFile(path, kJsonl);
  Factory make = FileSource("jsonl", path, JsonSchema(), 2, 2);
  const std::vector<Chunk> full = ReadBatches(make().get(), JsonSchema());

  std::string start;
  StateWriter(&start).PutHeader(kStateJsonlSource, 1);
  StateWriter(&start).PutVarint(0);
  StateWriter(&start).PutVarint(1);
  auto b = make();
  REQUIRE(b->RestorePosition(start).ok());
  CHECK(b->DescribePosition(start) == "byte 0, line 1");
  CHECK(ReadBatches(b.get(), JsonSchema()) == full);

  std::string end;
  StateWriter(&end).PutHeader(kStateJsonlSource, 1);
  StateWriter(&end).PutVarint(std::string(kJsonl).size());
  StateWriter(&end).PutVarint(11);
  b = make();
  REQUIRE(b->RestorePosition(end).ok());
  auto rest = ReadBatches(b.get(), JsonSchema());
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].rows.empty());
  CHECK(rest[0].eof);
  CHECK(rest[0].position == full.back().position);

  const std::string saved = SavedAfter(make().get(), JsonSchema(), 2);
  CheckRefusesDamaged(make, saved);
  WriteFile(path, "{\"id\":1}\n");
  Status s = make()->RestorePosition(saved);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("is shorter (9 bytes)") != std::string::npos);
}

TEST_CASE("standard input cannot resume") {
  for (const char* type : {"csv", "jsonl"}) {
    CAPTURE(type);
    SourceSpec spec;
    spec.type = type;
    spec.path = "-";
    auto src = MakeSource(spec, Options(CsvSchema(), 2, 10, "-"));
    REQUIRE(src.ok());
    CHECK_FALSE((*src)->can_resume());
    std::string saved;
    CHECK((*src)->SavePosition(&saved).IsInvalidArgument());
    std::string pos;
    StateWriter w(&pos);
    w.PutHeader(std::string(type) == "csv" ? kStateCsvSource : kStateJsonlSource, 1);
    w.PutVarint(0);
    w.PutVarint(1);
    CHECK((*src)->RestorePosition(pos).IsInvalidArgument());
  }
}

// ---- generator ----

Factory Generator(uint64_t events, size_t batch) {
  return [=] {
    SourceSpec spec;
    spec.type = "generator";
    spec.events = events;
    spec.keys = 3;
    return Opened(MakeSource(spec, Options(GeneratorSchema(), 1, batch, "generator")));
  };
}

TEST_CASE("generator source: resuming at every batch boundary") {
  for (size_t batch : {1, 3, 4, 10}) {
    CAPTURE(batch);
    auto run = CheckResumeAtEveryBoundary(Generator(10, batch), GeneratorSchema());
    CHECK(CountRows(run) == 10);
  }
  auto src = Generator(10, 4)();
  const std::string saved = SavedAfter(src.get(), GeneratorSchema(), 2);
  CHECK(src->DescribePosition(saved) == "event 8");
  CheckRefusesDamaged(Generator(10, 4), saved);
  CHECK(Generator(5, 4)()->RestorePosition(saved).IsInvalidArgument());  // past its end
}

// ---- log ----

Schema ClickSchema() {
  return Schema({{"user", Type::kString}, {"ts", Type::kTimestamp, TimeUnit::kMillis}});
}

// Appends rows user = fmt::format(user_format, i), ts = 1000 + i ms (event time too), for i in
// [from, from + n).
void Append(const std::string& dir, const std::string& stream, const std::string& type, int from,
            int n, const char* user_format = "user{}") {
  auto sink = testing::NewLogSink(dir, stream, type);
  REQUIRE(sink->Open(ClickSchema()).ok());
  Batch b;
  b.reset(ClickSchema());
  for (int i = from; i < from + n; ++i) {
    b.columns[0].push_string(fmt::format(fmt::runtime(user_format), i));
    b.columns[1].push_int(1000 + i);
    b.ts.push_back((1000 + i) * 1000);
  }
  REQUIRE(sink->Write(b).ok());
  REQUIRE(sink->Close().ok());
}

// Two streams, two record types, opaque payloads (dead letters) and, at the end, events older
// than the `from` time used below.
void FillLog(const std::string& dir) {
  Append(dir, "a", "Click", 0, 3);  // 1-3
  Append(dir, "b", "Other", 3, 2);  // 4-5
  Append(dir, "a", "Other", 5, 2);  // 6-7
  {
    std::shared_ptr<EventLog> log;
    REQUIRE(EventLog::OpenShared({}, dir, &log).ok());
    EventData opaque;
    opaque.type = "Click";
    opaque.event_time = 1'010'000;
    opaque.payload = "\x01\x02";
    REQUIRE(log->Append("a", {&opaque, 1}).ok());  // 8
    REQUIRE(log->Append("b", {&opaque, 1}).ok());  // 9
  }
  Append(dir, "a", "Click", 10, 3);  // 10-12
  Append(dir, "b", "Click", 13, 2);  // 13-14
  Append(dir, "a", "Click", 0, 2);   // 15-16, event time 1000-1001 ms
  Append(dir, "b", "Other", 1, 1);   // 17
}

Factory LogFactory(const std::string& dir, const std::string& stream,
                   std::vector<std::string> types, const std::string& from, size_t batch) {
  return [=] {
    SourceSpec spec;
    spec.type = "log";
    spec.path = dir;
    spec.stream = stream;
    spec.types = types;
    spec.from = from;
    return Opened(MakeLogSource(spec, Options(ClickSchema(), 1, batch, dir)));
  };
}

TEST_CASE("log source: resuming at every batch boundary, in global order and by stream") {
  TempDir dir;
  FillLog(dir.path());
  struct Case {
    std::string stream;
    std::vector<std::string> types;
    std::string from;
    size_t rows, dead;
  };
  const std::string t = "1970-01-01T00:00:01.002Z";  // 1002 ms
  const std::vector<Case> cases = {
      {"", {}, "beginning", 15, 2},
      {"", {"Click"}, "beginning", 10, 2},
      {"", {"Other"}, "", 5, 0},
      {"", {}, "5", 11, 2},
      {"", {}, t, 10, 2},
      {"", {"Click"}, t, 6, 2},
      {"a", {}, "beginning", 10, 1},
      {"a", {"Click"}, "", 8, 1},
      {"b", {}, "beginning", 5, 1},
      {"a", {}, t, 6, 1},
      {"b", {"Click", "Other"}, t, 4, 1},
  };
  for (const Case& c : cases) {
    for (size_t batch : {1, 2, 3}) {
      CAPTURE(c.stream);
      CAPTURE(c.from);
      CAPTURE(c.types.size());
      CAPTURE(batch);
      auto run = CheckResumeAtEveryBoundary(
          LogFactory(dir.path(), c.stream, c.types, c.from, batch), ClickSchema());
      CHECK(CountRows(run) == c.rows);
      CHECK(CountDead(run) == c.dead);
    }
  }
}

// A log whose users are markers "MARKER-<i>" in streams s (i < 4 and i >= 6) and t (4, 5),
// copied to `bad` with the records of the `victims` damaged (each fails its CRC: a corrupt-record
// dead letter).
// `batched`: the three appends of 4, 2 and 4 events are one record each (a victim loses its
// whole record); otherwise every event is its own record.
void MakeCorruptLog(const TempDir& dir, const std::vector<int>& victims, const std::string& bad,
                    bool batched = false) {
  const std::string good = dir.sub("good-" + bad);
  for (auto [stream, from, n] : {std::tuple{"s", 0, 4}, {"t", 4, 2}, {"s", 6, 4}}) {
    if (batched) {
      Append(good, stream, "Click", from, n, "MARKER-{:04}");
    } else {
      for (int i = from; i < from + n; ++i) Append(good, stream, "Click", i, 1, "MARKER-{:04}");
    }
  }
  std::string bytes = testing::ReadFile(good + "/data.mdb");
  for (int victim : victims) {
    REQUIRE(testing::FlipEveryCopy(&bytes, fmt::format("MARKER-{:04}", victim)) > 0);
  }
  std::filesystem::create_directories(dir.sub(bad));
  WriteFile(dir.sub(bad) + "/data.mdb", bytes);
}

TEST_CASE("log source: resuming around corrupt records dead-letters each exactly once") {
  TempDir dir;
  // Inside s, ending s's first append, in t, the first and the last events, two in a row.
  const std::vector<std::vector<int>> cases = {{2}, {3}, {5}, {0}, {9}, {2, 3}, {7, 8, 9}};
  for (size_t n = 0; n < cases.size(); ++n) {
    const std::vector<int>& victims = cases[n];
    CAPTURE(n);
    const std::string bad = "bad" + std::to_string(n);
    MakeCorruptLog(dir, victims, bad);
    for (const std::string stream : {"", "s"}) {
      size_t dead = 0;
      for (int v : victims) dead += stream.empty() || v < 4 || v >= 6;
      for (size_t batch : {1, 2, 3}) {
        CAPTURE(stream);
        CAPTURE(batch);
        auto run = CheckResumeAtEveryBoundary(
            LogFactory(dir.sub(bad), stream, {}, "beginning", batch), ClickSchema());
        CHECK(CountDead(run) == dead);
        CHECK(CountRows(run) == (stream.empty() ? 10u : 8u) - dead);
      }
    }
  }
}

TEST_CASE("log source: a damaged batch record is one dead letter, dead-lettered exactly once") {
  TempDir dir;
  // Victim 5 damages the record of t (events 4-5); 2 and 8 those of s (0-3 and 6-9).
  const std::vector<std::vector<int>> cases = {{5}, {2}, {8}, {2, 8}};
  for (size_t n = 0; n < cases.size(); ++n) {
    CAPTURE(n);
    const std::string bad = "batched" + std::to_string(n);
    MakeCorruptLog(dir, cases[n], bad, /*batched=*/true);
    for (const std::string stream : {"", "s"}) {
      size_t dead = 0, lost = 0;
      for (int v : cases[n]) {
        const bool in_t = v == 4 || v == 5;
        if (!stream.empty() && in_t) continue;
        ++dead;
        lost += in_t ? 2 : 4;
      }
      for (size_t batch : {1, 3}) {
        CAPTURE(stream);
        CAPTURE(batch);
        auto run = CheckResumeAtEveryBoundary(
            LogFactory(dir.sub(bad), stream, {}, "beginning", batch), ClickSchema());
        CHECK(CountDead(run) == dead);
        CHECK(CountRows(run) == (stream.empty() ? 10u : 8u) - lost);
      }
    }
  }
}

TEST_CASE("log source: positions are described; damaged, foreign and stale ones are refused") {
  TempDir dir;
  FillLog(dir.path());
  Factory all = LogFactory(dir.path(), "", {}, "", 4);
  auto src = all();
  const std::string saved = SavedAfter(src.get(), ClickSchema(), 2);
  CHECK(src->DescribePosition(saved) == "log position 8");
  CheckRefusesDamaged(all, saved);

  Factory a = LogFactory(dir.path(), "a", {}, "", 4);
  src = a();
  const std::string in_a = SavedAfter(src.get(), ClickSchema(), 2);
  CHECK(src->DescribePosition(in_a) == "stream 'a' version 8 (log position 11)");
  CheckRefusesDamaged(a, in_a);
  // A position of another stream, or of all streams, does not fit.
  CHECK(LogFactory(dir.path(), "b", {}, "", 4)()->RestorePosition(in_a).IsInvalidArgument());
  CHECK(all()->RestorePosition(in_a).IsInvalidArgument());
  CHECK(a()->RestorePosition(saved).IsInvalidArgument());

  // A log that ends before the position: Corruption.
  TempDir small;
  Append(small.path(), "a", "Click", 0, 3);
  CHECK(LogFactory(small.path(), "", {}, "", 4)()->RestorePosition(saved).IsCorruption());
  CHECK(LogFactory(small.path(), "a", {}, "", 4)()->RestorePosition(in_a).IsCorruption());

  // A csv position is not a log position.
  ScratchDir cdir("srcpos-log");
  WriteFile(cdir.file("in.csv"), kCsv);
  std::string csv_saved;
  REQUIRE(
      FileSource("csv", cdir.file("in.csv"), CsvSchema(), 2, 1)()->SavePosition(&csv_saved).ok());
  CHECK_FALSE(all()->RestorePosition(csv_saved).ok());
}

}  // namespace
}  // namespace sluice
