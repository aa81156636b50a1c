// The example pipelines under pipelines/examples/ load, and say what the docs say they do.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "pipelines/toml_loader.h"

using namespace sluice;

namespace {

const std::string kExamples = std::string(SLUICE_SOURCE_DIR) + "/pipelines/examples";

PipelineSpec LoadExample(const std::string& name) {
  auto r = LoadPipelineFile(kExamples + "/" + name + ".toml");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

std::vector<std::string> Texts(const OperatorSpec& op) {
  std::vector<std::string> out;
  for (const AggregateSpec& a : op.aggregates) out.push_back(a.text);
  return out;
}

// All examples read the demo clickstream and write next to it.
void CheckDemoPipeline(const PipelineSpec& p, const std::string& name, const std::string& out) {
  CHECK(p.name == name);
  CHECK(p.dead_letter_path == "demo-out/" + name + ".dlq.jsonl");
  CHECK(p.late_path == "demo-out/" + name + ".late.jsonl");
  CHECK(p.source.type == "csv");
  CHECK(p.source.path == "demo-out/clicks.csv");
  CHECK(p.source.schema.ToString() == "user:string, page:string, ts:timestamp_ms, amount:double");
  CHECK(p.source.event_time == "ts");
  CHECK(p.sink.type == "csv");
  CHECK(p.sink.path == "demo-out/" + out);
}

}  // namespace

TEST_CASE("every example file under pipelines/examples loads") {
  int found = 0;
  for (const auto& e : std::filesystem::directory_iterator(kExamples)) {
    if (e.path().extension() != ".toml") continue;
    ++found;
    CAPTURE(e.path().string());
    auto r = LoadPipelineFile(e.path().string());
    CHECK_MESSAGE(r.ok(), r.status().ToString());
  }
  CHECK(found >= 3);
}

TEST_CASE("clicks-per-user example: tumbling 10s windows per user") {
  PipelineSpec p = LoadExample("clicks-per-user");
  CheckDemoPipeline(p, "clicks-per-user", "clicks_per_user.csv");
  CHECK(p.parallelism == 2);
  CHECK(p.source.max_out_of_orderness == 2'000'000);
  REQUIRE(p.operators.size() == 3);
  CHECK(p.operators[0].where == "amount > 0");
  CHECK(p.operators[1].fields == std::vector<std::string>{"user"});
  CHECK(p.operators[2].window == WindowKind::kTumbling);
  CHECK(p.operators[2].size == 10'000'000);
  CHECK(p.operators[2].allowed_lateness == 0);
  CHECK(Texts(p.operators[2]) ==
        std::vector<std::string>{"count() as n", "sum(amount) as total", "avg(amount) as mean"});
}

TEST_CASE("top-pages example: sliding 1m windows every 10s per page") {
  PipelineSpec p = LoadExample("top-pages");
  CheckDemoPipeline(p, "top-pages", "top_pages.csv");
  REQUIRE(p.operators.size() == 2);
  CHECK(p.operators[0].fields == std::vector<std::string>{"page"});
  CHECK(p.operators[1].window == WindowKind::kSliding);
  CHECK(p.operators[1].size == 60'000'000);
  CHECK(p.operators[1].slide == 10'000'000);
  CHECK(Texts(p.operators[1]) == std::vector<std::string>{"count() as views",
                                                          "count_distinct(user) as visitors",
                                                          "sum(amount) as revenue"});
}

TEST_CASE("user-sessions example: session windows with a 30s gap per user") {
  PipelineSpec p = LoadExample("user-sessions");
  CheckDemoPipeline(p, "user-sessions", "user_sessions.csv");
  REQUIRE(p.operators.size() == 2);
  CHECK(p.operators[0].fields == std::vector<std::string>{"user"});
  CHECK(p.operators[1].window == WindowKind::kSession);
  CHECK(p.operators[1].gap == 30'000'000);
  CHECK(Texts(p.operators[1]) ==
        std::vector<std::string>{"count() as clicks", "sum(amount) as spent",
                                 "first(page) as entry_page", "last(page) as exit_page"});
}
