// EventLog::AppendRecords: rows stored as typed columns read back as the records RecordEncoder
// gives, with Append's rules for ids, duplicates and versions.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "codecs/event_batch.h"
#include "codecs/record_codec.h"
#include "storage/log_test_util.h"

namespace sluice {
namespace {

using testing::OpenLog;
using testing::TempDir;

Schema RowSchema() {
  return Schema({{"user", Type::kString},
                 {"n", Type::kInt64},
                 {"total", Type::kDouble},
                 {"window_start", Type::kTimestamp, TimeUnit::kMillis},
                 {"hot", Type::kBool}});
}

// Rows from..from+n, with nulls in every column now and then.
Batch Rows(int from, int n) {
  Batch b;
  b.reset(RowSchema());
  for (int i = from; i < from + n; ++i) {
    if (i % 7 == 3)
      b.columns[0].push_null();
    else
      b.columns[0].push_string(fmt::format("u{}", i % 13));
    if (i % 11 == 5)
      b.columns[1].push_null();
    else
      b.columns[1].push_int(i * 3 - 50);
    b.columns[2].push_double(i * 0.25);
    if (i % 5 == 1)
      b.columns[3].push_null();
    else
      b.columns[3].push_int(1700000000000 + i);
    b.columns[4].push_int(i % 2);
    b.ts.push_back(1700000000000000 + i * 1000);
  }
  return b;
}

RecordRows Records(const Batch& rows, const Schema& schema, EventId first_id = {}) {
  RecordRows r;
  r.rows = &rows;
  r.schema = &schema;
  r.end = rows.size();
  r.event_type = "Row";
  r.schema_version = 2;
  r.first_id = first_id;
  return r;
}

TEST_CASE("event log records: rows read back as records, whole columns or one by one") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  const Schema schema = RowSchema();
  const Batch rows = Rows(0, 10000);
  AppendResult r;
  REQUIRE(log->AppendRecords("s", Records(rows, schema), {.expected_version = 0}, &r).ok());
  CHECK(r.appended == 10000);
  CHECK(r.positions.front() == 1);
  CHECK(r.versions.back() == 10000);
  LogStats st;
  REQUIRE(log->GetStats(&st).ok());
  CHECK(st.batches == 3);  // 4096 + 4096 + 1808
  CHECK(log->Verify(nullptr).ok());

  RecordEncoder encoder(schema);
  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator({}, &it).ok());
  size_t i = 0;
  for (; it->Valid(); it->Next(), ++i) {
    const EnvelopeView& e = it->event();
    REQUIRE(i < rows.size());
    INFO(i);
    CHECK(e.payload == encoder.Encode(rows, i));
    CHECK(e.content_type == kRecordContentType);
    CHECK(e.event_type == "Row");
    CHECK(e.schema_version == 2);
    CHECK(e.event_time_us == rows.ts[i]);
    CHECK(e.global_position == i + 1);
  }
  CHECK(i == rows.size());

  // Whole columns, in runs that cross batch records.
  Batch back;
  back.reset(schema);
  REQUIRE(log->NewIterator({}, &it).ok());
  while (it->Valid()) {
    const uint32_t run = it->PassingRun(1000);
    REQUIRE(run > 0);
    REQUIRE(it->record_batch()
                ->AppendRecords(schema, it->record_index(), it->record_index() + run, &back)
                .ok());
    for (uint32_t k = 0; k < run; ++k) back.ts.push_back(0);
    it->Advance(run);
  }
  REQUIRE(back.size() == rows.size());
  for (size_t k = 0; k < rows.size(); k += 97) CHECK(back.row(k) == rows.row(k));
}

TEST_CASE("event log records: chosen ids make a re-append store only the rows it adds") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  const Schema schema = RowSchema();
  const Batch first = Rows(0, 5000);
  REQUIRE(log->AppendRecords("s", Records(first, schema, EventId{77, 1})).ok());
  // A resumed writer sends rows 3000..8000 again with the same ids (its ordinals).
  const Batch again = Rows(3000, 5000);
  AppendResult r;
  REQUIRE(log->AppendRecords("s", Records(again, schema, EventId{77, 3001}), {}, &r).ok());
  CHECK(r.duplicates == 2000);
  CHECK(r.appended == 3000);
  CHECK(r.positions[0] == 3001);
  CHECK(r.positions[1999] == 5000);
  CHECK(r.positions[2000] == 5001);
  CHECK(r.versions.back() == 8000);
  CHECK(log->Verify(nullptr).ok());
  // Once more: all duplicates, nothing stored, any expected version.
  REQUIRE(log->AppendRecords("s", Records(again, schema, EventId{77, 3001}),
                             {.expected_version = 1}, &r)
              .ok());
  CHECK(r.appended == 0);
  CHECK(*log->LastPosition() == 8000);
  // The same ids for other rows, or in another stream, are conflicts; nothing is written.
  const Batch other = Rows(9000, 10);
  CHECK(log->AppendRecords("s", Records(other, schema, EventId{77, 1})).IsConflict());
  CHECK(log->AppendRecords("t", Records(first, schema, EventId{77, 1})).IsConflict());
  CHECK(*log->LastPosition() == 8000);
  // Ids stored by Append and by AppendRecords are one index.
  RecordEncoder encoder(schema);
  const std::string payload(encoder.Encode(first, 0));
  EventData e{
      .id = EventId{77, 1}, .type = "Row", .content_type = kRecordContentType, .payload = payload};
  REQUIRE(log->Append("s", {&e, 1}, {}, &r).ok());
  CHECK(r.duplicates == 1);
}

TEST_CASE("event log records: expected versions and bad arguments write nothing") {
  TempDir dir;
  auto log = OpenLog(dir.path());
  const Schema schema = RowSchema();
  const Batch rows = Rows(0, 3);
  CHECK(log->AppendRecords("s", Records(rows, schema), {.expected_version = 2}).IsConflict());
  RecordRows no_type = Records(rows, schema);
  no_type.event_type = "";
  CHECK(log->AppendRecords("s", no_type).IsInvalidArgument());
  RecordRows past_end = Records(rows, schema);
  past_end.end = 4;
  CHECK(log->AppendRecords("s", past_end).IsInvalidArgument());
  const Schema narrow({{"user", Type::kString}});
  CHECK(log->AppendRecords("s", Records(rows, narrow)).IsInvalidArgument());
  CHECK(*log->LastPosition() == 0);
  RecordRows middle = Records(rows, schema);
  middle.begin = 1;
  AppendResult r;
  REQUIRE(log->AppendRecords("s", middle, {.expected_version = 0}, &r).ok());
  CHECK(r.appended == 2);
  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator({}, &it).ok());
  REQUIRE(it->Valid());
  RecordEncoder encoder(schema);
  CHECK(it->event().payload == encoder.Encode(rows, 1));
}

}  // namespace
}  // namespace sluice
