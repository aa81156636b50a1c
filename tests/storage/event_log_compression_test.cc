// Compressed batches (LogOptions/AppendOptions compression), reads by copy
// (LogOptions::read_by_copy) and records kept across Release(): what is read back never depends on
// how a batch was stored or read.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <random>

#include "codecs/event_batch.h"
#include "codecs/zstd_codec.h"
#include "runtime/test_util.h"
#include "storage/lmdb_env.h"
#include "storage/log_record.h"
#include "storage/log_test_util.h"
#include "storage/stored_record.h"

namespace sluice {
namespace {

using testing::Events;
using testing::OpenLog;
using testing::ReadPayloads;
using testing::TempDir;

LogOptions Zstd(int level = 1) {
  LogOptions o;
  o.compression = LogCompression::kZstd;
  o.compression_level = level;
  return o;
}

Schema RowSchema() {
  return Schema({{"user", Type::kString},
                 {"n", Type::kInt64},
                 {"total", Type::kDouble},
                 {"at", Type::kTimestamp, TimeUnit::kMillis}});
}

Batch Rows(int n) {
  Batch b;
  b.reset(RowSchema());
  for (int i = 0; i < n; ++i) {
    if (i % 9 == 4)
      b.columns[0].push_null();
    else
      b.columns[0].push_string(fmt::format("user-{}", i % 17));
    b.columns[1].push_int(i * 7 - 1000);
    b.columns[2].push_double(i * 0.5);
    b.columns[3].push_int(1700000000000 + i);
    b.ts.push_back(1700000000000000 + i * 1000);
  }
  return b;
}

RecordRows Records(const Batch& rows, const Schema& schema) {
  RecordRows r;
  r.rows = &rows;
  r.schema = &schema;
  r.end = rows.size();
  r.event_type = "Row";
  return r;
}

// Every row of every record batch, read by whole columns, and every event's envelope fields.
struct ReadBack {
  Batch rows;
  std::vector<std::string> events;  // type, time and payload of each event
};

ReadBack ReadAll(EventLog* log, const Schema& schema) {
  ReadBack out;
  out.rows.reset(schema);
  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator({}, &it).ok());
  for (; it->Valid(); it->Next()) {
    const EnvelopeView& e = it->event();
    out.events.push_back(
        fmt::format("{} {} {} {}", e.global_position, e.event_type, e.event_time_us, e.payload));
    const EventBatchView* b = it->record_batch();
    if (b != nullptr && it->record_index() == 0) {
      REQUIRE(b->AppendRecords(schema, 0, b->count(), &out.rows).ok());
    }
  }
  INFO(it->status().ToString());
  REQUIRE(it->status().ok());
  return out;
}

LogStats Stats(EventLog* log) {
  LogStats st;
  REQUIRE(log->GetStats(&st).ok());
  return st;
}

TEST_CASE("compressed record batches read back as the uncompressed ones, by column and by event") {
  TempDir dir;
  const Schema schema = RowSchema();
  const Batch rows = Rows(10000);
  auto plain = OpenLog(dir.sub("plain"));
  auto packed = OpenLog(dir.sub("packed"), Zstd(3));
  REQUIRE(plain->AppendRecords("s", Records(rows, schema)).ok());
  REQUIRE(packed->AppendRecords("s", Records(rows, schema)).ok());

  const LogStats ps = Stats(plain.get()), zs = Stats(packed.get());
  CHECK(ps.compressed_batches == 0);
  CHECK(ps.inflated_bytes == ps.record_bytes);
  CHECK(zs.batches == 3);
  CHECK(zs.compressed_batches == 3);
  CHECK(zs.inflated_bytes == ps.record_bytes);  // the same batches, inflated
  CHECK(zs.record_bytes * 2 < ps.record_bytes);
  CHECK(packed->Verify(nullptr).ok());

  const ReadBack a = ReadAll(plain.get(), schema), b = ReadAll(packed.get(), schema);
  REQUIRE(a.rows.columns[0].size() == 10000);
  CHECK(a.events == b.events);
  for (size_t c = 0; c < schema.size(); ++c) {
    INFO("column " << c);
    const Column &x = a.rows.columns[c], &y = b.rows.columns[c];
    CHECK(x.i64 == y.i64);
    CHECK(x.f64 == y.f64);
    CHECK(x.chars == y.chars);
    CHECK(x.offsets == y.offsets);
    CHECK(x.valid == y.valid);
  }
  CHECK(a.rows.columns[1].i64 == rows.columns[1].i64);
  // Reopened without compression, the log still reads its compressed batches.
  packed.reset();
  auto reopened = OpenLog(dir.sub("packed"));
  CHECK(ReadAll(reopened.get(), schema).events == a.events);
}

TEST_CASE("compression is chosen per append, and only batches it shrinks are compressed") {
  TempDir dir;
  auto log = OpenLog(dir.path());  // default: none
  Events many(3000, "E");
  REQUIRE(log->Append("a", many.data).ok());
  CHECK(Stats(log.get()).compressed_batches == 0);

  AppendOptions zstd;
  zstd.compression = LogCompression::kZstd;
  REQUIRE(log->Append("b", many.data, zstd).ok());
  const uint64_t batches = Stats(log.get()).compressed_batches;  // those of one append of `many`
  CHECK(batches > 0);

  // One small event: below log::kMinCompressBytes, stored as it is.
  Events one(1, "E", 5000);
  REQUIRE(log->Append("c", one.data, zstd).ok());
  CHECK(Stats(log.get()).compressed_batches == batches);

  // Random bytes do not shrink: stored as they are.
  std::mt19937_64 rng(7);
  std::vector<std::string> noise(64);
  std::vector<EventData> random(64);
  for (size_t i = 0; i < noise.size(); ++i) {
    for (int k = 0; k < 512; ++k) noise[i].push_back(static_cast<char>(rng()));
    random[i].type = "R";
    random[i].payload = noise[i];
  }
  REQUIRE(log->Append("d", random, zstd).ok());
  CHECK(Stats(log.get()).compressed_batches == batches);

  // A log compressing by default, and an append that says not to.
  log.reset();
  auto z = OpenLog(dir.path(), Zstd());
  AppendOptions none;
  none.compression = LogCompression::kNone;
  REQUIRE(z->Append("e", many.data, none).ok());
  CHECK(Stats(z.get()).compressed_batches == batches);
  REQUIRE(z->Append("f", many.data).ok());
  CHECK(Stats(z.get()).compressed_batches == 2 * batches);

  std::vector<std::string> expected;
  for (const char* s : {"a", "b", "c", "d", "e", "f"}) {
    ReadOptions ro;
    ro.stream = s;
    const std::vector<std::string> got = ReadPayloads(z.get(), ro);
    if (std::string(s) == "c") {
      CHECK(got == std::vector<std::string>{"p5000"});
    } else if (std::string(s) == "d") {
      CHECK(got == noise);
    } else {
      CHECK(got == many.payloads);
    }
  }
  CHECK(z->Verify(nullptr).ok());
}

TEST_CASE("compression settings out of range are refused") {
  TempDir dir;
  std::unique_ptr<EventLog> log;
  LogOptions bad = Zstd(kZstdMaxLevel + 1);
  Status s = EventLog::Open(bad, dir.path(), &log);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("compression level") != std::string::npos);
  LogOptions unset;
  unset.compression = LogCompression::kDefault;
  CHECK(EventLog::Open(unset, dir.path(), &log).IsInvalidArgument());

