// Every key of every table of a pipeline file, and the defaults of those left out.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pipelines/toml_loader.h"

using namespace sluice;

namespace {

PipelineSpec Load(const std::string& text, const std::string& file = "p.toml") {
  auto r = LoadPipelineString(text, file);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

// A pipeline around one [source] table.
PipelineSpec LoadSource(const std::string& source) {
  return Load("[source]\n" + source + "\n[sink]\ntype = \"null\"\n");
}

// A pipeline around one [sink] table.
SinkSpec LoadSink(const std::string& sink) {
  return Load("[source]\ntype = \"generator\"\n[sink]\n" + sink + "\n").sink;
}

// A generator pipeline with the given operators.
std::vector<OperatorSpec> LoadOperators(const std::string& operators) {
  return Load("[source]\ntype = \"generator\"\n" + operators + "\n[sink]\ntype = \"null\"\n")
      .operators;
}

}  // namespace

TEST_CASE("every key of [pipeline], [source] csv, map, sliding window, filter and stdout sink") {
  auto r =
      LoadPipelineFile(std::string(SLUICE_SOURCE_DIR) + "/tests/data/pipelines/every_key.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  const PipelineSpec& p = *r;
  CHECK(p.name == "every-key");
  CHECK(p.parallelism == 0);  // "auto"
  CHECK(p.batch_size == 512);
  CHECK(p.dead_letter_path == "out/every.dlq.jsonl");
  CHECK(p.late_path == "out/every.late.jsonl");
  CHECK(p.checkpoint_interval == 30'000'000);
  CHECK(p.state_max_size == (uint64_t{64} << 20));
  CHECK(p.source.type == "csv");
  CHECK(p.source.path == "in/orders.csv");
  CHECK(p.source.delimiter == ';');
  CHECK(p.source.event_time == "at");
  CHECK(p.source.max_out_of_orderness == 90'000'000);
  // A [source.schema] table keeps the written order too.
  CHECK(p.source.schema.ToString() ==
        "order_id:int64, price:double, qty:int64, paid:bool, customer:string, at:timestamp_us");
  REQUIRE(p.operators.size() == 4);
  const OperatorSpec& map = p.operators[0];
  CHECK(map.kind == OpKind::kMap);
  REQUIRE(map.set.size() == 2);
  CHECK(map.set[0].field == "total");
  CHECK(map.set[0].expr == "price * qty");
  CHECK(map.set[1].field == "big");
  CHECK(map.set[1].expr == "total > 100");
  CHECK(map.keep == std::vector<std::string>{"customer", "at", "total", "big"});
  CHECK(map.loc.line == 26);
  CHECK(map.loc.column == 1);
  CHECK(p.operators[1].fields == std::vector<std::string>{"customer", "big"});
  const OperatorSpec& w = p.operators[2];
  CHECK(w.window == WindowKind::kSliding);
  CHECK(w.size == 3'600'000'000);
  CHECK(w.slide == 900'000'000);
  CHECK(w.allowed_lateness == 250'000);
  REQUIRE(w.aggregates.size() == 2);
  CHECK(w.aggregates[1].text == "count()");
  CHECK(p.operators[3].kind == OpKind::kFilter);
  CHECK(p.operators[3].where == "spent >= 10");
  CHECK(p.sink.type == "stdout");
  CHECK(p.sink.format == "csv");
  CHECK(p.sink.path.empty());
}

TEST_CASE("pipeline name defaults to the file stem and parallelism to auto") {
  PipelineSpec p =
      Load("[source]\ntype = \"generator\"\n[sink]\ntype = \"null\"\n", "dir/abc.toml");
  CHECK(p.name == "abc");
  CHECK(p.parallelism == 0);
  CHECK(p.batch_size == 0);
  CHECK(p.dead_letter_path.empty());
  CHECK(p.late_path.empty());
  CHECK(p.state_max_size == (uint64_t{1} << 40));
  CHECK(p.operators.empty());
  // Without a [pipeline] table the pipeline's position is the file alone.
  CHECK(p.loc.file == "dir/abc.toml");
  CHECK_FALSE(p.loc.known());
}

TEST_CASE("parallelism and batch_size accept their bounds") {
  PipelineSpec p = Load(
      "[pipeline]\nparallelism = 1\nbatch_size = 1\n"
      "[source]\ntype = \"generator\"\n[sink]\ntype = \"null\"\n");
  CHECK(p.parallelism == 1);
  CHECK(p.batch_size == 1);
  p = Load(
      "[pipeline]\nparallelism = 4096\nbatch_size = 1048576\n"
      "[source]\ntype = \"generator\"\n[sink]\ntype = \"null\"\n");
  CHECK(p.parallelism == 4096);
  CHECK(p.batch_size == 1048576);
}

TEST_CASE("generator source: fixed schema, default event time, events and keys") {
  PipelineSpec p = LoadSource("type = \"generator\"\nevents = 1000\nkeys = 16");
  CHECK(p.source.type == "generator");
  CHECK(p.source.schema.ToString() == "key:int64, ts:timestamp_us, value:double");
  CHECK(p.source.event_time == "ts");
  CHECK(p.source.events == 1000);
  CHECK(p.source.keys == 16);
  CHECK(p.source.path.empty());
  // Writing the fixed schema out is allowed.
  p = LoadSource(
      "type = \"generator\"\n"
      "schema = { key = \"int64\", ts = \"timestamp_us\", value = \"double\" }\n"
      "event_time = \"key\"\nevents = 0");
  CHECK(p.source.schema.size() == 3);
  CHECK(p.source.event_time == "key");  // int64 is accepted as event time
  CHECK(p.source.events == 0);
  CHECK(p.source.keys == 1);
}

TEST_CASE("jsonl source: every schema type and no event time") {
  PipelineSpec p = LoadSource(
      "type = \"jsonl\"\npath = \"-\"\nschema = { a = \"int64\", b = \"long\", c = \"double\", "
      "d = \"float\", e = \"bool\", f = \"boolean\", g = \"string\", h = \"str\", "
      "i = \"timestamp\", j = \"timestamp_s\", k = \"timestamp_ms\", l = \"timestamp_us\" }");
  CHECK(p.source.type == "jsonl");
  CHECK(p.source.path == "-");
  CHECK(p.source.schema.ToString() ==
        "a:int64, b:int64, c:double, d:double, e:bool, f:bool, g:string, h:string, "
        "i:timestamp, j:timestamp_s, k:timestamp_ms, l:timestamp_us");
  CHECK(p.source.event_time.empty());
  CHECK(p.source.max_out_of_orderness == 0);
}

TEST_CASE("schema order follows the file even across lines of a [source.schema] table") {
  PipelineSpec p = Load(
      "[source]\ntype = \"csv\"\npath = \"x.csv\"\n"
      "[source.schema]\nzeta = \"string\"\n  alpha = \"int64\"\nmid = \"bool\"\n"
      "[sink]\ntype = \"null\"\n");
  CHECK(p.source.schema.ToString() == "zeta:string, alpha:int64, mid:bool");
}

TEST_CASE("log source: stream, types, from as string or integer, follow") {
  PipelineSpec p = LoadSource(
      "type = \"log\"\npath = \"events.lmdb\"\nschema = { user = \"string\", at = \"timestamp\" }\n"
      "event_time = \"at\"\nstream = \"clicks\"\ntypes = [\"click\", \"view\"]\n"
      "from = \"2024-05-01T00:00:00Z\"\nfollow = true");
  CHECK(p.source.type == "log");
  CHECK(p.source.path == "events.lmdb");
  CHECK(p.source.stream == "clicks");
  CHECK(p.source.types == std::vector<std::string>{"click", "view"});
  CHECK(p.source.from == "2024-05-01T00:00:00Z");
  CHECK(p.source.follow);
  p = LoadSource(
      "type = \"log\"\npath = \"events.lmdb\"\nschema = { n = \"int64\" }\nfrom = 42\n"
      "follow = false");
  CHECK(p.source.from == "42");
  CHECK_FALSE(p.source.follow);
  CHECK(p.source.stream.empty());
  CHECK(p.source.types.empty());
}

TEST_CASE("csv source delimiter accepts a tab") {
  PipelineSpec p = LoadSource(
      "type = \"csv\"\npath = \"x.tsv\"\ndelimiter = \"\\t\"\n"
      "schema = { a = \"int64\" }");
  CHECK(p.source.delimiter == '\t');
}

TEST_CASE("map operator with only set, and with only keep") {
  auto ops = LoadOperators("[[operator]]\ntype = \"map\"\nset = [\"k2 = key % 3\"]\n");
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == OpKind::kMap);
  REQUIRE(ops[0].set.size() == 1);
  CHECK(ops[0].set[0].field == "k2");
  CHECK(ops[0].set[0].expr == "key % 3");
  CHECK(ops[0].keep.empty());
  ops = LoadOperators("[[operator]]\ntype = \"map\"\nkeep = [\"key\"]\n");
  CHECK(ops[0].set.empty());
  CHECK(ops[0].keep == std::vector<std::string>{"key"});
}

TEST_CASE("set entries split at the first '=' and keep '==' inside the expression") {
  auto ops = LoadOperators(
      "[[operator]]\ntype = \"map\"\n"
      "set = [\"  same  =  key == 3\", \"_x1=value>=2\", \"s = 'a=b'\"]\n");
  REQUIRE(ops[0].set.size() == 3);
  CHECK(ops[0].set[0].field == "same");
  CHECK(ops[0].set[0].expr == "key == 3");
  CHECK(ops[0].set[1].field == "_x1");
  CHECK(ops[0].set[1].expr == "value>=2");
  CHECK(ops[0].set[2].field == "s");
  CHECK(ops[0].set[2].expr == "'a=b'");
}

TEST_CASE("session window and its default allowed lateness") {
  auto ops = LoadOperators(
      "[[operator]]\ntype = \"key_by\"\nfields = [\"key\"]\n"
      "[[operator]]\ntype = \"window\"\nkind = \"session\"\ngap = \"30s\"\n"
      "aggregates = [\"count() as n\"]\n");
  REQUIRE(ops.size() == 2);
  CHECK(ops[1].kind == OpKind::kWindow);
  CHECK(ops[1].window == WindowKind::kSession);
  CHECK(ops[1].gap == 30'000'000);
  CHECK(ops[1].size == 0);
  CHECK(ops[1].allowed_lateness == 0);
  REQUIRE(ops[1].aggregates.size() == 1);
  CHECK(ops[1].aggregates[0].text == "count() as n");
}

TEST_CASE("sliding window with slide equal to size") {
  auto ops = LoadOperators(
      "[[operator]]\ntype = \"window\"\nkind = \"sliding\"\nsize = \"1m\"\n"
      "slide = \"60s\"\naggregates = [\"count()\"]\n");
  CHECK(ops[0].size == 60'000'000);
  CHECK(ops[0].slide == 60'000'000);
}

TEST_CASE("running aggregate operator") {
  auto ops = LoadOperators(
      "[[operator]]\ntype = \"aggregate\"\n"
      "aggregates = [\"sum(value) as total\", \"max(value)\"]\n");
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == OpKind::kAggregate);
  REQUIRE(ops[0].aggregates.size() == 2);
  CHECK(ops[0].aggregates[0].text == "sum(value) as total");
  CHECK(ops[0].aggregates[1].text == "max(value)");
}

TEST_CASE("csv and jsonl sinks take a path") {
  SinkSpec s = LoadSink("type = \"csv\"\npath = \"out.csv\"");
  CHECK(s.type == "csv");
  CHECK(s.path == "out.csv");
  s = LoadSink("type = \"jsonl\"\npath = \"out.jsonl\"");
  CHECK(s.type == "jsonl");
  CHECK(s.path == "out.jsonl");
}

TEST_CASE("stdout sink format defaults to empty (jsonl) and accepts jsonl") {
  SinkSpec s = LoadSink("type = \"stdout\"");
  CHECK(s.type == "stdout");
  CHECK(s.format.empty());
  s = LoadSink("type = \"stdout\"\nformat = \"jsonl\"");
  CHECK(s.format == "jsonl");
}

TEST_CASE("null sink takes no keys") {
  SinkSpec s = LoadSink("type = \"null\"");
  CHECK(s.type == "null");
  CHECK(s.path.empty());
}

TEST_CASE("log sink: path, stream and event_type") {
  SinkSpec s = LoadSink(
      "type = \"log\"\npath = \"events.lmdb\"\nstream = \"totals\"\n"
      "event_type = \"window_total\"");
  CHECK(s.type == "log");
  CHECK(s.path == "events.lmdb");
  CHECK(s.stream == "totals");
  CHECK(s.event_type == "window_total");
  CHECK(s.sync.empty());
  s = LoadSink(
      "type = \"log\"\npath = \"l\"\nstream = \"s\"\nevent_type = \"e\"\nsync = \"checkpoint\"");
  CHECK(s.sync == "checkpoint");
  auto bad = LoadPipelineString(
      "[source]\ntype = \"generator\"\n[sink]\ntype = \"log\"\npath = \"l\"\nstream = \"s\"\n"
      "event_type = \"e\"\nsync = \"never\"\n",
      "p.toml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("p.toml:8") != std::string::npos);
  CHECK(bad.status().message().find("checkpoint") != std::string::npos);
  CHECK(s.compression.empty());
  CHECK(s.compression_level == 1);
  s = LoadSink(
      "type = \"log\"\npath = \"l\"\nstream = \"s\"\nevent_type = \"e\"\n"
      "compression = \"zstd\"\ncompression_level = 5");
  CHECK(s.compression == "zstd");
  CHECK(s.compression_level == 5);
  for (const char* wrong :
       {"compression = \"lz4\"", "compression_level = 30", "compression_level = \"high\""}) {
    auto r = LoadPipelineString(
        std::string("[source]\ntype = \"generator\"\n[sink]\ntype = \"log\"\npath = \"l\"\n"
                    "stream = \"s\"\nevent_type = \"e\"\n") +
            wrong + "\n",
        "p.toml");
    INFO(wrong);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("p.toml:8") != std::string::npos);
    CHECK(r.status().message().find("compression") != std::string::npos);
  }
}

TEST_CASE("tables may be written inline and comments anywhere") {
  PipelineSpec p = Load(
      "pipeline = { name = \"inline\" }  # a comment\n"
      "source = { type = \"generator\", keys = 3 }\n"
      "operator = [{ type = \"filter\", where = \"value > 1\" }]\n"
      "sink = { type = \"null\" }\n");
  CHECK(p.name == "inline");
  CHECK(p.source.keys == 3);
  REQUIRE(p.operators.size() == 1);
  CHECK(p.operators[0].where == "value > 1");
  CHECK(p.operators[0].loc.line == 3);
  CHECK(p.operators[0].loc.column == 41);
}
