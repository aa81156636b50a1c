// `sluice log append` killed with SIGKILL at random moments and run again, with the same
// command, until it exits 0 by itself: the log must then hold every row of the input once, in
// order, exactly as one uninterrupted append stores it (compared as payloads and event times:
// ids and append times differ by design), and its dead-letter file every malformed line: at
// least once, since a dead letter is written before its batch commits (a kill in between writes
// it again on the next run; dead letters are never lost).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "crash/child_process.h"
#include "crash/pipeline_outputs.h"

namespace sluice::crash {
namespace {

using testing::ChildProcess;

const std::vector<std::string> kAppend = {
    "log",          "append",   "log",
    "--stream",     "clicks",   "--type",
    "Click",        "--schema", "user:string,page:string,ts:timestamp_ms,amount:double",
    "--event-time", "ts",       "clicks.csv"};

// What `sluice log read` prints, reduced to each event's event time and payload.
std::string Stored(const std::string& dir) {
  std::string out;
  const std::string events = SluiceOk({"log", "read", "log"}, dir);
  size_t start = 0;
  while (start < events.size()) {
    size_t end = events.find('\n', start);
    if (end == std::string::npos) end = events.size();
    const std::string line = events.substr(start, end - start);
    const size_t t = line.find("\"event_time\":"), p = line.find("\"payload\":");
    out += (t == std::string::npos ? "" : line.substr(t, line.find(',', t) - t)) + " " +
           (p == std::string::npos ? "<no payload>" : line.substr(p)) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("sluice log append killed at random moments stores every row once") {
  ScratchDir scratch("append-kill");
  const std::string ref = scratch.file("reference"), dir = scratch.file("killed");
  for (const std::string& d : {ref, dir}) {
    fs::create_directories(d);
    SluiceOk({"generate", "clickstream", "--out", "clicks.csv", "--events", "400000", "--seed",
              "5"},
             d);
  }
  const auto t0 = std::chrono::steady_clock::now();
  SluiceOk(kAppend, ref);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string want = Stored(ref);
  REQUIRE(want.size() > 1000);

  std::mt19937_64 rng(std::random_device{}());
  INFO("append takes " << seconds << " s uninterrupted");
  int kills = 0, runs = 0;
  std::vector<std::string> args = kAppend;
  args.insert(args.begin(), SluiceBin());
  for (; runs < 200; ++runs) {
    const auto delay = std::chrono::microseconds(static_cast<int64_t>(
        std::uniform_real_distribution<>(0, 0.8 * seconds * 1e6)(rng)));
    ChildProcess child(args, OptionsFor(dir));
    if (!child.WaitFor(delay) && child.Kill()) {
      ++kills;
      continue;
    }
    const ExitStatus& st = child.status();
    REQUIRE_MESSAGE(st.Success(), st.ToString() << ": " << ReadFile(dir + ".stderr"));
    if (kills >= 8) break;
    // Exited by itself before enough kills: start over from an empty log.
    fs::remove_all(dir + "/log");
    fs::remove(dir + "/log.dlq.jsonl");
  }
  INFO(kills << " kills in " << runs + 1 << " runs");
  CHECK(kills >= 8);
  CHECK(Stored(dir) == want);
  auto distinct = [](const std::string& path) {
    std::vector<std::string> lines = sluice::testing::ReadLines(path);
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    return lines;
  };
  CHECK(distinct(dir + "/log.dlq.jsonl") == distinct(ref + "/log.dlq.jsonl"));
}

}  // namespace sluice::crash