  log = OpenLog(dir.path());
  Events ev(10, "E");
  AppendOptions o;
  o.compression = LogCompression::kZstd;
  o.compression_level = kZstdMinLevel - 1;
  CHECK(log->Append("s", ev.data, o).IsInvalidArgument());
  CHECK(
      log->Update([&](LogWriteTxn* t) { return t->Append("s", ev.data, o); }).IsInvalidArgument());
  CHECK(Stats(log.get()).events == 0);
}

TEST_CASE("a compressed batch that does not inflate is corruption naming its position") {
  EventBatchHeader h;
  h.first_position = 40;
  h.stream_id = "s";
  std::vector<EnvelopeView> events(50);
  for (auto& e : events) {
    e.event_type = "E";
    e.payload = "the same payload again and again and again";
  }
  flatbuffers::FlatBufferBuilder fbb;
  EncodeEventBatch(h, events, &fbb);
  const std::string_view body(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  std::string frame;
  ZstdCompressor zstd;
  REQUIRE(zstd.Compress(body, 1, &frame).ok());

  auto parse = [](const std::string& zframe, uint64_t position) {
    std::string value(log::kBatchHeaderSize + zframe.size(), '\0');
    log::FrameRecord(log::kBatchType, zframe, value.data(), log::kZstd);
    StoredRecord record;
    return record.Parse(position, value);
  };
  StoredRecord good;
  {
    std::string value(log::kBatchHeaderSize + frame.size(), '\0');
    log::FrameRecord(log::kBatchType, frame, value.data(), log::kZstd);
    REQUIRE(good.Parse(40, value).ok());
    CHECK(good.compressed());
    CHECK(good.count() == 50);
  }
  // Damage behind a valid checksum: a cut frame, a flipped byte in the middle, not a frame.
  Status cut = parse(frame.substr(0, frame.size() - 3), 40);
  CHECK(cut.IsCorruption());
  CHECK(cut.message().find("position 40") != std::string::npos);
  std::string flipped = frame;
  flipped[flipped.size() / 2] ^= 0x5a;
  CHECK(!parse(flipped, 40).ok());
  CHECK(parse(std::string(body), 40).IsCorruption());
  // The inflated batch must still claim the record's key.
  CHECK(parse(frame, 41).IsCorruption());
}

TEST_CASE("reads by copy return the bytes of the map, for every value size") {
  TempDir dir;
  std::unique_ptr<lmdb::Env> env;
  lmdb::EnvOptions eo;
  eo.map_size = uint64_t{64} << 20;
  eo.max_dbs = 2;
  REQUIRE(lmdb::Env::Open(dir.path(), eo, &env).ok());
  lmdb::Txn w;
  REQUIRE(env->BeginWrite(&w).ok());
  lmdb::Dbi dbi;
  REQUIRE(w.OpenDbi("d", true, &dbi).ok());
  const std::vector<size_t> sizes = {1, 100, 4000, 5000, 70000, 1 << 20};
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::string v(sizes[i], '\0');
    for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<char>((k * 31 + i) % 251);
    REQUIRE(w.Put(dbi, fmt::format("k{}", i), v).ok());
  }
  // A write transaction's values may be pages of its own: never copied from the file.
  std::string_view mine;
  std::vector<uint64_t> buf;
  REQUIRE(w.Get(dbi, "k4", &mine).ok());
  CHECK(w.CopyValue(mine, &buf).data() == mine.data());
  REQUIRE(w.Commit().ok());

  lmdb::Txn r;
  REQUIRE(env->BeginRead(&r).ok());
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::string_view v;
    REQUIRE(r.Get(dbi, fmt::format("k{}", i), &v).ok());
    const std::string_view copy = r.CopyValue(v, &buf);
    CHECK(copy.data() != v.data());  // read from the file, not the map
    CHECK(reinterpret_cast<uintptr_t>(copy.data()) % 8 == 0);
    CHECK(copy == v);
  }
  // Bytes outside the map are returned as they are.
  const std::string elsewhere = "not in the map";
  CHECK(r.CopyValue(elsewhere, &buf).data() == elsewhere.data());
}

