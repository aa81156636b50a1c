// The log sink in checkpointed runs (operators/log_sink.h): the progress stored with each append
// makes the rows a resumed run writes again after a crash skipped, stored once.
#include <doctest/doctest.h>

#include "codecs/record_codec.h"
#include "codecs/state_codec.h"
#include "operators/log_sink.h"
#include "storage/log_format.h"
#include "storage/log_test_util.h"

namespace sluice {
namespace {

using testing::TempDir;

Schema RowSchema() { return Schema({{"n", Type::kInt64}}); }

Batch Rows(int from, int count, int tag) {
  Batch b;
  b.reset(RowSchema());
  for (int i = from; i < from + count; ++i) {
    b.columns[0].push_int(i * 10 + tag);
    b.ts.push_back(i);
  }
  return b;
}

std::unique_ptr<Sink> NewSink(const std::string& dir) {
  return testing::NewLogSink(dir, "results", "Row");
}

std::vector<std::string> Stored(const std::string& dir) {
  std::shared_ptr<EventLog> log;
  REQUIRE(EventLog::OpenShared(LogOptions{}, dir, &log).ok());
  std::vector<std::string> out;
  for (const std::string& p : testing::ReadPayloads(log.get())) {
    std::string json;
    REQUIRE(RecordToJson(p, &json).ok());
    out.push_back(json);
  }
  return out;
}

}  // namespace

TEST_CASE("log sink: rows written again after a resume are stored once") {
  TempDir dir;
  std::string state;
  {
    auto sink = NewSink(dir.sub("log"));
    REQUIRE(sink->Resume(RowSchema(), "").ok());  // a fresh checkpointed run
    REQUIRE(sink->Write(Rows(0, 5, 0)).ok());
    REQUIRE(sink->PrepareCheckpoint(&state).ok());
    REQUIRE(sink->Write(Rows(5, 5, 0)).ok());  // appended, then the process "dies"
    sink->Detach();
  }
  REQUIRE(Stored(dir.sub("log")).size() == 10);
  {
    auto sink = NewSink(dir.sub("log"));
    REQUIRE(sink->Resume(RowSchema(), state).ok());
    CHECK(sink->rows() == 5);
    REQUIRE(sink->Write(Rows(5, 3, 0)).ok());  // the same rows again, cut differently
    REQUIRE(sink->Write(Rows(8, 4, 0)).ok());  // then new ones
    CHECK(sink->rows() == 12);
    REQUIRE(sink->Close().ok());
  }
  const std::vector<std::string> rows = Stored(dir.sub("log"));
  REQUIRE(rows.size() == 12);
  for (int i = 0; i < 12; ++i) CHECK(rows[i] == "{\"n\":" + std::to_string(i * 10) + "}");
  // No event id was indexed: the progress record did the work.
  std::shared_ptr<EventLog> log;
  REQUIRE(EventLog::OpenShared(LogOptions{}, dir.sub("log"), &log).ok());
  REQUIRE(log->View([](lmdb::Txn* txn) {
               lmdb::Dbi ids;
               REQUIRE(txn->OpenDbi(log::kIdsDb, false, &ids).ok());
               lmdb::DbStat st;
               REQUIRE(txn->Stat(ids, &st).ok());
               CHECK(st.entries == 0);
               return Status::OK();
             })
              .ok());
}

TEST_CASE("log sink: a checkpoint of a run that deduplicated by event id resumes by ids") {
  TempDir dir;
  const uint64_t run = 12345;
  {
    // What that version left: rows 0..9 under ids {run, 1..10}, a checkpoint after 5 rows, and
    // no progress record.
    std::shared_ptr<EventLog> log;
    REQUIRE(EventLog::OpenShared(LogOptions{}, dir.sub("log"), &log).ok());
    const Batch rows = Rows(0, 10, 0);
    const Schema schema = RowSchema();
    RecordRows r{.rows = &rows,
                 .schema = &schema,
                 .end = 10,
                 .event_type = "Row",
                 .first_id = EventId{run, 1}};
    REQUIRE(log->AppendRecords("results", r).ok());
  }
  std::string state;
  StateWriter w(&state);
  w.PutHeader(kStateLogSink, 1);
  w.PutVarint(run);
  w.PutVarint(5);
  auto sink = NewSink(dir.sub("log"));
  REQUIRE(sink->Resume(RowSchema(), state).ok());
  REQUIRE(sink->Write(Rows(5, 7, 0)).ok());  // 5..9 again, then 10 and 11
  REQUIRE(sink->Close().ok());
  const std::vector<std::string> rows = Stored(dir.sub("log"));
  REQUIRE(rows.size() == 12);
  for (int i = 0; i < 12; ++i) CHECK(rows[i] == "{\"n\":" + std::to_string(i * 10) + "}");
}

TEST_CASE("log sink: two fresh runs get different ids, so the second appends again") {
  TempDir dir;
  for (int run = 0; run < 2; ++run) {
    auto sink = NewSink(dir.sub("log"));
    REQUIRE(sink->Resume(RowSchema(), "").ok());
    REQUIRE(sink->Write(Rows(0, 3, run)).ok());
    REQUIRE(sink->Close().ok());
  }
  CHECK(Stored(dir.sub("log")).size() == 6);
}

TEST_CASE("log sink: a garbled commit point is refused") {
  TempDir dir;
  auto sink = NewSink(dir.sub("log"));
  CHECK(sink->Resume(RowSchema(), "garbage").IsCorruption());
}

}  // namespace sluice
