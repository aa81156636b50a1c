// Format-1 logs (one envelope per record) stay readable and take format-2 batch appends.
#include <doctest/doctest.h>
#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include "codecs/coding.h"
#include "codecs/envelope.h"
#include "storage/log_format.h"
#include "storage/log_keys.h"
#include "storage/log_record.h"
#include "storage/log_test_util.h"

namespace sluice {
namespace {

using testing::OpenLog;
using testing::ReadPayloads;
using testing::TempDir;

// Writes `events` envelopes the way format 1 did: one record each, a stream index entry per
// event holding only its position, chosen ids indexed, format_version "1", no next_position.
// Streams alternate between "a" (even events) and "b" (odd ones).
void WriteFormat1Log(const std::string& dir, int events) {
  auto log = OpenLog(dir);
  lmdb::Txn txn;
  REQUIRE(log->env()->BeginWrite(&txn).ok());
  lmdb::Dbi events_db, streams_db, ids_db, meta_db;
  REQUIRE(txn.OpenDbi(log::kEventsDb, false, &events_db).ok());
  REQUIRE(txn.OpenDbi(log::kStreamsDb, false, &streams_db).ok());
  REQUIRE(txn.OpenDbi(log::kIdsDb, false, &ids_db).ok());
  REQUIRE(txn.OpenDbi(log::kMetaDb, false, &meta_db).ok());
  flatbuffers::FlatBufferBuilder fbb;
  std::string key;
  for (int i = 0; i < events; ++i) {
    const uint64_t pos = static_cast<uint64_t>(i + 1);
    const std::string payload = fmt::format("v1-{}", i);
    EnvelopeView e;
    e.event_id = EventId{42, pos};
    e.stream_id = i % 2 == 0 ? "a" : "b";
    e.stream_version = static_cast<uint64_t>(i / 2 + 1);
    e.global_position = pos;
    e.event_type = "Old";
    e.schema_version = 1;
    e.event_time_us = 1000 + i;
    e.append_time_us = 5000;
    e.payload = payload;
    EncodeEnvelope(e, &fbb);
    const std::string_view body(reinterpret_cast<const char*>(fbb.GetBufferPointer()),
                                fbb.GetSize());
    std::string value(log::kHeaderSize + body.size(), '\0');
    log::FrameRecord(log::kEventType, body, value.data());
    REQUIRE(txn.Put(events_db, BigEndianKey(pos).view(), value).ok());
    log::StreamKey(e.stream_id, e.stream_version, &key);
    REQUIRE(txn.Put(streams_db, key, BigEndianKey(pos).view()).ok());
    REQUIRE(txn.Put(ids_db, log::IdKey(e.event_id).view(), BigEndianKey(pos).view()).ok());
  }
  REQUIRE(txn.Put(meta_db, log::kMetaFormatVersion, "1").ok());
  REQUIRE(txn.Del(meta_db, log::kMetaNextPosition).ok());
  REQUIRE(txn.Commit().ok());
}

std::string FormatVersion(EventLog* log) {
  lmdb::Txn txn;
  REQUIRE(log->env()->BeginRead(&txn).ok());
  lmdb::Dbi meta_db;
  REQUIRE(txn.OpenDbi(log::kMetaDb, false, &meta_db).ok());
  std::string_view v;
  REQUIRE(txn.Get(meta_db, log::kMetaFormatVersion, &v).ok());
  return std::string(v);
}

TEST_CASE("event log format 1: read as it is, upgraded on the first writable open") {
  TempDir dir;
  WriteFormat1Log(dir.path(), 7);
  {
    LogOptions ro;
    ro.read_only = true;
    auto log = OpenLog(dir.path(), ro);
    CHECK(FormatVersion(log.get()) == "1");
    CHECK(*log->LastPosition() == 7);
    CHECK(ReadPayloads(log.get()).size() == 7);
    ReadOptions b;
    b.stream = "b";
    CHECK(ReadPayloads(log.get(), b) == std::vector<std::string>{"v1-1", "v1-3", "v1-5"});
    b.from_version = 2;
    CHECK(ReadPayloads(log.get(), b) == std::vector<std::string>{"v1-3", "v1-5"});
    LogStats st;
    REQUIRE(log->GetStats(&st).ok());
    CHECK(st.events == 7);
    CHECK(st.batches == 7);
    CHECK(log->Verify(nullptr).ok());
  }
  auto log = OpenLog(dir.path());
  CHECK(FormatVersion(log.get()) == std::to_string(log::kFormatVersion));
  testing::Events more(3, "New", 0);
  AppendResult r;
  REQUIRE(log->Append("a", more.data, {.expected_version = 4}, &r).ok());
  CHECK(r.positions == std::vector<uint64_t>{8, 9, 10});
  CHECK(r.versions == std::vector<uint64_t>{5, 6, 7});
  // A chosen id stored by format 1 still names its event: the same event again is a duplicate,
  // another one a conflict.
  testing::Events dup(1, "Old", 9);
  dup.data[0].id = EventId{42, 3};
  CHECK(log->Append("a", dup.data).IsConflict());
  dup.payloads[0] = "v1-2";
  dup.data[0].payload = dup.payloads[0];
  dup.data[0].event_time = 1002;
  REQUIRE(log->Append("a", dup.data, {}, &r).ok());
  CHECK(r.appended == 0);

  ReadOptions a;
  a.stream = "a";
  a.from_version = 3;
  CHECK(ReadPayloads(log.get(), a) == std::vector<std::string>{"v1-4", "v1-6", "p0", "p1", "p2"});
  ReadOptions from;
  from.from_position = 7;
  CHECK(ReadPayloads(log.get(), from) == std::vector<std::string>{"v1-6", "p0", "p1", "p2"});
  LogStats st;
  REQUIRE(log->GetStats(&st).ok());
  CHECK(st.events == 10);
  CHECK(st.batches == 8);
  CHECK(log->Verify(nullptr).ok());

  // Truncation removes format-1 records and cuts into the batch alike.
  uint64_t removed = 0;
  REQUIRE(log->Truncate(9, &removed).ok());
  CHECK(removed == 8);
  CHECK(ReadPayloads(log.get()) == std::vector<std::string>{"p1", "p2"});
  CHECK(log->Verify(nullptr).ok());
}

TEST_CASE("event log: an unknown format version is refused with the versions this build reads") {
  TempDir dir;
  {
    auto log = OpenLog(dir.path());
    lmdb::Txn txn;
    REQUIRE(log->env()->BeginWrite(&txn).ok());
    lmdb::Dbi meta_db;
    REQUIRE(txn.OpenDbi(log::kMetaDb, false, &meta_db).ok());
    REQUIRE(txn.Put(meta_db, log::kMetaFormatVersion, "3").ok());
    REQUIRE(txn.Commit().ok());
  }
  std::unique_ptr<EventLog> log;
  Status s = EventLog::Open({}, dir.path(), &log);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("format version '3'") != std::string::npos);
  CHECK(s.message().find("versions 1 to 2") != std::string::npos);
}

}  // namespace
}  // namespace sluice
