#include <doctest/doctest.h>

#include <cerrno>

#include "storage/log_test_util.h"

namespace sluice {
namespace {

using testing::Events;
using testing::OpenLog;
using testing::ReadPayloads;
using testing::TempDir;

TEST_CASE("event log: the map grows past a tiny initial size") {
  TempDir dir;
  LogOptions o;
  o.initial_map_size = 64 * 1024;  // a few pages
  o.sync = SyncMode::kNoSync;
  auto log = OpenLog(dir.path(), o);
  uint64_t initial = log->env()->map_size();
  std::string payload(1000, 'x');
  std::vector<EventData> batch(200);
  for (auto& e : batch) {
    e.type = "Big";
    e.payload = payload;
  }
  for (int i = 0; i < 10; ++i) REQUIRE(log->Append("s", batch).ok());
  CHECK(log->env()->map_size() > initial);
  CHECK(*log->LastPosition() == 2000);
  CHECK(ReadPayloads(log.get()).size() == 2000);
  CHECK(log->Verify(nullptr).ok());
}

TEST_CASE("event log: appends fail cleanly when the map reaches its maximum") {
  TempDir dir;
  LogOptions o;
  o.initial_map_size = 64 * 1024;
  o.max_map_size = 128 * 1024;
  o.sync = SyncMode::kNoSync;
  auto log = OpenLog(dir.path(), o);
  std::string payload(1000, 'x');
  std::vector<EventData> batch(400);
  for (auto& e : batch) {
    e.type = "Big";
    e.payload = payload;
  }
  Status s = log->Append("s", batch);
  CHECK(s.IsIOError());
  CHECK(s.message().find("max_map_size") != std::string::npos);
  CHECK(s.message().find("map size limit reached") != std::string::npos);
  CHECK(s.message().find(dir.path() + "/data.mdb") != std::string::npos);
  CHECK(*log->LastPosition() == 0);
  Events small(1, "T");
  CHECK(log->Append("s", small.data).ok());
}

TEST_CASE("event log: write errors name their cause and the data file") {
  const std::string dir = "/var/lib/app/log";
  struct Case {
    int err;
    const char* cause;
  };
  for (Case c : {Case{ENOSPC, "disk full"}, Case{EDQUOT, "disk full"},
                 Case{EFBIG, "file size limit reached"}}) {
    Status s = lmdb::DescribeWriteError(c.err, dir, "mdb_txn_commit");
    INFO(s.ToString());
    CHECK(s.IsIOError());
    CHECK(s.message().find(c.cause) != std::string::npos);
    CHECK(s.message().find("'/var/lib/app/log/data.mdb'") != std::string::npos);
    CHECK(s.message().find("Input/output error") == std::string::npos);
  }
}

TEST_CASE("event log: truncation removes old events and their index entries") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  Events a(5, "A"), b(5, "B", 10);
  for (int i = 0; i < 5; ++i) a.data[i].id = EventId{7, static_cast<uint64_t>(i + 1)};
  REQUIRE(log->Append("a", a.data).ok());
  REQUIRE(log->Append("b", b.data).ok());
  uint64_t removed = 0;
  REQUIRE(log->Truncate(4, &removed).ok());
  CHECK(removed == 3);
  CHECK(ReadPayloads(log.get()) ==
        std::vector<std::string>{"p3", "p4", "p10", "p11", "p12", "p13", "p14"});
  ReadOptions ro;
  ro.stream = "a";
  CHECK(ReadPayloads(log.get(), ro) == std::vector<std::string>{"p3", "p4"});
  CHECK(*log->StreamVersion("a") == 5);  // versions are kept
  CHECK(log->Verify(nullptr).ok());

  // The id index forgot removed events: their ids may be stored again, at new positions.
  AppendResult r;
  REQUIRE(log->Append("a", {a.data.data(), 1}, {}, &r).ok());
  CHECK(r.appended == 1);
  CHECK(r.positions[0] == 11);

  LogStats st;
  REQUIRE(log->GetStats(&st).ok());
  CHECK(st.events == 8);
  CHECK(st.first_position == 4);
  CHECK(st.last_position == 11);
  CHECK(st.streams == 2);
}

TEST_CASE("event log: truncating everything keeps positions growing across reopen") {
  TempDir dir;
  {
    auto log = OpenLog(dir.path());
    Events a(4, "A");
    REQUIRE(log->Append("a", a.data).ok());
    uint64_t removed = 0;
    REQUIRE(log->Truncate(100, &removed).ok());
    CHECK(removed == 4);
    CHECK(*log->LastPosition() == 4);
  }
  auto log = OpenLog(dir.path());
  CHECK(ReadPayloads(log.get()).empty());
  Events more(1, "A", 9);
  AppendResult r;
  REQUIRE(log->Append("a", more.data, {}, &r).ok());
  CHECK(r.positions[0] == 5);
}

TEST_CASE("event log: a stream emptied by truncation goes on from its last version") {
  TempDir dir;
  {
    auto log = OpenLog(dir.path());
    Events a(4, "A"), b(3, "B");
    REQUIRE(log->Append("a", a.data).ok());
    REQUIRE(log->Append("b", b.data).ok());
    REQUIRE(log->Truncate(5).ok());  // every event of "a", none of "b"
    CHECK(*log->StreamVersion("a") == 4);
    CHECK(*log->StreamVersion("b") == 3);
    // Optimistic concurrency sees the kept version, not an empty stream.
    Events one(1, "A", 20);
    CHECK(log->Append("a", one.data, {.expected_version = 0}).IsConflict());
    AppendResult r;
    REQUIRE(log->Append("a", one.data, {.expected_version = 4}, &r).ok());
    CHECK(r.versions[0] == 5);
    REQUIRE(log->Truncate(100).ok());  // everything, twice emptied
  }
  auto log = OpenLog(dir.path());
  CHECK(*log->StreamVersion("a") == 5);
  CHECK(*log->StreamVersion("b") == 3);
  CHECK(*log->StreamVersion("never") == 0);
  Events more(2, "A", 30);
  AppendResult r;
  REQUIRE(log->Append("a", more.data, {}, &r).ok());
  CHECK(r.versions == std::vector<uint64_t>{6, 7});
  ReadOptions ro;
  ro.stream = "a";
  CHECK(ReadPayloads(log.get(), ro) == std::vector<std::string>{"p30", "p31"});
  CHECK(log->Verify(nullptr).ok());
}

TEST_CASE("event log: stats count events and streams and report times") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  LogStats empty;
  REQUIRE(log->GetStats(&empty).ok());
  CHECK(empty.events == 0);
  CHECK(empty.first_position == 0);
  CHECK(empty.next_position == 1);
  Events a(3, "A", 0, 5000), b(2, "B", 0, 9000);
  REQUIRE(log->Append("x", a.data).ok());
  REQUIRE(log->Append("y", b.data).ok());
  REQUIRE(log->Append("z", b.data).ok());
  LogStats st;
  REQUIRE(log->GetStats(&st).ok());
  CHECK(st.events == 7);
  CHECK(st.streams == 3);
  CHECK(st.first_position == 1);
  CHECK(st.last_position == 7);
  CHECK(st.first_event_time == 5000);
  CHECK(st.last_event_time == 9001);
  CHECK(st.last_append_time >= st.first_append_time);
  CHECK(st.events_bytes > 0);
  CHECK(st.file_bytes > 0);
}

}  // namespace
}  // namespace sluice
