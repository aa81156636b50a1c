#include <doctest/doctest.h>

#include <thread>

#include "base/time_util.h"
#include "storage/log_test_util.h"

namespace sluice {
namespace {

using testing::Events;
using testing::OpenLog;
using testing::ReadPayloads;
using testing::TempDir;

TEST_CASE("event log: append stores every envelope field and reads it back") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  EventData e;
  e.id = EventId{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  e.type = "OrderPlaced";
  e.schema_version = 7;
  e.event_time = 1714564800250000;
  e.correlation_id = EventId{1, 2};
  e.causation_id = EventId{3, 4};
  e.content_type = kJsonContentType;
  std::string payload = std::string("{\"total\":12.5}\0tail", 19);
  e.payload = payload;
  TimeUs before = WallNowUs();
  AppendResult r;
  REQUIRE(log->Append("order-17", {&e, 1}, {}, &r).ok());
  CHECK(r.appended == 1);
  CHECK(r.positions == std::vector<uint64_t>{1});
  CHECK(r.versions == std::vector<uint64_t>{1});
  CHECK(r.stream_version == 1);

  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator({}, &it).ok());
  REQUIRE(it->Valid());
  const EnvelopeView& v = it->event();
  CHECK(v.event_id == e.id);
  CHECK(v.stream_id == "order-17");
  CHECK(v.stream_version == 1);
  CHECK(v.global_position == 1);
  CHECK(v.event_type == "OrderPlaced");
  CHECK(v.schema_version == 7);
  CHECK(v.event_time_us == 1714564800250000);
  CHECK(v.append_time_us >= before);
  CHECK(v.correlation_id == EventId{1, 2});
  CHECK(v.causation_id == EventId{3, 4});
  CHECK(v.content_type == kJsonContentType);
  CHECK(v.payload == payload);
  it->Next();
  CHECK_FALSE(it->Valid());
  CHECK(it->status().ok());
}

TEST_CASE("event log: positions are global and versions per stream") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  Events a(3, "A"), b(2, "B", 100);
  AppendResult ra, rb, ra2;
  REQUIRE(log->Append("s1", a.data, {}, &ra).ok());
  REQUIRE(log->Append("s2", b.data, {}, &rb).ok());
  REQUIRE(log->Append("s1", {a.data.data(), 1}, {}, &ra2).ok());
  CHECK(ra.positions == std::vector<uint64_t>{1, 2, 3});
  CHECK(rb.positions == std::vector<uint64_t>{4, 5});
  CHECK(rb.versions == std::vector<uint64_t>{1, 2});
  CHECK(ra2.positions == std::vector<uint64_t>{6});
  CHECK(ra2.versions == std::vector<uint64_t>{4});
  CHECK(*log->StreamVersion("s1") == 4);
  CHECK(*log->StreamVersion("s2") == 2);
  CHECK(*log->StreamVersion("s") == 0);
  CHECK(*log->LastPosition() == 6);
}

TEST_CASE("event log: expected version mismatch is a conflict and writes nothing") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  Events ev(2, "T");
  REQUIRE(log->Append("acct", ev.data, {.expected_version = 0}).ok());
  Events more(1, "T", 10);
  Status s = log->Append("acct", more.data, {.expected_version = 1});
  CHECK(s.IsConflict());
  CHECK(s.message().find("expected version 1") != std::string::npos);
  CHECK(s.message().find("found version 2") != std::string::npos);
  CHECK(*log->StreamVersion("acct") == 2);
  CHECK(*log->LastPosition() == 2);
  CHECK(log->Append("acct", more.data, {.expected_version = 2}).ok());
  CHECK(ReadPayloads(log.get()) == std::vector<std::string>{"p0", "p1", "p10"});
}

TEST_CASE("event log: an event whose id is stored is a duplicate and not stored again") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  Events ev(3, "T");
  for (int i = 0; i < 3; ++i) ev.data[i].id = EventId{42, static_cast<uint64_t>(i + 1)};
  AppendResult first;
  REQUIRE(log->Append("s", ev.data, {.expected_version = 0}, &first).ok());
  CHECK(first.appended == 3);

  // A retried append (same ids, stale expected version) succeeds and stores nothing.
  AppendResult retry;
  REQUIRE(log->Append("s", ev.data, {.expected_version = 0}, &retry).ok());
  CHECK(retry.appended == 0);
  CHECK(retry.duplicates == 3);
  CHECK(retry.positions == first.positions);
  CHECK(retry.versions == std::vector<uint64_t>{1, 2, 3});
  CHECK(retry.duplicate == std::vector<uint8_t>{1, 1, 1});

  // Mixed: one new event, one old one; the same id twice in one append is stored once.
  Events mixed(3, "T", 50);
  mixed.data[0].id = EventId{42, 2};
  mixed.data[1].id = EventId{42, 9};
  mixed.data[2].id = EventId{42, 9};
  mixed.data[0].payload = ev.data[1].payload;  // a duplicate is the same event: same payload
  mixed.data[2].payload = mixed.data[1].payload;
  AppendResult r;
  REQUIRE(log->Append("s", mixed.data, {}, &r).ok());
  CHECK(r.appended == 1);
  CHECK(r.duplicates == 2);
  CHECK(r.duplicate == std::vector<uint8_t>{1, 0, 1});
  CHECK(r.positions == std::vector<uint64_t>{2, 4, 4});
  CHECK(ReadPayloads(log.get()) == std::vector<std::string>{"p0", "p1", "p2", "p51"});
}

