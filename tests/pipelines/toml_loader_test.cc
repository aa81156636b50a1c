// The TOML loader: the contract file, every key, and every error path with file:line:column.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "sluice/pipeline_builder.h"
#include "pipelines/toml_loader.h"

using namespace sluice;

namespace {

const char* kContract = R"toml([pipeline]
name = "clicks-per-user"
parallelism = 2
dead_letter_path = "clicks.dlq.jsonl"

[source]
type = "csv"
path = "clicks.csv"
schema = { user = "string", ts = "timestamp_ms", amount = "double" }
event_time = "ts"
max_out_of_orderness = "2s"

[[operator]]
type = "filter"
where = "amount > 0"

[[operator]]
type = "key_by"
fields = ["user"]

[[operator]]
type = "window"
kind = "tumbling"        # or: kind = "sliding", size, slide / kind = "session", gap
size = "10s"
allowed_lateness = "0s"
aggregates = ["count() as n", "sum(amount) as total", "avg(amount) as mean"]

[sink]
type = "csv"
path = "clicks_per_user.csv"
)toml";

// Loads `text` and returns the error message ("" when it loads).
std::string ErrorOf(const std::string& text) {
  auto r = LoadPipelineString(text, "p.toml");
  return r.ok() ? "" : r.status().message();
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST_CASE("the contract file loads into the expected spec") {
  auto r = LoadPipelineString(kContract, "clicks.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  const PipelineSpec& p = *r;
  CHECK(p.name == "clicks-per-user");
  CHECK(p.parallelism == 2);
  CHECK(p.dead_letter_path == "clicks.dlq.jsonl");
  CHECK(p.source.type == "csv");
  CHECK(p.source.path == "clicks.csv");
  // Schema fields keep the order in which they are written.
  CHECK(p.source.schema.ToString() == "user:string, ts:timestamp_ms, amount:double");
  CHECK(p.source.event_time == "ts");
  CHECK(p.source.max_out_of_orderness == 2'000'000);
  REQUIRE(p.operators.size() == 3);
  CHECK(p.operators[0].kind == OpKind::kFilter);
  CHECK(p.operators[0].where == "amount > 0");
  CHECK(p.operators[0].loc.line == 15);
  CHECK(p.operators[0].loc.column == 10);  // first character of the where text
  CHECK(p.operators[1].kind == OpKind::kKeyBy);
  CHECK(p.operators[1].fields == std::vector<std::string>{"user"});
  const OperatorSpec& w = p.operators[2];
  CHECK(w.kind == OpKind::kWindow);
  CHECK(w.window == WindowKind::kTumbling);
  CHECK(w.size == 10'000'000);
  CHECK(w.allowed_lateness == 0);
  REQUIRE(w.aggregates.size() == 3);
  CHECK(w.aggregates[1].text == "sum(amount) as total");
  CHECK(w.aggregates[1].loc.line == 26);
  CHECK(w.aggregates[1].loc.column == 32);
  CHECK(p.sink.type == "csv");
  CHECK(p.sink.path == "clicks_per_user.csv");
  // And it plans.
  std::unique_ptr<Pipeline> pipeline;
  Status s = Pipeline::Build(PipelineOptions(), p, &pipeline);
  CHECK_MESSAGE(s.ok(), s.ToString());
}

TEST_CASE("every operator kind and source and sink key loads") {
  auto r = LoadPipelineString(R"toml([pipeline]
parallelism = "auto"
batch_size = 512
late_path = "late.jsonl"
[source]
type = "generator"
events = 100
keys = 7
max_out_of_orderness = "1m30s"
[[operator]]
type = "map"
set = ["double_value = value * 2", "k2 = key % 3"]
keep = ["key", "ts", "double_value", "k2"]
[[operator]]
type = "key_by"
fields = ["k2", "key"]
[[operator]]
type = "window"
kind = "sliding"
size = "100ms"
slide = "10ms"
allowed_lateness = "5ms"
aggregates = ["max(double_value)"]
[[operator]]
type = "filter"
where = "max_double_value > 3"
[sink]
type = "stdout"
format = "csv"
)toml", "gen.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->name == "gen");  // the file's stem
  CHECK(r->parallelism == 0);
  CHECK(r->batch_size == 512);
  CHECK(r->late_path == "late.jsonl");
  CHECK(r->source.events == 100);
  CHECK(r->source.keys == 7);
  CHECK(r->source.event_time == "ts");
  CHECK(r->source.max_out_of_orderness == 90'000'000);
  REQUIRE(r->operators[0].set.size() == 2);
  CHECK(r->operators[0].set[1].field == "k2");
  CHECK(r->operators[0].set[1].expr == "key % 3");
  CHECK(r->operators[2].window == WindowKind::kSliding);
  CHECK(r->operators[2].slide == 10'000);
  CHECK(r->operators[2].allowed_lateness == 5'000);
  CHECK(r->sink.format == "csv");
  std::unique_ptr<Pipeline> pipeline;
  Status s = Pipeline::Build(PipelineOptions(), *r, &pipeline);
  CHECK_MESSAGE(s.ok(), s.ToString());

  auto session = LoadPipelineString(R"toml([source]
type = "jsonl"
path = "x.jsonl"
schema = { u = "string", t = "timestamp" }
event_time = "t"
[[operator]]
type = "key_by"
fields = ["u"]
[[operator]]
type = "window"
kind = "session"
gap = "30s"
aggregates = ["count()"]
[sink]
type = "jsonl"
path = "out.jsonl"
)toml", "s.toml");
  REQUIRE_MESSAGE(session.ok(), session.status().ToString());
  CHECK(session->operators[1].gap == 30'000'000);
  auto running = LoadPipelineString(R"toml([source]
type = "csv"
path = "x.csv"
delimiter = ";"
schema = { u = "string", v = "int64" }
[[operator]]
type = "key_by"
fields = ["u"]
[[operator]]
type = "aggregate"
aggregates = ["sum(v) as total"]
[sink]
type = "null"
)toml", "r.toml");
  REQUIRE_MESSAGE(running.ok(), running.status().ToString());
  CHECK(running->source.delimiter == ';');
  CHECK(running->operators[1].kind == OpKind::kAggregate);
}

TEST_CASE("shape errors name file line and column and say what is accepted") {
  const std::string c = kContract;
  struct Case {
    std::string text;
    std::string expect;
  };
  const Case cases[] = {
      {Replace(c, "parallelism = 2", "parallelism = \"two\""),
       "p.toml:3:15: 'parallelism' must be an integer >= 1 or \"auto\", found string \"two\""},
      {Replace(c, "parallelism = 2", "parallelism = 0"), "p.toml:3:15: 'parallelism' must be"},
      {Replace(c, "where = ", "wher = "), "p.toml:15:1: unknown key 'wher'"},
      {Replace(c, "where = ", "wher = "), "(did you mean 'where'?)"},
      {Replace(c, "type = \"filter\"", "type = \"filtr\""),
       "p.toml:14:8: unknown operator type 'filtr' (expected filter, map, key_by, window, aggregate, "
       "union, window_join, interval_join, deduplicate, top_n, lookup_join, join, process)"},
      {Replace(c, "size = \"10s\"", "size = \"10 s\""), "p.toml:24:8: invalid duration '10 s': missing unit"},
      {Replace(c, "size = \"10s\"", "size = 10"), "p.toml:24:8: 'size' must be a duration string"},
      {Replace(c, "size = \"10s\"\n", ""), "needs 'size'"},
      {Replace(c, "kind = \"tumbling\"", "kind = \"hopping\""), "unknown window kind 'hopping'"},
      {Replace(c, "path = \"clicks.csv\"\n", ""), "p.toml:6:1: [source] of type \"csv\" needs 'path'"},
      {Replace(c, "amount = \"double\"", "amount = \"float64\""),
       "p.toml:9:59: field 'amount' has unknown type 'float64'"},
      {Replace(c, "event_time = \"ts\"", "event_time = \"time\""),
       "p.toml:10:14: event_time 'time' is not a field of the schema"},
      {Replace(c, "event_time = \"ts\"", "event_time = \"user\""),
       "must be a timestamp or int64 field"},
      {Replace(c, "type = \"csv\"\npath = \"clicks.csv\"", "type = \"kafka\"\npath = \"clicks.csv\""),
       "unknown source type 'kafka'"},
      {Replace(c, "[sink]\ntype = \"csv\"", "[sink]\ntype = \"parquet\""), "unknown sink type 'parquet'"},
      {Replace(c, "fields = [\"user\"]", "fields = \"user\""), "'fields' must be an array of strings"},
      {Replace(c, "fields = [\"user\"]", "fields = []"), "'fields' must not be empty"},
      {Replace(c, "[sink]", "[sinks]"), "unknown table 'sinks'"},
      {Replace(c, "name = \"clicks-per-user\"", "name = \"clicks-per-user"), "p.toml:2:"},
      {std::string(c).substr(0, c.find("[sink]")), "p.toml: missing [sink] table"},
  };
  for (const Case& k : cases) {
    std::string got = ErrorOf(k.text);
    INFO("expected: " << k.expect);
    CHECK_MESSAGE(got.find(k.expect) != std::string::npos, "got: " << got);
  }
}

TEST_CASE("planning errors point into the file at the offending expression") {
  auto r = LoadPipelineString(Replace(kContract, "amount > 0", "amount > 0 and usr = 'x'"), "p.toml");
  REQUIRE(r.ok());
  std::unique_ptr<Pipeline> pipeline;
  Status s = Pipeline::Build(PipelineOptions(), *r, &pipeline);
  CHECK(s.IsInvalidArgument());
  // "amount > 0 and usr" : usr is at column 16 of the text, which starts at column 10.
  CHECK_MESSAGE(s.message().find("p.toml:15:25:") == 0, s.message());
  CHECK(s.message().find("unknown field 'usr'") != std::string::npos);

  r = LoadPipelineString(Replace(kContract, "sum(amount) as total", "sum(amont) as total"), "p.toml");
  REQUIRE(r.ok());
  s = Pipeline::Build(PipelineOptions(), *r, &pipeline);
  CHECK_MESSAGE(s.message().find("p.toml:26:36:") == 0, s.message());
  CHECK(s.message().find("unknown field 'amont'") != std::string::npos);

  // An aggregate's filter: errors point into its condition.
  r = LoadPipelineString(Replace(kContract, "sum(amount) as total",
                                 "sum(amount) filter (where amount * 2) as total"),
                         "p.toml");
  REQUIRE(r.ok());
  s = Pipeline::Build(PipelineOptions(), *r, &pipeline);
  CHECK(s.message() ==
        "p.toml:26:58: operator #3 (window): the filter of aggregate total must be a condition "
        "(bool), not double");
  r = LoadPipelineString(Replace(kContract, "sum(amount) as total",
                                 "sum(amount) filter (where amout > 2) as total"),
                         "p.toml");
  REQUIRE(r.ok());
  s = Pipeline::Build(PipelineOptions(), *r, &pipeline);
  CHECK_MESSAGE(s.message().find("p.toml:26:58:") == 0, s.message());
  CHECK(s.message().find("unknown field 'amout'") != std::string::npos);
  r = LoadPipelineString(Replace(kContract, "sum(amount) as total",
                                 "sum(amount) filter where as total"),
                         "p.toml");
  REQUIRE(r.ok());
  s = Pipeline::Build(PipelineOptions(), *r, &pipeline);
  CHECK(s.message() ==
        "p.toml:26:51: operator #3 (window) aggregate: expected '(' after 'filter' but found "
        "'where'");

  r = LoadPipelineString(Replace(kContract, "[[operator]]\ntype = \"key_by\"\nfields = [\"user\"]\n", ""),
                         "p.toml");
  REQUIRE(r.ok());
  s = Pipeline::Build(PipelineOptions(), *r, &pipeline);
  CHECK(s.message().find("needs a key_by before it") != std::string::npos);
  CHECK(s.message().find("p.toml:") == 0);
}

TEST_CASE("chains of keyed stages plan, and the stages that cannot feed another are refused") {
  // A second keyed stage after the window (from line 27 of the edited file).
  const std::string second_stage = R"toml(
[[operator]]
type = "map"
set = ["w = window_start"]

[[operator]]
type = "key_by"
fields = ["w"]

[[operator]]
type = "window"
kind = "tumbling"
size = "10s"
aggregates = ["max(n) as top", "count() as users"]

[sink])toml";
  auto plan = [](const std::string& text) {
    auto r = LoadPipelineString(text, "p.toml");
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    std::unique_ptr<Pipeline> pipeline;
    return Pipeline::Build(PipelineOptions(), *r, &pipeline);
  };
  const std::string chained = Replace(kContract, "\n[sink]", second_stage);
  Status s = plan(chained);
  CHECK_MESSAGE(s.ok(), s.ToString());

  s = plan(Replace(chained, "allowed_lateness = \"0s\"", "allowed_lateness = \"5s\""));
  CHECK_MESSAGE(s.message().find("p.toml:32:1: operator #5 (key_by): operator #3 (window) has "
                                 "allowed_lateness") == 0,
                s.message());

  s = plan(Replace(Replace(Replace(chained, "type = \"window\"\nkind = \"tumbling\"        #",
                                   "type = \"aggregate\"\n#"),
                           "size = \"10s\"\nallowed_lateness = \"0s\"\n", ""),
                   "w = window_start", "w = n"));
  CHECK_MESSAGE(s.message().find("operator #3 (aggregate) is a running aggregate") !=
                    std::string::npos,
                s.message());
  CHECK(s.message().find("p.toml:") == 0);

  s = plan(Replace(chained, "[[operator]]\ntype = \"map\"\nset = [\"w = window_start\"]\n",
                   "[[operator]]\ntype = \"key_by\"\nfields = [\"n\"]\n"));
  CHECK_MESSAGE(s.message().find("a key_by must be followed by a window, aggregate or deduplicate, not "
                                 "another key_by") != std::string::npos,
                s.message());

  s = plan(Replace(chained, "set = [\"w = window_start\"]", "set = [\"w = window_start + user\"]"));
  CHECK(s.IsInvalidArgument());
  s = plan(Replace(chained, "fields = [\"w\"]", "fields = [\"window_start\"]"));
  CHECK_MESSAGE(s.message().find("clashes with the window's own 'window_start' column") !=
                    std::string::npos,
                s.message());
}

TEST_CASE("a missing pipeline file is an IO error naming it") {
  auto r = LoadPipelineFile("/nonexistent/pipeline.toml");
  CHECK(r.status().IsIOError());
  CHECK(r.status().message().find("/nonexistent/pipeline.toml") != std::string::npos);
}

TEST_CASE("the example pipelines load and plan") {
  int found = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(SLUICE_SOURCE_DIR) + "/pipelines/examples")) {
    if (e.path().extension() != ".toml") continue;
    ++found;
    auto r = LoadPipelineFile(e.path().string());
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    std::unique_ptr<Pipeline> pipeline;
    Status s = Pipeline::Build(PipelineOptions(), *r, &pipeline);
    CHECK_MESSAGE(s.ok(), s.ToString());
  }
  CHECK(found >= 3);
}

