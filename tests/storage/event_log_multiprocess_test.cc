// Two processes on one log: a child appends while the parent follows and appends too.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "storage/log_test_util.h"

namespace sluice {
namespace {

using testing::Events;
using testing::OpenLog;
using testing::TempDir;

constexpr int kChildBatches = 100;
constexpr int kChildPerBatch = 20;

// Runs in the forked child: opens its own environment (never one inherited through fork).
[[noreturn]] void ChildAppends(const std::string& dir) {
  LogOptions o;
  o.initial_map_size = 256 * 1024;  // small, so the child grows the map while the parent reads
  o.sync = SyncMode::kNoSync;
  std::unique_ptr<EventLog> log;
  if (!EventLog::Open(o, dir, &log).ok()) _exit(2);
  std::string payload(200, 'c');
  for (int b = 0; b < kChildBatches; ++b) {
    std::vector<EventData> batch(kChildPerBatch);
    for (auto& e : batch) {
      e.type = "Child";
      e.payload = payload;
    }
    AppendOptions ao;
    ao.expected_version = static_cast<uint64_t>(b * kChildPerBatch);
    Status s = log->Append("child", batch, ao);
    if (!s.ok()) {
      std::fprintf(stderr, "child append failed: %s\n", s.ToString().c_str());
      _exit(3);
    }
  }
  log.reset();
  _exit(0);
}

TEST_CASE("event log: a second process reads while the first appends") {
  TempDir dir;
  { OpenLog(dir.path()); }  // create the log before forking
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ChildAppends(dir.path());

  LogOptions o;
  o.initial_map_size = 256 * 1024;
  o.sync = SyncMode::kNoSync;
  auto log = OpenLog(dir.path(), o);
  // The parent writes too: LMDB serializes the two writers.
  for (int i = 0; i < 20; ++i) {
    Events ev(5, "Parent", i * 5);
    REQUIRE(log->Append("parent", ev.data).ok());
  }
  ReadOptions ro;
  ro.stream = "child";
  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator(ro, &it).ok());
  uint64_t seen = 0, last = 0;
  const uint64_t want = kChildBatches * kChildPerBatch;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (seen < want && std::chrono::steady_clock::now() < deadline) {
    for (; it->Valid(); it->Next()) {
      ++seen;
      CHECK(it->event().stream_version == seen);
      last = it->position();
    }
    REQUIRE(it->status().ok());
    it->Release();
    log->WaitForAppend(std::max(last, *log->LastPosition()), 50);
    REQUIRE(it->Refresh().ok());
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(seen == want);
  CHECK(*log->StreamVersion("parent") == 100);
  CHECK(*log->LastPosition() == want + 100);
  CHECK(log->Verify(nullptr).ok());
}

}  // namespace
}  // namespace sluice
