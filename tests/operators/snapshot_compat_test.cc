// Checkpoints written by one build load in the next: snapshots, checkpoint records and file
// commit points stored in tests/data/checkpoint (format version 1; 1 to 3 for checkpoint records,
// 1 and 2 for file commit points) must restore, continue exactly, and the newest versions be what
// this build writes for the same state. When a
// format changes on purpose, bump its version, keep reading the old one, and add fixtures of the
// new one; SLUICE_WRITE_FIXTURES=1 rewrites them.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "codecs/state_codec.h"
#include "operators/file_sink.h"
#include "storage/checkpoint_store.h"
#include "window_test_util.h"

using namespace sluice;
using namespace sluice::wintest;

namespace {

const std::string kDir = std::string(SLUICE_SOURCE_DIR) + "/tests/data/checkpoint/";

bool Writing() { return std::getenv("SLUICE_WRITE_FIXTURES") != nullptr; }

std::string Load(const std::string& name) {
  std::ifstream in(kDir + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Store(const std::string& name, const std::string& bytes) {
  std::ofstream out(kDir + name, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// A fixed feed: 600 rows over 7 keys, out of order, with strings, nulls and doubles.
Feed MakeFeed() {
  Schema schema(
      {{"k", Type::kString}, {"v", Type::kInt64}, {"d", Type::kDouble}, {"s", Type::kString}});
  Feed feed(schema, {0}, 40);
  for (int i = 0; i < 600; ++i) {
    const TimeUs ts = i * 10 - (i % 9) * 17;
    Value s =
        i % 11 == 0 ? Value::Null(Type::kString) : Value::String("p" + std::to_string(i % 13));
    feed.Add(ts, {Value::String("key" + std::to_string(i * 5 % 7)), Value::Int(i % 23 - 5),
                  Value::Double(i * 0.25), s});
  }
  return feed;
}

// `sums_only`: count, sum and avg alone (windows then hold SumStates).
KeyedStageDef MakeDef(OpKind kind, WindowKind window, const Schema& schema,
                      bool sums_only = false) {
  KeyedStageDef def;
  def.kind = kind;
  def.window = window;
  def.size = 300;
  def.slide = window == WindowKind::kSliding ? 100 : 300;
  def.gap = 50;
  def.allowed_lateness = 60;
  def.key_columns = {0};
  struct Agg {
    AggFunc f;
    int input;
  };
  for (Agg a : {Agg{AggFunc::kCount, -1}, Agg{AggFunc::kSum, 1}, Agg{AggFunc::kAvg, 2},
                Agg{AggFunc::kMax, 3}, Agg{AggFunc::kLast, 3}, Agg{AggFunc::kCountDistinct, 3}}) {
    if (sums_only && a.f != AggFunc::kCount && a.f != AggFunc::kSum && a.f != AggFunc::kAvg) {
      continue;
    }
    auto field = AggregateResultField(a.f, a.input >= 0 ? &schema.field(a.input) : nullptr,
                                      "a" + std::to_string(def.aggregates.size()));
    REQUIRE(field.ok());
    def.aggregates.push_back({a.f, a.input, *field});
  }
  return def;
}

void CheckFixture(const std::string& name, OpKind kind, WindowKind window,
                  bool sums_only = false) {
  const Feed feed = MakeFeed();
  const std::vector<Batch> batches = feed.CutEvery(50);
  const KeyedStageDef def = MakeDef(kind, window, feed.schema(), sums_only);
  const size_t cut = batches.size() / 2;

  auto whole = MakeKeyedOperator(def, feed.schema());
  REQUIRE(whole.ok());
  const Output expected = RunOn(whole->get(), batches);

  auto first = MakeKeyedOperator(def, feed.schema());
  REQUIRE(first.ok());
  std::vector<Batch> head, tail;
  for (Batch& b : feed.CutEvery(50)) (head.size() < cut ? head : tail).push_back(std::move(b));
  const Output before = RunOn(first->get(), head);
  std::string snapshot;
  (*first)->Snapshot(&snapshot);
  if (Writing()) Store(name, snapshot);
  const std::string fixture = Load(name);
  REQUIRE_MESSAGE(!fixture.empty(), "missing fixture " << kDir << name);
  CHECK_MESSAGE(snapshot == fixture,
                "this build writes " << name << " differently from the stored version-1 fixture");

  auto resumed = MakeKeyedOperator(def, feed.schema());
  REQUIRE(resumed.ok());
  REQUIRE((*resumed)->Restore(fixture).ok());
  const Output after = RunOn(resumed->get(), tail);
  std::vector<std::string> rows = before.rows;
  rows.insert(rows.end(), after.rows.begin(), after.rows.end());
  CHECK(rows == expected.rows);
  CHECK(after.late_count == expected.late_count);
  CHECK(expected.rows.size() > 20);
}

}  // namespace

TEST_CASE("compat: a version-1 sliding-window snapshot restores and continues exactly") {
  CheckFixture("sliding_window_v1.bin", OpKind::kWindow, WindowKind::kSliding);
}

// Written by the pane window, which held tumbling windows before they had an operator of their
// own (operators/tumbling_window.cc): the two must read and write the same bytes.
TEST_CASE("compat: a version-1 tumbling-window snapshot restores and continues exactly") {
  CheckFixture("tumbling_window_v1.bin", OpKind::kWindow, WindowKind::kTumbling);
  CheckFixture("tumbling_sums_v1.bin", OpKind::kWindow, WindowKind::kTumbling, true);
}

TEST_CASE("compat: a version-1 session-window snapshot restores and continues exactly") {
  CheckFixture("session_window_v1.bin", OpKind::kWindow, WindowKind::kSession);
}

TEST_CASE("compat: a version-1 running-aggregate snapshot restores and continues exactly") {
  CheckFixture("running_aggregate_v1.bin", OpKind::kAggregate, WindowKind::kTumbling);
}

namespace {

// The record of tests/data/checkpoint/checkpoint_record_v{1,2}.bin, as decoded now: their one
// flat list of lane snapshots is one keyed stage of 2 lanes, whose name they did not store.
CheckpointRecord FixtureRecord() {
  CheckpointRecord r;
  r.id = 42;
  r.taken_at = 1'764'000'000'000'000;
  r.definition = "source: csv path=in.csv\nlanes: 2\n";
  r.lanes = 2;
  r.driver = "driver-bytes";
  r.position_text = "byte 1024, line 17";
  r.watermark = 1'714'521'600'000'000;
  r.stages = {{"", {"lane-0", "lane-1"}}};
  r.sinks = {"csv-sink", "projection-sink"};
  r.dead_letters = "dlq";
  r.events_in = 1000;
  r.records_out = 77;
  r.late_events = 3;
  r.dead_letter_count = 2;
  return r;
}

// The record of checkpoint_record_v3.bin: two named keyed stages of 2 lanes.
CheckpointRecord FixtureRecordV3() {
  CheckpointRecord r = FixtureRecord();
  r.definition =
      "source: csv path=in.csv\noperator 2: key_by k\noperator 3: window\n"
      "operator 4: key_by n\noperator 5: window\nlanes: 2\n";
  r.stages = {{"operator #3 (window)", {"s1-lane-0", "s1-lane-1"}},
              {"operator #5 (window)", {"s2-lane-0", "s2-lane-1"}}};
  return r;
}

void CheckFixtureFields(const CheckpointRecord& back, const CheckpointRecord& r) {
  CHECK(back.id == 42);
  CHECK(back.definition == r.definition);
  CHECK(back.lanes == r.lanes);
  REQUIRE(back.stages.size() == r.stages.size());
  for (size_t k = 0; k < r.stages.size(); ++k) {
    CHECK(back.stages[k].name == r.stages[k].name);
    CHECK(back.stages[k].lanes == r.stages[k].lanes);
  }
  CHECK(back.sinks == r.sinks);
  CHECK(back.position_text == r.position_text);
  CHECK(back.watermark == r.watermark);
  CHECK(back.records_out == 77);
}

}  // namespace

// Versions 1 (no checksum) and 2 (one flat list of lane snapshots) are no longer written, only
// read.
TEST_CASE("compat: a version-1 checkpoint record decodes to one unnamed keyed stage") {
  const std::string fixture = Load("checkpoint_record_v1.bin");
  REQUIRE(!fixture.empty());
  CHECK(fixture[1] == 1);  // the format version
  CheckpointRecord back;
  REQUIRE(DecodeCheckpoint(fixture, &back).ok());
  CheckFixtureFields(back, FixtureRecord());
}

TEST_CASE("compat: a version-2 checkpoint record decodes to one unnamed keyed stage") {
  const std::string fixture = Load("checkpoint_record_v2.bin");
  REQUIRE(!fixture.empty());
  CHECK(fixture[1] == 2);
  CheckpointRecord back;
  REQUIRE(DecodeCheckpoint(fixture, &back).ok());
  CheckFixtureFields(back, FixtureRecord());
}

TEST_CASE("compat: a version-3 checkpoint record decodes to its stages, as this build writes it") {
  const CheckpointRecord r = FixtureRecordV3();
  if (Writing()) Store("checkpoint_record_v3.bin", EncodeCheckpoint(r));
  const std::string fixture = Load("checkpoint_record_v3.bin");
  REQUIRE(!fixture.empty());
  CHECK(fixture[1] == 3);
  CheckpointRecord back;
  REQUIRE(DecodeCheckpoint(fixture, &back).ok());
  CheckFixtureFields(back, r);
  CHECK(EncodeCheckpoint(r) == fixture);
}

TEST_CASE("compat: a version-1 file commit point decodes without a checksum; version 2 with one") {
  if (Writing()) {
    std::string v1;
    StateWriter w(&v1);
    w.PutHeader(kStateFileSink, 1);  // what builds before version 2 wrote
    w.PutVarint(4096);
    w.PutVarint(100);
    Store("file_commit_v1.bin", v1);
  }
  FileCommit c;
  c.bytes = 4096;
  c.rows = 100;
  c.crc = 0x1234abcd;
  std::string v2;
  EncodeFileCommit(c, &v2);
  if (Writing()) Store("file_commit_v2.bin", v2);

  const std::string fixture1 = Load("file_commit_v1.bin");
  REQUIRE(!fixture1.empty());
  FileCommit back;
  REQUIRE(DecodeFileCommit(fixture1, &back).ok());
  CHECK(back.bytes == 4096);
  CHECK(back.rows == 100);
  CHECK_FALSE(back.has_crc);

  const std::string fixture2 = Load("file_commit_v2.bin");
  REQUIRE(DecodeFileCommit(fixture2, &back).ok());
  CHECK(back.bytes == 4096);
  CHECK(back.rows == 100);
  CHECK(back.has_crc);
  CHECK(back.crc == 0x1234abcd);
  CHECK(v2 == fixture2);
}
