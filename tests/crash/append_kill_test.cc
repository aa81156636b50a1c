// `sluice log append` killed with SIGKILL at random moments and run again, with the same
// command, until it exits 0 by itself: the log must then hold every row of the input once, in
// order, exactly as one uninterrupted append stores it (compared as payloads and event times:
// ids and append times differ by design), and its dead-letter file every malformed line exactly
// once, in order (a batch's dead letters are recorded with the batch and written after it
// commits; a resumed run writes those the file lacks).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

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
  const std::vector<std::string> dead = sluice::testing::ReadLines(ref + "/log.dlq.jsonl");
  CHECK(!dead.empty());
  CHECK(sluice::testing::ReadLines(dir + "/log.dlq.jsonl") == dead);
}

// A csv of 20,000 rows, every 997th malformed, so that each batch has dead letters.
std::string CsvWithDeadLetters() {
  std::string csv = "user,page,ts,amount\n";
  for (int i = 1; i <= 20000; ++i) {
    csv += fmt::format("u{},p{},{},{}\n", i % 17, i % 5, 1700000000000 + i,
                       i % 997 == 0 ? "not-a-number" : std::to_string(i % 100));
  }
  return csv;
}

TEST_CASE("sluice log append killed around a batch's commit writes each dead letter once") {
  ScratchDir scratch("append-dead-letters");
  const std::string ref = scratch.file("reference");
  fs::create_directories(ref);
  WriteFile(ref + "/clicks.csv", CsvWithDeadLetters());
  SluiceOk(kAppend, ref);
  const std::vector<std::string> dead = sluice::testing::ReadLines(ref + "/log.dlq.jsonl");
  REQUIRE(dead.size() == 20);
  const std::string want = Stored(ref);
  std::vector<std::string> args = kAppend;
  args.insert(args.begin(), SluiceBin());
  for (const std::string point :
       {"log-append-before-commit:2", "log-append-after-commit:1", "log-append-after-commit:3",
        "log-append-after-dead-letters:1", "log-append-after-dead-letters:4"}) {
    INFO(point);
    const std::string dir = scratch.file(point.substr(0, point.find(':')) + point.substr(point.find(':') + 1));
    fs::create_directories(dir);
    WriteFile(dir + "/clicks.csv", CsvWithDeadLetters());
    // Another appender's dead letter already in the file stays, and is not mistaken for ours.
    WriteFile(dir + "/log.dlq.jsonl", dead[1] + "\n");
    SpawnOptions o = OptionsFor(dir);
    o.crash_at = point;
    {
      ChildProcess killed(args, o);
      REQUIRE(killed.WaitFor(std::chrono::seconds(60)));
      REQUIRE_MESSAGE(killed.status().KilledBy(SIGKILL), killed.status().ToString());
    }
    SluiceOk(kAppend, dir);
    CHECK(Stored(dir) == want);
    std::vector<std::string> got = sluice::testing::ReadLines(dir + "/log.dlq.jsonl");
    REQUIRE(!got.empty());
    CHECK(got.front() == dead[1]);
    got.erase(got.begin());
    CHECK(got == dead);
  }
}

}  // namespace sluice::crash
