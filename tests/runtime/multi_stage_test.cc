// Differential tests of pipelines with several keyed stages: a first window over random keyed
// events with disorder and late rows, then one or two further windows re-keyed on its results,
// at P = 1..4 and batch sizes 1..4096, against a brute-force reference. The first stage's
// reference is reference_engine.h; the later stages' reference groups the earlier results
// offline, as docs/semantics.md ("Several keyed stages") defines them: a result's event time is
// its window's end minus one microsecond, no result of an earlier window is late, and rows with
// equal event times arrive in order of their values.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <sstream>

#include "sluice/pipeline_builder.h"
#include "base/time_util.h"
#include "random_events.h"
#include "reference_engine.h"
#include "test_util.h"
#include "row_compare.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

// A result row of a reference stage: key, window bounds, and int64 values (nullopt = null).
struct Row {
  std::string key;
  int64_t start = 0, end = 0;
  std::vector<std::optional<int64_t>> values;
  int64_t ts() const { return end - 1; }
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) out.push_back(part);
  if (!s.empty() && s.back() == ',') out.push_back("");
  return out;
}

std::optional<int64_t> Opt(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return std::stoll(s);
}

// The first stage's rows from the reference: key, start, end, n, cnt_v, sum, min, max, ...
std::vector<Row> FirstStage(const RefResult& ref) {
  std::vector<Row> rows;
  for (const std::string& line : ref.rows) {
    auto f = Split(line);
    Row r;
    r.key = f[0];
    r.start = std::stoll(f[1]);
    r.end = std::stoll(f[2]);
    r.values = {Opt(f[3]), Opt(f[4]), Opt(f[7])};  // n, cnt_v, max(v)
    rows.push_back(std::move(r));
  }
  return rows;
}

// How a later stage groups: tumbling (slide == size) or sliding windows over event time.
struct LaterStage {
  int64_t size = 0, slide = 0;
};

