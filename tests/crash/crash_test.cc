// Crash test: `sluice run` is killed with SIGKILL at random moments, and made to kill itself at
// each named crash point (SLUICE_CRASH_AT, runtime/crash_point.h), and restarted until a
// run exits 0 by itself. What it leaves must be exactly what an uninterrupted run leaves: the csv
// bytes, the late-event and dead-letter files, the projection as `sluice query` prints it and the
// payloads of the log sink. Five pipelines (tumbling, sliding and session windows, two keyed
// stages, and a csv source) over one event log and the csv it was filled from. Rounds are
// capped; restarted runs must resume and kills must land before and after checkpoints on input.
// See docs/reliability.md.
//
// Environment (scripts/crash-test sets these for the long version):
//   SLUICE_CRASH_KILLS   real kills in all, shared among the pipelines (default 30; CI needs 20)
//   SLUICE_CRASH_EVENTS  clickstream events in the input log (default 1,000,000)
//   SLUICE_CRASH_SEED    seed of the kill schedule (default random; printed, and in failures)
//   SLUICE_CRASH_VERBOSE when set, also one line per round listing its attempts
// One summary line per pipeline goes to stdout.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crash/child_process.h"
#include "crash/pipeline_outputs.h"

namespace sluice::crash {
namespace {

using testing::ChildProcess;

constexpr int kDefaultKills = 30;
static_assert(kDefaultKills >= 20, "CI must deliver at least 20 real kills");
constexpr long kDefaultEvents = 1'000'000;
constexpr int kMaxAttemptsPerRound = 2000;  // a resume that never progresses fails, not hangs

const std::vector<std::string> kCrashPoints = {"checkpoint-before-sync", "checkpoint-before-commit",
                                               "checkpoint-after-commit", "finish-before-close",
                                               "finish-before-mark"};

struct Config {
  int kills = kDefaultKills;
  long events = kDefaultEvents;
  uint64_t seed = 0;
  bool verbose = false;
};

Config ReadConfig() {
  Config c;
  if (const char* v = std::getenv("SLUICE_CRASH_KILLS")) c.kills = std::max(1, std::atoi(v));
  if (const char* v = std::getenv("SLUICE_CRASH_EVENTS")) c.events = std::max(1L, std::atol(v));
  c.verbose = std::getenv("SLUICE_CRASH_VERBOSE") != nullptr;
  const char* seed = std::getenv("SLUICE_CRASH_SEED");
  c.seed = seed != nullptr && *seed != '\0' ? std::strtoull(seed, nullptr, 10)
                                            : std::random_device{}() % 1'000'000;
  return c;
}

const std::vector<Case> kCases = {
    {"tumbling", "kind = \"tumbling\"\nsize = \"10s\"\n", true, "", false},
    // A log sink durable at checkpoints only, compressing: killed processes lose nothing it
    // committed.
    {"sliding", "kind = \"sliding\"\nsize = \"10s\"\nslide = \"5s\"\n", true, "", false, "", 0,
     true, "checkpoint", true},
    {"session", "kind = \"session\"\ngap = \"5s\"\n", false, "", false},
    // Two keyed stages: per user, then the busiest user's count per window.
    {"two-stages", "kind = \"sliding\"\nsize = \"10s\"\nslide = \"5s\"\n", false,
     "[[operator]]\ntype = \"map\"\nset = [\"w = window_start\"]\n\n[[operator]]\n"
     "type = \"key_by\"\nfields = [\"w\"]\n\n[[operator]]\ntype = \"window\"\n"
     "kind = \"tumbling\"\nsize = \"5s\"\n"
     "aggregates = [\"max(n) as busiest\", \"count() as users\", \"sum(total) as total\"]\n\n",
     false},
    // The csv the log was filled from: the source's position is a byte offset and line.
    {"csv-source", "kind = \"tumbling\"\nsize = \"10s\"\n", false, "", true},
    // Two sources (the log and the csv it was filled from: every click twice), a window join
    // of each click with the same user's costly clicks on the same page in the same 2 seconds,
    // then a second keyed stage counting the pairs per page and 10 seconds.
    {"join-graph", "", false, "", false,
     "[[source]]\nname = \"log\"\ntype = \"log\"\npath = \"{log}\"\n"
     "schema = { user = \"string\", page = \"string\", ts = \"timestamp_ms\", amount = "
     "\"double\" }\nevent_time = \"ts\"\nmax_out_of_orderness = \"2s\"\n\n"
     "[[source]]\nname = \"csv\"\ntype = \"csv\"\npath = \"{csv}\"\n"
     "schema = { user = \"string\", page = \"string\", ts = \"timestamp_ms\", amount = "
     "\"double\" }\nevent_time = \"ts\"\nmax_out_of_orderness = \"1s\"\n\n"
     "[[operator]]\nname = \"costly\"\ninput = \"csv\"\ntype = \"filter\"\n"
     "where = \"amount > 80\"\n\n"
     "[[operator]]\nname = \"pairs\"\ntype = \"window_join\"\ninputs = [\"log\", \"costly\"]\n"
     "key = [\"user\", \"page\"]\nkind = \"tumbling\"\nsize = \"2s\"\n"
     "left_prefix = \"l_\"\nright_prefix = \"r_\"\n\n"
     "[[operator]]\ntype = \"key_by\"\nfields = [\"l_page\"]\n\n"
     "[[operator]]\ntype = \"window\"\nkind = \"tumbling\"\nsize = \"10s\"\n"
     "aggregates = [\"count() as pairs\", \"sum(l_amount) as total\", "
     "\"count_distinct(l_user) as users\"]\n\n",
     20},
    // A regular join of each click with the same user's costly clicks on the same page (the
    // csv's, rows kept for 1 s of event time); a process function with timers over the pairs
    // (per user: pairs counted until none came for 2 s, then emitted and forgotten); then a
    // changelog: each user's three biggest bursts with their ranks (csv: every change; the
    // projection: the rows applied, one per user and rank), keys forgotten after 30 s.
    {"join-process-top-n", "", false, "", false,
     "[[source]]\nname = \"log\"\ntype = \"log\"\npath = \"{log}\"\n"
     "schema = { user = \"string\", page = \"string\", ts = \"timestamp_ms\", amount = "
     "\"double\" }\nevent_time = \"ts\"\nmax_out_of_orderness = \"2s\"\n\n"
     "[[source]]\nname = \"csv\"\ntype = \"csv\"\npath = \"{csv}\"\n"
     "schema = { user = \"string\", page = \"string\", ts = \"timestamp_ms\", amount = "
     "\"double\" }\nevent_time = \"ts\"\nmax_out_of_orderness = \"1s\"\n\n"
     "[[operator]]\nname = \"costly\"\ninput = \"csv\"\ntype = \"filter\"\n"
     "where = \"amount > 80\"\n\n"
     "[[operator]]\ntype = \"join\"\ninputs = [\"log\", \"costly\"]\n"
     "key = [\"user\", \"page\"]\nstate_ttl = \"1s\"\n"
     "left_prefix = \"l_\"\nright_prefix = \"r_\"\n\n"
     "[[operator]]\ntype = \"key_by\"\nfields = [\"l_user\"]\n\n"
     "[[operator]]\ntype = \"process\"\nfunction = \"inactivity\"\n"
     "params = { gap = \"2s\" }\n\n"
     "[[operator]]\ntype = \"key_by\"\nfields = [\"l_user\"]\n\n"
     "[[operator]]\ntype = \"top_n\"\nn = 3\norder_by = [\"rows desc\", \"first_time\"]\n"
     "rank_field = \"rank\"\nstate_ttl = \"30s\"\n\n",
     20, false},
};

// What one attempt does: kill itself at a crash point, or be killed from outside after `delay`.
struct Attempt {
  std::string point;  // empty: killed from outside
  int n = 1;          // the n-th time the point is reached
  std::chrono::microseconds delay{0};
  std::string crash_at() const { return point.empty() ? "" : point + ":" + std::to_string(n); }
};

// The seeded sequence of attempts. A seed repeats the draws (delays, crash points, n), not their
// effect: which run of which round a draw falls to, and how far a run got before its kill, depend
// on the machine's speed.
class Schedule {
 public:
  Schedule(uint64_t seed, double run_seconds) : rng_(seed), run_us_(run_seconds * 1e6) {}

