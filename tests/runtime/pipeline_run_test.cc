// End-to-end runs of small pipelines through the flow-graph runtime.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include "base/latency_histogram.h"
#include "operators/generator_source.h"
#include "sluice/pipeline_builder.h"
#include "test_util.h"

using namespace sluice;
using sluice::testing::ReadFile;
using sluice::testing::ReadLines;
using sluice::testing::ScratchDir;
using sluice::testing::WriteFile;

namespace {

Status RunPipeline(const PipelineBuilder& b, PipelineStats* stats = nullptr) {
  std::unique_ptr<Pipeline> p;
  SLUICE_RETURN_IF_ERROR(b.Build(&p));
  Status s = p->Run();
  if (stats) *stats = p->Stats();
  return s;
}

}  // namespace

TEST_CASE("filter and map over the generator match a hand-written loop") {
  for (uint32_t p : {1u, 2u}) {
    auto out = std::make_shared<Collector>();
    PipelineStats st;
    REQUIRE(RunPipeline(PipelineBuilder("w1")
                            .parallelism(p)
                            .generator_source(100'000, 10)
                            .filter("value < 90")
                            .map("value", "value * 2")
                            .collect(out),
                        &st)
                .ok());
    uint64_t n = 0;
    double sum = 0;
    for (uint64_t i = 0; i < 100'000; ++i) {
      double v = static_cast<double>(i % 100);
      if (v < 90) ++n, sum += v * 2;
    }
    auto rows = out->rows();
    REQUIRE(rows.size() == n);
    double got = 0;
    int64_t prev_ts = -1;
    bool ordered = true;
    for (const auto& r : rows) {
      got += r[2].d;
      ordered = ordered && r[1].i > prev_ts;
      prev_ts = r[1].i;
    }
    CHECK(got == sum);
    CHECK(ordered);  // unkeyed pipelines keep source order at any parallelism
    CHECK(st.events_in == 100'000);
    CHECK(st.records_out == n);
  }
}

TEST_CASE("tumbling count and sum per key match a hand computation at P=1 and P=2") {
  constexpr uint64_t kEvents = 200'000, kKeys = 37;
  constexpr int64_t kSize = 1'000;
  std::map<std::pair<int64_t, int64_t>, std::pair<int64_t, double>> expected;
  for (uint64_t i = 0; i < kEvents; ++i) {
    int64_t key = static_cast<int64_t>(GeneratorKey(i, kKeys));
    auto& e = expected[{key, static_cast<int64_t>(i) / kSize * kSize}];
    e.first += 1;
    e.second += static_cast<double>(i % 100);
  }
  for (uint32_t p : {1u, 2u}) {
    auto out = std::make_shared<Collector>();
    REQUIRE(RunPipeline(PipelineBuilder("w2")
                            .parallelism(p)
                            .batch_size(p == 1 ? 4096 : 777)
                            .generator_source(kEvents, kKeys)
                            .key_by({"key"})
                            .tumbling("1ms", {"count() as n", "sum(value) as total"})
                            .collect(out))
                .ok());
    auto rows = out->rows();
    REQUIRE(rows.size() == expected.size());
    size_t matched = 0;
    for (const auto& r : rows) {
      // key, window_start, window_end, n, total
      auto it = expected.find({r[0].i, r[1].i});
      REQUIRE(it != expected.end());
      CHECK(r[2].i == r[1].i + kSize);
      CHECK(r[3].i == it->second.first);
      CHECK(r[4].d == it->second.second);
      ++matched;
    }
    CHECK(matched == expected.size());
  }
}

TEST_CASE("malformed csv rows go to the dead-letter file and the run goes on") {
  ScratchDir dir("dlq");
  WriteFile(dir.file("in.csv"),
            "user,ts,amount\n"
            "a,1000,1.5\n"
            "b,1001\n"
            "c,1002,abc\n"
            "d,,2\n"
            "e,1003,2.5\n");
  auto out = std::make_shared<Collector>();
  PipelineStats st;
  REQUIRE(RunPipeline(
              PipelineBuilder("dlq")
                  .csv_source(dir.file("in.csv"),
                              {{"user", "string"}, {"ts", "timestamp_ms"}, {"amount", "double"}})
                  .event_time("ts")
                  .dead_letter_path(dir.file("bad.jsonl"))
                  .collect(out),
              &st)
              .ok());
  CHECK(out->size() == 2);
  CHECK(st.dead_letters == 3);
  auto lines = ReadLines(dir.file("bad.jsonl"));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find("\"line\":3") != std::string::npos);
  CHECK(lines[0].find("b,1001") != std::string::npos);
  CHECK(lines[1].find("\"line\":4") != std::string::npos);
  CHECK(lines[1].find("amount") != std::string::npos);
  CHECK(lines[2].find("\"line\":5") != std::string::npos);
}

TEST_CASE("events later than the watermark allows go to the late file and are counted") {
  ScratchDir dir("late");
  // Tumbling 10 ms windows, bound 0: after ts 25 the watermark is 24.999 ms, so the window
  // [0, 10) has fired and the event at 5 ms is late; the one at 21 ms is not.
  WriteFile(dir.file("in.csv"),
            "k,ts\n"
            "x,1\n"
            "x,25\n"
            "x,5\n"
            "x,21\n");
  auto out = std::make_shared<Collector>();
  PipelineStats st;
  REQUIRE(RunPipeline(PipelineBuilder("late")
                          .csv_source(dir.file("in.csv"), {{"k", "string"}, {"ts", "timestamp_ms"}})
                          .event_time("ts")
                          .late_path(dir.file("late.jsonl"))
                          .key_by({"k"})
                          .tumbling("10ms", {"count() as n"})
                          .collect(out),
                      &st)
              .ok());
  CHECK(st.late == 1);
  auto late = ReadLines(dir.file("late.jsonl"));
  REQUIRE(late.size() == 1);
  CHECK(late[0].find("\"ts\":5") != std::string::npos);
  CHECK(out->sorted_lines() == std::vector<std::string>{"x,0,10,1", "x,20,30,2"});
}

TEST_CASE("invalid pipelines are refused before any data is read") {
  auto out = std::make_shared<Collector>();
  std::unique_ptr<Pipeline> p;
  auto base = [&] {
    return PipelineBuilder("bad").csv_source(
        "does-not-exist.csv", {{"user", "string"}, {"ts", "timestamp_ms"}, {"amount", "double"}});
  };
  Status s = base().event_time("ts").filter("amout > 0").collect(out).Build(&p);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("unknown field 'amout'") != std::string::npos);

  s = base().event_time("ts").filter("amount + 1").collect(out).Build(&p);
  CHECK(s.message().find("must be a bool expression") != std::string::npos);

  s = base().event_time("ts").tumbling("10s", {"count() as n"}).collect(out).Build(&p);
  CHECK(s.message().find("needs a key_by before it") != std::string::npos);

  s = base().key_by({"user"}).tumbling("10s", {"count() as n"}).collect(out).Build(&p);
  CHECK(s.message().find("need event time") != std::string::npos);

  s = base().event_time("ts").key_by({"usr"}).tumbling("10s", {"count()"}).collect(out).Build(&p);
  CHECK(s.message().find("unknown field 'usr'") != std::string::npos);

  s = base().event_time("ts").key_by({"user"}).collect(out).Build(&p);
  CHECK(s.message().find("must be followed by a window") != std::string::npos);

  s = base()
          .event_time("ts")
          .key_by({"user"})
          .tumbling("10s", {"median(amount)"})
          .collect(out)
          .Build(&p);
  CHECK(s.IsInvalidArgument());

  s = base().event_time("ts", "2 s").collect(out).Build(&p);
  CHECK(s.message().find("max_out_of_orderness") != std::string::npos);

  s = base()
          .event_time("ts")
          .key_by({"user"})
          .sliding("10s", "20s", {"count()"})
          .collect(out)
          .Build(&p);
  CHECK(s.message().find("0 < slide <= size") != std::string::npos);

  s = base()
          .event_time("ts")
          .key_by({"user"})
          .sliding("10s", "1us", {"count()"})
          .collect(out)
          .Build(&p);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("a sliding window of 10s sliding by 1us puts every event in 10000000 "
                         "windows") != std::string::npos);
  CHECK(s.message().find("use a slide of at least 1ms") != std::string::npos);
}

