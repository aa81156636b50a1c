// Resource limits seen from the command line: an endless or oversized pipeline file, and a run
// that exhausts its memory, end with a message and an exit code, never an abort.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <filesystem>
#include <string>

#include "../runtime/test_util.h"
#include "cli_util.h"

using sluice::testing::Outcome;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

TEST_CASE("sluice validate /dev/zero is refused at once with exit 2") {
  Outcome o = Sluice("validate /dev/zero");
  INFO(o.output);
  CHECK(o.code == 2);
  CHECK(o.output.find("'/dev/zero' is a character device, not a pipeline file") !=
        std::string::npos);
}

TEST_CASE("sluice validate refuses a pipeline file larger than 1 MiB, even from a pipe") {
  Outcome o = Sluice("validate /dev/stdin", ".", "head -c 3000000 /dev/zero |");
  INFO(o.output);
  CHECK(o.code == 2);
  CHECK(o.output.find("is larger than 1048576 bytes (1 MiB), the limit for a pipeline file") !=
        std::string::npos);
}

// Skipped under AddressSanitizer, which cannot start under `ulimit -v`.
TEST_CASE("a run that runs out of memory exits 1 naming the stage and its keys" *
          doctest::skip(sluice::testing::kAddressSanitizer)) {
  ScratchDir dir("cli-oom");
  // Ten million sessions need gigabytes; the address space is limited to 400 MB. One lane and
  // few malloc arenas keep the start-up address space small on machines with many cores.
  WriteFile(dir.file("oom.toml"), R"([pipeline]
name = "oom"
checkpoints = false
parallelism = 1

[source]
type = "generator"
events = 20000000
keys = 10000000

[[operator]]
type = "key_by"
fields = ["key"]

[[operator]]
type = "window"
kind = "session"
gap = "1h"
aggregates = ["count() as n"]

[sink]
type = "csv"
path = "out.csv"
)");
  // Whichever allocation crosses the limit fails: usually the session state's, but at some
  // limits a source batch's. Every run must end cleanly; one must name the keyed stage.
  bool named_stage = false;
  for (int limit : {400000, 450000, 350000}) {
    Outcome o = Sluice("run oom.toml", dir.file(""),
                       fmt::format("ulimit -v {}; MALLOC_ARENA_MAX=2", limit));
    INFO(limit << ": " << o.output);
    CHECK(o.code == 1);
    CHECK(o.output.find("terminate called") == std::string::npos);
    CHECK(o.output.find("sluice: oom failed: out of memory in ") != std::string::npos);
    CHECK(o.output.find("give the process more memory") != std::string::npos);
    named_stage = o.output.find("sluice: oom failed: out of memory in lane 0 of the keyed stage "
                                "(session window), holding state for ") != std::string::npos;
    if (named_stage) break;
  }
  CHECK(named_stage);
  CHECK_FALSE(std::filesystem::exists(dir.file("out.csv")));
  CHECK_FALSE(std::filesystem::exists(dir.file("out.csv.inprogress")));
}
