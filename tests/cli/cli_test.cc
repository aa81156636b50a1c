// Runs the real `sluice` binary: exit codes, messages, outputs and the JSON summary.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "../runtime/test_util.h"
#include "cli_util.h"

using sluice::testing::Outcome;
using sluice::testing::ReadFile;
using sluice::testing::ReadLines;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

namespace {

const char* kGood = R"([pipeline]
name = "per-key"
parallelism = 2

[source]
type = "csv"
path = "in.csv"
schema = { user = "string", ts = "timestamp_ms", amount = "double" }
event_time = "ts"
max_out_of_orderness = "1s"

[[operator]]
type = "filter"
where = "amount > 0"

[[operator]]
type = "key_by"
fields = ["user"]

[[operator]]
type = "window"
kind = "tumbling"
size = "10s"
aggregates = ["count() as n", "sum(amount) as total"]

[sink]
type = "csv"
path = "out.csv"
)";

const char* kInput =
    "user,ts,amount\n"
    "alice,1000,5\n"
    "bob,2000,7.5\n"
    "alice,3000,-1\n"
    "alice,oops,3\n"
    "alice,12000,2\n";

}  // namespace

TEST_CASE("sluice --help lists the commands") {
  Outcome o = Sluice("--help");
  CHECK(o.code == 0);
  CHECK(o.output.find("run") != std::string::npos);
  CHECK(o.output.find("validate") != std::string::npos);
  Outcome r = Sluice("run --help");
  CHECK(r.code == 0);
  CHECK(r.output.find("--summary-json") != std::string::npos);
}

TEST_CASE("sluice with an unknown command or option exits 2") {
  CHECK(Sluice("frobnicate").code == 2);
  CHECK(Sluice("run --no-such-flag x.toml").code == 2);
}

TEST_CASE("sluice run writes results and dead letters and the JSON summary") {
  ScratchDir dir("cli-run");
  WriteFile(dir.file("p.toml"), kGood);
  WriteFile(dir.file("in.csv"), kInput);
  Outcome o = Sluice("run p.toml --summary-json summary.json", dir.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  CHECK(o.output.find("4 events in") != std::string::npos);
  CHECK(o.output.find("1 dead letters") != std::string::npos);
  auto rows = ReadLines(dir.file("out.csv"));
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == "user,window_start,window_end,n,total");
  std::string summary = ReadFile(dir.file("summary.json"));
  for (const char* key : {"\"events_in\":4", "\"records_out\":3", "\"late\":0",
                          "\"dead_letters\":1", "\"elapsed_s\":", "\"events_per_s\":",
                          "\"latency_ms\":{\"count\":3,", "\"state_keys\":", "\"state_bytes\":"}) {
    CHECK_MESSAGE(summary.find(key) != std::string::npos, key);
  }
  auto dlq = ReadLines(dir.file("per-key.dlq.jsonl"));
  REQUIRE(dlq.size() == 1);
  CHECK(dlq[0].find("\"line\":5") != std::string::npos);
}

TEST_CASE("sluice validate accepts a good file and refuses a bad one with file:line:column") {
  ScratchDir dir("cli-validate");
  WriteFile(dir.file("p.toml"), kGood);
  Outcome ok = Sluice("validate p.toml", dir.file(""));
  INFO(ok.output);
  CHECK(ok.code == 0);
  CHECK(ok.output.find("ok") != std::string::npos);

  std::string bad = kGood;
  bad.replace(bad.find("amount > 0"), 10, "amout > 0");
  WriteFile(dir.file("bad.toml"), bad);
  Outcome b = Sluice("validate bad.toml", dir.file(""));
  INFO(b.output);
  CHECK(b.code == 2);
  CHECK(b.output.find("bad.toml:14:") != std::string::npos);
  CHECK(b.output.find("unknown field 'amout'") != std::string::npos);
  // Nothing was read or written.
  CHECK_FALSE(std::filesystem::exists(dir.file("out.csv")));
}

TEST_CASE("sluice run with a missing input exits 1 and names the file and writes nothing") {
  ScratchDir dir("cli-missing");
  WriteFile(dir.file("p.toml"), kGood);
  Outcome o = Sluice("run p.toml", dir.file(""));
  INFO(o.output);
  CHECK(o.code == 1);
  CHECK(o.output.find("in.csv") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("out.csv")));
}

TEST_CASE("sluice run on a missing pipeline file exits non-zero with the path") {
  Outcome o = Sluice("run /nonexistent/pipeline.toml");
  CHECK(o.code != 0);
  CHECK(o.output.find("/nonexistent/pipeline.toml") != std::string::npos);
}

TEST_CASE("replaying the event log through a pipeline gives the same rows as the original csv") {
  ScratchDir dir("cli-replay");
  std::string csv = "user,ts,amount\n";
  for (int i = 0; i < 3000; ++i) {
    csv += "u" + std::to_string(i * 7 % 13) + "," + std::to_string(1000 + i * 37 - (i % 5) * 90) +
           "," + std::to_string(i % 11 - 2) + "\n";
  }
  csv += "broken,line\n";
  WriteFile(dir.file("in.csv"), csv);
  WriteFile(dir.file("p.toml"), kGood);
  std::string from_log = kGood;
  const std::string csv_source = "type = \"csv\"\npath = \"in.csv\"";
  const std::string csv_sink = "path = \"out.csv\"";
  from_log.replace(from_log.find(csv_source), csv_source.size(),
                   "type = \"log\"\npath = \"events\"\nstream = \"clicks\"");
  from_log.replace(from_log.find(csv_sink), csv_sink.size(), "path = \"replay.csv\"");
  WriteFile(dir.file("replay.toml"), from_log);

  Outcome ingest = Sluice(
      "log append events --stream clicks --type click --format csv "
      "--schema user:string,ts:timestamp_ms,amount:double --event-time ts in.csv",
      dir.file(""));
  INFO(ingest.output);
  REQUIRE(ingest.code == 0);
  Outcome direct = Sluice("run p.toml --summary-json summary.json", dir.file(""));
  INFO(direct.output);
  REQUIRE(direct.code == 0);
  Outcome replay = Sluice("run replay.toml --summary-json replay.json", dir.file(""));
  INFO(replay.output);
  REQUIRE(replay.code == 0);
  // Read to the end: nothing of the log is left behind.
  CHECK(ReadFile(dir.file("replay.json")).find("\"log_behind\":0,") != std::string::npos);
  CHECK(ReadFile(dir.file("summary.json")).find("\"log_behind\"") == std::string::npos);
  auto a = ReadLines(dir.file("out.csv"));
  auto b = ReadLines(dir.file("replay.csv"));
  REQUIRE(a.size() > 10);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  CHECK(a == b);
}