TEST_CASE("a TOML pipeline and the same pipeline built in C++ give the same rows") {
  auto spec = LoadPipelineString(R"toml([pipeline]
parallelism = 2
checkpoints = false
[source]
type = "generator"
events = 50000
keys = 17
max_out_of_orderness = "1ms"
[[operator]]
type = "filter"
where = "value < 90"
[[operator]]
type = "map"
set = ["v2 = value * 2"]
[[operator]]
type = "key_by"
fields = ["key"]
[[operator]]
type = "window"
kind = "sliding"
size = "4ms"
slide = "1ms"
aggregates = ["count() as n", "sum(v2) as total", "max(value)"]
[sink]
type = "null"
)toml", "same.toml");
  REQUIRE(spec.ok());
  auto from_toml = std::make_shared<Collector>();
  spec->sink.type = "collector";
  spec->sink.collector = from_toml;
  std::unique_ptr<Pipeline> p;
  REQUIRE(Pipeline::Build(PipelineOptions(), *spec, &p).ok());
  REQUIRE(p->Run().ok());

  auto from_cpp = std::make_shared<Collector>();
  Status s = PipelineBuilder("same")
                 .parallelism(2)
                 .generator_source(50000, 17)
                 .event_time("ts", "1ms")
                 .filter("value < 90")
                 .map("v2", "value * 2")
                 .key_by({"key"})
                 .sliding("4ms", "1ms", {"count() as n", "sum(v2) as total", "max(value)"})
                 .collect(from_cpp)
                 .Build(&p);
  REQUIRE(s.ok());
  REQUIRE(p->Run().ok());
  CHECK(from_toml->size() > 0);
  CHECK(from_toml->schema() == from_cpp->schema());
  CHECK(from_toml->sorted_lines() == from_cpp->sorted_lines());
}