TEST_CASE("iterators read the same events by copy and through the map") {
  TempDir dir;
  const Schema schema = RowSchema();
  const Batch rows = Rows(9000);
  {
    auto log = OpenLog(dir.path());
    REQUIRE(log->AppendRecords("s", Records(rows, schema)).ok());
  }
  LogOptions mapped;
  mapped.read_by_copy = false;
  ReadBack a, b;
  {
    auto log = OpenLog(dir.path(), mapped);
    a = ReadAll(log.get(), schema);
  }
  {
    auto log = OpenLog(dir.path());
    b = ReadAll(log.get(), schema);
  }
  CHECK(a.events.size() == 9000);
  CHECK(a.events == b.events);
  CHECK(a.rows.columns[1].i64 == rows.columns[1].i64);
  CHECK(b.rows.columns[1].i64 == rows.columns[1].i64);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// Everything a reader sees: each event (position, type, payload), each corruption (its position
// and message), and the status it ends with. Damaged records are skipped as the log source does.
std::vector<std::string> Trace(EventLog* log, ReadOptions options, int refresh_every = 0) {
  std::vector<std::string> out;
  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator(options, &it).ok());
  int n = 0;
  for (;;) {
    for (; it->Valid(); it->Next()) {
      const EnvelopeView& e = it->event();
      out.push_back(fmt::format("{} {} {}", e.global_position, e.event_type, e.payload));
      if (refresh_every > 0 && ++n % refresh_every == 0) {
        it->Release();
        REQUIRE(it->Refresh().ok());
        if (!it->Valid()) break;
      }
    }
    if (!it->status().IsCorruption()) break;
    out.push_back(fmt::format("corrupt {}: {}", it->failed_position(), it->status().message()));
    it->SkipCorrupt();
  }
  out.push_back("end: " + it->status().ToString());
  return out;
}