TEST_CASE("event log: an id stored with another stream or payload is a conflict, not a duplicate") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  Events ev(2, "T");
  ev.data[0].id = EventId{7, 1};
  ev.data[1].id = EventId{7, 2};
  REQUIRE(log->Append("s", ev.data).ok());

  // The same id and payload in another stream.
  Status s = log->Append("other", {ev.data.data(), 1});
  INFO(s.ToString());
  CHECK(s.IsConflict());
  CHECK(s.message().find("stream 's'") != std::string::npos);
  // The same stream, another payload; the new event of the append is not stored either.
  Events changed(2, "T", 10);
  changed.data[1].id = EventId{7, 2};
  s = log->Append("s", changed.data);
  CHECK(s.IsConflict());
  CHECK(s.message().find("another payload") != std::string::npos);
  // One id twice in one append with two payloads.
  Events twice(2, "T", 20);
  twice.data[0].id = twice.data[1].id = EventId{7, 3};
  CHECK(log->Append("s", twice.data).IsConflict());

  CHECK(ReadPayloads(log.get()) == std::vector<std::string>{"p0", "p1"});
  CHECK(*log->StreamVersion("other") == 0);
  // A true retry is still a duplicate.
  AppendResult r;
  REQUIRE(log->Append("s", ev.data, {}, &r).ok());
  CHECK(r.duplicates == 2);
}

TEST_CASE("event log: bad stream ids and untyped events are rejected") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  Events ev(1, "T");
  CHECK(log->Append("", ev.data).IsInvalidArgument());
  CHECK(log->Append(std::string_view("a\0b", 3), ev.data).IsInvalidArgument());
  ev.data[0].type = "";
  CHECK(log->Append("s", ev.data).IsInvalidArgument());
  CHECK(*log->LastPosition() == 0);
}

TEST_CASE("event log: concurrent appenders all land with each stream in order") {
  TempDir dir;
  LogOptions o;
  o.sync = SyncMode::kNoSync;
  auto log = OpenLog(dir.path(), o);
  constexpr int kThreads = 4, kBatches = 50, kPerBatch = 20;
  std::vector<std::thread> threads;
  std::vector<Status> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        Events ev(kPerBatch, "T", b * kPerBatch);
        // Alternate durable and no-sync appends so both kinds of group form.
        AppendOptions ao;
        ao.expected_version = static_cast<uint64_t>(b * kPerBatch);
        ao.sync = (b % 2) ? SyncMode::kDurable : SyncMode::kNoSync;
        Status s = log->Append("stream-" + std::to_string(t), ev.data, ao);
        if (!s.ok()) errors[t] = s;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const Status& s : errors) CHECK(s.ok());
  CHECK(*log->LastPosition() == uint64_t{kThreads * kBatches * kPerBatch});
  for (int t = 0; t < kThreads; ++t) {
    ReadOptions ro;
    ro.stream = "stream-" + std::to_string(t);
    std::vector<std::string> got = ReadPayloads(log.get(), ro);
    REQUIRE(got.size() == size_t{kBatches * kPerBatch});
    for (int i = 0; i < kBatches * kPerBatch; ++i) CHECK(got[i] == "p" + std::to_string(i));
  }
  CHECK(log->Verify(nullptr).ok());
}

TEST_CASE("event log: Update commits extra databases together with an append") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  lmdb::Dbi checkpoints;
  REQUIRE(log->OpenDatabase("checkpoints", &checkpoints).ok());
  CHECK(log->OpenDatabase("sluice.mine", &checkpoints).IsInvalidArgument());
  Events ev(2, "T");
  REQUIRE(log->Update([&](LogWriteTxn* t) -> Status {
               SLUICE_RETURN_IF_ERROR(t->Append("s", ev.data));
               return t->Put(checkpoints, "pipeline-1", "offset=2");
             })
              .ok());
  // A failing callback leaves neither its append nor its put behind.
  Status s = log->Update([&](LogWriteTxn* t) -> Status {
    SLUICE_RETURN_IF_ERROR(t->Append("s", ev.data));
    SLUICE_RETURN_IF_ERROR(t->Put(checkpoints, "pipeline-1", "offset=4"));
    return Status::Aborted("changed my mind");
  });
  CHECK(s.code() == Status::Code::kAborted);
  CHECK(*log->LastPosition() == 2);
  std::string value;
  REQUIRE(log->Update([&](LogWriteTxn* t) -> Status {
               std::string_view v;
               SLUICE_RETURN_IF_ERROR(t->Get(checkpoints, "pipeline-1", &v));
               value = std::string(v);
               return Status::OK();
             })
              .ok());
  CHECK(value == "offset=2");
}

}  // namespace
}  // namespace sluice
