#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "codecs/coding.h"
#include "runtime/test_util.h"
#include "storage/checkpoint_store.h"
#include "storage/log_format.h"
#include "storage/log_record.h"
#include "storage/log_test_util.h"

namespace sluice {
namespace {

using testing::OpenLog;
using testing::TempDir;

using testing::ReadFile;
using testing::WriteFile;

// Writes events whose payloads carry unique markers, then copies data.mdb into a second log
// directory with one byte flipped inside the marker of event `victim` (0-based). `one_append`:
// all events in one append (one batch record); otherwise one record per event.
void MakeCorruptCopy(const TempDir& dir, int events, int victim, bool one_append = false) {
  {
    auto log = OpenLog(dir.sub("good"));
    std::vector<std::string> payloads;
    for (int i = 0; i < events; ++i) payloads.push_back(fmt::format("MARKER-{:04}-payload", i));
    std::vector<EventData> data(events);
    for (int i = 0; i < events; ++i) {
      data[i].type = "T";
      data[i].payload = payloads[i];
    }
    if (one_append) {
      REQUIRE(log->Append("s", data).ok());
    } else {
      for (const EventData& e : data) REQUIRE(log->Append("s", {&e, 1}).ok());
    }
  }
  std::string bytes = ReadFile(dir.sub("good") + "/data.mdb");
  REQUIRE(testing::FlipEveryCopy(&bytes, fmt::format("MARKER-{:04}", victim)) > 0);
  std::filesystem::create_directories(dir.sub("bad"));
  WriteFile(dir.sub("bad") + "/data.mdb", bytes);
}

TEST_CASE("event log corruption: a flipped payload byte is reported with its position") {
  TempDir dir;
  MakeCorruptCopy(dir, 10, 6);
  auto log = OpenLog(dir.sub("bad"));

  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator({}, &it).ok());
  int read = 0;
  for (; it->Valid(); it->Next()) ++read;
  CHECK(read == 6);  // positions 1..6 are intact
  CHECK(it->status().IsCorruption());
  CHECK(it->status().message().find("position 7") != std::string::npos);

  std::vector<uint64_t> bad;
  uint64_t checked = 0;
  Status s = log->Verify([&](uint64_t pos, const Status&) { bad.push_back(pos); }, &checked);
  CHECK(s.IsCorruption());
  CHECK(checked == 10);
  CHECK(bad == std::vector<uint64_t>{7});
}

TEST_CASE("event log corruption: a damaged batch record names every position it held") {
  TempDir dir;
  MakeCorruptCopy(dir, 10, 6, /*one_append=*/true);
  auto log = OpenLog(dir.sub("bad"));
  for (const std::string stream : {"", "s"}) {
    CAPTURE(stream);
    ReadOptions ro;
    ro.stream = stream;
    std::unique_ptr<LogIterator> it;
    REQUIRE(log->NewIterator(ro, &it).ok());
    CHECK_FALSE(it->Valid());
    CHECK(it->status().IsCorruption());
    CHECK(it->failed_position() == 1);
    CHECK(it->status().message().find("positions 1-10") != std::string::npos);
    it->SkipCorrupt();
    CHECK_FALSE(it->Valid());
    CHECK(it->status().ok());
  }
  std::vector<uint64_t> bad;
  uint64_t checked = 0;
  CHECK(log->Verify([&](uint64_t pos, const Status&) { bad.push_back(pos); }, &checked)
            .IsCorruption());
  CHECK(checked == 1);
  CHECK(bad == std::vector<uint64_t>{1});
}

TEST_CASE("event log corruption: stream reads report the corrupt record too") {
  TempDir dir;
  MakeCorruptCopy(dir, 5, 0);
  auto log = OpenLog(dir.sub("bad"));
  ReadOptions ro;
  ro.stream = "s";
  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator(ro, &it).ok());
  CHECK_FALSE(it->Valid());
  CHECK(it->status().IsCorruption());
  CHECK(it->status().message().find("position 1") != std::string::npos);
}

TEST_CASE("event log corruption: a record with a valid CRC but a bad envelope is caught") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  // Store a well-framed record whose body is not a FlatBuffers envelope, as a buggy writer would.
  lmdb::Txn txn;
  REQUIRE(log->env()->BeginWrite(&txn).ok());
  lmdb::Dbi events;
  REQUIRE(txn.OpenDbi(log::kEventsDb, false, &events).ok());
  std::string body = "SLEV this is not a flatbuffer at all";
  std::string value(log::kHeaderSize + body.size(), '\0');
  log::FrameRecord(log::kEventType, body, value.data());
  REQUIRE(txn.Put(events, BigEndianKey(1).view(), value).ok());
  REQUIRE(txn.Commit().ok());

  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator({}, &it).ok());
  CHECK_FALSE(it->Valid());
  CHECK(it->status().IsCorruption());
  CHECK(it->status().message().find("position 1") != std::string::npos);
  CHECK(log->Verify(nullptr).IsCorruption());
}

// Writes enough events to fill many pages, then copies the directory with data.mdb cut to
// `keep` of its size (as `truncate -s` on a copy does).
void MakeTruncatedCopy(const TempDir& dir, double keep) {
  {
    auto log = OpenLog(dir.sub("good"));
    std::string payload(1000, 'x');
    std::vector<EventData> data(400);
    for (EventData& e : data) {
      e.type = "T";
      e.payload = payload;
    }
    REQUIRE(log->Append("s", data).ok());
  }
  std::string bytes = ReadFile(dir.sub("good") + "/data.mdb");
  REQUIRE(bytes.size() > 100000);
  std::filesystem::create_directories(dir.sub("bad"));
  WriteFile(dir.sub("bad") + "/data.mdb",
            bytes.substr(0, static_cast<size_t>(bytes.size() * keep)));
}

TEST_CASE("event log corruption: a truncated data file is refused at open, not read") {
  TempDir dir;
  MakeTruncatedCopy(dir, 0.5);
  for (bool read_only : {true, false}) {
    LogOptions o;
    o.read_only = read_only;
    std::unique_ptr<EventLog> log;
    Status s = EventLog::Open(o, dir.sub("bad"), &log);
    INFO(s.ToString());
    CHECK(s.IsCorruption());
    CHECK(s.message().find("data.mdb' is truncated") != std::string::npos);
    CHECK(log == nullptr);
  }
}

TEST_CASE("event log corruption: a state directory with a truncated data file is refused") {
  TempDir dir;
  MakeTruncatedCopy(dir, 0.3);
  std::unique_ptr<CheckpointStore> store;
  Status s = CheckpointStore::Open(dir.sub("bad"), &store);
  INFO(s.ToString());
  CHECK(s.IsCorruption());
  CHECK(s.message().find("state directory") != std::string::npos);
  CHECK(s.message().find("truncated") != std::string::npos);
  CHECK(CheckpointStore::OpenReadOnly(dir.sub("bad"), &store).IsCorruption());
}

}  // namespace
}  // namespace sluice
