// The checkpoint commands of the real `sluice` binary: resume after a crash, --from-scratch,
// refusal of a changed pipeline, `sluice query` and `sluice replay --into`.
#include <doctest/doctest.h>

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

// A directory with the pipeline and 50,000 generated clicks.
void Prepare(const ScratchDir& dir, const std::string& pipeline = kPipeline) {
  WriteFile(dir.file("p.toml"), pipeline);
  Outcome g = Sluice("generate clickstream --out clicks.csv --events 50000 --seed 5", dir.file(""));
  REQUIRE(g.code == 0);
}

}  // namespace

TEST_CASE("sluice run resumes after a crash at a checkpoint and ends with the same outputs") {
  ScratchDir ref("cli-ckpt-ref"), dir("cli-ckpt");
  Prepare(ref);
  Prepare(dir);
  Outcome r = Sluice("run p.toml", ref.file(""));
  INFO(r.output);
  REQUIRE(r.code == 0);

  Outcome crashed = Sluice("run p.toml", dir.file(""), "SLUICE_CRASH_AT=checkpoint-after-commit:5");
  CHECK(crashed.code == 137);  // killed by SIGKILL
  CHECK(!std::filesystem::exists(dir.file("out.csv")));
  Outcome listed = Sluice("checkpoints spend.state", dir.file(""), "", true);
  CHECK(listed.code == 0);
  CHECK(listed.output.find("{\"pipeline\":\"spend\",\"checkpoint\":5,") == 0);
  CHECK(listed.output.find("\"state\":\"running or interrupted\"") != std::string::npos);
  CHECK(listed.output.find("\"source_position\":\"byte ") != std::string::npos);
  CHECK(Sluice("checkpoints no-such.state", dir.file("")).code == 1);
  Outcome resumed = Sluice("run p.toml", dir.file(""));
  INFO(resumed.output);
  REQUIRE(resumed.code == 0);
  CHECK(resumed.output.find("spend: resumed from checkpoint 5 (byte ") != std::string::npos);
  CHECK(ReadFile(dir.file("out.csv")) == ReadFile(ref.file("out.csv")));
  CHECK(Sluice("checkpoints spend.state", dir.file(""), "", true)
            .output.find("\"state\":\"complete\"") != std::string::npos);
  CHECK(Sluice("query spend.state by_user", dir.file(""), "", true).output ==
        Sluice("query spend.state by_user", ref.file(""), "", true).output);

  // A crash after the last checkpoint but before the renames: the next run only finishes them.
  ScratchDir late("cli-ckpt-final");
  Prepare(late);
  CHECK(Sluice("run p.toml", late.file(""), "SLUICE_CRASH_AT=finish-before-close").code == 137);
  Outcome finish = Sluice("run p.toml", late.file(""));
  INFO(finish.output);
  REQUIRE(finish.code == 0);
  CHECK(finish.output.find("completed the run that had finished at checkpoint") !=
        std::string::npos);
  CHECK(ReadFile(late.file("out.csv")) == ReadFile(ref.file("out.csv")));
}

TEST_CASE("sluice run does nothing for a completed pipeline; --from-scratch runs it again") {
  ScratchDir dir("cli-ckpt-complete");
  Prepare(dir);
  REQUIRE(Sluice("run p.toml", dir.file("")).code == 0);
  Outcome again = Sluice("run p.toml", dir.file(""));
  INFO(again.output);
  CHECK(again.code == 0);
  CHECK(again.output.find("spend: already complete at checkpoint") != std::string::npos);
  CHECK(again.output.find("--from-scratch") != std::string::npos);
  Outcome fresh = Sluice("run p.toml --from-scratch", dir.file(""));
  CHECK(fresh.code == 0);
  CHECK(fresh.output.find("already complete") == std::string::npos);
}

TEST_CASE("sluice run refuses a changed pipeline and --from-scratch starts over") {
  ScratchDir dir("cli-ckpt-changed");
  Prepare(dir);
  CHECK(Sluice("run p.toml", dir.file(""), "SLUICE_CRASH_AT=checkpoint-before-commit:4").code ==
        137);
  std::string changed = kPipeline;
  changed.replace(changed.find("size = \"10s\""), 12, "size = \"20s\"");
  WriteFile(dir.file("p.toml"), changed);
  Outcome refused = Sluice("run p.toml", dir.file(""));
  INFO(refused.output);
  CHECK(refused.code == 2);
  CHECK(refused.output.find("p.toml: pipeline 'spend' changed since its checkpoint 3") !=
        std::string::npos);
  CHECK(refused.output.find("size=20000000us") != std::string::npos);
  CHECK(refused.output.find("--from-scratch") != std::string::npos);
  // Renaming an aggregate's output is a change too.
  std::string renamed = kPipeline;
  renamed.replace(renamed.find("as total"), 8, "as revenue");
  WriteFile(dir.file("p.toml"), renamed);
  Outcome rename = Sluice("run p.toml", dir.file(""));
  INFO(rename.output);
  CHECK(rename.code == 2);
  CHECK(rename.output.find("[sum(amount) as revenue]") != std::string::npos);

  WriteFile(dir.file("p.toml"), changed);
  Outcome fresh = Sluice("run p.toml --from-scratch", dir.file(""));
  INFO(fresh.output);
  CHECK(fresh.code == 0);
  CHECK(fresh.output.find("resumed") == std::string::npos);
}

