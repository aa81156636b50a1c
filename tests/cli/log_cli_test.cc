// Runs `sluice log ...` and `sluice schema check`: outputs and exit codes, on good and on damaged
// logs.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "../runtime/test_util.h"
#include "cli_util.h"

using sluice::testing::Outcome;
using sluice::testing::ReadFile;
using sluice::testing::ReadLines;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

namespace {

const char* kSchema = "--schema user:string,ts:timestamp_ms,amount:double --event-time ts";

// A csv file of `rows` good rows (user u<i % 7>, ts 1000 + i, amount i), with a header.
std::string Csv(int rows, int start = 0) {
  std::string csv = "user,ts,amount\n";
  for (int i = start; i < start + rows; ++i) {
    csv += "u" + std::to_string(i % 7) + "," + std::to_string(1000 + i) + "," + std::to_string(i) +
           "\n";
  }
  return csv;
}

Outcome Append(const ScratchDir& dir, const std::string& input, const std::string& stream = "s",
               const std::string& extra = "") {
  return Sluice(
      "log append log --stream " + stream + " --type T " + kSchema + " " + extra + " " + input,
      dir.file(""));
}

// Copies dir/log to dir/<name> with data.mdb cut to `keep` of its size.
void TruncatedCopy(const ScratchDir& dir, const std::string& name, double keep) {
  namespace fs = std::filesystem;
  fs::create_directories(dir.file(name));
  fs::copy_file(dir.file("log/data.mdb"), dir.file(name + "/data.mdb"));
  const auto size = fs::file_size(dir.file(name + "/data.mdb"));
  fs::resize_file(dir.file(name + "/data.mdb"), static_cast<uintmax_t>(size * keep));
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("sluice log verify, stats and read report a truncated data file and exit 1") {
  ScratchDir dir("cli-log-trunc");
  WriteFile(dir.file("in.csv"), Csv(20000));
  REQUIRE(Append(dir, "in.csv").code == 0);
  TruncatedCopy(dir, "cut", 0.5);
  for (const char* cmd : {"verify", "stats", "read"}) {
    Outcome o = Sluice(std::string("log ") + cmd + " cut", dir.file(""));
    INFO(cmd << ": " << o.output);
    CHECK(o.code == 1);  // -1 would be a signal (SIGBUS)
    CHECK(o.output.find("data.mdb' is truncated") != std::string::npos);
  }
  Outcome v = Sluice("log verify cut", dir.file(""));
  CHECK(v.output.find("is corrupt") != std::string::npos);
  CHECK(v.output.find("restore") != std::string::npos);
}

TEST_CASE("sluice log append adds to the dead-letter file of earlier and concurrent runs") {
  ScratchDir dir("cli-log-dlq");
  auto bad_csv = [](const std::string& tag, int n) {
    std::string csv = Csv(50);
    for (int i = 0; i < n; ++i) csv += tag + "-broken-" + std::to_string(i) + "\n";
    return csv;
  };
  WriteFile(dir.file("a.csv"), bad_csv("a", 3));
  WriteFile(dir.file("b.csv"), bad_csv("b", 2));
  REQUIRE(Append(dir, "a.csv").code == 0);
  REQUIRE(Append(dir, "b.csv").code == 0);
  std::string dlq = ReadFile(dir.file("log.dlq.jsonl"));
  CHECK(Count(dlq, "a-broken-") == 3);
  CHECK(Count(dlq, "b-broken-") == 2);

  // Two appenders at once, each with many dead letters: every line of both is kept whole.
  WriteFile(dir.file("c.csv"), bad_csv("c", 3000));
  WriteFile(dir.file("d.csv"), bad_csv("d", 3000));
  const std::string bin = SLUICE_BINARY_DIR "/bin/sluice";
  std::string cmd = "cd '" + dir.file("") + "' && { ";
  for (const char* f : {"c.csv", "d.csv"}) {
    cmd += "'" + bin + "' log append log --stream " + f + " --type T " + kSchema + " " + f + " > " +
           f + ".out 2>&1 & ";
  }
  cmd += "wait; }";
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto lines = ReadLines(dir.file("log.dlq.jsonl"));
  INFO(ReadFile(dir.file("c.csv.out")) << ReadFile(dir.file("d.csv.out")));
  CHECK(lines.size() == 3 + 2 + 3000 + 3000);
  for (const std::string& line : lines) {
    INFO(line);
    CHECK(Count(line, "{\"source\":") == 1);
    CHECK(line.back() == '}');
  }
}

namespace {

// The "amount" of every event `sluice log read` prints, in log order (amounts are the row
// numbers of Csv()).
std::vector<long> ReadAmounts(const ScratchDir& dir, const std::string& log = "log") {
  Outcome o = Sluice("log read " + log, dir.file(""), "", /*stdout_only=*/true);
  REQUIRE(o.code == 0);
  std::vector<long> amounts;
  const std::string key = "\"amount\":";
  for (size_t at = o.output.find(key); at != std::string::npos; at = o.output.find(key, at + 1)) {
    amounts.push_back(std::stol(o.output.substr(at + key.size(), 24)));  // not the whole rest
  }
  return amounts;
}

std::vector<long> Range(long from, long to) {
  std::vector<long> v;
  for (long i = from; i < to; ++i) v.push_back(i);
  return v;
}

}  // namespace

TEST_CASE("sluice log append killed at any batch and run again stores every row once") {
  // 10,000 rows are three source batches (4096 rows each); the broken lines go to dead letters.
  std::string csv = Csv(10000);
  csv.insert(csv.find("u3,1003"), "broken-1\n");
  csv += "broken-2\n";
  const std::vector<std::string> crashes = {
      "log-append-before-commit:1", "log-append-before-commit:2", "log-append-after-commit:1",
      "log-append-after-commit:2",  "log-append-after-commit:3",  "log-append-before-commit:3"};
  for (const std::string& crash : crashes) {
    ScratchDir dir("cli-log-kill");
    WriteFile(dir.file("in.csv"), csv);
    Outcome killed =
        Sluice("log append log --stream s --type T " + std::string(kSchema) + " in.csv",
               dir.file(""), "SLUICE_CRASH_AT=" + crash);
    INFO(crash << ": " << killed.output);
    REQUIRE(killed.code == 137);
    Outcome again = Append(dir, "in.csv");
    INFO(again.output);
    REQUIRE(again.code == 0);
    CHECK(ReadAmounts(dir) == Range(0, 10000));
    CHECK(Sluice("log verify log", dir.file("")).code == 0);
    // Dead letters are kept: a crash between writing them and the commit repeats them.
    std::string dlq = ReadFile(dir.file("log.dlq.jsonl"));
    for (const char* line : {"broken-1", "broken-2"}) {
      CHECK(Count(dlq, line) >= 1);
      CHECK(Count(dlq, line) <= 2);
    }
    // A third run finds the whole input appended.
    Outcome third = Append(dir, "in.csv");
    CHECK(third.code == 0);
    CHECK(third.output.find("appended no events") != std::string::npos);
    CHECK(ReadAmounts(dir).size() == 10000);
  }
}

TEST_CASE("sluice log append goes on with a grown input and appends a rewritten one whole") {
  ScratchDir dir("cli-log-resume");
  WriteFile(dir.file("in.csv"), Csv(100));
  REQUIRE(Append(dir, "in.csv").code == 0);
  // Grown: only the new rows are appended.
  WriteFile(dir.file("in.csv"), Csv(150));
  Outcome grown = Append(dir, "in.csv");
  INFO(grown.output);
  REQUIRE(grown.code == 0);
  CHECK(grown.output.find("appended 50 events") != std::string::npos);
  CHECK(ReadAmounts(dir) == Range(0, 150));
  // The same file into another stream is another input.
  REQUIRE(Append(dir, "in.csv", "t").code == 0);
  CHECK(ReadAmounts(dir).size() == 300);
  // Rewritten, even with the same length: another file under the same name, appended whole.
  std::string other = Csv(150);
  other[other.find("u3,1003,3")] = 'v';
  WriteFile(dir.file("in.csv"), other);
  Outcome changed = Append(dir, "in.csv");
  INFO(changed.output);
  CHECK(changed.code == 0);
  CHECK(changed.output.find("as a new input") != std::string::npos);
  CHECK(changed.output.find("appended 150 events") != std::string::npos);
  CHECK(ReadAmounts(dir).size() == 450);
  CHECK(Append(dir, "in.csv").output.find("appended no events") != std::string::npos);
  // --from-scratch appends the same file again.
  REQUIRE(Append(dir, "in.csv", "s", "--from-scratch").code == 0);
  CHECK(ReadAmounts(dir).size() == 600);
  // Standard input is not resumable: each run appends what it reads.
  Outcome piped = Sluice(
      "log append log --stream p --type T --format csv " + std::string(kSchema) + " - < in.csv",
      dir.file(""));
  CHECK(piped.code == 0);
  CHECK(ReadAmounts(dir).size() == 750);
}

TEST_CASE("sluice log append on a full file names the cause and how much was committed") {
  ScratchDir dir("cli-log-full");
  WriteFile(dir.file("in.csv"), Csv(200000));
  // A 2 MiB file size limit, with SIGXFSZ ignored so that it surfaces as a write error.
  const std::string cmd = "cd '" + dir.file("") + "' && bash -c \"ulimit -f 2048; trap '' XFSZ; '" +
                          SLUICE_BINARY_DIR "/bin/sluice' log append log --stream s --type T " +
                          kSchema + " in.csv\" > out.txt 2>&1";
  int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  std::string out = ReadFile(dir.file("out.txt"));
  INFO(out);
  CHECK(out.find("file size limit reached") != std::string::npos);
  CHECK(out.find("log/data.mdb") != std::string::npos);
  CHECK(out.find("Input/output error") == std::string::npos);
  CHECK(out.find("events of this run were committed") != std::string::npos);
  // What was committed is intact, and a run without the limit appends the rest once.
  CHECK(Sluice("log verify log", dir.file("")).code == 0);
  REQUIRE(Append(dir, "in.csv").code == 0);
  CHECK(ReadAmounts(dir) == Range(0, 200000));
}

TEST_CASE("sluice log append --batch-size sets the rows per commit") {
  ScratchDir dir("cli-log-batch-size");
  WriteFile(dir.file("in.csv"), Csv(10));
  REQUIRE(Append(dir, "in.csv", "s", "--batch-size 3").code == 0);
  Outcome stats = Sluice("log stats log", dir.file(""));
  CHECK(stats.output.find("batches           4") != std::string::npos);  // 3 + 3 + 3 + 1
  CHECK(ReadAmounts(dir) == Range(0, 10));
  CHECK(Append(dir, "in.csv", "s", "--batch-size 0").code == 2);
}

TEST_CASE("sluice log append --compression zstd stores batches that read back the same") {
  ScratchDir dir("cli-log-compression");
  WriteFile(dir.file("in.csv"), Csv(9000));
  REQUIRE(Append(dir, "in.csv", "s", "--compression zstd --compression-level 3").code == 0);
  Outcome stats = Sluice("log stats log", dir.file(""));
  INFO(stats.output);
  CHECK(stats.output.find("compressed        3 of 3 batches (zstd)") != std::string::npos);
  const size_t at = stats.output.find("compression ratio ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stod(stats.output.substr(at + 18, 8)) > 2.0);
  CHECK(ReadAmounts(dir) == Range(0, 9000));
  CHECK(Sluice("log verify log", dir.file("")).output.find("ok: 9000 events in 3 record(s)") !=
        std::string::npos);
  // The default stores them as they are.
  REQUIRE(Sluice("log append plain --stream s --type T in.csv", dir.file("")).code == 0);
  Outcome plain = Sluice("log stats plain", dir.file(""));
  CHECK(plain.output.find("compressed        0 of 3 batches") != std::string::npos);
  CHECK(plain.output.find("compression ratio 1.00") != std::string::npos);
  CHECK(Append(dir, "in.csv", "t", "--compression lz5").code == 2);
  CHECK(Append(dir, "in.csv", "t", "--compression zstd --compression-level 40").code == 2);
}

TEST_CASE("sluice log truncate refuses to remove every event without --all") {
  ScratchDir dir("cli-log-truncate");
  WriteFile(dir.file("in.csv"), Csv(10));
  REQUIRE(Append(dir, "in.csv").code == 0);
  Outcome past = Sluice("log truncate log --before 11", dir.file(""));
  CHECK(past.code == 2);
  CHECK(past.output.find("--all") != std::string::npos);
  CHECK(ReadAmounts(dir).size() == 10);
  CHECK(Sluice("log truncate log", dir.file("")).code == 2);  // neither --before nor --all

  Outcome some = Sluice("log truncate log --before 4", dir.file(""));
  CHECK(some.code == 0);
  CHECK(some.output.find("removed 3 events") != std::string::npos);
  CHECK(ReadAmounts(dir) == Range(3, 10));
  Outcome all = Sluice("log truncate log --all", dir.file(""));
  CHECK(all.code == 0);
  CHECK(all.output.find("removed 7 events") != std::string::npos);
  CHECK(ReadAmounts(dir).empty());
  // An empty log has nothing to lose.
  CHECK(Sluice("log truncate log --before 100", dir.file("")).code == 0);

  // Versions go on after the stream was emptied; positions too.
  WriteFile(dir.file("more.csv"), Csv(2, 50));
  REQUIRE(Append(dir, "more.csv").code == 0);
  Outcome read = Sluice("log read log", dir.file(""), "", true);
  CHECK(read.output.find("\"position\":11,\"stream\":\"s\",\"version\":11") != std::string::npos);
  CHECK(Sluice("log truncate missing-log --all", dir.file("")).code == 1);
}

TEST_CASE("sluice log stats and verify report on good and damaged logs") {
  ScratchDir dir("cli-log-verify");
  std::string csv = Csv(200);
  csv += "MARKERXYZ,5000,1\n";
  WriteFile(dir.file("in.csv"), csv);
  REQUIRE(Append(dir, "in.csv").code == 0);
  Outcome stats = Sluice("log stats log", dir.file(""));
  CHECK(stats.code == 0);
  CHECK(stats.output.find("events            201") != std::string::npos);
  CHECK(stats.output.find("last position     201") != std::string::npos);
  Outcome ok = Sluice("log verify log", dir.file(""));
  CHECK(ok.code == 0);
  CHECK(ok.output.find("ok: 201 events in 1 record(s) checked") != std::string::npos);
  CHECK(stats.output.find("batches           1") != std::string::npos);

  // A flipped byte inside the last event's payload: verify names the batch holding it (every
  // position of it) and exits 1.
  std::filesystem::create_directories(dir.file("bad"));
  std::string bytes = ReadFile(dir.file("log/data.mdb"));
  size_t at = bytes.find("MARKERXYZ");
  REQUIRE(at != std::string::npos);
  bytes[at + 2] ^= 0x20;
  WriteFile(dir.file("bad/data.mdb"), bytes);
  Outcome bad = Sluice("log verify bad", dir.file(""));
  INFO(bad.output);
  CHECK(bad.code == 1);
  CHECK(bad.output.find("positions 1-201") != std::string::npos);
  CHECK(bad.output.find("is corrupt") != std::string::npos);
  CHECK(Sluice("log read bad", dir.file("")).code == 1);
  CHECK(Sluice("log stats bad", dir.file("")).code == 0);  // stats reads no record body

  CHECK(Sluice("log verify no-such-log", dir.file("")).code == 1);
  CHECK(Sluice("log stats no-such-log", dir.file("")).code == 1);
  std::filesystem::create_directories(dir.file("garbage"));
  WriteFile(dir.file("garbage/data.mdb"), std::string(20000, 'g'));
  CHECK(Sluice("log verify garbage", dir.file("")).code == 1);
  CHECK(Sluice("log stats garbage", dir.file("")).code == 1);
}

TEST_CASE("sluice schema check exits 0 when compatible, 1 when not, 2 on bad files") {
  const std::string data = std::string(SLUICE_SOURCE_DIR) + "/tests/data/log/";
  const std::string current = std::string(SLUICE_SOURCE_DIR) + "/codecs/schema/envelope.fbs";
  Outcome ok = Sluice("schema check " + data + "envelope_v1.fbs " + current);
  CHECK(ok.code == 0);
  CHECK(ok.output.find("compatible:") != std::string::npos);
  Outcome bad =
      Sluice("schema check " + data + "envelope_v1.fbs " + data + "envelope_incompatible.fbs");
  CHECK(bad.code == 1);
  CHECK(bad.output.find("incompatible") != std::string::npos);
  CHECK(bad.output.find("stream_version") != std::string::npos);
  CHECK(Sluice("schema check " + data + "no-such.fbs " + current).code == 2);
  CHECK(Sluice("schema check " + data + "envelope_v1.json " + current).code == 2);
}

TEST_CASE("a state directory with a truncated data file is reported, not read") {
  ScratchDir dir("cli-state-trunc");
  WriteFile(dir.file("p.toml"), R"([pipeline]
name = "spend"
state_dir = "state"

[source]
type = "csv"
path = "clicks.csv"
schema = { user = "string", page = "string", ts = "timestamp_ms", amount = "double" }
event_time = "ts"

[[operator]]
type = "key_by"
fields = ["user"]

[[operator]]
type = "window"
kind = "tumbling"
size = "10s"
aggregates = ["count() as n"]

[[sink]]
type = "projection"
name = "by_user"
)");
  REQUIRE(
      Sluice("generate clickstream --out clicks.csv --events 50000 --seed 5", dir.file("")).code ==
      0);
  REQUIRE(Sluice("run p.toml", dir.file("")).code == 0);
  namespace fs = std::filesystem;
  fs::create_directories(dir.file("cut"));
  fs::copy_file(dir.file("state/data.mdb"), dir.file("cut/data.mdb"));
  fs::resize_file(dir.file("cut/data.mdb"), fs::file_size(dir.file("cut/data.mdb")) / 2);
  std::string pipeline = ReadFile(dir.file("p.toml"));
  pipeline.replace(pipeline.find("\"state\""), 7, "\"cut\"");
  WriteFile(dir.file("cut.toml"), pipeline);
  for (const char* cmd : {"run cut.toml", "checkpoints cut", "query cut by_user"}) {
    Outcome o = Sluice(cmd, dir.file(""));
    INFO(cmd << ": " << o.output);
    CHECK(o.code == 1);
    CHECK(o.output.find("data.mdb' is truncated") != std::string::npos);
  }
}

TEST_CASE("sluice log append without --schema infers the fields from the file") {
  ScratchDir dir("cli-log-infer");
  WriteFile(dir.file("in.csv"),
            "user,when,amount,vip\nu1,2024-05-01T12:00:00Z,3,true\nu2,2024-05-01T12:00:01Z,4.5,"
            "false\n");
  Outcome o = Sluice("log append log --stream s --type T --event-time when in.csv", dir.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  CHECK(o.output.find("user:string, when:timestamp, amount:double, vip:bool") != std::string::npos);
  Outcome read = Sluice("log read log", dir.file(""), "", /*stdout_only=*/true);
  REQUIRE(read.code == 0);
  CHECK(Count(read.output, "\n") == 2);
  CHECK(read.output.find("\"amount\":4.5") != std::string::npos);
  CHECK(read.output.find("\"vip\":false") != std::string::npos);

  WriteFile(dir.file("in.jsonl"), "{\"k\":1,\"t\":\"2024-05-01T00:00:00Z\"}\n{\"k\":2}\n");
  Outcome j = Sluice("log append log --stream j --type T in.jsonl", dir.file(""));
  INFO(j.output);
  CHECK(j.code == 0);
  CHECK(j.output.find("k:int64, t:timestamp") != std::string::npos);

  // Epoch numbers are not guessed to be times: --event-time then asks for --schema.
  WriteFile(dir.file("epoch.csv"), "k,ts\n1,1714564800000\n");
  Outcome e = Sluice("log append log --stream e --type T --event-time ts epoch.csv", dir.file(""));
  CHECK(e.code == 2);
  CHECK(e.output.find("timestamp_ms") != std::string::npos);
  // Standard input cannot be sampled.
  Outcome in =
      Sluice("log append log --stream i --type T --format csv - < epoch.csv", dir.file(""));
  CHECK(in.code == 2);
  CHECK(in.output.find("needs --schema") != std::string::npos);
}
