#include "codecs/event_batch.h"

#include <doctest/doctest.h>
#include <flatbuffers/flatbuffers.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/time_util.h"
#include "codecs/record_codec.h"
#include "codecs/schema/event_batch_generated.h"

namespace sluice {
namespace {

std::string Bytes(const flatbuffers::FlatBufferBuilder& fbb) {
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

Schema RandomSchema(std::mt19937_64& rng) {
  static const Type kTypes[] = {Type::kInt64, Type::kDouble, Type::kBool, Type::kString,
                                Type::kTimestamp};
  static const TimeUnit kUnits[] = {TimeUnit::kSeconds, TimeUnit::kMillis, TimeUnit::kMicros};
  std::vector<Field> fields;
  const int n = 1 + static_cast<int>(rng() % 5);
  for (int i = 0; i < n; ++i) {
    Field f{"f" + std::to_string(i), kTypes[rng() % 5], kUnits[rng() % 3]};
    fields.push_back(f);
  }
  return Schema(fields);
}

Batch RandomRows(std::mt19937_64& rng, const Schema& s, size_t rows, int null_percent) {
  Batch b;
  b.reset(s);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < s.size(); ++c) {
      Column& col = b.columns[c];
      if (static_cast<int>(rng() % 100) < null_percent) {
        col.push_null();
        continue;
      }
      switch (s.field(c).type) {
        case Type::kInt64:
          col.push_int(static_cast<int64_t>(rng()) >> (rng() % 64));
          break;
        case Type::kTimestamp:
          col.push_int(static_cast<int64_t>(rng() % 2'000'000'000));
          break;
        case Type::kDouble:
          col.push_double(static_cast<double>(rng() % 100000) / 8);
          break;
        case Type::kBool:
          col.push_int(rng() % 2);
          break;
        case Type::kString:
          col.push_string(std::string(rng() % 12, 'a' + rng() % 26));
          break;
      }
    }
    b.ts.push_back(static_cast<TimeUs>(rng() % 1'000'000'000));
    b.wm.push_back(kMinTime);
  }
  return b;
}

EventBatchHeader Header() {
  EventBatchHeader h;
  h.first_position = 41;
  h.stream_id = "orders";
  h.first_version = 7;
  h.append_time_us = 1'700'000'000'000'000;
  h.id_base = EventId{0xabc, 1000};
  return h;
}

TEST_CASE("event batch: record rows round trip by whole columns and as per-event payloads") {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    CAPTURE(round);
    const Schema s = RandomSchema(rng);
    const size_t rows = 1 + rng() % 300;
    const Batch in = RandomRows(rng, s, rows, round % 3 == 0 ? 0 : 20);
    RecordRows rr;
    rr.rows = &in;
    rr.schema = &s;
    rr.begin = rng() % rows;
    rr.end = rr.begin + 1 + rng() % (rows - rr.begin);
    rr.event_type = "Row";
    rr.schema_version = 3;
    if (round % 2) rr.first_id = EventId{5, 100};
    flatbuffers::FlatBufferBuilder fbb;
    EncodeRecordBatch(Header(), rr, &fbb);
    std::string bytes = Bytes(fbb);

    EventBatchView v;
    REQUIRE(v.Parse(bytes.data(), bytes.size()).ok());
    const uint32_t n = static_cast<uint32_t>(rr.end - rr.begin);
    REQUIRE(v.count() == n);
    REQUIRE(v.has_record_columns());
    CHECK(v.stream_id() == "orders");

    // Whole columns, into a batch that already holds a row (offsets and validity must continue).
    Batch out;
    out.reset(s);
    out.append_row(in, 0);
    const uint32_t from = n > 2 ? 1 : 0;
    REQUIRE(v.AppendRecords(s, from, n, &out).ok());
    REQUIRE(out.columns[0].size() == 1 + n - from);
    CHECK(out.row(0) == in.row(0));
    for (uint32_t i = from; i < n; ++i) {
      std::vector<Value> got = out.row(1 + i - from);
      std::vector<Value> want = in.row(rr.begin + i);
      CAPTURE(i);
      for (size_t c = 0; c < s.size(); ++c) {
        CAPTURE(c);
        CHECK(got[c].ToString() == want[c].ToString());
        CHECK(got[c] == want[c]);
      }
    }

    // Per event: envelope fields, and the payload decodes as a record to the same row.
    RecordDecoder dec(s);
    Batch per_event;
    per_event.reset(s);
    std::string scratch;
    for (uint32_t i = 0; i < n; ++i) {
      EnvelopeView e;
      v.Event(i, &e, &scratch);
      CHECK(e.global_position == 41 + i);
      CHECK(e.stream_version == 7 + i);
      CHECK(e.stream_id == "orders");
      CHECK(e.event_type == "Row");
      CHECK(e.schema_version == 3);
      CHECK(e.content_type == kRecordContentType);
      CHECK(e.event_time_us == in.ts[rr.begin + i]);
      CHECK(e.event_id == (round % 2 ? EventId{5, 100 + i} : EventId{0xabc, 1000 + i}));
      CHECK(v.has_chosen_id(i) == (round % 2 == 1));
      REQUIRE(dec.DecodeInto(e.payload, &per_event).ok());
    }
    for (uint32_t i = 0; i < n; ++i) {
      CHECK(per_event.row(i) == in.row(rr.begin + i));
    }
  }
}

TEST_CASE("event batch: a reader's schema is matched by name, as for record payloads") {
  Schema writer(
      {{"n", Type::kInt64}, {"ts", Type::kTimestamp, TimeUnit::kMillis}, {"name", Type::kString}});
  Batch in;
  in.reset(writer);
  in.columns[0].push_int(5);
  in.columns[1].push_int(1500);
  in.columns[2].push_string("x");
  in.columns[0].push_null();
  in.columns[1].push_int(2);
  in.columns[2].push_string("yz");
  in.ts = {1, 2};
  RecordRows rr{&in, &writer, 0, 2, "T", 0, {}};
  flatbuffers::FlatBufferBuilder fbb;
  EncodeRecordBatch(Header(), rr, &fbb);
  std::string bytes = Bytes(fbb);
  EventBatchView v;
  REQUIRE(v.Parse(bytes.data(), bytes.size()).ok());

  Schema reader({{"ts", Type::kTimestamp, TimeUnit::kMicros},
                 {"n", Type::kDouble},
                 {"missing", Type::kString},
                 {"ts_us", Type::kInt64}});
  Batch out;
  out.reset(reader);
  REQUIRE(v.AppendRecords(reader, 0, 2, &out).ok());
  CHECK(out.columns[0].i64 == std::vector<int64_t>{1'500'000, 2'000});
  CHECK(out.columns[1].f64[0] == 5.0);
  CHECK(!out.columns[1].is_valid(1));
  CHECK(out.columns[2].size() == 2);
  CHECK(!out.columns[2].is_valid(0));
  CHECK(!out.columns[3].is_valid(1));

  Schema wrong({{"n", Type::kInt64}, {"name", Type::kInt64}});
  Batch none;
  none.reset(wrong);
  Status s = v.AppendRecords(wrong, 0, 2, &none);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("'name'") != std::string::npos);
  CHECK(none.columns[0].size() == 0);  // nothing appended
}

TEST_CASE("event batch: event times found in a column are stored once") {
  const Schema schema(
      {{"user", Type::kString}, {"n", Type::kInt64}, {"ts", Type::kTimestamp, TimeUnit::kMillis}});
  Batch rows;
  rows.reset(schema);
  for (int i = 0; i < 500; ++i) {
    rows.columns[0].push_string("u");
    rows.columns[1].push_int(i);
    rows.columns[2].push_int(1'700'000'000'000 + i);
    rows.ts.push_back((1'700'000'000'000 + i) * 1000);
  }
  RecordRows rr{.rows = &rows, .schema = &schema, .begin = 0, .end = 500, .event_type = "T"};
  flatbuffers::FlatBufferBuilder fbb;
  EncodeRecordBatch(Header(), rr, &fbb);
  const std::string shared = Bytes(fbb);
  EventBatchView v;
  REQUIRE(v.Parse(shared.data(), shared.size()).ok());
  CHECK(fb::GetEventBatch(shared.data())->event_times() == nullptr);
  CHECK(fb::GetEventBatch(shared.data())->event_time_column() == 2);
  for (uint32_t i = 0; i < 500; ++i) CHECK(v.event_time_us(i) == rows.ts[i]);

  // One row whose event time is not its ts (or a null ts) keeps them all in event_times.
  for (bool null_ts : {false, true}) {
    Batch other;
    other.reset(schema);
    for (int i = 0; i < 500; ++i) {
      other.columns[0].push_string("u");
      other.columns[1].push_int(i);
      if (null_ts && i == 499) {
        other.columns[2].push_null();
      } else {
        other.columns[2].push_int(1'700'000'000'000 + i);
      }
      other.ts.push_back((1'700'000'000'000 + i) * 1000 + (i == 499 ? 1 : 0));
    }
    RecordRows ro = rr;
    ro.rows = &other;
    EncodeRecordBatch(Header(), ro, &fbb);
    const std::string own = Bytes(fbb);
    REQUIRE(v.Parse(own.data(), own.size()).ok());
    CHECK(fb::GetEventBatch(own.data())->event_time_column() == -1);
    CHECK(own.size() >= shared.size() + 8 * 500);
    for (uint32_t i = 0; i < 500; ++i) CHECK(v.event_time_us(i) == other.ts[i]);
  }
  // An int64 column in µs serves too.
  Schema ints({{"n", Type::kInt64}});
  Batch one;
  one.reset(ints);
  one.columns[0].push_int(5);
  one.ts.push_back(5);
  RecordRows r1{.rows = &one, .schema = &ints, .begin = 0, .end = 1, .event_type = "T"};
  EncodeRecordBatch(Header(), r1, &fbb);
  const std::string bytes = Bytes(fbb);
  REQUIRE(v.Parse(bytes.data(), bytes.size()).ok());
  CHECK(fb::GetEventBatch(bytes.data())->event_time_column() == 0);
  CHECK(v.event_time_us(0) == 5);
}

TEST_CASE("event batch: opaque events keep every envelope field") {
  std::vector<std::string> payloads = {"", "one", std::string(1000, 'p'), "four"};
  std::vector<EnvelopeView> events(4);
  const char* types[] = {"A", "B", "A", "C"};
  for (size_t i = 0; i < 4; ++i) {
    events[i].event_type = types[i];
    events[i].schema_version = i == 2 ? 9 : 1;
    events[i].event_time_us = -5 + static_cast<int64_t>(i);
    events[i].content_type = i == 3 ? kJsonContentType : std::string_view();
    events[i].payload = payloads[i];
  }
  events[1].event_id = EventId{1, 2};
  events[2].correlation_id = EventId{3, 4};
  events[3].causation_id = EventId{5, 6};
  flatbuffers::FlatBufferBuilder fbb;
  EncodeEventBatch(Header(), events, &fbb);
  // Parsed at an odd address too: the view reads an aligned copy.
  std::string bytes = " " + Bytes(fbb);
  for (size_t skip : {size_t{1}, size_t{0}}) {
    std::string copy = skip ? bytes : bytes.substr(1);
    EventBatchView v;
    REQUIRE(v.Parse(copy.data() + skip, copy.size() - skip).ok());
    REQUIRE(v.count() == 4);
    CHECK(!v.has_record_columns());
    std::string scratch;
    for (uint32_t i = 0; i < 4; ++i) {
      EnvelopeView e;
      v.Event(i, &e, &scratch);
      CHECK(e.event_type == types[i]);
      CHECK(e.schema_version == events[i].schema_version);
      CHECK(e.event_time_us == events[i].event_time_us);
      CHECK(e.content_type == events[i].content_type);
      CHECK(e.payload == payloads[i]);
      CHECK(e.correlation_id == events[i].correlation_id);
      CHECK(e.causation_id == events[i].causation_id);
      CHECK(e.append_time_us == Header().append_time_us);
    }
    CHECK(v.event_id(1) == EventId{1, 2});
    CHECK(v.has_chosen_id(1));
    CHECK(!v.has_chosen_id(0));
    CHECK(v.event_id(0) == EventId{0xabc, 1000});
    CHECK(v.event_id(3) == EventId{0xabc, 1003});
  }
}

TEST_CASE("event batch: damaged bytes are refused, never read") {
  std::mt19937_64 rng(11);
  const Schema s({{"k", Type::kInt64}, {"s", Type::kString}, {"d", Type::kDouble}});
  const Batch in = RandomRows(rng, s, 50, 10);
  RecordRows rr{&in, &s, 0, 50, "T", 0, {}};
  flatbuffers::FlatBufferBuilder fbb;
  EncodeRecordBatch(Header(), rr, &fbb);
  const std::string good = Bytes(fbb);
  for (size_t cut = 0; cut < good.size(); cut += 7) {
    EventBatchView v;
    CHECK(!v.Parse(good.data(), cut).ok());
    CHECK(!v.Parse(good.data() + 1, cut).ok());  // misaligned, copied first
  }
  EventBatchView empty;
  CHECK(empty.Parse(nullptr, 0).IsCorruption());
  // Flipped bytes: either refused, or every accessor stays within the bytes (ASan checks).
  int refused = 0;
  for (size_t at = 0; at < good.size(); ++at) {
    std::string bad = good;
    bad[at] ^= static_cast<char>(1 + rng() % 255);
    EventBatchView v;
    if (!v.Parse(bad.data(), bad.size()).ok()) {
      ++refused;
      continue;
    }
    std::string scratch;
    for (uint32_t i = 0; i < v.count(); ++i) {
      EnvelopeView e;
      v.Event(i, &e, &scratch);
    }
    Batch out;
    out.reset(s);
    (void)v.AppendRecords(s, 0, v.count(), &out);
  }
  CHECK(refused > 0);

  // Well-formed FlatBuffers that break the batch's own rules.
  auto build = [](bool bad_index, bool short_times) {
    flatbuffers::FlatBufferBuilder b;
    auto stream = b.CreateString("s");
    std::vector<flatbuffers::Offset<flatbuffers::String>> t = {b.CreateString("A"),
                                                               b.CreateString("B")};
    auto types = b.CreateVector(t);
    std::vector<uint16_t> idx = {0, static_cast<uint16_t>(bad_index ? 2 : 1)};
    auto index = b.CreateVector(idx);
    std::vector<flatbuffers::Offset<flatbuffers::String>> c = {b.CreateString("")};
    auto cts = b.CreateVector(c);
    uint32_t sv = 0;
    auto svs = b.CreateVector(&sv, 1);
    std::vector<int64_t> times(short_times ? 1 : 2, 0);
    auto et = b.CreateVector(times);
    std::vector<uint32_t> offs = {0, 1, 2};
    auto po = b.CreateVector(offs);
    auto pb = b.CreateString("xy");
    fb::EventBatchBuilder eb(b);
    eb.add_first_position(1);
    eb.add_count(2);
    eb.add_stream_id(stream);
    eb.add_first_version(1);
    eb.add_types(types);
    eb.add_type_index(index);
    eb.add_content_types(cts);
    eb.add_schema_versions(svs);
    eb.add_event_times(et);
    fb::EventId base(1, 1);
    eb.add_id_base(&base);
    eb.add_payload_offsets(po);
    eb.add_payload_bytes(flatbuffers::Offset<flatbuffers::Vector<uint8_t>>(pb.o));
    fb::FinishEventBatchBuffer(b, eb.Finish());
    return Bytes(b);
  };
  EventBatchView v;
  std::string ok = build(false, false);
  CHECK(v.Parse(ok.data(), ok.size()).ok());
  std::string bad_index = build(true, false);
  Status s1 = v.Parse(bad_index.data(), bad_index.size());
  CHECK(s1.IsCorruption());
  CHECK(s1.message().find("dictionary") != std::string::npos);
  std::string short_times = build(false, true);
  CHECK(v.Parse(short_times.data(), short_times.size()).IsCorruption());
}

}  // namespace
}  // namespace sluice
