// Permission errors seen from the command line: an unreadable input, a sink directory and a
// state directory that cannot be written. Each run stops with exit 1 and a message naming the
// path and the cause, and leaves no output that looks complete. The tests run as root, which
// permissions do not stop, so `sluice` runs as the unprivileged user nobody (setpriv); where that
// is impossible (not root, no setpriv, a build nobody may not run) they are skipped.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "../runtime/test_util.h"
#include "cli_util.h"

using sluice::testing::Outcome;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

namespace {

namespace fs = std::filesystem;

constexpr const char* kAsNobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";

// Root with setpriv, and a build whose `sluice` nobody may run (a checkout under a private
// home directory is not).
bool CanDropPrivileges() {
  static const bool can = ::geteuid() == 0 &&
                          (fs::exists("/usr/bin/setpriv") || fs::exists("/bin/setpriv")) &&
                          Sluice("--help", "/", kAsNobody).code == 0;
  return can;
}

// A csv pipeline reading in.csv into `sink`, with `pipeline_keys` in [pipeline].
std::string CsvPipeline(const std::string& sink, const std::string& pipeline_keys) {
  return R"([pipeline]
name = "perm"
)" + pipeline_keys + R"(

[source]
type = "csv"
path = "in.csv"
schema = { user = "string", ts = "timestamp_ms", amount = "double" }
event_time = "ts"

[sink]
type = "csv"
path = ")" + sink + "\"\n";
}

// Lets nobody write the scratch directory, and puts in it a readable input and a directory ro/
// that only root may write.
void Prepare(const ScratchDir& dir) {
  fs::permissions(dir.file(""), fs::perms::all);
  WriteFile(dir.file("in.csv"), "user,ts,amount\nu1,1000,1\nu2,2000,2\n");
  fs::create_directory(dir.file("ro"));
  fs::permissions(dir.file("ro"), fs::perms::owner_all | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec);
}

// Runs `pipeline` (as p.toml) as nobody: it must stop with exit 1 and print `message`.
void CheckRefusedAsNobody(const ScratchDir& dir, const std::string& pipeline,
                          const std::string& message) {
  WriteFile(dir.file("p.toml"), pipeline);
  Outcome o = Sluice("run p.toml", dir.file(""), kAsNobody);
  INFO(o.output);
  CHECK(o.code == 1);
  CHECK(o.output.find("sluice: perm failed: " + message) != std::string::npos);
}

}  // namespace

TEST_CASE("an unreadable input stops the run naming the file" *
          doctest::skip(!CanDropPrivileges())) {
  ScratchDir dir("cli-perm-input");
  Prepare(dir);
  fs::permissions(dir.file("in.csv"), fs::perms::none);
  CheckRefusedAsNobody(dir, CsvPipeline("out.csv", "checkpoints = false"),
                       "cannot open 'in.csv': Permission denied");
  CHECK_FALSE(fs::exists(dir.file("out.csv")));
}

TEST_CASE("a sink directory that cannot be written stops the run naming the file" *
          doctest::skip(!CanDropPrivileges())) {
  ScratchDir dir("cli-perm-sink");
  Prepare(dir);
  CheckRefusedAsNobody(dir, CsvPipeline("ro/out.csv", "checkpoints = false"),
                       "cannot create 'ro/out.csv': Permission denied");
  CHECK(fs::is_empty(dir.file("ro")));
}

TEST_CASE("a state directory that cannot be created stops the run naming it" *
          doctest::skip(!CanDropPrivileges())) {
  ScratchDir dir("cli-perm-state");
  Prepare(dir);
  CheckRefusedAsNobody(dir, CsvPipeline("out.csv", "state_dir = \"ro/state\""),
                       "state directory 'ro/state': cannot create log directory 'ro/state': "
                       "Permission denied");
  CHECK_FALSE(fs::exists(dir.file("out.csv")));
  // The same run as root (who may write ro/) succeeds: the failure was the permission alone.
  Outcome root = Sluice("run p.toml", dir.file(""));
  INFO(root.output);
  CHECK(root.code == 0);
  CHECK(fs::exists(dir.file("out.csv")));
}
