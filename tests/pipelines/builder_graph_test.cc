// The C++ PipelineBuilder's graph calls (several sources, as, from, idle_timeout, union_of, the
// joins) build the same PipelineSpec as the equivalent pipeline file, and refuse what the loader
// refuses.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pipelines/toml_loader.h"
#include "runtime/definition.h"
#include "sluice/pipeline_builder.h"

using namespace sluice;

namespace {

using Names = std::vector<std::string>;

PipelineSpec Spec(const PipelineBuilder& b) {
  auto r = b.spec();
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

// The first mistake `b` remembered ("" when there is none).
std::string ErrorOf(const PipelineBuilder& b) {
  auto r = b.spec();
  if (r.ok()) return "";
  CHECK(r.status().IsInvalidArgument());
  return r.status().message();
}

PipelineSpec LoadFile(const std::string& name) {
  auto r = LoadPipelineFile(std::string(SLUICE_SOURCE_DIR) + "/tests/data/pipelines/" + name);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

// What the two front ends must agree on: the definition text (every setting that decides state
// or output) and the graph fields one by one.
void CheckSame(const PipelineSpec& a, const PipelineSpec& b) {
  CHECK(DescribeDefinition(a, 2) == DescribeDefinition(b, 2));
  CHECK(a.name == b.name);
  CHECK(a.source.name == b.source.name);
  CHECK(a.source.idle_timeout == b.source.idle_timeout);
  REQUIRE(a.more_sources.size() == b.more_sources.size());
  for (size_t i = 0; i < a.more_sources.size(); ++i) {
    CHECK(a.more_sources[i].name == b.more_sources[i].name);
    CHECK(a.more_sources[i].idle_timeout == b.more_sources[i].idle_timeout);
    CHECK(a.more_sources[i].schema == b.more_sources[i].schema);
  }
  REQUIRE(a.operators.size() == b.operators.size());
  for (size_t i = 0; i < a.operators.size(); ++i) {
    const OperatorSpec& x = a.operators[i];
    const OperatorSpec& y = b.operators[i];
    INFO("operator " << i + 1);
    CHECK(x.kind == y.kind);
    CHECK(x.name == y.name);
    CHECK(x.inputs == y.inputs);
    CHECK(x.left_key == y.left_key);
    CHECK(x.right_key == y.right_key);
    CHECK(x.join_type == y.join_type);
    CHECK(x.window == y.window);
    CHECK(x.size == y.size);
    CHECK(x.slide == y.slide);
    CHECK(x.gap == y.gap);
    CHECK(x.lower == y.lower);
    CHECK(x.upper == y.upper);
    CHECK(x.left_prefix == y.left_prefix);
    CHECK(x.right_prefix == y.right_prefix);
  }
  CHECK(a.sink.input == b.sink.input);
  REQUIRE(a.more_sinks.size() == b.more_sinks.size());
  for (size_t i = 0; i < a.more_sinks.size(); ++i) {
    CHECK(a.more_sinks[i].input == b.more_sinks[i].input);
  }
}

const PipelineBuilder::SchemaList kBids = {
    {"auction", "int64"}, {"bidder", "string"}, {"price", "double"}, {"ts", "timestamp_ms"}};
const PipelineBuilder::SchemaList kAuctions = {
    {"id", "int64"}, {"seller", "string"}, {"category", "string"}, {"ts", "timestamp_ms"}};

// Two named sources, as graph.toml has them.
PipelineBuilder TwoSources() {
  PipelineBuilder b("bids-per-seller");
  b.csv_source("bids.csv", kBids)
      .event_time("ts", "2s")
      .as("bids")
      .csv_source("auctions.csv", kAuctions)
      .event_time("ts")
      .idle_timeout("30s")
      .as("auctions");
  return b;
}

}  // namespace

TEST_CASE("builder: the pipeline of graph.toml") {
  PipelineBuilder b = TwoSources();
  b.from("bids")
      .filter("price >= 10")
      .as("big_bids")
      .interval_join({"big_bids", "auctions"}, {"auction"}, {"id"}, "-1h", "0s")
      .join_prefixes("bid_", "auction_")
      .as("matched")
      .key_by({"auction_seller"})
      .tumbling("1m", {"count() as bids", "sum(bid_price) as total"})
      .as("per_seller")
      .from("per_seller")
      .csv_sink("bids_per_seller.csv")
      .from("big_bids")
      .jsonl_sink("big_bids.jsonl");
  const PipelineSpec cpp = Spec(b);
  const PipelineSpec toml = LoadFile("graph.toml");
  CheckSame(cpp, toml);
  // Spot checks, in case both front ends were wrong alike.
  CHECK(cpp.source.name == "bids");
  CHECK(cpp.more_sources.at(0).idle_timeout == 30'000'000);
  CHECK(cpp.operators.at(0).inputs == Names{"bids"});
  CHECK(cpp.operators.at(1).lower == -3'600'000'000);
  CHECK(cpp.operators.at(2).inputs.empty());
  CHECK(cpp.more_sinks.at(0).input == "big_bids");
}

TEST_CASE("builder: unions, window joins of every kind and outer interval joins match the file") {
  const std::string toml =
      "[pipeline]\nname = \"bids-per-seller\"\n"
      "[[source]]\nname = \"bids\"\ntype = \"csv\"\npath = \"bids.csv\"\n"
      "schema = { auction = \"int64\", bidder = \"string\", price = \"double\", ts = "
      "\"timestamp_ms\" }\nevent_time = \"ts\"\nmax_out_of_orderness = \"2s\"\n"
      "[[source]]\nname = \"auctions\"\ntype = \"csv\"\npath = \"auctions.csv\"\n"
      "schema = { id = \"int64\", seller = \"string\", category = \"string\", ts = "
      "\"timestamp_ms\" }\nevent_time = \"ts\"\nidle_timeout = \"30s\"\n"
      "[[operator]]\nname = \"both\"\ntype = \"union\"\ninputs = [\"bids\", \"bids\"]\n"
      "[[operator]]\nname = \"t\"\ntype = \"window_join\"\ninputs = [\"both\", \"auctions\"]\n"
      "kind = \"tumbling\"\nsize = \"10s\"\nleft_key = [\"auction\"]\nright_key = [\"id\"]\n"
      "[[operator]]\ntype = \"window_join\"\ninputs = [\"bids\", \"auctions\"]\n"
      "kind = \"sliding\"\nsize = \"10s\"\nslide = \"5s\"\nkey = [\"ts\"]\n"
      "left_prefix = \"l_\"\nright_prefix = \"r_\"\n"
      "[[operator]]\nname = \"s\"\ntype = \"window_join\"\ninputs = [\"bids\", \"auctions\"]\n"
      "kind = \"session\"\ngap = \"1m\"\nkey = [\"ts\"]\n"
      "[[operator]]\ntype = \"interval_join\"\ninputs = [\"t\", \"s\"]\nkey = [\"auction\"]\n"
      "lower = \"-5s\"\nupper = \"5s\"\njoin = \"full\"\n"
      "[[operator]]\ntype = \"join\"\ninputs = [\"bids\", \"auctions\"]\n"
      "left_key = [\"auction\"]\nright_key = [\"id\"]\nleft_ttl = \"1h\"\nright_prefix = \"a_\"\n"
      "[[operator]]\ninput = \"both\"\ntype = \"map\"\nkeep = [\"price\"]\n"
      "[sink]\ntype = \"null\"\n";
  auto from_file = LoadPipelineString(toml, "u.toml");
  REQUIRE_MESSAGE(from_file.ok(), from_file.status().ToString());
  PipelineBuilder b = TwoSources();
  b.union_of({"bids", "bids"})
      .as("both")
      .tumbling_join({"both", "auctions"}, {"auction"}, {"id"}, "10s")
      .as("t")
      .sliding_join({"bids", "auctions"}, {"ts"}, {"ts"}, "10s", "5s")
      .join_prefixes("l_", "r_")
      .session_join({"bids", "auctions"}, {"ts"}, {"ts"}, "1m")
      .as("s")
      .interval_join({"t", "s"}, {"auction"}, {"auction"}, "-5s", "5s", JoinType::kFull)
      .join({"bids", "auctions"}, {"auction"}, {"id"}, "1h")
      .join_prefixes("", "a_")
      .from(std::string("both"))
      .keep({"price"})
      .null_sink();
  CheckSame(Spec(b), *from_file);
}

TEST_CASE("builder: from() takes one name, a braced list or a vector, for operators and sinks") {
  PipelineBuilder b = TwoSources();
  const std::vector<std::string> both = {"bids", "auctions"};
  b.from({"bids", "auctions"})
      .filter("true")
      .from(both)
      .map("x", "1")
      .from("auctions")
      .key_by({"id"})
      .null_sink()  // the key_by
      .from("bids")
      .stdout_sink();
  const PipelineSpec p = Spec(b);
  CHECK(p.operators.at(0).inputs == both);
  CHECK(p.operators.at(1).inputs == both);
  CHECK(p.operators.at(2).inputs == Names{"auctions"});
  CHECK(p.sink.input.empty());
  CHECK(p.more_sinks.at(0).input == "bids");
  CHECK(p.more_sinks.at(0).type == "stdout");
}

TEST_CASE("builder: one source stays PipelineSpec::source, unnamed, as before") {
  PipelineBuilder b("one");
  b.generator_source(10, 2).event_time("ts", "1ms").filter("value > 1").null_sink();
  const PipelineSpec p = Spec(b);
  CHECK(p.source.type == "generator");
  CHECK(p.source.name.empty());
  CHECK(p.source.max_out_of_orderness == 1'000);
  CHECK(p.more_sources.empty());
  CHECK(p.operators.at(0).inputs.empty());
  CHECK(p.sink.input.empty());
  // A name and an idle timeout are allowed with one source too.
  b = PipelineBuilder("one");
  b.generator_source(10, 2).as("gen").idle_timeout("0s").null_sink();
  CHECK(Spec(b).source.name == "gen");
}

TEST_CASE("builder: several sources need names") {
  PipelineBuilder b("two");
  b.generator_source(1, 1).as("a").generator_source(1, 1).null_sink();
  CHECK(ErrorOf(b) ==
        "source 2 (generator '') has no name: with several sources, name each one with as()");
  b = PipelineBuilder("two");
  b.csv_source("a.csv", kBids).csv_source("b.csv", kBids).as("b").null_sink();
  CHECK(ErrorOf(b) ==
        "source 1 (csv 'a.csv') has no name: with several sources, name each one with as()");
}

TEST_CASE("builder: as() errors") {
  PipelineBuilder b("p");
  b.as("x");
  CHECK(ErrorOf(b) ==
        "as(\"x\") names the source or operator added last, but nothing was added yet");
  b = PipelineBuilder("p");
  b.generator_source(1, 1).null_sink().as("x");
  CHECK(ErrorOf(b) == "as(\"x\") names the source or operator added last, but a sink was");
  b = PipelineBuilder("p");
  b.generator_source(1, 1).as("my-source").null_sink();
  CHECK(ErrorOf(b) ==
        "as(\"my-source\"): a name is letters, digits and '_', not starting with a digit");
  b = PipelineBuilder("p");
  b.generator_source(1, 1).as("").null_sink();
  CHECK(ErrorOf(b) == "as(\"\"): a name is letters, digits and '_', not starting with a digit");
  b = PipelineBuilder("p");
  b.generator_source(1, 1).as("a").filter("true").as("a").null_sink();
  CHECK(ErrorOf(b) ==
        "as(\"a\"): the name is already taken; sources and operators need distinct names");
  // Naming the same item twice renames it.
  b = PipelineBuilder("p");
  b.generator_source(1, 1).as("a").as("b").null_sink();
  CHECK(Spec(b).source.name == "b");
}

TEST_CASE("builder: from() errors") {
  PipelineBuilder b("p");
  b.generator_source(1, 1).as("a").null_sink().from("a");
  CHECK(ErrorOf(b) == "from(a) is followed by no operator or sink");
  b = PipelineBuilder("p");
  b.generator_source(1, 1).as("a").from("a").from("a").filter("true").null_sink();
  CHECK(ErrorOf(b) == "from(a) follows from(a) with no operator or sink between them");
  b = PipelineBuilder("p");
  b.generator_source(1, 1).as("a").from("a").union_of({"a", "a"}).null_sink();
  CHECK(ErrorOf(b) == "from(a) is followed by a union or join, which names its own inputs");
  b = PipelineBuilder("p");
  b.generator_source(1, 1).as("a").from({"a", "a"}).null_sink();
  CHECK(ErrorOf(b) == "a sink reads one input, but from() gave 2: a, a");
  b = PipelineBuilder("p");
  b.generator_source(1, 1).from("").filter("true").null_sink();
  CHECK(ErrorOf(b) == "from() needs the names of sources or operators, not empty ones");
  b = PipelineBuilder("p");
  b.generator_source(1, 1).from(std::vector<std::string>{}).filter("true").null_sink();
  CHECK(ErrorOf(b) == "from() needs the names of sources or operators, not empty ones");
}

TEST_CASE("builder: union and join errors") {
  PipelineBuilder b = TwoSources();
  b.union_of({"bids"}).null_sink();
  CHECK(ErrorOf(b) == "union_of(bids) needs at least 2 inputs");
  b = TwoSources();
  b.tumbling_join({"bids"}, {"auction"}, {"id"}, "1s").null_sink();
  CHECK(ErrorOf(b) == "a window join reads exactly 2 inputs (left, right), given 1");
  b = TwoSources();
  b.interval_join({"bids", "auctions", "bids"}, {"auction"}, {"id"}, "0s", "1s").null_sink();
  CHECK(ErrorOf(b) == "an interval join reads exactly 2 inputs (left, right), given 3");
  b = TwoSources();
  b.session_join({"bids", "auctions"}, {"auction", "ts"}, {"id"}, "1s").null_sink();
  CHECK(ErrorOf(b) ==
        "a window join needs key fields, as many on the left (2) as on the right (1)");
  b = TwoSources();
  b.sliding_join({"bids", "auctions"}, {}, {}, "1s", "1s").null_sink();
  CHECK(ErrorOf(b) ==
        "a window join needs key fields, as many on the left (0) as on the right (0)");
  b = TwoSources();
  b.interval_join({"bids", "auctions"}, {"auction"}, {"id"}, "1s", "-1s").null_sink();
  CHECK(ErrorOf(b) == "interval_join: lower (1s) must be at most upper (-1s)");
  b = TwoSources();
  b.interval_join({"bids", "auctions"}, {"auction"}, {"id"}, "--1s", "1s").null_sink();
  CHECK(ErrorOf(b) ==
        "interval_join lower: invalid duration '--1s' (write e.g. \"10s\" or \"-5s\"; "
        "units us, ms, s, m, h)");
  b = TwoSources();
  b.tumbling_join({"bids", "auctions"}, {"auction"}, {"id"}, "1 s").null_sink();
  CHECK(ErrorOf(b).find("tumbling_join size: invalid duration '1 s'") == 0);
  b = TwoSources();
  b.filter("true").join_prefixes("l_", "r_").null_sink();
  CHECK(ErrorOf(b) == "join_prefixes() must follow a join");
  b = TwoSources();
  b.idle_timeout("soon").null_sink();
  CHECK(ErrorOf(b).find("idle_timeout: invalid duration 'soon'") == 0);
}

TEST_CASE("builder: Build() reports the first mistake with the pipeline's name") {
  PipelineBuilder b = TwoSources();
  b.union_of({"bids"}).null_sink();
  std::unique_ptr<Pipeline> p;
  Status s = b.Build(&p);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == "pipeline 'bids-per-seller': union_of(bids) needs at least 2 inputs");
}
