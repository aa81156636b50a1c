// Names and paths given by the user: two sinks that write one file under different spellings,
// and table names of `sluice replay --into`.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "../runtime/test_util.h"
#include "cli_util.h"

using sluice::testing::Outcome;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

namespace {

// A generator pipeline with a projection and two csv sinks at `first` and `second` (their
// [[sink]] headers are on lines 17 and 21).
std::string TwoSinks(const std::string& first, const std::string& second) {
  return R"([pipeline]
name = "p"
state_dir = "p.state"

[source]
type = "generator"
events = 10

[[operator]]
type = "key_by"
fields = ["key"]

[[operator]]
type = "aggregate"
aggregates = ["count() as n"]

[[sink]]
type = "csv"
path = ")" + first + R"("

[[sink]]
type = "csv"
path = ")" + second + R"("

[[sink]]
type = "projection"
name = "by_key"
)";
}

}  // namespace

TEST_CASE("two sinks that write one file under different spellings are refused") {
  ScratchDir dir("cli-dup-sinks");
  WriteFile(dir.file("p.toml"), TwoSinks("out/dup.csv", "out/./dup.csv"));
  Outcome o = Sluice("validate p.toml", dir.file(""));
  INFO(o.output);
  CHECK(o.code == 2);
  CHECK(o.output.find("p.toml:21:1: two sinks write the same file: 'out/./dup.csv' is "
                      "'out/dup.csv'") != std::string::npos);

  WriteFile(dir.file("p.toml"), TwoSinks("dup.csv", "out/x/../../dup.csv"));
  o = Sluice("validate p.toml", dir.file(""));
  CHECK(o.code == 2);
  CHECK(o.output.find("p.toml:21:1: two sinks write the same file") != std::string::npos);

  // Through the file system: a symbolic link to the directory of the other sink.
  std::filesystem::create_directory(dir.file("out"));
  std::filesystem::create_directory_symlink(dir.file("out"), dir.file("link"));
  WriteFile(dir.file("p.toml"), TwoSinks("out/a.csv", "link/a.csv"));
  o = Sluice("validate p.toml", dir.file(""));
  CHECK(o.code == 2);
  CHECK(o.output.find("p.toml:21:1: two sinks write the same file: 'link/a.csv' is "
                      "'out/a.csv'") != std::string::npos);

  WriteFile(dir.file("p.toml"), TwoSinks("out/a.csv", "out/b.csv"));
  o = Sluice("validate p.toml", dir.file(""));
  INFO(o.output);
  CHECK(o.code == 0);

  // Nor may a sink write the dead-letter file.
  std::string dlq = TwoSinks("out/a.csv", "out/b.csv");
  dlq.replace(dlq.find("state_dir"), 0, "dead_letter_path = \"./out/b.csv\"\n");
  WriteFile(dir.file("p.toml"), dlq);
  o = Sluice("validate p.toml", dir.file(""));
  CHECK(o.code == 2);
  CHECK(o.output.find("p.toml:1:1: dead_letter_path './out/b.csv' is also written by a sink "
                      "('out/b.csv'); give it a file of its own") != std::string::npos);
}

TEST_CASE("sluice replay --into refuses names that are not table names") {
  ScratchDir dir("cli-into-names");
  WriteFile(dir.file("p.toml"), TwoSinks("out/a.csv", "out/b.csv"));
  for (const char* bad : {"\"\"", "\"a b/../c\"", ".", "..", "a/b", "\"tab\tle\""}) {
    Outcome o = Sluice(std::string("replay p.toml --into ") + bad, dir.file(""));
    INFO(bad, o.output);
    CHECK(o.code == 2);
    CHECK(o.output.find("is not a table name: use 1 to 128 of the characters A-Z a-z 0-9 _ . -") !=
          std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("p.state")));
  Outcome ok = Sluice("replay p.toml --into by_key-v2.1", dir.file(""));
  INFO(ok.output);
  CHECK(ok.code == 0);
  CHECK(ok.output.find("projections now served by table 'by_key-v2.1'") != std::string::npos);
}
