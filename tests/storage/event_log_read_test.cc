#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "storage/log_test_util.h"

namespace sluice {
namespace {

using testing::Events;
using testing::OpenLog;
using testing::ReadPayloads;
using testing::TempDir;

// s1: p0 p1 p2 (type A, times 1000..1002); s2: p10 p11 (type B, times 1010..1011); s1: p20 (A).
std::unique_ptr<EventLog> MakeLog(const TempDir& dir) {
  auto log = OpenLog(dir.path());
  Events a(3, "A"), b(2, "B", 10), c(1, "A", 20);
  REQUIRE(log->Append("s1", a.data).ok());
  REQUIRE(log->Append("s2", b.data).ok());
  REQUIRE(log->Append("s1", c.data).ok());
  return log;
}

TEST_CASE("event log read: forward from a global position") {
  TempDir dir;
  auto log = MakeLog(dir);
  CHECK(ReadPayloads(log.get()).size() == 6);
  ReadOptions ro;
  ro.from_position = 4;
  CHECK(ReadPayloads(log.get(), ro) == std::vector<std::string>{"p10", "p11", "p20"});
  ro.from_position = 7;
  CHECK(ReadPayloads(log.get(), ro).empty());
}

TEST_CASE("event log read: one stream from a version") {
  TempDir dir;
  auto log = MakeLog(dir);
  ReadOptions ro;
  ro.stream = "s1";
  CHECK(ReadPayloads(log.get(), ro) == std::vector<std::string>{"p0", "p1", "p2", "p20"});
  ro.from_version = 3;
  CHECK(ReadPayloads(log.get(), ro) == std::vector<std::string>{"p2", "p20"});
  ro.stream = "s";  // a prefix of s1 and s2 is a different stream
  ro.from_version = 1;
  CHECK(ReadPayloads(log.get(), ro).empty());
}

TEST_CASE("event log read: filtered by event type and by event time") {
  TempDir dir;
  auto log = MakeLog(dir);
  ReadOptions ro;
  ro.types = {"B"};
  CHECK(ReadPayloads(log.get(), ro) == std::vector<std::string>{"p10", "p11"});
  ro.types = {"A", "B"};
  CHECK(ReadPayloads(log.get(), ro).size() == 6);
  ReadOptions rt;
  rt.min_event_time = 1011;
  CHECK(ReadPayloads(log.get(), rt) == std::vector<std::string>{"p11", "p20"});
  rt.stream = "s1";
  rt.types = {"A"};
  CHECK(ReadPayloads(log.get(), rt) == std::vector<std::string>{"p20"});
}

TEST_CASE("event log read: an iterator sees a snapshot until Refresh") {
  TempDir dir;
  auto log = MakeLog(dir);
  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator({}, &it).ok());
  int n = 0;
  for (; it->Valid(); it->Next()) ++n;
  CHECK(n == 6);
  it->Release();
  Events more(2, "C", 30);
  REQUIRE(log->Append("s3", more.data).ok());
  REQUIRE(it->Refresh().ok());
  std::vector<std::string> got;
  for (; it->Valid(); it->Next()) got.emplace_back(it->event().payload);
  CHECK(got == std::vector<std::string>{"p30", "p31"});
}

TEST_CASE("event log read: follow mode receives appends from another thread") {
  TempDir dir;
  auto log = MakeLog(dir);
  constexpr int kAppends = 20;
  std::thread writer([&] {
    for (int i = 0; i < kAppends; ++i) {
      Events ev(1, "F", 100 + i);
      REQUIRE(log->Append("follow", ev.data).ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  ReadOptions ro;
  ro.stream = "follow";
  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator(ro, &it).ok());
  std::vector<std::string> got;
  uint64_t last = 0;
  // Generous deadline so a stuck follower fails instead of hanging; no timing is asserted.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (got.size() < kAppends && std::chrono::steady_clock::now() < deadline) {
    for (; it->Valid(); it->Next()) {
      got.emplace_back(it->event().payload);
      last = it->position();
    }
    REQUIRE(it->status().ok());
    it->Release();
    log->WaitForAppend(std::max<uint64_t>(last, 6), 100);
    REQUIRE(it->Refresh().ok());
  }
  writer.join();
  REQUIRE(got.size() == kAppends);
  for (int i = 0; i < kAppends; ++i) CHECK(got[i] == "p" + std::to_string(100 + i));
}

TEST_CASE("event log read: WaitForAppend returns false when nothing arrives") {
  TempDir dir;
  auto log = MakeLog(dir);
  CHECK_FALSE(log->WaitForAppend(6, 10));
  CHECK(log->WaitForAppend(5, 10));
}

TEST_CASE("event log read: a read-only open reads and refuses writes") {
  TempDir dir;
  { auto log = MakeLog(dir); }
  LogOptions o;
  o.read_only = true;
  auto log = OpenLog(dir.path(), o);
  CHECK(ReadPayloads(log.get()).size() == 6);
  Events ev(1, "T");
  CHECK(log->Append("s", ev.data).IsInvalidArgument());
  std::unique_ptr<EventLog> missing;
  CHECK_FALSE(EventLog::Open(o, dir.sub("nope"), &missing).ok());
}

}  // namespace
}  // namespace sluice
