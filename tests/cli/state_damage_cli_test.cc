// A state directory that is shared or damaged: a replay and a run of the same pipeline exclude
// each other, and damaged checkpoint or projection records are refused with a hint, never
// resumed from or served as other values.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "../runtime/test_util.h"
#include "cli_util.h"

using sluice::testing::Outcome;
using sluice::testing::ReadFile;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

namespace {

const char* kPipeline = R"([pipeline]
name = "spend"
parallelism = 2
checkpoint_interval = "1ms"
batch_size = 500

[source]
type = "csv"
path = "clicks.csv"
schema = { user = "string", page = "string", ts = "timestamp_ms", amount = "double" }
event_time = "ts"
max_out_of_orderness = "2s"

[[operator]]
type = "key_by"
fields = ["user"]

[[operator]]
type = "window"
kind = "tumbling"
size = "10s"
aggregates = ["count() as n", "sum(amount) as total"]

[[sink]]
type = "csv"
path = "out.csv"

[[sink]]
type = "projection"
name = "by_user"
)";

void Prepare(const ScratchDir& dir) {
  WriteFile(dir.file("p.toml"), kPipeline);
  REQUIRE(Sluice("generate clickstream --out clicks.csv --events 20000 --seed 3", dir.file(""))
              .code == 0);
}

// Flips one byte in every copy of `needle` in `path` (LMDB keeps superseded copies in free
// pages; the live one is among them). Returns how many copies it damaged.
int DamageEvery(const std::string& path, const std::string& needle, size_t offset) {
  std::string bytes = ReadFile(path);
  int n = 0;
  for (size_t at = bytes.find(needle); at != std::string::npos; at = bytes.find(needle, at + 1)) {
    bytes[at + offset] = static_cast<char>(bytes[at + offset] ^ 0x04);
    ++n;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  return n;
}

}  // namespace

TEST_CASE("sluice replay refuses to start while a run of the same pipeline holds its state") {
  ScratchDir dir("cli-replay-lock");
  Prepare(dir);
  REQUIRE(Sluice("run p.toml", dir.file("")).code == 0);
  // Hold the lock a running `sluice run p.toml` holds.
  const int fd = ::open(dir.file("spend.state/spend.lock").c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  Outcome refused = Sluice("replay p.toml --into v2", dir.file(""));
  INFO(refused.output);
  CHECK(refused.code == 1);
  CHECK(refused.output.find("pipeline 'spend' is already running or replaying") !=
        std::string::npos);
  CHECK(Sluice("query spend.state by_user --freshness", dir.file(""), "", true)
            .output.find("\"table\":\"by_user\"") != std::string::npos);
  ::close(fd);

  Outcome replay = Sluice("replay p.toml --into v2", dir.file(""));
  INFO(replay.output);
  CHECK(replay.code == 0);
  // A whole-table read checks the row count the checkpoint recorded.
  Outcome all = Sluice("query spend.state by_user", dir.file(""));
  CHECK(all.code == 0);
  CHECK(all.output.find("(table 'v2')") != std::string::npos);
}

TEST_CASE("a damaged checkpoint record is refused with a hint; --from-scratch starts over") {
  ScratchDir ref("cli-damage-ref"), dir("cli-damage-ckpt");
  Prepare(ref);
  Prepare(dir);
  REQUIRE(Sluice("run p.toml", ref.file("")).code == 0);
  CHECK(Sluice("run p.toml", dir.file(""), "SLUICE_CRASH_AT=checkpoint-after-commit:5").code ==
        137);
  // The definition text ("operator 1: key_by user") is inside every checkpoint record.
  REQUIRE(DamageEvery(dir.file("spend.state/data.mdb"), "key_by user", 2) > 0);
  Outcome refused = Sluice("run p.toml", dir.file(""));
  INFO(refused.output);
  CHECK(refused.code == 1);
  CHECK(refused.output.find("cannot read the checkpoint of 'spend'") != std::string::npos);
  CHECK(refused.output.find("fails its checksum") != std::string::npos);
  CHECK(refused.output.find("--from-scratch") != std::string::npos);
  CHECK(refused.output.find("resumed") == std::string::npos);

  Outcome fresh = Sluice("run p.toml --from-scratch", dir.file(""));
  INFO(fresh.output);
  CHECK(fresh.code == 0);
  CHECK(ReadFile(dir.file("out.csv")) == ReadFile(ref.file("out.csv")));
}

TEST_CASE("a damaged projection row or info is refused by sluice query") {
  ScratchDir dir("cli-damage-proj");
  Prepare(dir);
  REQUIRE(Sluice("run p.toml", dir.file("")).code == 0);
  const std::string row = Sluice("query spend.state by_user u6 --limit 1", dir.file(""), "", true)
                              .output;
  REQUIRE(row.rfind("{\"user\":\"u6\",", 0) == 0);
  // Damage the total of that row (a digit, so the JSON stays well-formed).
  const std::string needle = row.substr(0, row.size() - 1);
  REQUIRE(DamageEvery(dir.file("spend.state/data.mdb"), needle, needle.size() - 2) > 0);
  Outcome read = Sluice("query spend.state by_user u6", dir.file(""));
  INFO(read.output);
  CHECK(read.code == 1);
  CHECK(read.output.find("fails its checksum") != std::string::npos);
  CHECK(read.output.find(needle) == std::string::npos);

  // The info record (it names its key fields) is checked as well.
  REQUIRE(DamageEvery(dir.file("spend.state/data.mdb"), "window_start", 2) > 0);
  Outcome info = Sluice("query spend.state", dir.file(""));
  INFO(info.output);
  CHECK(info.code == 1);
  CHECK(info.output.find("fails its checksum") != std::string::npos);
}