  // After a first early kill, a quarter of the attempts stop at a crash point: the first not yet
  // hit, else any; the finish points are reached once per run, so n = 1 for them. The others are
  // killed after a delay: a fifth of them within 30 ms of the start (before or during the first
  // checkpoint, taken before any input is read), the rest anywhere in the first 60% of an
  // uninterrupted run's length.
  Attempt Next(const std::set<std::string>& unhit) {
    Attempt a;
    if (first_) {
      // The first attempt is always an early kill, so that every pipeline has one.
      first_ = false;
      a.delay = std::chrono::microseconds(static_cast<int64_t>(Uniform(0, 30e3)));
      return a;
    }
    if (Uniform(0, 1) < 0.25) {
      a.point = unhit.empty() ? kCrashPoints[static_cast<size_t>(Uniform(0, 5))] : *unhit.begin();
      const bool finish = a.point.rfind("finish-", 0) == 0;
      a.n = finish ? 1 : 1 + static_cast<int>(Uniform(0, unhit.count(a.point) ? 3 : 8));
    } else {
      const double span = Uniform(0, 1) < 0.2 ? 30e3 : 0.6 * run_us_;
      a.delay = std::chrono::microseconds(static_cast<int64_t>(Uniform(0, span)));
    }
    return a;
  }

