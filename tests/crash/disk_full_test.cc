// Disk full: a run whose outputs hit a file-size limit (ulimit -f; sluice ignores SIGXFSZ so the
// limit surfaces as a write error, as a full disk does) stops with exit 1 and a message naming
// the file and the cause; what its checkpoints committed stays intact, and once the limit is
// lifted the same command resumes and leaves exactly the outputs of an uninterrupted run. The
// limits are chosen so that each output in turn is the first to hit it: the csv, the state
// directory's LMDB file, the log sink's LMDB file.
#include <doctest/doctest.h>

#include <string>

#include "crash/child_process.h"
#include "crash/pipeline_outputs.h"

namespace sluice::crash {
namespace {

// Runs `sluice run p.toml` in `dir` under a file-size limit of `kib` KiB (0: none).
ExitStatus RunLimited(const std::string& dir, long kib, std::string* err) {
  SpawnOptions o = OptionsFor(dir);
  const std::string limit = kib > 0 ? "ulimit -f " + std::to_string(kib) + "; " : "";
  ExitStatus st = RunToEnd({"/bin/sh", "-c", limit + "exec '" + SluiceBin() + "' run p.toml"}, o);
  *err = ReadFile(o.err_path);
  return st;
}

}  // namespace

TEST_CASE("a run stopped by a full disk names the file, and resumes to the same outputs") {
  const std::string& log = InputLog(1'000'000);
  ScratchDir scratch("disk-full");
  const Case c{"diskfull", "kind = \"tumbling\"\nsize = \"10s\"\n", true, "", false};
  const std::string ref = scratch.file("reference");
  PreparePipelineDir(c, log, ref);
  SluiceOk({"run", "p.toml"}, ref);
  const Outputs want = Collect(ref, c.log_sink);

  int stopped = 0;
  for (long kib : {256L, 1024L, 4096L, 12288L}) {
    CAPTURE(kib);
    const std::string dir = scratch.file("limit-" + std::to_string(kib));
    PreparePipelineDir(c, log, dir);
    std::string err;
    const ExitStatus limited = RunLimited(dir, kib, &err);
    INFO(err);
    if (limited.Success()) continue;  // every file stayed under this limit
    ++stopped;
    CHECK(limited.exited);
    CHECK(limited.code == 1);
    CHECK(err.find("file size limit reached") != std::string::npos);
    const bool names_file = err.find("windows.csv") != std::string::npos ||
                            err.find("data.mdb") != std::string::npos ||
                            err.find(".jsonl") != std::string::npos;
    CHECK(names_file);

    // Space "freed": the same command, without the limit, ends with the reference outputs.
    std::string resume_err;
    const ExitStatus resumed = RunLimited(dir, 0, &resume_err);
    REQUIRE_MESSAGE(resumed.Success(), resume_err);
    const Outputs got = Collect(dir, c.log_sink);
    for (size_t k = 0; k < want.size(); ++k) {
      CHECK_MESSAGE(FirstDifference(want[k].second, got[k].second).empty(), want[k].first);
    }
  }
  CHECK(stopped >= 2);
}

}  // namespace sluice::crash