TEST_CASE("sluice query lists projections, reads rows by key prefix and reports freshness") {
  ScratchDir dir("cli-query");
  Prepare(dir);
  REQUIRE(Sluice("run p.toml", dir.file("")).code == 0);

  Outcome list = Sluice("query spend.state", dir.file(""), "", true);
  CHECK(list.code == 0);
  CHECK(list.output.find("\"projection\":\"by_user\"") != std::string::npos);
  CHECK(list.output.find("\"watermark\":\"end of input\"") != std::string::npos);
  CHECK(list.output.find("\"key\":[\"user\",\"window_start\"]") != std::string::npos);

  Outcome all = Sluice("query spend.state by_user", dir.file(""));
  CHECK(all.code == 0);
  CHECK(all.output.rfind("# projection 'by_user' (table 'by_user'): ", 0) == 0);
  Outcome u6 = Sluice("query spend.state by_user u6", dir.file(""), "", true);
  CHECK(u6.code == 0);
  REQUIRE(!u6.output.empty());
  size_t lines = 0;
  for (size_t at = 0; (at = u6.output.find('\n', at)) != std::string::npos; ++at) ++lines;
  CHECK(lines > 1);
  CHECK(u6.output.find("\"user\":\"u60\"") == std::string::npos);  // a prefix of fields, not text
  CHECK(u6.output.rfind("{\"user\":\"u6\",", 0) == 0);
  const std::string first = u6.output.substr(0, u6.output.find('\n') + 1);
  const size_t at = first.find("\"window_start\":") + 15;
  const std::string start = first.substr(at, first.find(',', at) - at);
  Outcome one =
      Sluice("query spend.state by_user u6 " + start + " --limit 5", dir.file(""), "", true);
  CHECK(one.code == 0);
  CHECK(one.output == first);  // the first window of u6, exactly

  Outcome fresh = Sluice("query spend.state by_user --freshness", dir.file(""), "", true);
  CHECK(fresh.output.find("\"source_position\":\"byte ") != std::string::npos);
  CHECK(Sluice("query spend.state nope", dir.file("")).code == 1);
  Outcome bad = Sluice("query spend.state by_user u6 notatime", dir.file(""));
  CHECK(bad.code == 2);
  CHECK(bad.output.find("bad key value: field 'window_start': 'notatime' is not a timestamp_ms") !=
        std::string::npos);
  CHECK(Sluice("query no-such.state", dir.file("")).code == 1);
}

TEST_CASE("sluice replay --into rebuilds a projection in a new table and switches the name") {
  ScratchDir dir("cli-replay-into");
  Prepare(dir);
  REQUIRE(Sluice("run p.toml", dir.file("")).code == 0);
  const std::string before = Sluice("query spend.state by_user", dir.file(""), "", true).output;
  const std::string csv = ReadFile(dir.file("out.csv"));

  // Killed mid-way, the replay leaves the old table serving; run again, it resumes and switches.
  CHECK(Sluice("replay p.toml --into v2", dir.file(""), "SLUICE_CRASH_AT=checkpoint-after-commit:6")
            .code == 137);
  CHECK(Sluice("query spend.state by_user --freshness", dir.file(""), "", true)
            .output.find("\"table\":\"by_user\"") != std::string::npos);
  Outcome replay = Sluice("replay p.toml --into v2", dir.file(""));
  INFO(replay.output);
  REQUIRE(replay.code == 0);
  CHECK(replay.output.find("projections now served by table 'v2'") != std::string::npos);
  CHECK(Sluice("query spend.state by_user --freshness", dir.file(""), "", true)
            .output.find("\"table\":\"v2\"") != std::string::npos);
  CHECK(Sluice("query spend.state by_user", dir.file(""), "", true).output == before);
  CHECK(ReadFile(dir.file("out.csv")) == csv);  // replay writes projections only

  Outcome again = Sluice("replay p.toml --into v2", dir.file(""));
  CHECK(again.code == 0);
  CHECK(again.output.find("already complete at checkpoint") != std::string::npos);
  Outcome onto = Sluice("replay p.toml --into v2 --from-scratch", dir.file(""));
  CHECK(onto.code == 2);
  CHECK(onto.output.find("served by table 'v2' already") != std::string::npos);
}

TEST_CASE("sluice validate explains projection mistakes with file and line") {
  ScratchDir dir("cli-proj-errors");
  std::string unkeyed = kPipeline;
  const std::string keyed = "[[operator]]\ntype = \"key_by\"";
  unkeyed.erase(unkeyed.find(keyed), unkeyed.find("[[sink]]") - unkeyed.find(keyed));
  WriteFile(dir.file("unkeyed.toml"), unkeyed);
  Outcome u = Sluice("validate unkeyed.toml", dir.file(""));
  INFO(u.output);
  CHECK(u.code == 2);
  CHECK(u.output.find("unkeyed.toml:") != std::string::npos);
  CHECK(u.output.find("must name the projection's key fields") != std::string::npos);

  std::string off = kPipeline;
  off.replace(off.find("batch_size = 500"), 16, "checkpoints = false");
  WriteFile(dir.file("off.toml"), off);
  Outcome o = Sluice("validate off.toml", dir.file(""));
  INFO(o.output);
  CHECK(o.code == 2);
  CHECK(o.output.find("off.toml:") != std::string::npos);
  CHECK(o.output.find("'checkpoints = false' turns off") != std::string::npos);
}
