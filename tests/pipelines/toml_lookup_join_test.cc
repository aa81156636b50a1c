// The lookup_join operator in pipeline files and the C++ builder: shape errors from the loader
// and meaning errors from the planner, each at FILE:LINE:COL, and the table's content in the
// pipeline's definition text.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "../runtime/test_util.h"
#include "pipelines/toml_loader.h"
#include "runtime/definition.h"
#include "runtime/plan.h"
#include "sluice/pipeline_builder.h"
#include "toml_edit_util.h"

using namespace sluice;
using sluice::testing::ScratchDir;
using sluice::testing::WriteFile;

namespace {

// Line numbers below refer to this text; the table's path value starts at 16:18.
std::string PipelineText(const std::string& table_path) {
  return R"toml([source]
type = "csv"
path = "bids.csv"
schema = { auction = "int64", price = "double", ts = "timestamp_ms" }
event_time = "ts"

[[operator]]
type = "map"
set = ["auction_mod = auction % 100"]

[[operator]]
type = "lookup_join"
key = ["auction_mod"]
table_key = ["key"]
join = "left"
table = { path = ")toml" +
         table_path + R"toml(", schema = { key = "int64", label = "string" } }

[sink]
type = "null"
)toml";
}

std::string Edit(const std::string& from, const std::string& to) {
  return testing::ReplaceFirst(PipelineText("side.csv"), from, to);
}

std::string ErrorOf(const std::string& text) { return testing::LoadError(text, "p.toml"); }

// The planner's message for `text` ("" when it plans).
std::string PlanError(const std::string& text) {
  auto spec = LoadPipelineString(text, "p.toml");
  REQUIRE_MESSAGE(spec.ok(), spec.status().ToString());
  std::unique_ptr<Plan> plan;
  return BuildPlan(*spec, PipelineOptions(), &plan).message();
}

}  // namespace

TEST_CASE("lookup_join: the file loads, with key, table_key, join and the table's schema") {
  auto spec = LoadPipelineString(PipelineText("side.csv"), "p.toml");
  REQUIRE_MESSAGE(spec.ok(), spec.status().ToString());
  const OperatorSpec& op = spec->operators[1];
  CHECK(op.kind == OpKind::kLookupJoin);
  CHECK(op.left_key == std::vector<std::string>{"auction_mod"});
  CHECK(op.right_key == std::vector<std::string>{"key"});
  CHECK(op.join_type == JoinType::kLeft);
  CHECK(op.table.path == "side.csv");
  CHECK(op.table.schema.ToString() == "key:int64, label:string");
  CHECK(op.table.loc.line == 16);
  CHECK(op.table.loc.column == 18);
  // table_key defaults to key's names; join to inner.
  auto plain = LoadPipelineString(Edit("table_key = [\"key\"]\njoin = \"left\"\n", ""), "p.toml");
  REQUIRE(plain.ok());
  CHECK(plain->operators[1].right_key == std::vector<std::string>{"auction_mod"});
  CHECK(plain->operators[1].join_type == JoinType::kInner);
}

TEST_CASE("lookup_join: shape errors point at the offending key or value") {
  CHECK(ErrorOf(Edit("join = \"left\"", "join = \"full\"")) ==
        "p.toml:15:8: unknown lookup join type 'full' (expected inner, left)");
  CHECK(ErrorOf(Edit("table_key = [\"key\"]", "table_key = [\"key\", \"x\"]")) ==
        "p.toml:14:13: 'table_key' must name as many fields as 'key' (1), found 2");
  CHECK(ErrorOf(Edit("table = {", "tabl = {"))
            .find("p.toml:16:1: unknown key 'tabl' in "
                  "[[operator]] #2 (lookup_join)") == 0);
  CHECK(ErrorOf(Edit("table = { path = \"side.csv\", schema = { key = \"int64\", label = "
                     "\"string\" } }",
                     "table = \"side.csv\"")) ==
        "p.toml:16:9: 'table' must be a table such as { path = \"side.csv\", schema = { key = "
        "\"int64\", name = \"string\" } }, found string \"side.csv\"");
  CHECK(ErrorOf(Edit(", schema = { key = \"int64\", label = \"string\" }", "")) ==
        "p.toml:16:9: 'table' of [[operator]] #2 (lookup_join) needs 'schema'");
  CHECK(ErrorOf(Edit("path = \"side.csv\",", "")) ==
        "p.toml:16:9: 'table' of [[operator]] #2 (lookup_join) needs 'path'");
  CHECK(ErrorOf(Edit("path = \"side.csv\",", "path = \"side.csv\", format = \"parquet\","))
            .find("p.toml:16:39: unknown table format 'parquet' (expected csv, jsonl)") == 0);
  CHECK(ErrorOf(Edit("path = \"side.csv\",", "path = \"side.csv\", formt = \"csv\","))
            .find("p.toml:16:30: unknown key 'formt' in 'table' of [[operator]] #2 "
                  "(lookup_join)") == 0);
  CHECK(ErrorOf(Edit("key = \"int64\"", "key = \"int\" , x = \"int65\"")) ==
        "p.toml:16:59: field 'x' has unknown type 'int65' (expected one of: int64, double, bool, "
        "string, timestamp, timestamp_s, timestamp_ms, timestamp_us)");
  CHECK(ErrorOf(Edit("key = [\"auction_mod\"]\n", "")) ==
        "p.toml:11:1: [[operator]] #2 (lookup_join) needs 'key'");
  CHECK(ErrorOf(Edit("join = \"left\"", "left_prefix = \"l_\""))
            .find("p.toml:15:1: unknown key 'left_prefix' in [[operator]] #2 (lookup_join)") == 0);
}

