// File I/O hot paths: CSV and JSONL parsing (bytes/s and rows/s), the generator's batch fill
// (rows/s, beside the hand-written loop with the same formula) and sink encoding.
//
//   bench_io_bench [--benchmark_filter=Csv]
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "operators/clickstream.h"
#include "operators/csv_sink.h"
#include "operators/generator_source.h"
#include "operators/jsonl_sink.h"
#include "operators/sink.h"
#include "operators/source.h"

namespace {

using namespace sluice;

Schema ClickSchema() {
  return Schema({{"user", Type::kString},
                 {"page", Type::kString},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis},
                 {"amount", Type::kDouble}});
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          fmt::format("sluice-io-bench-{}-{}", ::getpid(), name))
      .string();
}

// Input files, written once per process and removed at exit.
struct Inputs {
  std::string csv = TempPath("clicks.csv");
  std::string jsonl = TempPath("clicks.jsonl");
  uint64_t rows = 0;
  Inputs() {
    ClickstreamOptions o;
    o.events = 500'000;
    o.malformed = 0;
    if (!WriteClickstream(csv, o).ok()) std::abort();
    rows = o.events;
    // The same rows as JSON lines, through the csv source and the jsonl sink.
    SourceSpec spec;
    spec.type = "csv";
    spec.path = csv;
    SourceOptions so;
    so.schema = ClickSchema();
    so.event_time_index = 2;
    so.batch_size = 1 << 20;
    auto src = MakeSource(spec, so);
    JsonlSink sink(jsonl);
    if (!src.ok() || !(*src)->Open().ok() || !sink.Open(so.schema).ok()) std::abort();
    bool eof = false;
    while (!eof) {
      Batch b;
      b.reset(so.schema);
      if (!(*src)->Next(&b, &eof).ok() || !sink.Write(b).ok()) std::abort();
    }
    if (!sink.Close().ok()) std::abort();
  }
  ~Inputs() {
    std::remove(csv.c_str());
    std::remove(jsonl.c_str());
  }
};

const Inputs& GetInputs() {
  static Inputs inputs;
  return inputs;
}

void ReadWhole(benchmark::State& state, const std::string& type, const std::string& path) {
  const uint64_t bytes = std::filesystem::file_size(path);
  SourceSpec spec;
  spec.type = type;
  spec.path = path;
  SourceOptions o;
  o.schema = ClickSchema();
  o.event_time_index = 2;
  o.batch_size = 4096;
  o.name = path;
  Batch b;
  uint64_t rows = 0;
  for (auto _ : state) {
    auto src = MakeSource(spec, o);
    if (!src.ok() || !(*src)->Open().ok()) state.SkipWithError("cannot open input");
    bool eof = false;
    while (!eof) {
      b.reset(o.schema);
      if (!(*src)->Next(&b, &eof).ok()) state.SkipWithError("read failed");
      rows += b.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
  state.SetItemsProcessed(static_cast<int64_t>(rows));
}

void BM_CsvSource(benchmark::State& state) { ReadWhole(state, "csv", GetInputs().csv); }
BENCHMARK(BM_CsvSource)->Unit(benchmark::kMillisecond);

void BM_JsonlSource(benchmark::State& state) { ReadWhole(state, "jsonl", GetInputs().jsonl); }
BENCHMARK(BM_JsonlSource)->Unit(benchmark::kMillisecond);

// One 4096-row batch per iteration, into a reused batch.
void BM_GeneratorFill(benchmark::State& state) {
  SourceSpec spec;
  spec.type = "generator";
  spec.events = ~0ULL;
  spec.keys = static_cast<uint64_t>(state.range(0));
  SourceOptions o;
  o.schema = GeneratorSchema();
  o.event_time_index = 1;
  o.batch_size = 4096;
  auto src = MakeSource(spec, o);
  Batch b;
  bool eof = false;
  for (auto _ : state) {
    b.reset(o.schema);
    if (!(*src)->Next(&b, &eof).ok()) state.SkipWithError("generator failed");
    benchmark::DoNotOptimize(b.columns[0].i64.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 4096));
}
BENCHMARK(BM_GeneratorFill)->Arg(1000)->Arg(1'000'000);

// The same data written by a hand loop with the formula of generator_source.h (% on the key).
void BM_GeneratorReferenceLoop(benchmark::State& state) {
  const uint64_t keys = static_cast<uint64_t>(state.range(0));
  std::vector<int64_t> key(4096), ts(4096), event_time(4096);
  std::vector<double> value(4096);
  uint64_t next = 0;
  for (auto _ : state) {
    for (uint64_t j = 0; j < 4096; ++j, ++next) {
      key[j] = static_cast<int64_t>(GeneratorKey(next, keys));
      ts[j] = GeneratorTime(next);
      event_time[j] = GeneratorTime(next);
      value[j] = GeneratorValue(next);
    }
    benchmark::DoNotOptimize(key.data());
    benchmark::DoNotOptimize(value.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 4096));
}
BENCHMARK(BM_GeneratorReferenceLoop)->Arg(1000)->Arg(1'000'000);

// A 4096-row batch of clicks for the encoders.
Batch ClickBatch() {
  Batch b;
  b.reset(ClickSchema());
  for (uint64_t i = 0; i < 4096; ++i) {
    b.columns[0].push_string(fmt::format("u{}", i % 500));
    b.columns[1].push_string(i % 7 == 0 ? "/checkout" : fmt::format("/product/{}", i % 50));
    b.columns[2].push_int(1714521600000 + static_cast<int64_t>(i) * 250);
    b.columns[3].push_double(i % 7 == 0 ? static_cast<double>(i % 20000) / 100 : 0.0);
    b.ts.push_back(0);
  }
  return b;
}

void BM_CsvEncode(benchmark::State& state) {
  const Batch b = ClickBatch();
  CsvEncoder enc(ClickSchema());
  std::string out;
  for (auto _ : state) {
    out.clear();
    enc.AppendRows(b, 0, b.size(), &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(out.size() * state.iterations()));
  state.SetItemsProcessed(static_cast<int64_t>(b.size() * state.iterations()));
}
BENCHMARK(BM_CsvEncode);

void BM_JsonlEncode(benchmark::State& state) {
  const Batch b = ClickBatch();
  JsonlEncoder enc(ClickSchema());
  std::string out;
  for (auto _ : state) {
    out.clear();
    enc.AppendRows(b, 0, b.size(), &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(out.size() * state.iterations()));
  state.SetItemsProcessed(static_cast<int64_t>(b.size() * state.iterations()));
}
BENCHMARK(BM_JsonlEncode);

// The csv sink end to end: 100 batches into a file, committed by rename.
void BM_CsvSinkFile(benchmark::State& state) {
  const Batch b = ClickBatch();
  const std::string path = TempPath("out.csv");
  for (auto _ : state) {
    CsvSink sink(path);
    if (!sink.Open(ClickSchema()).ok()) state.SkipWithError("cannot create output");
    for (int k = 0; k < 100; ++k) benchmark::DoNotOptimize(sink.Write(b).ok());
    if (!sink.Close().ok()) state.SkipWithError("cannot commit output");
  }
  std::remove(path.c_str());
  state.SetItemsProcessed(static_cast<int64_t>(100 * b.size() * state.iterations()));
}
BENCHMARK(BM_CsvSinkFile)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
