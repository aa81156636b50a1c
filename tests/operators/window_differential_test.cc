// Differential test of the keyed stage against the brute-force reference
// (tests/reference/reference_windows.h): random keyed inputs with bounded disorder, random window
// kinds, sizes, slides, gaps, bounds, allowed lateness, time units and aggregates, cut into random
// batches; also split over two lanes as the router would.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "base/key.h"
#include "window_test_util.h"

using namespace sluice;
using namespace sluice::wintest;

namespace {

Schema DiffSchema() { return MixedSchema(); }

template <typename T>
T Pick(std::mt19937_64& rng, const std::vector<T>& options) {
  return options[std::uniform_int_distribution<size_t>(0, options.size() - 1)(rng)];
}

int64_t Uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// Which stage a test case draws.
// kSlidingExact: sliding windows of many panes whose aggregates are all counts and sums or
// averages of int columns, which fire from a running merge (operators/pane_window.cc).
enum class Stage { kTumbling, kSliding, kSlidingExact, kSession, kRunning };

KeyedStageDef RandomDef(std::mt19937_64& rng, const Schema& schema, Stage stage) {
  KeyedStageDef def;
  def.kind = stage == Stage::kRunning ? OpKind::kAggregate : OpKind::kWindow;
  const bool exact = stage == Stage::kSlidingExact;
  def.window = stage == Stage::kSliding || exact ? WindowKind::kSliding
               : stage == Stage::kSession        ? WindowKind::kSession
                                                 : WindowKind::kTumbling;
  def.size = Pick<int64_t>(rng, {1, 3, 10, 50, 100, 400});
  def.slide = def.size;
  if (exact) {
    def.size = Pick<int64_t>(rng, {8, 20, 50, 100, 400});
    def.slide = std::max<int64_t>(1, def.size / Pick<int64_t>(rng, {4, 5, 10, 40, 400}));
  } else if (def.window == WindowKind::kSliding) {
    def.slide = Uniform(rng, 0, 1)
                    ? std::max<int64_t>(1, def.size / Pick<int64_t>(rng, {1, 2, 3, 5, 10}))
                    : Uniform(rng, 1, def.size);
  }
  def.gap = Pick<int64_t>(rng, {1, 5, 20, 80});
  def.allowed_lateness = Pick<int64_t>(rng, {0, 0, 0, 3, 30, 200});
  def.time_unit = Pick(rng, std::vector<TimeUnit>{TimeUnit::kMicros, TimeUnit::kMillis,
                                                  TimeUnit::kSeconds, TimeUnit::kIso});
  def.key_columns = Pick(rng, std::vector<std::vector<int>>{{0}, {0}, {1, 0}, {1}});
  std::vector<AggChoice> choices = AllAggregateChoices();
  if (exact) {
    std::erase_if(choices, [&](const AggChoice& c) {
      return c.func != AggFunc::kCount &&
             ((c.func != AggFunc::kSum && c.func != AggFunc::kAvg) ||
              schema.field(c.input).type == Type::kDouble);
    });
  }
  const int n = static_cast<int>(Uniform(rng, 1, 6));
  for (int i = 0; i < n; ++i) {
    const AggChoice c = Pick(rng, choices);
    auto field = AggregateResultField(c.func, c.input >= 0 ? &schema.field(c.input) : nullptr,
                                      "a" + std::to_string(i));
    REQUIRE(field.ok());
    def.aggregates.push_back({c.func, c.input, *field});
  }
  return def;
}

// Events advance 0..4 us each, displaced back by up to `disorder` us; about 1 in 10 values is
// null. Doubles are multiples of 0.25 so sums are exact in any order.
void FillFeed(std::mt19937_64& rng, Feed* feed) {
  const int keys = Pick(rng, std::vector<int>{1, 3, 20, 100});
  const int64_t disorder = Pick<int64_t>(rng, {0, 5, 30, 300});
  const int n = static_cast<int>(Uniform(rng, 0, 800));
  int64_t t = Uniform(rng, -2000, 100);
  auto maybe = [&](Value v) { return Uniform(rng, 0, 9) == 0 ? Value::Null(v.type) : v; };
  const std::vector<std::string> strings = {"", "a", "b", "ab", "zz"};
  for (int i = 0; i < n; ++i) {
    t += Uniform(rng, 0, 4);
    const int key = static_cast<int>(Uniform(rng, 0, keys - 1));
    feed->Add(
        t - Uniform(rng, 0, disorder),
        {maybe(Value::String("k" + std::to_string(key))), maybe(Value::Int(key % 3)),
         maybe(Value::Int(Uniform(rng, -50, 50))),
         maybe(Value::Double(static_cast<double>(Uniform(rng, -80, 80)) / 4)),
         maybe(Value::String(Pick(rng, strings))), maybe(Value::Timestamp(Uniform(rng, -9, 9))),
         maybe(Value::Bool(Uniform(rng, 0, 1) != 0))});
  }
}

std::vector<size_t> RandomCuts(std::mt19937_64& rng, size_t rows) {
  std::vector<size_t> sizes;
  const int64_t max_size = Pick<int64_t>(rng, {1, 7, 64, 1000});
  for (size_t covered = 0; covered < rows;) {
    const size_t n = static_cast<size_t>(Uniform(rng, 0, max_size));
    sizes.push_back(n);
    covered += n;
  }
  return sizes;
}

// Each lane's share of every source batch, as the router hands it over: the lane's rows in order,
// with the source batch's watermark and last flag (possibly no rows).
std::vector<std::vector<Batch>> SplitLanes(const std::vector<Batch>& batches, uint32_t lanes) {
  std::vector<std::vector<Batch>> out(lanes);
  for (const Batch& b : batches) {
    for (uint32_t lane = 0; lane < lanes; ++lane) {
      Batch part;
      part.columns.resize(b.columns.size());
      for (size_t c = 0; c < b.columns.size(); ++c) part.columns[c] = Column(b.columns[c].type);
      for (size_t r = 0; r < b.size(); ++r) {
        if (LaneOf(b.key_hash[r], lanes) == lane) part.append_row(b, r);
      }
      part.watermark = b.watermark;
      part.last = b.last;
      part.seq = b.seq;
      out[lane].push_back(std::move(part));
    }
  }
  return out;
}

std::string Describe(const KeyedStageDef& def, uint64_t seed) {
  std::string aggs;
  for (const AggregateDef& a : def.aggregates) {
    aggs += std::string(AggFuncName(a.func)) + "(" + std::to_string(a.input) + ") ";
  }
  return "seed " + std::to_string(seed) + " kind " + std::to_string(static_cast<int>(def.kind)) +
         " window " + std::to_string(static_cast<int>(def.window)) + " size " +
         std::to_string(def.size) + " slide " + std::to_string(def.slide) + " gap " +
         std::to_string(def.gap) + " L " + std::to_string(def.allowed_lateness) + " aggs " + aggs;
}

// Random cases of `stage`: the operator over a random batch cut equals the reference (rows with
// their wm, late rows, the late count), and a second random cut gives the same multisets.
void CheckOneLane(Stage stage, uint64_t first_seed, int cases) {
  const Schema schema = DiffSchema();
  for (uint64_t seed = first_seed; seed < first_seed + cases; ++seed) {
    std::mt19937_64 rng(seed);
    const KeyedStageDef def = RandomDef(rng, schema, stage);
    const int64_t bound = Pick<int64_t>(rng, {0, 1, 10, 50, 200});
    Feed feed(schema, def.key_columns, bound);
    FillFeed(rng, &feed);
    CAPTURE(Describe(def, seed));
    CAPTURE(bound);

    const std::vector<Batch> batches = feed.Cut(RandomCuts(rng, feed.size()));
    const Output got = Run(def, schema, batches);
    const reference::WindowResult want = reference::RunReference(
        reference::EventsFromBatches(batches, def), reference::StageFromDef(def, schema),
        feed.WatermarkAfter(feed.size()));
    const auto want_rows = reference::SortedRowTexts(want.rows, true);
    const auto want_late = LateTexts(want.late, batches, true);
    REQUIRE_MESSAGE(got.sorted_rows() == want_rows, Diff(got.sorted_rows(), want_rows));
    REQUIRE_MESSAGE(got.sorted_late() == want_late, Diff(got.sorted_late(), want_late));
    REQUIRE(got.late_count == want.late.size());

    const Output again = Run(def, schema, feed.Cut(RandomCuts(rng, feed.size())));
    REQUIRE(again.sorted_rows() == got.sorted_rows());
    REQUIRE(again.sorted_late() == got.sorted_late());
  }
}

// Random cases of `stage` split over two lanes as the router would: the lanes' rows together
// equal the reference's, compared without the rows' wm (a lane sees the watermark only at its
// own rows and at batch ends).
void CheckTwoLanes(Stage stage, uint64_t first_seed, int cases) {
  const Schema schema = DiffSchema();
  for (uint64_t seed = first_seed; seed < first_seed + cases; ++seed) {
    std::mt19937_64 rng(seed);
    const KeyedStageDef def = RandomDef(rng, schema, stage);
    const int64_t bound = Pick<int64_t>(rng, {0, 1, 10, 50, 200});
    Feed feed(schema, def.key_columns, bound);
    FillFeed(rng, &feed);
    CAPTURE(Describe(def, seed));
    CAPTURE(bound);

    const std::vector<Batch> batches = feed.Cut(RandomCuts(rng, feed.size()));
    std::vector<std::string> rows, late;
    uint64_t late_count = 0;
    for (const std::vector<Batch>& lane : SplitLanes(batches, 2)) {
      const Output out = Run(def, schema, lane, /*with_wm=*/false);
      rows.insert(rows.end(), out.rows.begin(), out.rows.end());
      late.insert(late.end(), out.late.begin(), out.late.end());
      late_count += out.late_count;
    }
    std::sort(rows.begin(), rows.end());
    std::sort(late.begin(), late.end());
    const reference::WindowResult want = reference::RunReference(
        reference::EventsFromBatches(batches, def), reference::StageFromDef(def, schema),
        feed.WatermarkAfter(feed.size()));
    const auto want_rows = reference::SortedRowTexts(want.rows, false);
    const auto want_late = LateTexts(want.late, batches, false);
    REQUIRE_MESSAGE(rows == want_rows, Diff(rows, want_rows));
    REQUIRE_MESSAGE(late == want_late, Diff(late, want_late));
    REQUIRE(late_count == want.late.size());
  }
}

}  // namespace

