// Graph keys of pipeline files: several sources, named operators with inputs, unions, window and
// interval joins, sink inputs; their defaults, the positions the planner reports through, and
// their lines in the definition text.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "pipelines/toml_loader.h"
#include "runtime/definition.h"

using namespace sluice;

namespace {

const std::string kGraphPath = std::string(SLUICE_SOURCE_DIR) + "/tests/data/pipelines/graph.toml";

PipelineSpec Load(const std::string& text) {
  auto r = LoadPipelineString(text, "g.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

// Two named generator sources `a` and `b`, then `operators`, then a null sink.
std::vector<OperatorSpec> LoadOperators(const std::string& operators) {
  return Load(
             "[[source]]\nname = \"a\"\ntype = \"generator\"\n"
             "[[source]]\nname = \"b\"\ntype = \"generator\"\n" +
             operators + "\n[sink]\ntype = \"null\"\n")
      .operators;
}

std::string ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE_MESSAGE(f != nullptr, path);
  std::string text(1 << 16, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  return text;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("graph file: two named sources, a filter, an interval join, a keyed window, two sinks") {
  auto r = LoadPipelineFile(kGraphPath);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  const PipelineSpec& p = *r;
  CHECK(p.source.name == "bids");
  CHECK(p.source.type == "csv");
  CHECK(p.source.path == "bids.csv");
  CHECK(p.source.idle_timeout == 0);  // never
  CHECK(p.source.max_out_of_orderness == 2'000'000);
  CHECK(p.source.loc.line == 4);
  CHECK(p.source.loc.column == 1);
  REQUIRE(p.more_sources.size() == 1);
  const SourceSpec& auctions = p.more_sources[0];
  CHECK(auctions.name == "auctions");
  CHECK(auctions.path == "auctions.csv");
  CHECK(auctions.schema.ToString() == "id:int64, seller:string, category:string, ts:timestamp_ms");
  CHECK(auctions.event_time == "ts");
  CHECK(auctions.idle_timeout == 30'000'000);
  CHECK(auctions.loc.line == 12);

  REQUIRE(p.operators.size() == 4);
  const OperatorSpec& filter = p.operators[0];
  CHECK(filter.kind == OpKind::kFilter);
  CHECK(filter.name == "big_bids");
  CHECK(filter.inputs == Names{"bids"});
  CHECK(filter.where == "price >= 10");
  CHECK(filter.loc.line == 24);  // a filter's loc is its where text
  CHECK(filter.loc.column == 10);

  const OperatorSpec& join = p.operators[1];
  CHECK(join.kind == OpKind::kIntervalJoin);
  CHECK(join.name == "matched");
  CHECK(join.inputs == Names{"big_bids", "auctions"});
  CHECK(join.left_key == Names{"auction"});
  CHECK(join.right_key == Names{"id"});
  CHECK(join.lower == -3'600'000'000);
  CHECK(join.upper == 0);
  CHECK(join.join_type == JoinType::kInner);
  CHECK(join.left_prefix == "bid_");
  CHECK(join.right_prefix == "auction_");
  CHECK(join.loc.file == kGraphPath);
  CHECK(join.loc.line == 26);
  CHECK(join.loc.column == 1);

  CHECK(p.operators[2].kind == OpKind::kKeyBy);
  CHECK(p.operators[2].name.empty());
  CHECK(p.operators[2].inputs.empty());  // the operator before it
  CHECK(p.operators[3].name == "per_seller");
  CHECK(p.operators[3].size == 60'000'000);

  CHECK(p.sink.input == "per_seller");
  CHECK(p.sink.type == "csv");
  REQUIRE(p.more_sinks.size() == 1);
  CHECK(p.more_sinks[0].input == "big_bids");
  CHECK(p.more_sinks[0].type == "jsonl");
  CHECK(p.more_sinks[0].loc.line == 54);
}

TEST_CASE("docs/pipelines.md shows the graph file as it is tested") {
  const std::string docs = ReadFile(std::string(SLUICE_SOURCE_DIR) + "/docs/pipelines.md");
  CHECK(docs.find("```toml\n" + ReadFile(kGraphPath) + "```") != std::string::npos);
}

TEST_CASE("pipelines without graph keys get the defaults: no names, inputs or further sources") {
  auto r = LoadPipelineFile(std::string(SLUICE_SOURCE_DIR) + "/tests/data/pipelines/clicks.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->source.name.empty());
  CHECK(r->source.idle_timeout == 0);
  CHECK(r->more_sources.empty());
  for (const OperatorSpec& op : r->operators) {
    CHECK(op.name.empty());
    CHECK(op.inputs.empty());
  }
  CHECK(r->sink.input.empty());
}

TEST_CASE("a single [source] or [[source]] may be named or not, and may have an idle timeout") {
  const std::string tail = "type = \"generator\"\n[sink]\ntype = \"null\"\n";
  PipelineSpec p = Load("[source]\nname = \"clicks\"\nidle_timeout = \"0s\"\n" + tail);
  CHECK(p.source.name == "clicks");
  CHECK(p.source.idle_timeout == 0);
  p = Load("[[source]]\nidle_timeout = \"1m30s\"\n" + tail);
  CHECK(p.source.name.empty());
  CHECK(p.source.idle_timeout == 90'000'000);
  CHECK(p.more_sources.empty());
  CHECK(p.source.loc.line == 1);
  // Inline tables in an array are sources too, in file order.
  p = Load(
      "source = [{ name = \"x\", type = \"generator\" }, { name = \"y\", type = \"generator\", "
      "events = 5 }, { name = \"z_2\", type = \"generator\" }]\n[sink]\ntype = \"null\"\n");
  CHECK(p.source.name == "x");
  REQUIRE(p.more_sources.size() == 2);
  CHECK(p.more_sources[0].name == "y");
  CHECK(p.more_sources[0].events == 5);
  CHECK(p.more_sources[1].name == "z_2");
}

TEST_CASE("every operator type takes name and input or inputs") {
  auto ops = LoadOperators(
      "[[operator]]\ntype = \"filter\"\nname = \"f\"\ninput = \"a\"\nwhere = \"value > 1\"\n"
      "[[operator]]\ntype = \"map\"\nname = \"m\"\ninputs = [\"b\"]\nkeep = [\"key\"]\n"
      "[[operator]]\ntype = \"key_by\"\nname = \"k\"\ninput = \"m\"\nfields = [\"key\"]\n"
      "[[operator]]\ntype = \"window\"\nname = \"w\"\nkind = \"session\"\ngap = \"1s\"\n"
      "aggregates = [\"count()\"]\n"
      "[[operator]]\ntype = \"aggregate\"\ninputs = [\"k\"]\naggregates = [\"count()\"]\n");
  REQUIRE(ops.size() == 5);
  CHECK(ops[0].name == "f");
  CHECK(ops[0].inputs == Names{"a"});
  CHECK(ops[1].name == "m");
  CHECK(ops[1].inputs == Names{"b"});
  CHECK(ops[2].inputs == Names{"m"});
  CHECK(ops[3].name == "w");
  CHECK(ops[3].inputs.empty());
  CHECK(ops[4].name.empty());
  CHECK(ops[4].inputs == Names{"k"});
  // Several inputs of a one-input operator are the planner's to refuse, not the loader's.
  ops = LoadOperators("[[operator]]\ntype = \"filter\"\ninputs = [\"a\", \"b\"]\nwhere = \"x\"\n");
  CHECK(ops[0].inputs == Names{"a", "b"});
}

TEST_CASE("union: inputs in order, an optional name, loc at its header") {
  auto ops = LoadOperators(
      "[[operator]]\ntype = \"union\"\ninputs = [\"b\", \"a\", \"b\"]\n"
      "[[operator]]\nname = \"u2\"\ntype = \"union\"\ninputs = [\"a\", \"b\"]");
  REQUIRE(ops.size() == 2);
  CHECK(ops[0].kind == OpKind::kUnion);
  CHECK(ops[0].inputs == Names{"b", "a", "b"});  // repeated inputs are the planner's to judge
  CHECK(ops[0].name.empty());
  CHECK(ops[0].loc.line == 7);
  CHECK(ops[0].loc.column == 1);
  CHECK(ops[1].name == "u2");
  CHECK(ops[1].loc.line == 10);
}

TEST_CASE("window_join: every kind, key or left_key/right_key, prefixes") {
  auto ops = LoadOperators(
      "[[operator]]\ntype = \"window_join\"\ninputs = [\"a\", \"b\"]\nkind = \"tumbling\"\n"
      "size = \"10s\"\nkey = [\"key\", \"value\"]\n"
      "[[operator]]\ntype = \"window_join\"\nname = \"j\"\ninputs = [\"b\", \"a\"]\n"
      "kind = \"sliding\"\nsize = \"1m\"\nslide = \"10s\"\nleft_key = [\"key\"]\n"
      "right_key = [\"value\"]\nleft_prefix = \"l_\"\nright_prefix = \"r_\"\n"
      "[[operator]]\ntype = \"window_join\"\ninputs = [\"a\", \"b\"]\nkind = \"session\"\n"
      "gap = \"5s\"\nkey = [\"key\"]\n");
  REQUIRE(ops.size() == 3);
  const OperatorSpec& t = ops[0];
  CHECK(t.kind == OpKind::kWindowJoin);
  CHECK(t.window == WindowKind::kTumbling);
  CHECK(t.size == 10'000'000);
  CHECK(t.slide == 0);
  CHECK(t.inputs == Names{"a", "b"});
  CHECK(t.left_key == Names{"key", "value"});
  CHECK(t.right_key == Names{"key", "value"});
  CHECK(t.left_prefix.empty());
  CHECK(t.right_prefix.empty());
  CHECK(t.join_type == JoinType::kInner);
  CHECK(t.loc.line == 7);
  const OperatorSpec& s = ops[1];
  CHECK(s.name == "j");
  CHECK(s.window == WindowKind::kSliding);
  CHECK(s.size == 60'000'000);
  CHECK(s.slide == 10'000'000);
  CHECK(s.left_key == Names{"key"});
  CHECK(s.right_key == Names{"value"});
  CHECK(s.left_prefix == "l_");
  CHECK(s.right_prefix == "r_");
  CHECK(ops[2].window == WindowKind::kSession);
  CHECK(ops[2].gap == 5'000'000);
  CHECK(ops[2].size == 0);
}

TEST_CASE("interval_join: signed bounds, every join type, inner by default") {
  const std::string head =
      "[[operator]]\ntype = \"interval_join\"\ninputs = [\"a\", \"b\"]\n"
      "key = [\"key\"]\n";
  auto ops = LoadOperators(head + "lower = \"-5s\"\nupper = \"1m30s\"\n");
  CHECK(ops[0].kind == OpKind::kIntervalJoin);
  CHECK(ops[0].lower == -5'000'000);
  CHECK(ops[0].upper == 90'000'000);
  CHECK(ops[0].join_type == JoinType::kInner);
  CHECK(ops[0].left_key == Names{"key"});
  CHECK(ops[0].right_key == Names{"key"});
  // Equal bounds, "-0", both negative.
  ops = LoadOperators(head + "lower = \"0\"\nupper = \"-0s\"\n");
  CHECK(ops[0].lower == 0);
  CHECK(ops[0].upper == 0);
  ops = LoadOperators(head + "lower = \"-2h\"\nupper = \"-1ms\"\n");
  CHECK(ops[0].lower == -7'200'000'000);
  CHECK(ops[0].upper == -1'000);
  const std::pair<const char*, JoinType> types[] = {{"inner", JoinType::kInner},
                                                    {"left", JoinType::kLeft},
                                                    {"right", JoinType::kRight},
                                                    {"full", JoinType::kFull}};
  for (const auto& [text, type] : types) {
    ops = LoadOperators(head + "lower = \"0s\"\nupper = \"1s\"\njoin = \"" + text + "\"\n");
    CHECK(ops[0].join_type == type);
  }
}

TEST_CASE("every sink type takes input") {
  const std::string head = "[source]\nname = \"s\"\ntype = \"generator\"\n";
  PipelineSpec p = Load(head +
                        "[[sink]]\ntype = \"null\"\ninput = \"s\"\n"
                        "[[sink]]\ntype = \"stdout\"\ninput = \"s\"\nformat = \"csv\"\n"
                        "[[sink]]\ntype = \"csv\"\npath = \"x.csv\"\n"
                        "[[sink]]\ntype = \"jsonl\"\npath = \"x.jsonl\"\ninput = \"t\"\n"
                        "[[sink]]\ntype = \"log\"\npath = \"l\"\nstream = \"s\"\n"
                        "event_type = \"e\"\ninput = \"s\"\n"
                        "[[sink]]\ntype = \"projection\"\nname = \"by_key\"\ninput = \"s\"\n");
  CHECK(p.sink.input == "s");
  REQUIRE(p.more_sinks.size() == 5);
  CHECK(p.more_sinks[0].input == "s");
  CHECK(p.more_sinks[1].input.empty());  // the last operator (here, the source)
  CHECK(p.more_sinks[2].input == "t");   // unknown names are the planner's to report
  CHECK(p.more_sinks[3].input == "s");
  CHECK(p.more_sinks[4].input == "s");
  CHECK(p.more_sinks[4].name == "by_key");  // a projection's own name, not a graph name
}

TEST_CASE("definition text: unchanged for pipelines without graph keys") {
  auto r = LoadPipelineFile(std::string(SLUICE_SOURCE_DIR) + "/tests/data/pipelines/clicks.toml");
  REQUIRE(r.ok());
  // Checkpoints taken before graphs existed compare this text: it must never change.
  CHECK(DescribeDefinition(*r, 3) ==
        "source: csv path=clicks.csv schema=user:string, ts:timestamp_ms, amount:double "
        "event_time=ts max_out_of_orderness=2000000us delimiter=,\n"
        "operator 1: filter where=amount > 0\n"
        "operator 2: key_by user\n"
        "operator 3: window tumbling size=10000000us slide=0us gap=0us allowed_lateness=0us "
        "[count() as n] [sum(amount) as total] [avg(amount) as mean]\n"
        "sink 1: csv path=clicks_per_user.csv\n"
        "dead_letter_path: clicks.dlq.jsonl\n"
        "late_path: \n"
        "lanes: 3\n");
}

TEST_CASE("definition text: names, inputs, further sources, joins, unions and sink inputs") {
  auto r = LoadPipelineFile(kGraphPath);
  REQUIRE(r.ok());
  CHECK(DescribeDefinition(*r, 2) ==
        "source name=bids: csv path=bids.csv schema=auction:int64, bidder:string, price:double, "
        "ts:timestamp_ms event_time=ts max_out_of_orderness=2000000us delimiter=,\n"
        "source 2 name=auctions: csv path=auctions.csv schema=id:int64, seller:string, "
        "category:string, ts:timestamp_ms event_time=ts max_out_of_orderness=0us delimiter=, "
        "idle_timeout=30000000us\n"
        "operator 1 name=big_bids inputs=bids: filter where=price >= 10\n"
        "operator 2 name=matched inputs=big_bids,auctions: interval_join inner "
        "lower=-3600000000us upper=0us left_key=auction right_key=id left_prefix=bid_ "
        "right_prefix=auction_\n"
        "operator 3: key_by auction_seller\n"
        "operator 4 name=per_seller: window tumbling size=60000000us slide=0us gap=0us "
        "allowed_lateness=0us [count() as bids] [sum(bid_price) as total]\n"
        "sink 1 input=per_seller: csv path=bids_per_seller.csv\n"
        "sink 2 input=big_bids: jsonl path=big_bids.jsonl\n"
        "dead_letter_path: \n"
        "late_path: \n"
        "lanes: 2\n");
  auto ops = LoadOperators(
      "[[operator]]\ntype = \"union\"\ninputs = [\"a\", \"b\"]\n"
      "[[operator]]\ntype = \"window_join\"\ninputs = [\"a\", \"b\"]\nkind = \"sliding\"\n"
      "size = \"10s\"\nslide = \"5s\"\nleft_key = [\"key\", \"ts\"]\nright_key = [\"key\", "
      "\"ts\"]\nright_prefix = \"r_\"\n");
  PipelineSpec p;
  p.operators = ops;
  const std::string text = DescribeDefinition(p, 1);
  CHECK(text.find("operator 1 inputs=a,b: union\n") != std::string::npos);
  CHECK(text.find("operator 2 inputs=a,b: window_join sliding size=10000000us slide=5000000us "
                  "gap=0us left_key=key,ts right_key=key,ts left_prefix= right_prefix=r_\n") !=
        std::string::npos);
}
