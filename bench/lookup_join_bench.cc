// Micro-benchmark of the lookup join over 4096-row batches against an in-memory table of 10,000
// int64 keys. Items are stream rows (time_per_row: the cost per input row, copying the batch in
// excluded). The last iteration's output is checked against the input: the number of rows the
// join's semantics give and every row's label (a mismatch fails the benchmark; exit 1).
//   bench_lookup_join_bench [--benchmark_filter=Left]
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "base/batch.h"
#include "bench/bench_check.h"
#include "operators/lookup_join.h"

namespace sluice {
namespace {

constexpr size_t kRows = 4096;
constexpr int64_t kTableKeys = 10'000;

// Keys 0 .. kTableKeys - 1, each on `copies` rows, with a string label.
LookupTable MakeTable(int copies) {
  LookupTable t;
  t.schema = Schema({{"key", Type::kInt64}, {"label", Type::kString}});
  t.rows.reset(t.schema);
  for (int64_t k = 0; k < kTableKeys; ++k) {
    for (int c = 0; c < copies; ++c) {
      t.rows.columns[0].push_int(k);
      t.rows.columns[1].push_string("label-" + std::to_string(k));
      t.rows.ts.push_back(0);
    }
  }
  return t;
}

// Keys uniform in [0, kTableKeys * range): with range 2, half of them miss.
Batch MakeBatch(int range) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int64_t> key(0, kTableKeys * range - 1);
  Batch b;
  b.reset(Schema({{"k", Type::kInt64}, {"value", Type::kDouble}}));
  for (size_t r = 0; r < kRows; ++r) {
    b.columns[0].push_int(key(rng));
    b.columns[1].push_double(static_cast<double>(r));
    b.ts.push_back(static_cast<TimeUs>(r));
    b.wm.push_back(0);
  }
  return b;
}

void Run(benchmark::State& state, JoinType type, int copies, int range) {
  const LookupJoin join(MakeTable(copies), {0}, {0}, type);
  const Batch input = MakeBatch(range);
  Batch batch;
  for (auto _ : state) {
    state.PauseTiming();
    batch.copy_from(input);
    state.ResumeTiming();
    if (!join.Apply(&batch).ok()) std::abort();
    benchmark::DoNotOptimize(batch.columns.data());
  }
  // The check, untimed: each input key below kTableKeys matches `copies` rows labelled with it;
  // the others are dropped (inner) or kept once with a null label (left), in input order.
  size_t expected = 0;
  for (size_t r = 0; r < kRows; ++r) {
    const bool hit = input.columns[0].i64[r] < kTableKeys;
    expected += hit ? static_cast<size_t>(copies) : (type == JoinType::kLeft ? 1 : 0);
  }
  bool ok = batch.size() == expected;
  for (size_t r = 0; ok && r < batch.size(); ++r) {
    const int64_t key = batch.columns[0].i64[r];
    const Column& label = batch.columns.back();  // the stream's k, value, then the table's
    ok = key < kTableKeys ? label.is_valid(r) && label.str(r) == "label-" + std::to_string(key)
                          : !label.is_valid(r);
  }
  if (!ok) {
    bench::FailBenchmark(state, "MISMATCH: the joined rows differ from the table's");
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.counters["time_per_row"] =
      benchmark::Counter(static_cast<double>(kRows), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

void BM_LookupInnerAllMatch(benchmark::State& s) { Run(s, JoinType::kInner, 1, 1); }
void BM_LookupInnerHalfMatch(benchmark::State& s) { Run(s, JoinType::kInner, 1, 2); }
void BM_LookupLeftHalfMatch(benchmark::State& s) { Run(s, JoinType::kLeft, 1, 2); }
void BM_LookupInnerTwoRowsPerKey(benchmark::State& s) { Run(s, JoinType::kInner, 2, 1); }
BENCHMARK(BM_LookupInnerAllMatch);
BENCHMARK(BM_LookupInnerHalfMatch);
BENCHMARK(BM_LookupLeftHalfMatch);
BENCHMARK(BM_LookupInnerTwoRowsPerKey);

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::bench::RunCheckedBenchmarks(argc, argv); }
