// The example pipelines under pipelines/examples/ load, and say what the docs say they do.
#include <doctest/doctest.h>

#include <cstdio>
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

std::string ReadText(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE_MESSAGE(f != nullptr, path);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

// The ```toml blocks of a markdown file.
std::vector<std::string> TomlBlocks(const std::string& markdown) {
  std::vector<std::string> blocks;
  size_t at = 0;
  while ((at = markdown.find("```toml\n", at)) != std::string::npos) {
    at += 8;
    size_t end = markdown.find("```", at);
    REQUIRE(end != std::string::npos);
    blocks.push_back(markdown.substr(at, end - at));
    at = end + 3;
  }
  return blocks;
}

// Loads every ```toml block of `doc`; an operator snippet is wrapped in a generator pipeline.
int LoadDocBlocks(const std::string& doc) {
  int loaded = 0;
  for (const std::string& block : TomlBlocks(ReadText(std::string(SLUICE_SOURCE_DIR) + doc))) {
    CAPTURE(block);
    const bool whole = block.find("[source]") != std::string::npos;
    const std::string text =
        whole ? block : "[source]\ntype = \"generator\"\n" + block + "[sink]\ntype = \"null\"\n";
    auto r = LoadPipelineString(text, doc);
    CHECK_MESSAGE(r.ok(), r.status().ToString());
    loaded += r.ok();
  }
  return loaded;
}

}  // namespace

TEST_CASE("the toml blocks of docs/pipelines.md and README.md load") {
  CHECK(LoadDocBlocks("/docs/pipelines.md") >= 6);
  CHECK(LoadDocBlocks("/README.md") >= 1);
}

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
