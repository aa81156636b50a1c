// The log sink in checkpointed runs (operators/log_sink.h): deterministic event ids make the rows
// a resumed run writes again after a crash duplicates, stored once.
#include <doctest/doctest.h>

#include "codecs/record_codec.h"
#include "operators/log_sink.h"
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