TEST_CASE("differential: tumbling equals the reference on random inputs and batch cuts") {
  CheckOneLane(Stage::kTumbling, 1, 150);
}

TEST_CASE("differential: sliding equals the reference on random inputs and batch cuts") {
  CheckOneLane(Stage::kSliding, 1001, 150);
}

TEST_CASE("differential: sliding windows of many panes with counts and int sums (running merge)") {
  CheckOneLane(Stage::kSlidingExact, 7001, 150);
}

TEST_CASE("differential: sliding windows with a running merge over two lanes") {
  CheckTwoLanes(Stage::kSlidingExact, 8001, 60);
}

TEST_CASE("differential: session equals the reference on random inputs and batch cuts") {
  CheckOneLane(Stage::kSession, 2001, 150);
}

TEST_CASE("differential: running aggregate equals the reference on random inputs and batch cuts") {
  CheckOneLane(Stage::kRunning, 3001, 60);
}

TEST_CASE("differential: tumbling over two lanes equals the reference") {
  CheckTwoLanes(Stage::kTumbling, 4001, 60);
}

TEST_CASE("differential: sliding over two lanes equals the reference") {
  CheckTwoLanes(Stage::kSliding, 5001, 60);
}

TEST_CASE("differential: session over two lanes equals the reference") {
  CheckTwoLanes(Stage::kSession, 6001, 60);
}
