// One lane's KeyedOperator::Process over 4096-row batches: tumbling (1,000 and 100,000 keys),
// sliding (100 ms / 10 ms), session and the running aggregate, each with count() and sum(v).
// Reports events per second (items_per_second).
//
// Each iteration processes the same 4096 rows shifted forward in time by the span they cover, so
// windows keep firing and state stays at its steady-state size. The shift (two adds per row) is
// part of the measured time; it is small next to the operator's work.
//
// Results are checked: after the timed loop, a last batch fires every open window, and then the
// counts must add up (every event counted once per window it belongs to, size / slide windows
// for sliding; one result row per event for the running aggregate) with no late rows. A
// mismatch marks the benchmark as failed and the program exits 1.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>

#include "base/batch.h"
#include "base/key.h"
#include "bench/bench_check.h"
#include "operators/keyed_operator.h"

namespace sluice {
namespace {

constexpr size_t kBatchRows = 4096;
constexpr int64_t kStepUs = 10;     // event time advances 10 us per row: 100,000 events/s
constexpr int64_t kBoundUs = 1000;  // max out-of-orderness
constexpr int64_t kDisorderUs = 500;

Schema BenchSchema() { return Schema({{"user", Type::kInt64}, {"v", Type::kInt64}}); }

KeyedStageDef CountSum(OpKind kind, WindowKind window) {
  KeyedStageDef def;
  def.kind = kind;
  def.window = window;
  def.key_columns = {0};
  def.aggregates.push_back({AggFunc::kCount, -1, {"n", Type::kInt64}});
  def.aggregates.push_back({AggFunc::kSum, 1, {"total", Type::kInt64}});
  return def;
}

// A batch of rows over `keys` random keys with bounded disorder; ts and wm relative to 0.
Batch MakeBatch(int64_t keys) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> key(0, keys - 1), v(0, 1000), jitter(0, kDisorderUs);
  Batch b;
  b.reset(BenchSchema());
  int64_t max_ts = 0;
  for (size_t r = 0; r < kBatchRows; ++r) {
    const int64_t ts = static_cast<int64_t>(r) * kStepUs - jitter(rng);
    b.columns[0].push_int(key(rng));
    b.columns[1].push_int(v(rng));
    b.wm.push_back(max_ts - kBoundUs - 1);
    b.ts.push_back(ts);
    max_ts = std::max(max_ts, ts);
  }
  b.watermark = max_ts - kBoundUs - 1;
  EncodeKeys({0}, &b);
  return b;
}

// Sums the count() column of window results: after the key and the window bounds.
uint64_t CountOf(const Batch& out, const KeyedStageDef& def) {
  uint64_t n = 0;
  for (int64_t v : out.columns[def.key_columns.size() + 2].i64) n += v;
  return n;
}

void RunLane(benchmark::State& state, const KeyedStageDef& def, int64_t keys) {
  auto op_or = MakeKeyedOperator(def, BenchSchema());
  if (!op_or.ok()) {
    state.SkipWithError(op_or.status().ToString().c_str());
    return;
  }
  std::unique_ptr<KeyedOperator> op = std::move(op_or).value();
  const Batch base = MakeBatch(keys);
  Batch in = MakeBatch(keys);
  Batch out;
  const int64_t span = static_cast<int64_t>(kBatchRows) * kStepUs;
  int64_t offset = 0;
  uint64_t emitted = 0, counted = 0;
  const bool running = def.kind == OpKind::kAggregate;
  for (auto _ : state) {
    for (size_t r = 0; r < kBatchRows; ++r) {
      in.ts[r] = base.ts[r] + offset;
      in.wm[r] = base.wm[r] + offset;
    }
    in.watermark = base.watermark + offset;
    offset += span;
    out.reset(op->output_schema());
    Status s = op->Process(in, &out);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    emitted += out.size();
    if (!running) counted += CountOf(out, def);
    benchmark::DoNotOptimize(out.columns.data());
  }
  // The check, untimed: the end of input fires every open window.
  Batch last;
  last.reset(BenchSchema());
  last.last = true;
  out.reset(op->output_schema());
  if (Status s = op->Process(last, &out); !s.ok()) {
    bench::FailBenchmark(state, s.ToString());
    return;
  }
  emitted += out.size();
  if (!running) counted += CountOf(out, def);
  const uint64_t events = static_cast<uint64_t>(state.iterations()) * kBatchRows;
  const uint64_t per_event = def.window == WindowKind::kSliding ? def.size / def.slide : 1;
  const bool ok =
      op->stats().late == 0 && (running ? emitted == events : counted == events * per_event);
  if (!ok) {
    bench::FailBenchmark(state, "MISMATCH: the counts do not add up to the events processed");
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatchRows));
  state.counters["rows_out_per_batch"] =
      static_cast<double>(emitted) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
}

void BM_Tumbling(benchmark::State& state) {
  KeyedStageDef def = CountSum(OpKind::kWindow, WindowKind::kTumbling);
  def.size = def.slide = 1'000'000;
  RunLane(state, def, state.range(0));
}
BENCHMARK(BM_Tumbling)->Arg(1000)->Arg(100000)->ArgName("keys");

void BM_Sliding(benchmark::State& state) {
  KeyedStageDef def = CountSum(OpKind::kWindow, WindowKind::kSliding);
  def.size = 100'000;
  def.slide = 10'000;
  RunLane(state, def, state.range(0));
}
BENCHMARK(BM_Sliding)->Arg(1000)->ArgName("keys");

void BM_Session(benchmark::State& state) {
  KeyedStageDef def = CountSum(OpKind::kWindow, WindowKind::kSession);
  def.gap = 20'000;  // each key sees an event every ~10 ms on average
  RunLane(state, def, state.range(0));
}
BENCHMARK(BM_Session)->Arg(1000)->ArgName("keys");

void BM_RunningCountSum(benchmark::State& state) {
  RunLane(state, CountSum(OpKind::kAggregate, WindowKind::kTumbling), state.range(0));
}
BENCHMARK(BM_RunningCountSum)->Arg(1000)->ArgName("keys");

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::bench::RunCheckedBenchmarks(argc, argv); }
