// Write failures seen from the command line: a state directory that reaches its state_max_size,
// and failures injected into LMDB commits and file writes (SLUICE_FAIL_AT,
// base/fault_injection.h). Each run stops with exit 1 and a message naming the file; nothing
// committed is damaged; the same command afterwards resumes and ends with the output of an
// uninterrupted run.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "../runtime/test_util.h"
#include "cli_util.h"

using sluice::testing::Outcome;
using sluice::testing::ReadFile;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

namespace {

// A keyed window over the generator's events, written to <name>.csv.
struct WindowRun {
  std::string interval;  // checkpoint_interval
  int events = 0;
  int keys = 0;
  std::string window;  // the window's kind and sizes
};

std::string Pipeline(const std::string& name, const WindowRun& run,
                     const std::string& extra_keys = "") {
  return fmt::format(R"([pipeline]
name = "{0}"
checkpoint_interval = "{1}"
{2}

[source]
type = "generator"
events = {3}
keys = {4}

[[operator]]
type = "key_by"
fields = ["key"]

[[operator]]
type = "window"
{5}
aggregates = ["count(*) as n", "sum(value) as total"]

[sink]
type = "csv"
path = "{0}.csv"
)",
                     name, run.interval, extra_keys, run.events, run.keys, run.window);
}

// Session windows over 100,000 keys: the state after the first batches is several MiB, while
// the checkpoint at the start of the input is a few KiB.
std::string SessionPipeline(const std::string& name, const std::string& state_max_size) {
  return Pipeline(name, {"100ms", 400000, 100000, "kind = \"session\"\ngap = \"1h\""},
                  state_max_size);
}

// Tumbling windows with many small checkpoints and a csv sink.
std::string TumblingPipeline(const std::string& name) {
  return Pipeline(name, {"10ms", 1000000, 1000, "kind = \"tumbling\"\nsize = \"1ms\""},
                  "batch_size = 4096");
}

}  // namespace

TEST_CASE("a state directory that reaches state_max_size stops the run; a larger limit resumes") {
  ScratchDir dir("cli-state-max");
  WriteFile(dir.file("ref.toml"), SessionPipeline("ref", ""));
  REQUIRE(Sluice("run ref.toml", dir.file("")).code == 0);

  WriteFile(dir.file("big.toml"), SessionPipeline("big", "state_max_size = \"1MiB\""));
  Outcome full = Sluice("run big.toml", dir.file(""));
  INFO(full.output);
  CHECK(full.code == 1);
  CHECK(full.output.find("map size limit reached: 'big.state/data.mdb' fills its map of "
                         "1048576 bytes") != std::string::npos);
  CHECK(full.output.find("raise the pipeline's state_max_size") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("big.csv")));
  CHECK(std::filesystem::file_size(dir.file("big.state/data.mdb")) <= (1u << 20));

  // The limit is not part of the definition: the same pipeline with room resumes.
  WriteFile(dir.file("big.toml"), SessionPipeline("big", "state_max_size = \"256MiB\""));
  Outcome again = Sluice("run big.toml", dir.file(""));
  INFO(again.output);
  REQUIRE(again.code == 0);
  // From the checkpoint before the one that did not fit (how many fit depends on the machine's
  // speed: checkpoints are taken by time).
  const size_t at = full.output.find("failed: checkpoint ");
  REQUIRE(at != std::string::npos);
  const int failed = std::atoi(full.output.c_str() + at + std::strlen("failed: checkpoint "));
  REQUIRE(failed >= 2);
  CHECK(again.output.find(fmt::format("big: resumed from checkpoint {}", failed - 1)) !=
        std::string::npos);
  CHECK(ReadFile(dir.file("big.csv")) == ReadFile(dir.file("ref.csv")));
}

