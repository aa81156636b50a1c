// Micro-benchmarks of the expression evaluator over 4096-row batches.
// Items are rows: items_per_second, and its inverse time_per_row (seconds, SI-prefixed: "770p" is
// 0.77 ns), give the per-row cost. Results are checked, untimed: the batch's result must equal,
// row by row, the result of evaluating each row in a batch of its own (a defect of a vectorized
// path shows as a difference); a mismatch fails the benchmark and the program exits 1.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <random>
#include <string>

#include "base/batch.h"
#include "bench/bench_check.h"
#include "expr/expr.h"

namespace sluice {
namespace {

constexpr size_t kRows = 4096;

void Fail(benchmark::State& state, const char* text, size_t row) {
  bench::FailBenchmark(
      state, fmt::format("MISMATCH: '{}' at row {} differs from the row alone", text, row));
}

Schema BenchSchema() {
  return Schema({{"id", Type::kInt64},
                 {"value", Type::kDouble},
                 {"name", Type::kString},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis}});
}

// Row r of `batch` as a batch of one row.
Batch RowAlone(const Batch& batch, size_t r) {
  Batch one;
  one.reset(BenchSchema());
  one.append_row(batch, r);
  return one;
}

// value uniform in [0, 100); name one of a few short strings; ts one second apart from
// 2024-05-01; every 10th value null when `nulls`.
Batch MakeBatch(bool nulls) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> value(0, 100);
  const char* names[] = {"alice", "bob", "carol", "dave", "eve", "mallory"};
  Batch b;
  b.reset(BenchSchema());
  for (size_t r = 0; r < kRows; ++r) {
    b.columns[0].push_int(static_cast<int64_t>(r));
    if (nulls && r % 10 == 0) {
      b.columns[1].push_null();
    } else {
      b.columns[1].push_double(value(rng));
    }
    b.columns[2].push_string(names[rng() % 6]);
    b.columns[3].push_int(1'714'521'600'000 + static_cast<int64_t>(r) * 1'000);
    b.ts.push_back(static_cast<TimeUs>(r));
    b.wm.push_back(kMinTime);
  }
  return b;
}

std::unique_ptr<Expr> MustCompile(const char* text) {
  auto e = CompileExpr(text, BenchSchema());
  if (!e.ok()) std::abort();
  return std::move(e).value();
}

void SetRowCounters(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.counters["time_per_row"] =
      benchmark::Counter(static_cast<double>(kRows), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

void RunSelect(benchmark::State& state, const char* text, bool nulls) {
  Batch batch = MakeBatch(nulls);
  auto e = MustCompile(text);
  std::vector<uint8_t> sel;
  for (auto _ : state) {
    e->Select(batch, &sel);
    benchmark::DoNotOptimize(sel.data());
    benchmark::ClobberMemory();
  }
  std::vector<uint8_t> alone;
  for (size_t r = 0; r < kRows; ++r) {
    e->Select(RowAlone(batch, r), &alone);
    if ((alone[0] != 0) != (sel[r] != 0)) return Fail(state, text, r);
  }
  SetRowCounters(state);
}

void RunEvaluate(benchmark::State& state, const char* text, bool nulls) {
  Batch batch = MakeBatch(nulls);
  auto e = MustCompile(text);
  Column out;
  for (auto _ : state) {
    e->Evaluate(batch, &out);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
  Column alone;
  for (size_t r = 0; r < kRows; ++r) {
    e->Evaluate(RowAlone(batch, r), &alone);
    if (!(alone.get(0) == out.get(r))) return Fail(state, text, r);
  }
  SetRowCounters(state);
}

void BM_SelectDoubleLess(benchmark::State& s) { RunSelect(s, "value < 90", false); }
void BM_SelectDoubleLessWithNulls(benchmark::State& s) { RunSelect(s, "value < 90", true); }
void BM_SelectAndOfComparisons(benchmark::State& s) {
  RunSelect(s, "value < 90 and id % 3 = 0", false);
}
void BM_EvaluateDoubleTimesTwo(benchmark::State& s) { RunEvaluate(s, "value * 2", false); }
void BM_EvaluateIntArithmetic(benchmark::State& s) { RunEvaluate(s, "id * 3 + 1", false); }
void BM_SelectStringEquals(benchmark::State& s) { RunSelect(s, "name = 'alice'", false); }
void BM_SelectLowerStringLess(benchmark::State& s) { RunSelect(s, "lower(name) < 'c'", false); }
void BM_EvaluateConcat(benchmark::State& s) { RunEvaluate(s, "name + '!'", false); }

// The functions of docs/expressions.md "Functions".
void BM_EvaluateCase(benchmark::State& s) {
  RunEvaluate(s, "case when value < 30 then 'low' when value < 70 then 'mid' else 'high' end",
              false);
}
void BM_EvaluateIf(benchmark::State& s) { RunEvaluate(s, "if(value < 50, value, -value)", false); }
void BM_EvaluateSubstr(benchmark::State& s) { RunEvaluate(s, "substr(name, 2, 3)", false); }
void BM_EvaluateSplitPart(benchmark::State& s) {
  RunEvaluate(s, "split_part(name, 'a', -1)", false);
}
void BM_SelectRegexpLike(benchmark::State& s) {
  RunSelect(s, "regexp_like(name, '^[a-c]')", false);
}
void BM_EvaluateRegexpExtract(benchmark::State& s) {
  RunEvaluate(s, "regexp_extract(name, '([aeiou])(.)', 2)", false);
}
void BM_EvaluateDateTruncHour(benchmark::State& s) {
  RunEvaluate(s, "date_trunc('hour', ts)", false);
}
void BM_EvaluateDateTruncMonth(benchmark::State& s) {
  RunEvaluate(s, "date_trunc('month', ts)", false);
}
void BM_EvaluateHour(benchmark::State& s) { RunEvaluate(s, "hour(ts)", false); }
void BM_EvaluateDateFormat(benchmark::State& s) {
  RunEvaluate(s, "date_format(ts, 'yyyy-MM-dd HH:mm:ss.SSS')", false);
}
void BM_EvaluateCastDoubleToString(benchmark::State& s) {
  RunEvaluate(s, "cast(value as string)", false);
}
void BM_EvaluateCastStringToInt(benchmark::State& s) {
  RunEvaluate(s, "cast(cast(id as string) as int64)", false);
}

BENCHMARK(BM_EvaluateCase);
BENCHMARK(BM_EvaluateIf);
BENCHMARK(BM_EvaluateSubstr);
BENCHMARK(BM_EvaluateSplitPart);
BENCHMARK(BM_SelectRegexpLike);
BENCHMARK(BM_EvaluateRegexpExtract);
BENCHMARK(BM_EvaluateDateTruncHour);
BENCHMARK(BM_EvaluateDateTruncMonth);
BENCHMARK(BM_EvaluateHour);
BENCHMARK(BM_EvaluateDateFormat);
BENCHMARK(BM_EvaluateCastDoubleToString);
BENCHMARK(BM_EvaluateCastStringToInt);
BENCHMARK(BM_SelectDoubleLess);
BENCHMARK(BM_SelectDoubleLessWithNulls);
BENCHMARK(BM_SelectAndOfComparisons);
BENCHMARK(BM_EvaluateDoubleTimesTwo);
BENCHMARK(BM_EvaluateIntArithmetic);
BENCHMARK(BM_SelectStringEquals);
BENCHMARK(BM_SelectLowerStringLess);
BENCHMARK(BM_EvaluateConcat);

// Compile cost, for planners that compile per pipeline build.
void BM_Compile(benchmark::State& state) {
  Schema schema = BenchSchema();
  for (auto _ : state) {
    auto e = CompileExpr("value < 90 and (lower(name) = 'alice' or abs(id - 7) % 3 = 1)", schema);
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(BM_Compile);

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::bench::RunCheckedBenchmarks(argc, argv); }