TEST_CASE("lookup_join: planning errors point into the file") {
  ScratchDir dir("lookup-toml");
  const std::string table = dir.file("side.csv");
  WriteFile(table, "key,label\n1,one\n2,two\n");
  CHECK(PlanError(PipelineText(table)) == "");
  auto edit = [&](const std::string& from, const std::string& to) {
    return testing::ReplaceFirst(PipelineText(table), from, to);
  };
  CHECK(PlanError(edit("key = \"int64\"", "key = \"string\"")) ==
        "p.toml:11:1: operator #2 (lookup_join): key fields of different types: stream "
        "'auction_mod' is int64, table 'key' is string; convert the stream's with a map first or "
        "change the table's schema");
  CHECK(PlanError(edit("label = \"string\"", "price = \"string\"")) ==
        "p.toml:16:18: operator #2 (lookup_join): the output would have two fields named 'price' "
        "(the stream's and the table's 'price'); set right_prefix (such as right_prefix = "
        "\"t_\") to tell them apart");
  // With a prefix, no clash.
  WriteFile(dir.file("prices.csv"), "key,price\n1,x\n");
  const std::string prefixed = testing::ReplaceFirst(PipelineText(dir.file("prices.csv")),
                                                     "join = \"left\"", "right_prefix = \"t_\"");
  CHECK(PlanError(testing::ReplaceFirst(prefixed, "label = \"string\"", "price = \"string\"")) ==
        "");
  CHECK(PlanError(edit("table_key = [\"key\"]", "table_key = [\"kee\"]")) ==
        "p.toml:11:1: operator #2 (lookup_join): table key field 'kee' is not a field of the "
        "table input (fields: key, label)");
  CHECK(PlanError(edit("key = [\"auction_mod\"]", "key = [\"auction_md\"]")) ==
        "p.toml:11:1: operator #2 (lookup_join): stream key field 'auction_md' is not a field of "
        "the stream input (fields: auction, price, ts, auction_mod)");
  WriteFile(table, "key,label\n1,one\n\ntwo,2\n");
  CHECK(PlanError(PipelineText(table)) == "p.toml:16:18: operator #2 (lookup_join): table: " +
                                              table + ":4: field 'key': 'two' is not an int64");
  std::filesystem::remove(table);
  CHECK(PlanError(PipelineText(table)) ==
        "p.toml:16:18: operator #2 (lookup_join): table: cannot "
        "open '" +
            table + "': No such file or directory");
  CHECK(PlanError(PipelineText(dir.file("side.txt"))) ==
        "p.toml:16:18: operator #2 (lookup_join): table: cannot tell the format of table '" +
            dir.file("side.txt") + "' from its extension; set format = \"csv\" or \"jsonl\"");
}

TEST_CASE("lookup_join: the definition text holds the table's content hash") {
  ScratchDir dir("lookup-toml");
  const std::string table = dir.file("side.csv");
  WriteFile(table, "key,label\n1,one\n");
  auto spec = LoadPipelineString(PipelineText(table), "p.toml");
  REQUIRE(spec.ok());
  auto definition = [&] {
    std::unique_ptr<Plan> plan;
    REQUIRE(BuildPlan(*spec, PipelineOptions(), &plan).ok());
    return DescribeDefinition(plan->spec, 1);
  };
  const std::string a = definition();
  CHECK(a.find("operator 2: lookup_join left key=auction_mod table_key=key right_prefix= table=" +
               table + " format= schema=key:int64, label:string content=") != std::string::npos);
  CHECK(definition() == a);
  WriteFile(table, "key,label\n1,uno\n");
  const std::string b = definition();
  CHECK(b != a);
  CHECK(DefinitionChange(a, b).find("content=") != std::string::npos);
}

TEST_CASE("lookup_join: the C++ builder declares what the file does") {
  auto file = LoadPipelineString(PipelineText("side.csv") + "", "p.toml");
  REQUIRE(file.ok());
  auto built = PipelineBuilder("p")
                   .csv_source("bids.csv",
                               {{"auction", "int64"}, {"price", "double"}, {"ts", "timestamp_ms"}})
                   .event_time("ts")
                   .map("auction_mod", "auction % 100")
                   .lookup_join("side.csv", {{"key", "int64"}, {"label", "string"}},
                                {"auction_mod"}, {"key"}, JoinType::kLeft)
                   .null_sink()
                   .spec();
  REQUIRE_MESSAGE(built.ok(), built.status().ToString());
  CHECK(DescribeDefinition(*built, 1) == DescribeDefinition(*file, 1));
  auto prefixed = PipelineBuilder("p")
                      .generator_source(10, 2)
                      .lookup_join("side.csv", {{"key", "int64"}}, {"key"})
                      .join_prefixes("", "t_")
                      .null_sink()
                      .spec();
  REQUIRE(prefixed.ok());
  CHECK(prefixed->operators[0].right_prefix == "t_");
  CHECK(prefixed->operators[0].right_key == std::vector<std::string>{"key"});
  auto bad = PipelineBuilder("p")
                 .generator_source(10, 2)
                 .lookup_join("side.csv", {{"key", "int64"}}, {"key"}, {}, JoinType::kFull)
                 .null_sink()
                 .spec();
  CHECK(bad.status().message().find("inner or left") != std::string::npos);
  auto left_prefix = PipelineBuilder("p")
                         .generator_source(10, 2)
                         .lookup_join("side.csv", {{"key", "int64"}}, {"key"})
                         .join_prefixes("s_", "t_")
                         .null_sink()
                         .spec();
  CHECK(left_prefix.status().message().find("left prefix must be empty") != std::string::npos);
}
