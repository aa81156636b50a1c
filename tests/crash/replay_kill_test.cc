// `sluice replay FILE --into TABLE` killed with SIGKILL at random moments and run again, with the
// same command, until it exits 0 by itself: the projection must then be served from the new
// table with exactly the rows of the run that first built it, and `sluice query` must have
// answered from the old table, complete, after every kill.
#include <doctest/doctest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "crash/child_process.h"
#include "crash/pipeline_outputs.h"

namespace sluice::crash {
namespace {

using testing::ChildProcess;

// `sluice query` of the by_user projection: its header (table name, rows) and its rows.
std::string Query(const std::string& dir, std::string* header) {
  SpawnOptions o = OptionsFor(dir + "-query");
  o.cwd = dir;
  const ExitStatus st = RunToEnd({SluiceBin(), "query", "state", "by_user"}, o);
  REQUIRE_MESSAGE(st.Success(), ReadFile(o.err_path));
  *header = ReadFile(o.err_path);
  return ReadFile(o.out_path);
}

}  // namespace

TEST_CASE("sluice replay --into killed at random moments switches to an identical table") {
  const std::string& log = InputLog(1'000'000);
  ScratchDir scratch("replay-kill");
  const Case c{"replay", "kind = \"tumbling\"\nsize = \"10s\"\n", false, "", false};
  const std::string dir = scratch.file("run");
  PreparePipelineDir(c, log, dir);
  SluiceOk({"run", "p.toml"}, dir);
  std::string header;
  const std::string want = Query(dir, &header);
  REQUIRE(want.size() > 1000);
  REQUIRE(header.find("(table 'by_user')") != std::string::npos);

  const auto t0 = std::chrono::steady_clock::now();
  {
    // How long one replay takes, into a table of its own.
    const std::string timing = scratch.file("timing");
    PreparePipelineDir(c, log, timing);
    SluiceOk({"run", "p.toml"}, timing);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::mt19937_64 rng(std::random_device{}());
  int kills = 0, runs = 0, rounds = 0;
  // Rounds replay into v1, v2, ...: each ends with a replay that exits 0 by itself; rounds go on
  // until the kills add up.
  while (kills < 6 && rounds < 20) {
    const std::string table = "v" + std::to_string(++rounds);
    bool done = false;
    for (int attempt = 0; attempt < 100 && !done; ++attempt, ++runs) {
      const auto delay = std::chrono::microseconds(static_cast<int64_t>(
          std::uniform_real_distribution<>(0, 0.8 * seconds * 1e6)(rng)));
      ChildProcess child({SluiceBin(), "replay", "p.toml", "--into", table}, OptionsFor(dir));
      if (!child.WaitFor(delay) && child.Kill()) {
        ++kills;
        // Until the replay's last checkpoint switches the name, the old table serves, whole.
        const std::string rows = Query(dir, &header);
        if (header.find("(table '" + table + "')") == std::string::npos) {
          CHECK(rows == want);
        }
        continue;
      }
      const ExitStatus& st = child.status();
      REQUIRE_MESSAGE(st.Success(), st.ToString() << ": " << ReadFile(dir + ".stderr"));
      done = true;
    }
    REQUIRE(done);
    const std::string got = Query(dir, &header);
    CHECK(header.find("(table '" + table + "')") != std::string::npos);
    CHECK(got == want);
  }
  INFO(kills << " kills in " << runs << " runs, " << rounds << " rounds");
  CHECK(kills >= 6);
}

}  // namespace sluice::crash