 private:
  double Uniform(double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng_); }

  std::mt19937_64 rng_;
  double run_us_;
  bool first_ = true;
};

struct Tally {
  int kills = 0;       // runs ended by our SIGKILL
  int self_kills = 0;  // runs ended at their crash point
  int runs = 0;
  int rounds = 0;
  int resumed = 0;      // rounds whose last run resumed a checkpoint taken on input
  int kills_early = 0;  // kills with no checkpoint past the first (taken before any input)
  int kills_later = 0;  // kills after a checkpoint past the first
  std::map<std::string, int> points;  // crash point -> times it fired
  std::string history;                // the current round's attempts, for failure messages
  bool failed = false;                // a run failed or hung: the rounds stopped there
  int differing_rounds = 0;           // rounds whose outputs were not the reference's
  std::set<std::string> differing;    // the outputs that differed

  std::string Result() const {
    if (failed) return "A RUN FAILED";
    if (differing_rounds == 0) return "all outputs identical";
    std::string what;
    for (const std::string& d : differing) what += (what.empty() ? "" : ", ") + d;
    return "OUTPUTS DIFFER in " + std::to_string(differing_rounds) + " of " +
           std::to_string(rounds) + " rounds (" + what + ")";
  }

  std::string Summary(const std::string& name, long events, double seconds) const {
    std::string hits;
    for (const auto& [p, n] : points)
      hits += (hits.empty() ? "" : ", ") + p + " x" + std::to_string(n);
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "crash %s: %d kills (%d before any checkpoint on input, %d after), %d crash "
                  "points hit (%s), %d runs (%d restarts), %d rounds (%d ended resumed), "
                  "%ld events, %.1f s, %s",
                  name.c_str(), kills, kills_early, kills_later, self_kills, hits.c_str(), runs,
                  runs - rounds, rounds, resumed, events, seconds, Result().c_str());
    return buf;
  }
};

// The id of the latest checkpoint in the state directory under `dir` (0 when there is none).
// The first checkpoint (id 1) is taken before any input is read.
uint64_t LatestCheckpoint(const std::string& dir) {
  if (!fs::exists(dir + "/state")) return 0;
  SpawnOptions o;
  o.cwd = dir;
  o.out_path = dir + ".checkpoints";
  o.err_path = dir + ".checkpoints.err";
  // Killed before the store was made: "not a state directory" (exit 1), no checkpoint yet.
  if (!RunToEnd({SluiceBin(), "checkpoints", "state"}, o).Success()) return 0;
  const std::string out = ReadFile(o.out_path);
  const size_t at = out.find("\"checkpoint\":");
  return at == std::string::npos ? 0 : std::strtoull(out.c_str() + at + 13, nullptr, 10);
}

