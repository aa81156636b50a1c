// The log source and sink through the Source/Sink interfaces (operators/log_source.h, log_sink.h).
#include <doctest/doctest.h>

#include "codecs/record_codec.h"
#include "operators/log_sink.h"
#include "operators/log_source.h"
#include "storage/log_test_util.h"

namespace sluice {
namespace {

using testing::TempDir;

Schema ClickSchema() {
  return Schema({{"user", Type::kString, TimeUnit::kMicros},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis},
                 {"amount", Type::kDouble, TimeUnit::kMicros}});
}

// Rows (user<i>, ts = 1000 + i ms, amount = i / 2), event time in ts.
Batch ClickBatch(int from, int n) {
  Batch b;
  b.reset(ClickSchema());
  for (int i = from; i < from + n; ++i) {
    b.columns[0].push_string("user" + std::to_string(i));
    b.columns[1].push_int(1000 + i);
    if (i % 5 == 4) {
      b.columns[2].push_null();
    } else {
      b.columns[2].push_double(i / 2.0);
    }
    b.ts.push_back((1000 + i) * 1000);
  }
  return b;
}

void WriteClicks(const std::string& dir, const std::string& stream, int batches, int per) {
  auto sink = testing::NewLogSink(dir, stream, "Click");
  REQUIRE(sink->Open(ClickSchema()).ok());
  for (int b = 0; b < batches; ++b) REQUIRE(sink->Write(ClickBatch(b * per, per)).ok());
  CHECK(sink->rows() == uint64_t(batches * per));
  REQUIRE(sink->Close().ok());
}

std::unique_ptr<Source> OpenSource(SourceSpec spec, Schema schema, int event_time_index,
                                   size_t batch_size = 4096) {
  SourceOptions o;
  o.schema = std::move(schema);
  o.event_time_index = event_time_index;
  o.batch_size = batch_size;
  o.name = spec.path;
  auto src = MakeLogSource(spec, o);
  INFO(src.status().ToString());
  REQUIRE(src.ok());
  Status s = (*src)->Open();
  INFO(s.ToString());
  REQUIRE(s.ok());
  return std::move(src).value();
}

// Reads until eof; returns all rows in one batch.
Batch ReadAll(Source* src, const Schema& schema, uint64_t* position = nullptr) {
  Batch all;
  all.reset(schema);
  for (int guard = 0; guard < 1000; ++guard) {
    Batch b;
    b.reset(schema);
    bool eof = false;
    REQUIRE(src->Next(&b, &eof).ok());
    b.wm.resize(b.size());  // append_row copies watermarks, which the runtime sets
    for (size_t r = 0; r < b.size(); ++r) all.append_row(b, r);
    for (auto& d : b.dead_letters) all.dead_letters.push_back(d);
    if (position) *position = b.source_position;
    if (eof) return all;
  }
  FAIL("source never reached eof");
  return all;
}

TEST_CASE("log sink and source: rows round trip with event time in batches") {
  TempDir dir;
  WriteClicks(dir.path(), "clicks", 3, 7);
  SourceSpec spec;
  spec.type = "log";
  spec.path = dir.path();
  auto src = OpenSource(spec, ClickSchema(), 1, /*batch_size=*/5);
  uint64_t pos = 0;
  Batch all = ReadAll(src.get(), ClickSchema(), &pos);
  CHECK(pos == 21);
  CHECK(all.dead_letters.empty());
  Batch want = ClickBatch(0, 21);
  REQUIRE(all.size() == 21);
  for (size_t r = 0; r < 21; ++r) {
    CHECK(all.row(r) == want.row(r));
    CHECK(all.ts[r] == want.ts[r]);
  }
}

TEST_CASE("log source: from a position or a time and by stream or type") {
  TempDir dir;
  WriteClicks(dir.path(), "a", 1, 4);  // positions 1-4, ts 1000..1003 ms
  WriteClicks(dir.path(), "b", 1, 4);  // positions 5-8
  Schema users({{"user", Type::kString, TimeUnit::kMicros}});
  SourceSpec spec;
  spec.type = "log";
  spec.path = dir.path();
  spec.from = "7";
  Batch got = ReadAll(OpenSource(spec, users, -1).get(), users);
  CHECK(got.size() == 2);

  spec.from = "1970-01-01T00:00:01.002Z";  // 1002 ms
  got = ReadAll(OpenSource(spec, users, -1).get(), users);
  CHECK(got.size() == 4);       // user2, user3 in both streams
  CHECK(got.ts[0] == 1002000);  // the envelope's event time when the schema has no time field

  spec.from = "beginning";
  spec.stream = "b";
  got = ReadAll(OpenSource(spec, users, -1).get(), users);
  REQUIRE(got.size() == 4);
  CHECK(got.columns[0].str(0) == "user0");

  spec.stream.clear();
  spec.types = {"Other"};
  CHECK(ReadAll(OpenSource(spec, users, -1).get(), users).size() == 0);

  spec.from = "yesterday";
  SourceOptions o;
  o.schema = users;
  CHECK(MakeLogSource(spec, o).status().IsInvalidArgument());
}

TEST_CASE("log source: type mismatches and opaque payloads become dead letters at their position") {
  TempDir dir;
  WriteClicks(dir.path(), "a", 1, 2);  // positions 1-2
  {
    std::shared_ptr<EventLog> log;
    REQUIRE(EventLog::OpenShared({}, dir.path(), &log).ok());
    EventData opaque;
    opaque.type = "Blob";
    opaque.payload = "\x01\x02";
    REQUIRE(log->Append("a", {&opaque, 1}).ok());  // position 3
  }
  Schema wrong({{"user", Type::kInt64, TimeUnit::kMicros}});
  SourceSpec spec;
  spec.type = "log";
  spec.path = dir.path();
  Batch got = ReadAll(OpenSource(spec, wrong, -1).get(), wrong);
  CHECK(got.size() == 0);
  REQUIRE(got.dead_letters.size() == 3);
  CHECK(got.dead_letters[0].line == 1);
  CHECK(got.dead_letters[0].reason.find("'user'") != std::string::npos);
  CHECK(got.dead_letters[0].raw.find("\"user\":\"user0\"") != std::string::npos);
  CHECK(got.dead_letters[2].line == 3);
  CHECK(got.dead_letters[2].reason.find("not a record") != std::string::npos);
}

TEST_CASE("log source: a missing event-time field is filled from the envelope") {
  TempDir dir;
  WriteClicks(dir.path(), "a", 1, 2);
  Schema s(
      {{"user", Type::kString, TimeUnit::kMicros}, {"when", Type::kTimestamp, TimeUnit::kSeconds}});
  SourceSpec spec;
  spec.type = "log";
  spec.path = dir.path();
  Batch got = ReadAll(OpenSource(spec, s, 1).get(), s);
  REQUIRE(got.size() == 2);
  CHECK(got.columns[1].is_valid(1));
  CHECK(got.columns[1].i64[1] == 1);  // 1001 ms, in seconds
  CHECK(got.ts[1] == 1001000);
}

TEST_CASE("log source: follow mode waits for appends instead of ending") {
  TempDir dir;
  WriteClicks(dir.path(), "a", 1, 3);
  SourceSpec spec;
  spec.type = "log";
  spec.path = dir.path();
  spec.follow = true;
  Schema users({{"user", Type::kString, TimeUnit::kMicros}});
  auto src = OpenSource(spec, users, -1);
  Batch b;
  b.reset(users);
  bool eof = true;
  REQUIRE(src->Next(&b, &eof).ok());
  CHECK_FALSE(eof);
  CHECK(b.size() == 3);
  b.reset(users);
  b.clear();
  REQUIRE(src->Next(&b, &eof).ok());  // nothing new: an empty batch, still not eof
  CHECK_FALSE(eof);
  CHECK(b.size() == 0);
  WriteClicks(dir.path(), "a", 1, 2);
  b.clear();
  REQUIRE(src->Next(&b, &eof).ok());
  CHECK_FALSE(eof);
  CHECK(b.size() == 2);
  CHECK(b.source_position == 5);
}

TEST_CASE("log source: how far it is behind the log's head, followed or not") {
  TempDir dir;
  WriteClicks(dir.path(), "a", 1, 5);
  Schema users({{"user", Type::kString, TimeUnit::kMicros}});
  for (bool follow : {false, true}) {
    INFO(follow);
    SourceSpec spec;
    spec.type = "log";
    spec.path = dir.path();
    spec.follow = follow;
    auto src = OpenSource(spec, users, -1, /*batch_size=*/2);
    uint64_t behind = 99;
    Batch b;
    b.reset(users);
    bool eof = false;
    REQUIRE(src->Next(&b, &eof).ok());
    REQUIRE(src->Behind(&behind));
    CHECK(behind == 3);
    b.clear();
    REQUIRE(src->Next(&b, &eof).ok());
    REQUIRE(src->Behind(&behind));
    CHECK(behind == 1);
    b.clear();
    REQUIRE(src->Next(&b, &eof).ok());
    REQUIRE(src->Behind(&behind));
    CHECK(behind == 0);
  }
  // A followed log grows: the distance is to the head as it is now.
  SourceSpec spec;
  spec.type = "log";
  spec.path = dir.path();
  spec.follow = true;
  auto src = OpenSource(spec, users, -1, /*batch_size=*/2);
  Batch b;
  b.reset(users);
  bool eof = false;
  uint64_t behind = 0;
  REQUIRE(src->Next(&b, &eof).ok());
  WriteClicks(dir.path(), "b", 1, 4);
  b.clear();
  REQUIRE(src->Next(&b, &eof).ok());
  REQUIRE(src->Behind(&behind));
  CHECK(behind == 5);  // positions 5..9 of 9
}

TEST_CASE("log sink: missing settings are rejected before opening") {
  SinkSpec spec;
  spec.type = "log";
  spec.path = "/tmp/x";
  spec.stream = "s";
  CHECK(MakeLogSink(spec).status().IsInvalidArgument());
  spec.event_type = "T";
  spec.path.clear();
  CHECK(MakeLogSink(spec).status().IsInvalidArgument());
}

}  // namespace
}  // namespace sluice
