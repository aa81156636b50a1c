// Checkpointed runs in-process: resume after Stop(), refusal of a changed definition,
// --from-scratch, completed runs, the lock, the checkpoint record format, projections and the
// blue-green switch of `replay --into`. (Killing real processes: tests/crash.)
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "sluice/pipeline_builder.h"
#include "operators/generator_source.h"
#include "operators/projection_sink.h"
#include "codecs/state_codec.h"
#include "storage/checkpoint_store.h"
#include "storage/projection_store.h"
#include "test_util.h"

using namespace sluice;
using sluice::testing::ReadFile;
using sluice::testing::ScratchDir;

namespace {

constexpr uint64_t kEvents = 1'000'000;

// Sliding windows with a csv and a projection sink, checkpointing every millisecond.
PipelineBuilder Windows(const ScratchDir& dir, const std::string& out, const std::string& size) {
  PipelineBuilder b("windows");
  b.parallelism(2)
      .batch_size(1000)
      .state_dir(dir.file("state"))
      .checkpoint_interval("1ms")
      .dead_letter_path(dir.file("dlq.jsonl"))
      .generator_source(kEvents, 1000)
      .key_by({"key"})
      .sliding(size, "10ms", {"count() as n", "sum(value) as total", "max(value) as top"})
      .csv_sink(dir.file(out))
      .projection_sink("by_key");
  return b;
}

struct Outcome {
  Status status;
  PipelineStats stats;
};

// Runs `b`; when stop_after > 0, calls Stop() once that many events were read.
Outcome Run(const PipelineBuilder& b, uint64_t stop_after = 0, bool from_scratch = false) {
  PipelineOptions options;
  options.from_scratch = from_scratch;
  std::unique_ptr<Pipeline> p;
  Outcome o;
  o.status = b.Build(&p, options);
  if (!o.status.ok()) return o;
  std::atomic<bool> done{false};
  std::thread stopper([&] {
    while (stop_after > 0 && !done.load()) {
      if (p->Stats().events_in >= stop_after) {
        p->Stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  o.status = p->Run();
  done.store(true);
  stopper.join();
  o.stats = p->Stats();
  return o;
}

std::string Projection(const std::string& state_dir, const std::string& name,
                       ProjectionInfo* info = nullptr) {
  std::shared_ptr<EventLog> env;
  REQUIRE(EventLog::OpenShared(LogOptions{}, state_dir, &env).ok());
  std::unique_ptr<ProjectionStore> store;
  REQUIRE(ProjectionStore::Open(env.get(), &store).ok());
  ProjectionInfo got;
  if (!store->GetInfo(name, &got).ok()) return "<none>";
  if (info) *info = got;
  std::string out;
  REQUIRE(store
              ->Scan(got.physical, "",
                     [&](std::string_view, std::string_view json) {
                       out.append(json).push_back('\n');
                       return true;
                     })
              .ok());
  return out;
}

}  // namespace

TEST_CASE("a stopped checkpointed run resumes and ends with the uninterrupted run's outputs") {
  ScratchDir ref_dir("ckpt-ref"), dir("ckpt-resume");
  Outcome ref = Run(Windows(ref_dir, "out.csv", "20ms"));
  REQUIRE(ref.status.ok());
  CHECK(ref.stats.checkpoints >= 2);  // the first (before any input), periodic ones, the final one
  const std::string expected_csv = ReadFile(ref_dir.file("out.csv"));
  const std::string expected_proj = Projection(ref_dir.file("state"), "by_key");
  REQUIRE(expected_csv.size() > 1000);

  // Stop three times at different points; each new run resumes the last checkpoint.
  uint64_t resumes = 0;
  for (uint64_t stop_at : {200'000u, 500'000u, 800'000u}) {
    Outcome o = Run(Windows(dir, "out.csv", "20ms"), stop_at);
    if (o.status.ok()) break;  // finished before the stop landed
    INFO(o.status.ToString());
    CHECK(o.status.code() == Status::Code::kAborted);
    CHECK(!std::filesystem::exists(dir.file("out.csv")));  // not committed under the final name
    CHECK(std::filesystem::exists(dir.file("out.csv.inprogress")));
    resumes += o.stats.resumed_from > 0;
  }
  Outcome last = Run(Windows(dir, "out.csv", "20ms"));
  REQUIRE(last.status.ok());
  CHECK(last.stats.resumed_from > 0);
  CHECK(last.stats.events_in == kEvents);  // counts include the earlier processes
  CHECK(last.stats.records_out == ref.stats.records_out);
  CHECK(resumes >= 1);
  CHECK(ReadFile(dir.file("out.csv")) == expected_csv);
  CHECK(Projection(dir.file("state"), "by_key") == expected_proj);
  CHECK(!std::filesystem::exists(dir.file("out.csv.inprogress")));
}

TEST_CASE("a changed definition is refused with the change named; from_scratch starts over") {
  ScratchDir dir("ckpt-changed");
  Outcome stopped = Run(Windows(dir, "out.csv", "20ms"), 300'000);
  REQUIRE(stopped.status.code() == Status::Code::kAborted);
  Outcome changed = Run(Windows(dir, "out.csv", "30ms"));
  REQUIRE(changed.status.IsInvalidArgument());
  CHECK(changed.status.message().find("changed since its checkpoint") != std::string::npos);
  CHECK(changed.status.message().find("size=20000us") != std::string::npos);
  CHECK(changed.status.message().find("size=30000us") != std::string::npos);
  CHECK(changed.status.message().find("--from-scratch") != std::string::npos);

  Outcome fresh = Run(Windows(dir, "out.csv", "30ms"), 0, /*from_scratch=*/true);
  REQUIRE(fresh.status.ok());
  CHECK(fresh.stats.resumed_from == 0);
  ScratchDir ref_dir("ckpt-changed-ref");
  REQUIRE(Run(Windows(ref_dir, "out.csv", "30ms")).status.ok());
  CHECK(ReadFile(dir.file("out.csv")) == ReadFile(ref_dir.file("out.csv")));
}

TEST_CASE("a completed run is not run again, unless from scratch or redefined") {
  ScratchDir dir("ckpt-complete");
  Outcome first = Run(Windows(dir, "out.csv", "20ms"));
  REQUIRE(first.status.ok());
  const std::string csv = ReadFile(dir.file("out.csv"));
  std::filesystem::remove(dir.file("out.csv"));
  // A kill right after the run completed looks like this: the next run must not redo it.
  Outcome second = Run(Windows(dir, "out.csv", "20ms"));
  REQUIRE(second.status.ok());
  CHECK(second.stats.already_complete);
  CHECK(second.stats.events_in == kEvents);
  CHECK(second.stats.records_out == first.stats.records_out);
  CHECK(!std::filesystem::exists(dir.file("out.csv")));  // nothing was written
  Outcome third = Run(Windows(dir, "out.csv", "20ms"), 0, /*from_scratch=*/true);
  REQUIRE(third.status.ok());
  CHECK(!third.stats.already_complete);
  CHECK(third.stats.resumed_from == 0);
  CHECK(ReadFile(dir.file("out.csv")) == csv);
  // Another definition under the same name is a new pipeline: it runs.
  Outcome other = Run(Windows(dir, "out.csv", "30ms"));
  REQUIRE(other.status.ok());
  CHECK(!other.stats.already_complete);
  CHECK(ReadFile(dir.file("out.csv")) != csv);
}

TEST_CASE("a resume refuses an in-progress part that lost committed bytes") {
  ScratchDir dir("ckpt-short");
  Outcome stopped = Run(Windows(dir, "out.csv", "20ms"), 400'000);
  REQUIRE(stopped.status.code() == Status::Code::kAborted);
  std::filesystem::resize_file(dir.file("out.csv.inprogress"), 10);
  Outcome o = Run(Windows(dir, "out.csv", "20ms"));
  CHECK(o.status.IsCorruption());
  CHECK(o.status.message().find("out.csv") != std::string::npos);
  CHECK(o.status.message().find("--from-scratch") != std::string::npos);
}

TEST_CASE("a resume refuses an in-progress part whose committed bytes were overwritten") {
  ScratchDir dir("ckpt-overwritten");
  Outcome stopped = Run(Windows(dir, "out.csv", "20ms"), 400'000);
  REQUIRE(stopped.status.code() == Status::Code::kAborted);
  const std::string part = dir.file("out.csv.inprogress");
  const auto size = std::filesystem::file_size(part);
  {
    // The header line is committed by the first checkpoint; change one byte of it, same length.
    std::fstream f(part, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2);
    f.put('X');
  }
  CHECK(std::filesystem::file_size(part) == size);
  Outcome o = Run(Windows(dir, "out.csv", "20ms"));
  INFO(o.status.ToString());
  CHECK(o.status.IsCorruption());
  CHECK(o.status.message().find("cannot resume '" + dir.file("out.csv") + "': the ") == 0);
  CHECK(o.status.message().find("out.csv.inprogress' that the checkpoint committed were changed "
                                "since (checksum ") != std::string::npos);
  CHECK(o.status.message().find("run with --from-scratch") != std::string::npos);
  CHECK(Run(Windows(dir, "out.csv", "20ms"), 0, true).status.ok());
}

TEST_CASE("one state directory serves one run of a pipeline at a time") {
  ScratchDir dir("ckpt-lock");
  std::unique_ptr<CheckpointStore> a, b;
  REQUIRE(CheckpointStore::Open(dir.file("state"), &a).ok());
  REQUIRE(a->Lock("p").ok());
  REQUIRE(CheckpointStore::Open(dir.file("state"), &b).ok());
  Status s = b->Lock("p");
  CHECK(s.IsConflict());
  CHECK(s.message().find("already running") != std::string::npos);
  CHECK(b->Lock("q").ok());  // another pipeline in the same directory
  a.reset();
  CHECK(b->Lock("p").ok());
}

TEST_CASE("checkpoint records (version 3) round-trip; truncated or garbled ones are Corruption") {
  CheckpointRecord r;
  r.id = 7;
  r.taken_at = 123456789;
  r.finished = true;
  r.definition = "source: x\nlanes: 2\n";
  r.lanes = 2;
  r.driver = std::string("\0\1\2", 3);
  r.position_text = "byte 10, line 2";
  r.watermark = -5;
  r.stages = {{"operator #2 (window)", {"a", ""}}, {"join", {"bc", std::string("\0", 1)}}};
  r.sinks = {"s1", "s2"};
  r.dead_letters = "d";
  r.late = "l";
  r.events_in = 1;
  r.records_out = 2;
  r.late_events = 3;
  r.dead_letter_count = 4;
  const std::string bytes = EncodeCheckpoint(r);
  CheckpointRecord back;
  REQUIRE(DecodeCheckpoint(bytes, &back).ok());
  CHECK(static_cast<uint8_t>(bytes[1]) == 3);  // the format version
  CHECK(EncodeCheckpoint(back) == bytes);
  CHECK(back.lanes == 2);
  REQUIRE(back.stages.size() == 2);
  CHECK(back.stages[0].name == "operator #2 (window)");
  CHECK(back.stages[0].lanes == r.stages[0].lanes);
  CHECK(back.stages[1].name == "join");
  CHECK(back.stages[1].lanes == r.stages[1].lanes);
  CHECK(back.position_text == r.position_text);
  for (size_t n = 0; n < bytes.size(); ++n) {
    CheckpointRecord partial;
    CHECK(DecodeCheckpoint(bytes.substr(0, n), &partial).IsCorruption());
  }
  CHECK(DecodeCheckpoint(bytes + "x", &back).IsCorruption());
  // The checksum refuses any damaged byte, wherever it is and whatever it became.
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int mask : {0x01, 0x80, 0xff, 0x5a}) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ mask);
      CheckpointRecord garbled;
      INFO("byte " << i << " xor " << mask);
      CHECK(DecodeCheckpoint(damaged, &garbled).IsCorruption());
    }
  }
}

namespace {

// `r` as format version 2 wrote it: its stages' lane snapshots as one list, stage after stage,
// and as `lanes` that list's length.
std::string EncodeVersion2(const CheckpointRecord& r) {
  std::vector<std::string> flat;
  for (const StageState& stage : r.stages) {
    flat.insert(flat.end(), stage.lanes.begin(), stage.lanes.end());
  }
  std::string out;
  StateWriter w(&out);
  w.PutHeader(kStateCheckpoint, 2);
  w.PutVarint(r.id);
  w.PutSigned(r.taken_at);
  w.PutBool(r.finished);
  w.PutBool(r.closed);
  w.PutString(r.definition);
  w.PutVarint(flat.size());
  w.PutString(r.driver);
  w.PutString(r.position_text);
  w.PutSigned(r.watermark);
  w.PutVarint(flat.size());
  for (const std::string& snapshot : flat) w.PutString(snapshot);
  w.PutVarint(r.sinks.size());
  for (const std::string& sink : r.sinks) w.PutString(sink);
  w.PutString(r.dead_letters);
  w.PutString(r.late);
  w.PutVarint(r.events_in);
  w.PutVarint(r.records_out);
  w.PutVarint(r.late_events);
  w.PutVarint(r.dead_letter_count);
  w.PutChecksum();
  return out;
}

// Replaces the stored checkpoint of `pipeline` by `bytes`, as they are.
void StoreRaw(const std::string& state_dir, const std::string& pipeline, const std::string& bytes) {
  std::unique_ptr<CheckpointStore> store;
  REQUIRE(CheckpointStore::Open(state_dir, &store).ok());
  lmdb::Dbi db = 0;
  REQUIRE(store->env()->OpenDatabase("checkpoints", &db).ok());
  REQUIRE(store->env()->Update([&](LogWriteTxn* t) { return t->Put(db, pipeline, bytes); }).ok());
}

CheckpointRecord LoadRecord(const std::string& state_dir, const std::string& pipeline) {
  std::unique_ptr<CheckpointStore> store;
  REQUIRE(CheckpointStore::Open(state_dir, &store).ok());
  auto loaded = store->Load(pipeline);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->has_value());
  return **loaded;
}

}  // namespace

TEST_CASE("a version-2 record's snapshots split into stages by its definition's parallelism") {
  CheckpointRecord r;
  r.id = 3;
  r.definition = "source: x\noperator 2: window\noperator 4: window\nlanes: 2\ndead letters: d\n";
  r.stages = {{"", {"a", "b"}}, {"", {"c", ""}}, {"", {"e", "f"}}};
  r.sinks = {"s1"};
  CheckpointRecord back;
  REQUIRE(DecodeCheckpoint(EncodeVersion2(r), &back).ok());
  CHECK(back.lanes == 2);
  REQUIRE(back.stages.size() == 3);
  for (size_t k = 0; k < 3; ++k) {
    CHECK(back.stages[k].name.empty());
    CHECK(back.stages[k].lanes == r.stages[k].lanes);
  }
  CHECK(back.sinks == r.sinks);

  // Without a "lanes:" line, the record's own count is the parallelism: one stage.
  r.definition = "source: x\n";
  REQUIRE(DecodeCheckpoint(EncodeVersion2(r), &back).ok());
  REQUIRE(back.stages.size() == 1);
  CHECK(back.lanes == 6);
  CHECK(back.stages[0].lanes == std::vector<std::string>{"a", "b", "c", "", "e", "f"});

  // An unkeyed pipeline's record holds no snapshots.
  r.definition = "source: x\nlanes: 0\n";
  r.stages.clear();
  REQUIRE(DecodeCheckpoint(EncodeVersion2(r), &back).ok());
  CHECK(back.stages.empty());
  CHECK(back.lanes == 0);

  // Five snapshots are no whole number of stages of 2 lanes.
  r.definition = "source: x\nlanes: 2\n";
  r.stages = {{"", {"a", "b", "c", "d", "e"}}};
  Status s = DecodeCheckpoint(EncodeVersion2(r), &back);
  CHECK(s.IsCorruption());
  CHECK(s.message() ==
        "checkpoint record holds 5 lane snapshots, which do not split into keyed stages of 2 "
        "lanes");
}

TEST_CASE("a version-3 record truncated anywhere is Corruption") {
  const std::string fixture =
      ReadFile(std::string(SLUICE_SOURCE_DIR) + "/tests/data/checkpoint/checkpoint_record_v3.bin");
  REQUIRE(fixture.size() > 20);
  REQUIRE(fixture[1] == 3);
  CheckpointRecord back;
  REQUIRE(DecodeCheckpoint(fixture, &back).ok());
  for (size_t n = 0; n < fixture.size(); ++n) {
    INFO("cut at byte " << n);
    CheckpointRecord partial;
    CHECK(DecodeCheckpoint(fixture.substr(0, n), &partial).IsCorruption());
  }
}

TEST_CASE("a projection holds one row per key and window, consistent with its checkpoint") {
  ScratchDir dir("ckpt-proj");
  Outcome o = Run(Windows(dir, "out.csv", "20ms"));
  REQUIRE(o.status.ok());
  ProjectionInfo info;
  const std::string rows = Projection(dir.file("state"), "by_key", &info);
  CHECK(info.physical == "by_key");
  CHECK(info.pipeline == "windows");
  CHECK(info.watermark == kMaxTime);  // the final checkpoint: end of input
  CHECK(info.checkpoint_id == o.stats.last_checkpoint);
  REQUIRE(info.key.size() == 2);
  CHECK(info.key[0].name == "key");
  CHECK(info.key[1].name == "window_start");
  // Every window result is one row (keys and windows are unique), so rows == results.
  CHECK(info.rows == o.stats.records_out);
  CHECK(static_cast<uint64_t>(std::count(rows.begin(), rows.end(), '\n')) == info.rows);
}

TEST_CASE("a replay builds another table and switches the name over at its final checkpoint") {
  ScratchDir dir("ckpt-bluegreen");
  REQUIRE(Run(Windows(dir, "out.csv", "20ms")).status.ok());
  const std::string before = Projection(dir.file("state"), "by_key");

  // A sink building table "v2" directly, checkpoint by checkpoint.
  SinkSpec spec;
  spec.type = "projection";
  spec.name = "by_key";
  spec.key = {"k"};
  spec.into = "v2";
  spec.path = dir.file("state");
  ProjectionSink sink(spec);
  Schema schema({{"k", Type::kInt64}, {"v", Type::kDouble}});
  REQUIRE(sink.Resume(schema, "").ok());
  Batch b;
  b.reset(schema);
  b.columns[0].push_int(1);
  b.columns[1].push_double(2.5);
  b.ts.push_back(0);
  b.wm.push_back(0);
  REQUIRE(sink.Write(b).ok());
  std::unique_ptr<CheckpointStore> store;
  REQUIRE(CheckpointStore::Open(dir.file("state"), &store).ok());
  auto commit = [&](bool finished) {
    std::string state;
    REQUIRE(sink.PrepareCheckpoint(&state).ok());
    CheckpointMark mark;
    mark.pipeline = "windows#replay:v2";
    mark.id = finished ? 2 : 1;
    mark.finished = finished;
    CheckpointRecord rec;
    REQUIRE(
        store
            ->Commit("replay", rec, [&](LogWriteTxn* t) { return sink.WriteInCheckpoint(t, mark); })
            .ok());
    sink.CheckpointCommitted();
  };
  commit(false);
  ProjectionInfo info;
  CHECK(Projection(dir.file("state"), "by_key", &info) == before);  // old table still serves
  CHECK(info.physical == "by_key");
  CHECK(Projection(dir.file("state"), "v2") == "{\"k\":1,\"v\":2.5}\n");  // progress readable
  commit(true);
  CHECK(Projection(dir.file("state"), "by_key", &info) == "{\"k\":1,\"v\":2.5}\n");
  CHECK(info.physical == "v2");
  CHECK(info.rows == 1);
}

TEST_CASE("a running aggregate's projection holds each key's latest totals") {
  ScratchDir dir("ckpt-running");
  constexpr uint64_t kRunEvents = 50'000, kKeys = 17;
  PipelineBuilder b("running");
  b.parallelism(2)
      .state_dir(dir.file("state"))
      .checkpoint_interval("1ms")
      .generator_source(kRunEvents, kKeys)
      .key_by({"key"})
      .running_aggregate({"count() as n"})
      .null_sink()
      .projection_sink("totals");
  REQUIRE(Run(b).status.ok());
  std::map<int64_t, int64_t> expected;
  for (uint64_t i = 0; i < kRunEvents; ++i)
    ++expected[static_cast<int64_t>(GeneratorKey(i, kKeys))];
  std::string want;
  for (const auto& [key, n] : expected) {
    want += "{\"key\":" + std::to_string(key) + ",\"n\":" + std::to_string(n) + "}\n";
  }
  ProjectionInfo info;
  CHECK(Projection(dir.file("state"), "totals", &info) == want);  // key order: numeric
  CHECK(info.rows == kKeys);
}

// Three keyed stages: per key, then per bucket of the count, then all rows together.
PipelineBuilder ThreeStages(const ScratchDir& dir) {
  PipelineBuilder b("three-stages");
  b.parallelism(2)
      .batch_size(1000)
      .state_dir(dir.file("state"))
      .checkpoint_interval("1ms")
      .dead_letter_path(dir.file("dlq.jsonl"))
      .generator_source(kEvents, 1000)
      .key_by({"key"})
      .tumbling("10ms", {"count() as n", "sum(value) as total"})
      .map("bucket", "n % 4")
      .key_by({"bucket"})
      .sliding("40ms", "20ms",
               {"count() as keys", "sum(n) as events", "max(total) as top", "first(n) as fst"})
      .map("all", "1")
      .key_by({"all"})
      .tumbling("100ms", {"count() as rows", "sum(events) as events", "last(top) as lst"})
      .csv_sink(dir.file("out.csv"));
  return b;
}

TEST_CASE("a stopped run of several keyed stages resumes every stage's state") {
  ScratchDir ref_dir("ckpt-stages-ref"), dir("ckpt-stages");
  Outcome ref = Run(ThreeStages(ref_dir));
  REQUIRE(ref.status.ok());
  const std::string expected = ReadFile(ref_dir.file("out.csv"));
  REQUIRE(ref.stats.records_out > 5);
  uint64_t resumes = 0;
  for (uint64_t stop_at : {150'000u, 450'000u, 750'000u}) {
    Outcome o = Run(ThreeStages(dir), stop_at);
    if (o.status.ok()) break;
    INFO(o.status.ToString());
    CHECK(o.status.code() == Status::Code::kAborted);
    resumes += o.stats.resumed_from > 0;
  }
  Outcome last = Run(ThreeStages(dir));
  REQUIRE(last.status.ok());
  CHECK(last.stats.resumed_from > 0);
  CHECK(resumes >= 1);
  CHECK(last.stats.events_in == kEvents);
  CHECK(ReadFile(dir.file("out.csv")) == expected);
}

TEST_CASE("a resume refuses a checkpoint whose keyed stage has another name") {
  ScratchDir dir("ckpt-stage-name");
  Outcome stopped = Run(ThreeStages(dir), 300'000);
  REQUIRE(stopped.status.code() == Status::Code::kAborted);
  CheckpointRecord rec = LoadRecord(dir.file("state"), "three-stages");
  REQUIRE(rec.stages.size() == 3);
  const std::string planned = rec.stages[1].name;
  CHECK(planned.find("(window)") != std::string::npos);
  CHECK(rec.lanes == 2);
  for (const StageState& stage : rec.stages) CHECK(stage.lanes.size() == 2);
  rec.stages[1].name = "operator #9 (window)";
  StoreRaw(dir.file("state"), "three-stages", EncodeCheckpoint(rec));

  Outcome o = Run(ThreeStages(dir));
  INFO(o.status.ToString());
  CHECK(o.status.IsInvalidArgument());
  const std::string expected =
      "keyed stage 2 of the checkpoint is 'operator #9 (window)', but the pipeline's is '" +
      planned + "'";
  CHECK(o.status.message().find(expected) != std::string::npos);
  CHECK(o.status.message().find("--from-scratch") != std::string::npos);
}

TEST_CASE("a version-2 checkpoint of several keyed stages still resumes to the same outputs") {
  ScratchDir ref_dir("ckpt-v2-ref"), dir("ckpt-v2");
  REQUIRE(Run(ThreeStages(ref_dir)).status.ok());
  Outcome stopped = Run(ThreeStages(dir), 300'000);
  REQUIRE(stopped.status.code() == Status::Code::kAborted);
  const CheckpointRecord rec = LoadRecord(dir.file("state"), "three-stages");
  REQUIRE(rec.id > 1);  // holds some state
  StoreRaw(dir.file("state"), "three-stages", EncodeVersion2(rec));

  Outcome o = Run(ThreeStages(dir));
  INFO(o.status.ToString());
  REQUIRE(o.status.ok());
  CHECK(o.stats.resumed_from == rec.id);
  CHECK(ReadFile(dir.file("out.csv")) == ReadFile(ref_dir.file("out.csv")));
}
