// Pipeline variables: ${NAME} and ${NAME:-default} in string values (docs/pipelines.md,
// "Variables"), substituted from LoadOptions::variables, with errors at the reference.
#include <doctest/doctest.h>

#include <string>

#include "pipelines/toml_loader.h"

using namespace sluice;

namespace {

// A small pipeline whose csv source path and sink path are given by `path` and `out`.
std::string Pipeline(const std::string& path, const std::string& out) {
  return "[pipeline]\nname = \"v\"\ncheckpoints = false\n\n"
         "[source]\ntype = \"csv\"\npath = \"" +
         path +
         "\"\nschema = { a = \"int64\", b = \"string\" }\n\n"
         "[[operator]]\ntype = \"filter\"\nwhere = \"b != '${x}'\"\n\n"
         "[sink]\ntype = \"csv\"\npath = \"" +
         out + "\"\n";
}

Result<PipelineSpec> Load(const std::string& text, PipelineVariables vars = {}) {
  LoadOptions options;
  options.variables = std::move(vars);
  return LoadPipelineString(text, "v.toml", options);
}

}  // namespace

TEST_CASE("variables: ${NAME} takes the given value, in every string value") {
  auto r =
      Load(Pipeline("${dir}/in.csv", "${out}"), {{"dir", "/data"}, {"out", "o.csv"}, {"x", "z"}});
  REQUIRE(r.ok());
  CHECK(r->source.path == "/data/in.csv");
  CHECK(r->sink.path == "o.csv");
  REQUIRE(r->operators.size() == 1);
  CHECK(r->operators[0].where == "b != 'z'");
}

TEST_CASE("variables: ${NAME:-default} falls back to its default, which may be empty") {
  const std::string text = Pipeline("${dir:-in}${suffix:-}.csv", "${out:-o.csv}");
  auto r = Load(text, {{"x", "1"}});
  REQUIRE(r.ok());
  CHECK(r->source.path == "in.csv");
  CHECK(r->sink.path == "o.csv");
  auto given = Load(text, {{"x", "1"}, {"dir", "d"}, {"suffix", "-2"}, {"out", ""}});
  REQUIRE_FALSE(given.ok());  // an empty value is still a value: the sink path is then empty
  CHECK(given.status().message().find("'path' must not be empty") != std::string::npos);
}

TEST_CASE("variables: a variable without value or default is an error at the reference") {
  auto r = Load(Pipeline("in.csv", "o.csv"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsInvalidArgument());
  // The filter's text is on line 12: where = "b != '${x}'"; the '$' is at column 16.
  CHECK(r.status().message() ==
        "v.toml:12:16: variable 'x' has no value: give one (sluice run/validate --var "
        "x=VALUE), or write a default as ${x:-default}");
}

TEST_CASE("variables: $${ is a literal ${, and a lone $ is kept") {
  auto r = Load(Pipeline("a$b$${x}.csv", "o$.csv"), {{"x", "1"}});
  REQUIRE(r.ok());
  CHECK(r->source.path == "a$b${x}.csv");
  CHECK(r->sink.path == "o$.csv");
}

TEST_CASE("variables: malformed references and names") {
  auto unterminated = Load(Pipeline("${dir", "o.csv"), {{"x", "1"}});
  REQUIRE_FALSE(unterminated.ok());
  CHECK(unterminated.status().message().rfind("v.toml:7:9: unterminated variable reference", 0) ==
        0);
  auto bad = Load(Pipeline("${1dir}", "o.csv"), {{"x", "1"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().rfind("v.toml:7:9: '${1dir}' is not a variable reference", 0) == 0);
  auto bad_option = Load(Pipeline("in.csv", "o.csv"), {{"x", "1"}, {"a-b", "2"}});
  REQUIRE_FALSE(bad_option.ok());
  CHECK(bad_option.status().message().find("'a-b' is not a variable name") != std::string::npos);
}

TEST_CASE("variables: values the file does not use are ignored; keys are not substituted") {
  auto r = Load(Pipeline("in.csv", "o.csv"), {{"x", "1"}, {"unused", "2"}});
  REQUIRE(r.ok());
  CHECK(r->source.path == "in.csv");
}