TEST_CASE("state_max_size must be a size of at least 1MiB") {
  ScratchDir dir("cli-state-max-bad");
  for (const char* value : {"\"512KiB\"", "\"ten\"", "\"5 PB\"", "-1", "true"}) {
    WriteFile(dir.file("p.toml"),
              SessionPipeline("p", fmt::format("state_max_size = {}", value)));
    Outcome o = Sluice("validate p.toml", dir.file(""));
    INFO(value << ": " << o.output);
    CHECK(o.code == 2);
    CHECK(o.output.find("p.toml:4:18: 'state_max_size' must be a size of at least 1MiB") !=
          std::string::npos);
  }
  WriteFile(dir.file("p.toml"), SessionPipeline("p", "state_max_size = 1048576"));
  CHECK(Sluice("validate p.toml", dir.file("")).code == 0);
  WriteFile(dir.file("p.toml"),
            SessionPipeline("p", "state_max_size = \"1GiB\"\ncheckpoints = false"));
  Outcome off = Sluice("validate p.toml", dir.file(""));
  CHECK(off.code == 2);
  CHECK(off.output.find("p.toml:4:18: 'state_max_size' is for checkpoints, which 'checkpoints = "
                        "false' turns off") != std::string::npos);
}

TEST_CASE("an injected write failure stops the run naming the file; the same command resumes") {
  ScratchDir dir("cli-write-fault");
  WriteFile(dir.file("ref.toml"), TumblingPipeline("ref"));
  REQUIRE(Sluice("run ref.toml", dir.file("")).code == 0);
  const std::string ref = ReadFile(dir.file("ref.csv"));
  REQUIRE(ref.size() > 100000);

  struct Case {
    std::string fail_at;
    std::string message;
  };
  const Case cases[] = {
      {"lmdb-commit:1", "cannot write 't.state/data.mdb': Input/output error"},
      {"lmdb-commit:4", "cannot write 't.state/data.mdb': Input/output error"},
      {"file-write:1", "cannot write 't.csv': Input/output error"},
      {"file-write:6", "cannot write 't.csv': Input/output error"},
  };
  for (const Case& c : cases) {
    std::filesystem::remove_all(dir.file("t.state"));
    std::filesystem::remove(dir.file("t.csv"));
    std::filesystem::remove(dir.file("t.csv.inprogress"));
    WriteFile(dir.file("t.toml"), TumblingPipeline("t"));
    Outcome failed = Sluice("run t.toml", dir.file(""), "SLUICE_FAIL_AT=" + c.fail_at);
    INFO(c.fail_at << ": " << failed.output);
    CHECK(failed.code == 1);
    CHECK(failed.output.find(c.message + " (injected: SLUICE_FAIL_AT=") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.file("t.csv")));

    Outcome again = Sluice("run t.toml", dir.file(""));
    INFO(again.output);
    REQUIRE(again.code == 0);
    CHECK(ReadFile(dir.file("t.csv")) == ref);
  }
}

TEST_CASE("an injected commit failure stops sluice log append; the same command appends the rest") {
  ScratchDir dir("cli-log-fault");
  std::string csv = "user,ts,amount\n";
  for (int i = 0; i < 10000; ++i) csv += fmt::format("u{},{},{}\n", i % 7, 1000 + i, i);
  WriteFile(dir.file("in.csv"), csv);
  const std::string append =
      "log append log --stream s --type T --schema user:string,ts:timestamp_ms,amount:double "
      "--event-time ts in.csv";
  Outcome failed = Sluice(append, dir.file(""), "SLUICE_FAIL_AT=lmdb-commit:3");
  INFO(failed.output);
  CHECK(failed.code == 1);
  CHECK(failed.output.find("cannot write 'log/data.mdb': Input/output error (injected: "
                           "SLUICE_FAIL_AT=lmdb-commit)") != std::string::npos);
  CHECK(failed.output.find("4096 events of this run were committed") != std::string::npos);
  Outcome again = Sluice(append, dir.file(""));
  INFO(again.output);
  REQUIRE(again.code == 0);
  CHECK(Sluice("log verify log", dir.file("")).code == 0);
  Outcome stats = Sluice("log stats log", dir.file(""));
  CHECK(stats.output.find("events            10000\n") != std::string::npos);
  CHECK(stats.output.find("last position     10000\n") != std::string::npos);
}

TEST_CASE("SLUICE_FAIL_AT naming no known point is refused at start") {
  Outcome o = Sluice("--help", ".", "SLUICE_FAIL_AT=lmdb-comit");
  CHECK(o.code == 2);
  CHECK(o.output.find("SLUICE_FAIL_AT names no known point: 'lmdb-comit' (known: lmdb-commit, "
                      "file-write)") != std::string::npos);
}
