// `sluice run|validate FILE --var NAME=VALUE`: variables substituted into the file's strings.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "../runtime/test_util.h"
#include "cli_util.h"

using sluice::testing::Outcome;
using sluice::testing::ReadLines;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

namespace {

const char* kPipeline = R"([pipeline]
name = "vars"
checkpoints = false

[source]
type = "csv"
path = "${input}/in.csv"
schema = { user = "string", amount = "int64" }

[[operator]]
type = "filter"
where = "amount > ${min:-0}"

[sink]
type = "csv"
path = "${output:-out.csv}"
)";

}  // namespace

TEST_CASE("sluice run --var substitutes variables and defaults") {
  ScratchDir dir("cli-vars");
  std::filesystem::create_directories(dir.file("data"));
  WriteFile(dir.file("p.toml"), kPipeline);
  WriteFile(dir.file("data/in.csv"), "user,amount\na,1\nb,5\nc,9\n");
  Outcome o =
      Sluice("run p.toml -q --var input=data --var output=res.csv --var min=4", dir.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  auto rows = ReadLines(dir.file("res.csv"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[1] == "b,5");
  CHECK(rows[2] == "c,9");
  // Defaults: min 0, output out.csv.
  Outcome d = Sluice("run p.toml -q --var input=data", dir.file(""));
  INFO(d.output);
  REQUIRE(d.code == 0);
  CHECK(ReadLines(dir.file("out.csv")).size() == 4);
}

TEST_CASE("sluice validate --var: a missing variable is an error at file:line:column") {
  ScratchDir dir("cli-vars-validate");
  WriteFile(dir.file("p.toml"), kPipeline);
  Outcome ok = Sluice("validate p.toml --var input=data", dir.file(""));
  INFO(ok.output);
  CHECK(ok.code == 0);
  Outcome missing = Sluice("validate p.toml", dir.file(""));
  INFO(missing.output);
  CHECK(missing.code == 2);
  CHECK(missing.output.find("p.toml:7:9: variable 'input' has no value") != std::string::npos);
  Outcome run_missing = Sluice("run p.toml", dir.file(""));
  CHECK(run_missing.code == 2);
  CHECK(run_missing.output.find("p.toml:7:9: variable 'input'") != std::string::npos);
  Outcome malformed = Sluice("validate p.toml --var input", dir.file(""));
  CHECK(malformed.code == 2);
  CHECK(malformed.output.find("--var 'input' is not an assignment") != std::string::npos);
  Outcome bad_name = Sluice("validate p.toml --var 9x=1", dir.file(""));
  CHECK(bad_name.code == 2);
  CHECK(bad_name.output.find("'9x' is not a variable name") != std::string::npos);
}
