// Aggregates over the last rows of each key (operators/row_window.cc), against a brute force
// over the input in order: for each key's i-th row (1-based) with i % every == 0, count, sum,
// min and max of v over the key's rows i - rows + 1 .. i. Random keys, batchings, rows and
// every; snapshots taken midway restore to the same continuation.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "window_test_util.h"

using namespace sluice;
using namespace sluice::wintest;

namespace {

KeyedStageDef LastRows(int64_t rows, int64_t every) {
  KeyedStageDef def;
  def.kind = OpKind::kAggregate;
  def.rows = rows;
  def.every = every;
  def.key_columns = {0};
  def.aggregates.push_back({AggFunc::kCount, -1, {"n", Type::kInt64}});
  def.aggregates.push_back({AggFunc::kSum, 1, {"total", Type::kInt64}});
  def.aggregates.push_back({AggFunc::kMin, 1, {"lo", Type::kInt64}});
  def.aggregates.push_back({AggFunc::kMax, 1, {"hi", Type::kInt64}});
  return def;
}

struct Row {
  std::string key;
  int64_t v;
  int64_t ts;
};

// Expected rows as "k|n|total|lo|hi@ts" (without wm), sorted.
std::vector<std::string> Expected(const std::vector<Row>& rows, int64_t n, int64_t every) {
  std::map<std::string, std::vector<int64_t>> seen;
  std::vector<std::string> out;
  for (const Row& r : rows) {
    std::vector<int64_t>& vs = seen[r.key];
    vs.push_back(r.v);
    if (static_cast<int64_t>(vs.size()) % every != 0) continue;
    const size_t from = vs.size() > static_cast<size_t>(n) ? vs.size() - n : 0;
    int64_t sum = 0, lo = vs[from], hi = vs[from];
    for (size_t i = from; i < vs.size(); ++i) {
      sum += vs[i];
      lo = std::min(lo, vs[i]);
      hi = std::max(hi, vs[i]);
    }
    out.push_back(r.key + "|" + std::to_string(vs.size() - from) + "|" + std::to_string(sum) +
                  "|" + std::to_string(lo) + "|" + std::to_string(hi) + "@" +
                  std::to_string(r.ts));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("row window: aggregates over each key's last rows equal a brute force") {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(seed);
    auto uniform = [&](int64_t lo, int64_t hi) {
      return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    const int64_t n = std::vector<int64_t>{1, 2, 3, 10, 50}[uniform(0, 4)];
    const int64_t every = uniform(0, 2) == 0 ? n : uniform(1, n);
    const int keys = static_cast<int>(uniform(1, 20));
    Feed feed(BasicSchema(), {0}, 5);
    std::vector<Row> rows;
    const int count = static_cast<int>(uniform(0, 600));
    for (int i = 0; i < count; ++i) {
      const Row r{"k" + std::to_string(uniform(0, keys - 1)), uniform(-100, 100),
                  uniform(0, 1000)};
      rows.push_back(r);
      feed.Add(r.ts, KV(r.key, r.v));
    }
    CAPTURE(seed);
    CAPTURE(n);
    CAPTURE(every);
    const KeyedStageDef def = LastRows(n, every);
    const std::vector<std::string> want = Expected(rows, n, every);
    for (const auto& batches : {feed.OneBatch(), feed.CutEvery(1), feed.CutEvery(7)}) {
      const Output out = Run(def, feed.schema(), batches, false);
      REQUIRE(out.sorted_rows() == want);
      REQUIRE(out.late_count == 0);
    }
    // Snapshot after a prefix, restore into a fresh operator, continue: the same rows.
    const std::vector<Batch> batches = feed.CutEvery(13);
    auto op = Make(def, feed.schema());
    std::vector<std::string> resumed;
    std::string snap;
    for (size_t i = 0; i < batches.size(); ++i) {
      if (i == batches.size() / 2) {
        op->Snapshot(&snap);
        op = Make(def, feed.schema());
        const Status s = op->Restore(snap);
        REQUIRE_MESSAGE(s.ok(), s.ToString());
      }
      Batch out;
      out.reset(op->output_schema());
      REQUIRE(op->Process(batches[i], &out).ok());
      for (size_t r = 0; r < out.size(); ++r) resumed.push_back(RowText(out, r, false));
    }
    std::sort(resumed.begin(), resumed.end());
    REQUIRE(resumed == want);
    // A snapshot of another shape is refused.
    if (!snap.empty()) CHECK(!Make(LastRows(n + 1, 1), feed.schema())->Restore(snap).ok());
  }
}