TEST_CASE("reads released and refreshed anywhere see what one continuous read sees") {
  TempDir dir;
  {
    auto log = OpenLog(dir.sub("good"));
    // Batches of several sizes in two streams, every other append compressed, payloads with
    // markers so that one batch can be damaged below.
    std::vector<std::string> payloads;
    for (int i = 0; i < 6000; ++i) payloads.push_back(fmt::format("MARKER-{:05}-payload", i));
    int next = 0;
    for (int append = 0; next < 6000; ++append) {
      const int n = std::min(6000 - next, 1 + (append * 397) % 1500);
      std::vector<EventData> data(n);
      for (int i = 0; i < n; ++i) {
        data[i].type = (next + i) % 3 == 0 ? "A" : "B";
        data[i].payload = payloads[next + i];
      }
      AppendOptions o;
      o.compression = append % 2 == 0 ? LogCompression::kZstd : LogCompression::kNone;
      REQUIRE(log->Append(append % 3 == 0 ? "x" : "y", data, o).ok());
      next += n;
    }
    REQUIRE(log->Truncate(120).ok());
  }
  // A damaged copy: the batch holding event 4000 (stored uncompressed or compressed, the marker
  // is found in the plain ones only: damage the first plain batch's marker that exists).
  std::string bytes = testing::ReadFile(dir.sub("good") + "/data.mdb");
  int victim = 4000;
  while (testing::FlipEveryCopy(&bytes, fmt::format("MARKER-{:05}", victim)) == 0) ++victim;
  std::filesystem::create_directories(dir.sub("bad"));
  testing::WriteFile(dir.sub("bad") + "/data.mdb", bytes);

  for (const char* which : {"good", "bad"}) {
    auto log = OpenLog(dir.sub(which));
    std::vector<ReadOptions> variants(4);
    variants[1].from_position = 2500;
    variants[2].types = {"A"};
    variants[3].from_position = 5999;
    for (size_t v = 0; v < variants.size(); ++v) {
      // A refreshed read takes the record it stopped in from what it kept, not from the file.
      const std::vector<std::string> want = Trace(log.get(), variants[v]);
      CHECK(want.size() > 2);
      for (int refresh : {1, 7, 700, 4096}) {
        INFO(which << " variant " << v << " refresh every " << refresh);
        CHECK(Trace(log.get(), variants[v], refresh) == want);
      }
    }
  }
}

}  // namespace
}  // namespace sluice