TEST_CASE("a missing input file fails the run with the path in the message") {
  auto out = std::make_shared<Collector>();
  Status s = RunPipeline(
      PipelineBuilder("missing").csv_source("/nonexistent/in.csv", {{"a", "int64"}}).collect(out));
  CHECK(s.IsIOError());
  CHECK(s.message().find("/nonexistent/in.csv") != std::string::npos);
}

TEST_CASE("an unwritable sink fails the run and leaves no output file") {
  ScratchDir dir("unwritable");
  Status s = RunPipeline(PipelineBuilder("unwritable")
                             .generator_source(1000, 4)
                             .csv_sink(dir.file("no/such/dir/out.csv")));
  CHECK(s.IsIOError());
  CHECK_FALSE(std::filesystem::exists(dir.file("no/such/dir/out.csv")));
}

TEST_CASE("C++ lambdas and expression strings build the same results") {
  auto by_expr = std::make_shared<Collector>();
  auto by_lambda = std::make_shared<Collector>();
  REQUIRE(RunPipeline(PipelineBuilder("expr")
                          .generator_source(20'000, 7)
                          .filter("value >= 50 and key != 3")
                          .map("scaled", "value * 1.5")
                          .key_by({"key"})
                          .tumbling("5ms", {"count() as n", "max(scaled) as top"})
                          .collect(by_expr))
              .ok());
  REQUIRE(RunPipeline(PipelineBuilder("lambda")
                          .generator_source(20'000, 7)
                          .filter([](const RowView& r) {
                            return r.f64("value") >= 50 && r.i64("key") != 3;
                          })
                          .map("scaled", [](const RowView& r) { return r.f64("value") * 1.5; })
                          .key_by({"key"})
                          .tumbling("5ms", {"count() as n", "max(scaled) as top"})
                          .collect(by_lambda))
              .ok());
  CHECK(by_expr->size() > 0);
  CHECK(by_expr->sorted_lines() == by_lambda->sorted_lines());
}

TEST_CASE("every stage accounts for its rows: in = out + filtered + late + dead letters") {
  ScratchDir dir("stages");
  // 400 rows over 4 users, 1 ms apart; every 50th line malformed; amount 0 on every 10th row.
  std::string csv = "user,ts,amount\n";
  uint64_t malformed = 0, zero = 0, good = 0;
  for (int i = 0; i < 400; ++i) {
    if (i % 50 == 49) {
      csv += "u1,not-a-time,1\n";
      ++malformed;
      continue;
    }
    // Every 40th row arrives 30 ms late (after its 10 ms window closed).
    const int ts = i % 40 == 39 ? i - 30 : i;
    const int amount = i % 10 == 0 ? 0 : 1 + i % 7;
    csv += fmt::format("u{},{},{}\n", i % 4, ts, amount);
    zero += amount == 0;
    ++good;
  }
  WriteFile(dir.file("in.csv"), csv);
  for (uint32_t p : {1u, 2u, 3u}) {
    auto out = std::make_shared<Collector>();
    PipelineStats st;
    REQUIRE(RunPipeline(
                PipelineBuilder("stages")
                    .parallelism(p)
                    .batch_size(16)
                    .dead_letter_path(dir.file("dlq.jsonl"))
                    .csv_source(dir.file("in.csv"),
                                {{"user", "string"}, {"ts", "timestamp_ms"}, {"amount", "int64"}})
                    .event_time("ts")
                    .filter("amount > 0")
                    .key_by({"user"})
                    .tumbling("10ms", {"count() as n", "sum(amount) as total"})
                    .filter("n > 2")
                    .map("w", "window_start")
                    .key_by({"w"})
                    .tumbling("10ms", {"max(total) as top", "count() as users"})
                    .collect(out),
                &st)
                .ok());
    INFO("P=" << p);
    REQUIRE(st.stages.size() == 5);
    const StageStats& src = st.stages[0];
    const StageStats& stateless = st.stages[1];
    const StageStats& first = st.stages[2];
    const StageStats& second = st.stages[3];
    const StageStats& sinks = st.stages[4];
    CHECK(src.name == "source");
    CHECK(first.name == "operator #3 (window)");
    CHECK(second.name == "operator #7 (window)");
    CHECK(sinks.name == "sinks");
    CHECK(src.rows_in == good + malformed);
    CHECK(src.dead_letters == malformed);
    CHECK(src.rows_out == good);
    CHECK(stateless.rows_in == src.rows_out);
    CHECK(stateless.filtered == zero);
    CHECK(stateless.rows_out == good - zero);
    CHECK(first.rows_in == stateless.rows_out);
    CHECK(first.late > 0);
    CHECK(first.late == st.late);
    CHECK(first.filtered > 0);  // windows with one or two rows
    CHECK(second.rows_in == first.rows_out);
    CHECK(second.late == 0);
    CHECK(sinks.rows_in == second.rows_out);
    CHECK(sinks.rows_in == out->size());
    CHECK(sinks.rows_in == st.records_out);
  }
}

TEST_CASE("latency: results of windows only the input's end closed are not measured") {
  // Generator events at 0..2499 us: windows [0, 1000) and [1000, 2000) close by the watermark,
  // [2000, 3000) only because the input ends; each holds all 3 keys.
  for (uint32_t p : {1u, 2u}) {
    CAPTURE(p);
    LatencyHistogram latency;
    PipelineOptions options;
    options.latency = &latency;
    std::unique_ptr<Pipeline> pipeline;
    REQUIRE(PipelineBuilder("latency")
                .parallelism(p)
                .batch_size(300)
                .generator_source(2500, 3)
                .key_by({"key"})
                .tumbling("1ms", {"count() as n"})
                .collect(std::make_shared<Collector>())
                .Build(&pipeline, options)
                .ok());
    REQUIRE(pipeline->Run().ok());
    CHECK(latency.count() == 6);
    CHECK(latency.unmeasured() == 3);
  }
  // Rows that are not windows are all measured, the last ones included.
  LatencyHistogram latency;
  PipelineOptions options;
  options.latency = &latency;
  std::unique_ptr<Pipeline> pipeline;
  REQUIRE(PipelineBuilder("stateless")
              .generator_source(2500, 3)
              .filter("value < 50")
              .collect(std::make_shared<Collector>())
              .Build(&pipeline, options)
              .ok());
  REQUIRE(pipeline->Run().ok());
  CHECK(latency.count() == 1250);
  CHECK(latency.unmeasured() == 0);
}
