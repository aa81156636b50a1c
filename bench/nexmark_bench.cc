// The Nexmark generator (operators/nexmark.h) unthrottled on one core: events/s for the three
// tables together (each batch of 4,096 rows reused, as a source reuses its batches) and for each
// table on its own. The target is 50 M events/s for the three together, so that the generator
// never bounds a query. Checked: the tables' rows add up to the events drawn, and one table's
// rows keep the proportions (a mismatch fails the benchmark; exit 1).
//
//   bench_nexmark_bench [--benchmark_filter=All]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>

#include "bench/bench_check.h"
#include "operators/nexmark.h"

namespace {

using namespace sluice;

constexpr size_t kBatchRows = 4096;
constexpr uint64_t kChunk = NexmarkGenerator::kProportion * kBatchRows;

const NexmarkGenerator& Generator() {
  static const NexmarkGenerator gen{NexmarkConfig()};
  return gen;
}

// All three tables, chunk after chunk of events, as `sluice generate nexmark` does.
void BM_NexmarkAllTables(benchmark::State& state) {
  const NexmarkGenerator& gen = Generator();
  constexpr std::array<NexmarkTable, 3> kTables = {NexmarkTable::kPerson, NexmarkTable::kAuction,
                                                   NexmarkTable::kBid};
  std::array<Batch, 3> batches;
  for (size_t t = 0; t < 3; ++t) batches[t].reset(NexmarkSchema(kTables[t]));
  uint64_t start = 0;
  uint64_t bytes = 0;
  uint64_t rows = 0;
  for (auto _ : state) {
    for (size_t t = 0; t < 3; ++t) {
      uint64_t next = start;
      while (next < start + kChunk) {
        batches[t].clear();
        rows += gen.Fill(kTables[t], &next, start + kChunk, kBatchRows, &batches[t]);
        for (const Column& c : batches[t].columns) bytes += c.chars.size();
        benchmark::DoNotOptimize(batches[t].columns[0].i64.data());
      }
    }
    start += kChunk;
  }
  if (rows != start) {
    bench::FailBenchmark(state, "MISMATCH: the tables' rows do not add up to the events drawn");
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(start));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(start), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_NexmarkAllTables);

// One table: the events of the others are skipped without being drawn. items = rows.
void BM_NexmarkTable(benchmark::State& state) {
  const NexmarkGenerator& gen = Generator();
  const auto table = static_cast<NexmarkTable>(state.range(0));
  Batch batch;
  batch.reset(NexmarkSchema(table));
  uint64_t next = 0;
  uint64_t rows = 0;
  for (auto _ : state) {
    batch.clear();
    rows += gen.Fill(table, &next, UINT64_MAX, kBatchRows, &batch);
    benchmark::DoNotOptimize(batch.columns[0].i64.data());
  }
  // Every event before `next` of this table was drawn: whole cycles of kProportion events,
  // then the table's events in the part of a cycle left.
  uint64_t expected = 0;
  for (uint64_t n = 0; n < NexmarkGenerator::kProportion; ++n) {
    if (NexmarkGenerator::TableOf(n) != table) continue;
    expected +=
        next / NexmarkGenerator::kProportion + (n < next % NexmarkGenerator::kProportion ? 1 : 0);
  }
  if (rows != expected) {
    bench::FailBenchmark(state, "MISMATCH: a table's rows break the 1:3:46 proportions");
    return;
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.SetLabel(std::string(NexmarkTableName(table)));
}
BENCHMARK(BM_NexmarkTable)->Arg(0)->Arg(1)->Arg(2);

}  // namespace

int main(int argc, char** argv) { return sluice::bench::RunCheckedBenchmarks(argc, argv); }