// Groups `in` by key(row) and the windows of `stage` that contain row.ts(); aggregates
// count(), sum(values[0]), max(values[0]), first(values[0]), last(values[0]), where first and
// last order rows by event time, then by the values of the stage's input fields (`fields`).
std::vector<Row> Regroup(std::vector<Row> in, const LaterStage& stage,
                         const std::function<std::string(const Row&)>& key,
                         const std::function<std::vector<int64_t>(const Row&)>& fields) {
  std::stable_sort(in.begin(), in.end(), [&](const Row& a, const Row& b) {
    return std::pair(a.ts(), fields(a)) < std::pair(b.ts(), fields(b));
  });
  std::map<std::tuple<std::string, int64_t>, std::vector<const Row*>> groups;
  for (const Row& r : in) {
    const int64_t last_start = RefFloorDiv(r.ts(), stage.slide) * stage.slide;
    for (int64_t s = last_start; s > r.ts() - stage.size; s -= stage.slide) {
      groups[{key(r), s}].push_back(&r);
    }
  }
  std::vector<Row> out;
  for (const auto& [k, rows] : groups) {
    Row r;
    r.key = std::get<0>(k);
    r.start = std::get<1>(k);
    r.end = r.start + stage.size;
    int64_t sum = 0, mx = INT64_MIN;
    for (const Row* x : rows) {
      sum += *x->values[0];
      mx = std::max(mx, *x->values[0]);
    }
    r.values = {static_cast<int64_t>(rows.size()), sum, mx, *rows.front()->values[0],
                *rows.back()->values[0]};
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> Lines(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  for (const Row& r : rows) {
    std::string line = fmt::format("{},{},{}", r.key, r.start, r.end);
    for (const auto& v : r.values) line += "," + (v ? std::to_string(*v) : std::string());
    out.push_back(std::move(line));
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Case {
  RefConfig first;
  std::vector<RefEvent> events;
  LaterStage second, third;
  bool three_stages = false;
};

Case RandomCase(std::mt19937_64& rng, RefWindow kind) {
  Case c;
  std::uniform_int_distribution<int> pick(0, 3);
  c.first.kind = kind;
  c.first.size = std::vector<int64_t>{50, 100, 300, 1000}[pick(rng)];
  c.first.slide =
      std::max<int64_t>(1, c.first.size / std::vector<int64_t>{1, 2, 3, 10}[pick(rng)]);
  c.first.gap = std::vector<int64_t>{20, 40, 100, 250}[pick(rng)];
  c.first.bound = std::vector<int64_t>{0, 10, 50, 200}[pick(rng)];
  c.first.lateness = 0;  // a window that feeds another keyed stage has none
  c.second.size = std::vector<int64_t>{100, 250, 1000, 3000}[pick(rng)];
  c.second.slide = pick(rng) == 0 ? c.second.size / 2 : c.second.size;
  c.third.size = std::vector<int64_t>{500, 1000, 2000, 7000}[pick(rng)];
  c.third.slide = c.third.size;
  c.three_stages = pick(rng) < 2;
  const int keys = std::vector<int>{1, 3, 20, 200}[pick(rng)];
  const int64_t disorder = std::vector<int64_t>{0, 20, 100, 400}[pick(rng)];
  c.events = RandomEvents(rng, keys, disorder);
  return c;
}

// Stage 1: per key, the case's window: n, cnt_v, hi. Stage 2: keyed by g = n % 3, the second
// window over n. Stage 3 (optional): all rows of stage 2 together (all = 1), the third window
// over stage 2's row count.
PipelineBuilder Builder(const Case& c, const std::string& csv, uint32_t p, uint32_t batch) {
  PipelineBuilder b("multi-stage");
  b.parallelism(p)
      .batch_size(batch)
      .csv_source(csv, {{"key", "string"}, {"ts", "timestamp_us"}, {"v", "int64"}})
      .event_time("ts", FormatDuration(c.first.bound))
      .key_by({"key"});
  const std::vector<std::string> first = {"count() as n", "count(v) as cnt_v", "max(v) as hi"};
  switch (c.first.kind) {
    case RefWindow::kTumbling:
      b.tumbling(FormatDuration(c.first.size), first);
      break;
    case RefWindow::kSliding:
      b.sliding(FormatDuration(c.first.size), FormatDuration(c.first.slide), first);
      break;
    case RefWindow::kSession:
      b.session(FormatDuration(c.first.gap), first);
      break;
  }
  auto later = [&](const LaterStage& s, const std::string& field) {
    const std::vector<std::string> aggs = {"count() as rows", "sum(" + field + ") as total",
                                           "max(" + field + ") as top",
                                           "first(" + field + ") as fst",
                                           "last(" + field + ") as lst"};
    if (s.slide == s.size) {
      b.tumbling(FormatDuration(s.size), aggs);
    } else {
      b.sliding(FormatDuration(s.size), FormatDuration(s.slide), aggs);
    }
  };
  b.map("g", "n % 3").keep({"g", "n"}).key_by({"g"});
  later(c.second, "n");
  if (c.three_stages) {
    b.map("all", "1").keep({"all", "rows"}).key_by({"all"});
    later(c.third, "rows");
  }
  return b;
}

std::vector<std::string> Expected(const Case& c) {
  RefResult ref = RunReference(c.events, c.first);
  std::vector<Row> rows = FirstStage(ref);
  for (Row& r : rows) r.values = {r.values[0]};  // keep n
  // Stage 2 reads (g, n), stage 3 (all, rows).
  std::vector<Row> second = Regroup(
      rows, c.second, [](const Row& r) { return std::to_string(*r.values[0] % 3); },
      [](const Row& r) { return std::vector<int64_t>{*r.values[0] % 3, *r.values[0]}; });
  if (!c.three_stages) return Lines(second);
  for (Row& r : second) r.values = {r.values[0]};  // keep rows
  return Lines(Regroup(
      second, c.third, [](const Row&) { return std::string("1"); },
      [](const Row& r) { return std::vector<int64_t>{1, *r.values[0]}; }));
}

void CheckCase(const Case& c, const std::string& label) {
  ScratchDir dir("multi");
  std::string csv = dir.file("in.csv");
  WriteFile(csv, EventsCsv(c.events));
  const std::vector<std::string> expected = Expected(c);
  for (auto [p, batch] : {std::pair<uint32_t, uint32_t>{1, 4096}, {2, 1}, {2, 37}, {3, 5},
                          {4, 1000}}) {
    auto out = std::make_shared<Collector>();
    std::unique_ptr<Pipeline> pipeline;
    Status s = Builder(c, csv, p, batch).collect(out).Build(&pipeline);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    s = pipeline->Run();
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    INFO(label << " P=" << p << " batch=" << batch << " size=" << c.first.size
               << " slide=" << c.first.slide << " gap=" << c.first.gap
               << " bound=" << c.first.bound << " second=" << c.second.size << "/"
               << c.second.slide << " third=" << (c.three_stages ? c.third.size : 0)
               << " events=" << c.events.size());
    std::vector<std::string> got = out->sorted_lines();
    CheckSameSortedRows(got, expected);
  }
}

void RunKind(RefWindow kind, const char* label, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 8; ++round) CheckCase(RandomCase(rng, kind), label);
}

}  // namespace

TEST_CASE("a tumbling window re-keyed into further windows matches the reference") {
  RunKind(RefWindow::kTumbling, "tumbling", 11);
}

TEST_CASE("a sliding window re-keyed into further windows matches the reference") {
  RunKind(RefWindow::kSliding, "sliding", 12);
}

TEST_CASE("a session window re-keyed into further windows matches the reference") {
  RunKind(RefWindow::kSession, "session", 13);
}