// One round: from an empty directory, runs the pipeline of `c` again and again, as `schedule`
// says, until a run exits 0 by itself. False (after a failed check) when a run fails or hangs.
bool CrashRound(const Case& c, const std::string& log, const std::string& dir,
                std::chrono::microseconds hang_guard, Schedule* schedule,
                std::set<std::string>* unhit, Tally* t) {
  PreparePipelineDir(c, log, dir);
  ++t->rounds;
  t->history.clear();
  SpawnOptions o = OptionsFor(dir);
  for (int attempt = 0; attempt < kMaxAttemptsPerRound; ++attempt) {
    const Attempt a = schedule->Next(*unhit);
    o.crash_at = a.crash_at();
    ChildProcess child({SluiceBin(), "run", "p.toml"}, o);
    ++t->runs;
    const bool killer = a.point.empty();
    if (!child.WaitFor(killer ? a.delay : hang_guard)) {
      if (!killer) {
        child.Kill();
        FAIL_CHECK(c.name << " run " << attempt + 1 << " of round " << t->rounds << " ("
                          << o.crash_at << ") hung after " << t->history);
        return false;
      }
      if (child.Kill()) {
        ++t->kills;
        ++(LatestCheckpoint(dir) > 1 ? t->kills_later : t->kills_early);
        t->history += "kill@" + std::to_string(a.delay.count() / 1000) + "ms";
        // Killed while the csv was in place under its final name (renamed at the end of a run).
        t->history += fs::exists(dir + "/windows.csv") ? "[renamed] " : " ";
        continue;
      }
    }
    const ExitStatus& st = child.status();
    if (st.Success()) {
      // How the last run began: resumed, only completed a finished run, or started afresh.
      const std::string err = ReadFile(o.err_path);
      t->history += (killer ? "" : o.crash_at + "-not-reached ") + std::string("done");
      const bool resumed = err.find("resumed from") != std::string::npos;
      t->resumed += resumed;
      t->history += resumed                                              ? "(resumed)"
                    : err.find("completed the run") != std::string::npos ? "(completed)"
                                                                         : "(fresh)";
      return true;
    }
    if (!killer && st.KilledBy(SIGKILL)) {
      ++t->self_kills;
      ++t->points[a.point];
      unhit->erase(a.point);
      t->history += o.crash_at + " ";
      continue;
    }
    FAIL_CHECK(c.name << " run " << attempt + 1 << " of round " << t->rounds << " ended with "
                      << st.ToString() << " after " << t->history << ": " << ReadFile(o.err_path));
    return false;
  }
  FAIL_CHECK(c.name << ": no run finished after " << kMaxAttemptsPerRound << " attempts");
  return false;
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE(
    "pipelines killed at random moments and at every crash point leave the outputs of an "
    "uninterrupted run") {
  const Config cfg = ReadConfig();
  INFO("seed " << cfg.seed << " (SLUICE_CRASH_SEED=" << cfg.seed << " repeats the draws)");
  std::printf("crash test: seed %llu, %d kills wanted, %ld events\n",
              static_cast<unsigned long long>(cfg.seed), cfg.kills, cfg.events);
  std::fflush(stdout);
  const std::string& log = InputLog(cfg.events);
  ScratchDir scratch("crash");
  std::set<std::string> unhit(kCrashPoints.begin(), kCrashPoints.end());
  int total_kills = 0, total_resumed = 0, total_early = 0, total_later = 0;
  bool any_failed = false;
  for (size_t i = 0; i < kCases.size(); ++i) {
    const Case& c = kCases[i];
    CAPTURE(c.name);
    const auto t0 = std::chrono::steady_clock::now();
    const std::string ref_dir = scratch.file(c.name + "-reference");
    PreparePipelineDir(c, log, ref_dir);
    SluiceOk({"run", "p.toml"}, ref_dir);
    const double run_seconds = SecondsSince(t0);
    const Outputs want = Collect(ref_dir, c.log_sink);
    // The input is meant to exercise every output: all of them must have something in them.
    for (const auto& [what, content] : want) {
      if (what == "files left in progress" || (what == "late events" && !c.late)) continue;
      CHECK_MESSAGE(content.size() > 10, what);
    }

    // Kills shared as evenly as possible; the last case also makes up for missed crash points.
    // CI's kill count gives a case its minimum; a smaller SLUICE_CRASH_KILLS shares only.
    const int wanted =
        std::max(cfg.kills >= kDefaultKills ? c.min_kills : 0,
                 cfg.kills / static_cast<int>(kCases.size()) +
                     (static_cast<int>(i) < cfg.kills % static_cast<int>(kCases.size())));
    const bool last = i + 1 == kCases.size();
    Schedule schedule(cfg.seed * 31 + i, run_seconds);
    const auto hang_guard =
        std::chrono::microseconds(static_cast<int64_t>(60e6 + 20e6 * run_seconds));
    Tally t;
    std::set<std::string> reported;  // one failed check per output and pipeline; then counts
    const std::string dir = scratch.file(c.name);
    // Rounds are capped: a crash point that is never reached (or kills that never land) must
    // fail the test, not loop forever.
    const int max_rounds = 4 * wanted + 20;
    while (t.kills < wanted || (last && !unhit.empty())) {
      if (t.rounds >= max_rounds) {
        FAIL_CHECK(c.name << ": " << t.kills << " of " << wanted << " kills after " << t.rounds
                          << " rounds");
        t.failed = any_failed = true;
        break;
      }
      if (!CrashRound(c, log, dir, hang_guard, &schedule, &unhit, &t)) {
        t.failed = any_failed = true;
        break;
      }
      INFO("round " << t.rounds << ": " << t.history);
      if (cfg.verbose) {
        std::printf("  %s round %d: %s\n", c.name.c_str(), t.rounds, t.history.c_str());
      }
      const Outputs got = Collect(dir, c.log_sink);
      bool identical = true;
      for (size_t k = 0; k < want.size(); ++k) {
        const std::string diff = FirstDifference(want[k].second, got[k].second);
        if (diff.empty()) continue;
        identical = false;
        t.differing.insert(want[k].first);
        if (reported.insert(want[k].first).second) {
          FAIL_CHECK(c.name << ": " << want[k].first << " differs, " << diff);
        }
      }
      if (!identical) ++t.differing_rounds;
    }
    if (!t.failed) {
      // A last round that must resume: killed right after its second checkpoint, then run to
      // the end. A build that ignored checkpoints and started over would fail here.
      PreparePipelineDir(c, log, dir);
      SpawnOptions o = OptionsFor(dir);
      o.crash_at = "checkpoint-after-commit:2";
      const ExitStatus killed = RunToEnd({SluiceBin(), "run", "p.toml"}, o);
      CHECK_MESSAGE(killed.KilledBy(SIGKILL), ReadFile(o.err_path));
      o.crash_at.clear();
      const ExitStatus done = RunToEnd({SluiceBin(), "run", "p.toml"}, o);
      const std::string err = ReadFile(o.err_path);
      CHECK_MESSAGE(done.Success(), err);
      const bool resumed = err.find("resumed from") != std::string::npos;
      CHECK_MESSAGE(resumed, c.name << ": the run after a kill did not resume: " << err);
      t.resumed += resumed;
      const Outputs got = Collect(dir, c.log_sink);
      for (size_t k = 0; k < want.size(); ++k) {
        CHECK_MESSAGE(FirstDifference(want[k].second, got[k].second).empty(),
                      c.name << " (resumed round): " << want[k].first);
      }
    }
    std::printf("%s\n", t.Summary(c.name, cfg.events, SecondsSince(t0)).c_str());
    std::fflush(stdout);
    total_kills += t.kills;
    total_resumed += t.resumed;
    total_early += t.kills_early;
    total_later += t.kills_later;
  }
  if (any_failed) return;  // reported; the rounds stopped early
  std::string missed;
  for (const std::string& p : unhit) missed += p + " ";
  CHECK_MESSAGE(unhit.empty(), "crash points never reached: " << missed);
  CHECK(total_kills >= cfg.kills);
  // Restarted runs must really resume (a build that ignored checkpoints and started over would
  // pass the comparisons), and kills must land both before and after checkpoints on input.
  CHECK(total_resumed > 0);
  CHECK(total_early > 0);
  CHECK(total_later > 0);
  if (cfg.kills >= kDefaultKills) CHECK(total_kills >= 20);  // CI's minimum
}

TEST_CASE("a crash point that does not exist is refused when the program starts") {
  ScratchDir dir("crash-unknown-point");
  SpawnOptions o;
  o.cwd = dir.file("");
  o.out_path = dir.file("out");
  o.err_path = dir.file("err");
  o.crash_at = "checkpoint-before-snyc";
  ExitStatus st = RunToEnd({SluiceBin(), "--help"}, o);
  CHECK(st.exited);
  CHECK(st.code == 2);
  CHECK(ReadFile(o.err_path)
            .find("SLUICE_CRASH_AT names no known point: "
                  "'checkpoint-before-snyc'") != std::string::npos);
}

TEST_CASE("a definition changed after a kill is refused, and --from-scratch runs the new one") {
  const std::string& log = InputLog(ReadConfig().events);
  ScratchDir scratch("crash-change");
  const Case before{"change", "kind = \"tumbling\"\nsize = \"10s\"\n", false, "", false};
  const Case after{"change", "kind = \"tumbling\"\nsize = \"20s\"\n", false, "", false};
  const std::string ref_before = scratch.file("before"), ref_after = scratch.file("after");
  PreparePipelineDir(before, log, ref_before);
  SluiceOk({"run", "p.toml"}, ref_before);
  PreparePipelineDir(after, log, ref_after);
  SluiceOk({"run", "p.toml"}, ref_after);

  // Killed mid-way, after its third checkpoint.
  const std::string dir = scratch.file("run");
  PreparePipelineDir(before, log, dir);
  SpawnOptions o = OptionsFor(dir);
  o.crash_at = "checkpoint-after-commit:3";
  ExitStatus killed = RunToEnd({SluiceBin(), "run", "p.toml"}, o);
  REQUIRE_MESSAGE(killed.KilledBy(SIGKILL), ReadFile(o.err_path));
  const std::string partial = ReadFile(dir + "/windows.csv.inprogress");

  // The window size is edited; the run is refused, naming the change, and touches nothing.
  WriteFile(dir + "/p.toml", PipelineToml(after, log, dir));
  o.crash_at.clear();
  ExitStatus refused = RunToEnd({SluiceBin(), "run", "p.toml"}, o);
  const std::string message = ReadFile(o.err_path);
  INFO(message);
  CHECK(refused.exited);
  CHECK(refused.code == 2);
  CHECK(message.find("changed since its checkpoint") != std::string::npos);
  CHECK(message.find("size=10000000us") != std::string::npos);
  CHECK(message.find("size=20000000us") != std::string::npos);
  CHECK(message.find("--from-scratch") != std::string::npos);
  CHECK(ReadFile(dir + "/windows.csv.inprogress") == partial);
  CHECK_FALSE(fs::exists(dir + "/windows.csv"));

  // --from-scratch discards the checkpoint and produces what the new definition produces.
  ExitStatus fresh = RunToEnd({SluiceBin(), "run", "p.toml", "--from-scratch"}, o);
  REQUIRE_MESSAGE(fresh.Success(), ReadFile(o.err_path));
  const Outputs got = Collect(dir, false);
  const Outputs want = Collect(ref_after, false);
  const Outputs old = Collect(ref_before, false);
  for (size_t k = 0; k < want.size(); ++k) {
    CHECK_MESSAGE(FirstDifference(want[k].second, got[k].second).empty(), want[k].first);
  }
  CHECK(got[0].second.size() > 10);       // the csv
  CHECK(got[0].second != old[0].second);  // 20 s windows, not 10 s ones
  CHECK(got[3].second != old[3].second);  // the projection too
  CHECK(got[2].second == old[2].second);  // the same dead letters
}

}  // namespace sluice::crash
