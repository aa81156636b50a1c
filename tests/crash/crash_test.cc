// Crash test: `sluice run` is killed with SIGKILL at random moments, and made to kill itself at
// each named crash point (SLUICE_CRASH_AT, engine/runtime/crash_point.h), and restarted until a
// run exits 0 by itself. What it leaves must be exactly what an uninterrupted run leaves: the csv
// bytes, the late-event and dead-letter files, the projection as `sluice query` prints it and the
// payloads of the log sink. Three pipelines (tumbling, sliding and session windows) over one event
// log. See docs/reliability.md.
//
// Environment (scripts/crash-test sets these for the long version):
//   SLUICE_CRASH_KILLS   real kills in all, shared among the pipelines (default 30, at least 20)
//   SLUICE_CRASH_EVENTS  clickstream events in the input log (default 1,000,000)
//   SLUICE_CRASH_SEED    seed of the kill schedule (default random; printed, and in failures)
//   SLUICE_CRASH_VERBOSE when set, also one line per round listing its attempts
// One summary line per pipeline goes to stdout.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crash/child_process.h"
#include "runtime/test_util.h"

namespace fs = std::filesystem;
using sluice::testing::ChildProcess;
using sluice::testing::ExitStatus;
using sluice::testing::ReadFile;
using sluice::testing::RunToEnd;
using sluice::testing::ScratchDir;
using sluice::testing::SpawnOptions;
using sluice::testing::WriteFile;

namespace {

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

std::string SluiceBin() { return SLUICE_BINARY_DIR "/bin/sluice"; }

// Runs `sluice args...` in `cwd` to its end, REQUIREs exit 0 and returns its stdout.
std::string SluiceOk(std::vector<std::string> args, const std::string& cwd) {
  args.insert(args.begin(), SluiceBin());
  SpawnOptions o;
  o.cwd = cwd;
  o.out_path = cwd + "/.sluice.stdout";
  o.err_path = cwd + "/.sluice.stderr";
  ExitStatus st = RunToEnd(args, o);
  std::string command;
  for (const std::string& a : args) command += a + " ";
  INFO(command << "-> " << st.ToString() << ": " << ReadFile(o.err_path));
  REQUIRE(st.Success());
  std::string out = ReadFile(o.out_path);
  fs::remove(o.out_path);
  fs::remove(o.err_path);
  return out;
}

// The input of every pipeline: `events` clickstream events in one log, appended in four slices
// with two undecodable events (amount is a string) after each of the first three, so that dead
// letters arrive throughout a run. Built once per process; returns the log directory.
const std::string& InputLog(long events) {
  static ScratchDir dir("crash-input");
  static const std::string log = [&] {
    const std::string csv = dir.file("clicks.csv");
    SluiceOk({"generate", "clickstream", "--out", csv, "--events", std::to_string(events), "--seed",
              "3"},
             dir.file(""));
    const std::vector<std::string> lines = sluice::testing::ReadLines(csv);
    REQUIRE(lines.size() > 1);
    const std::string header = lines[0] + "\n";
    const size_t slice = (lines.size() - 1 + 3) / 4;
    for (size_t k = 0; k < 4; ++k) {
      std::string text = header;
      for (size_t i = 1 + k * slice; i < std::min(lines.size(), 1 + (k + 1) * slice); ++i) {
        text += lines[i] + "\n";
      }
      WriteFile(dir.file("slice.csv"), text);
      SluiceOk({"log", "append", "log", "--stream", "clicks", "--type", "Click", "--schema",
                "user:string,page:string,ts:timestamp_ms,amount:double", "--event-time", "ts",
                "slice.csv"},
               dir.file(""));
      if (k == 3) break;
      const std::string u = "u" + std::to_string(k);
      WriteFile(dir.file("bad.csv"),
                header + u + ",/bad,1714521600000,n/a\n" + u + ",/bad,1714521601000,none\n");
      SluiceOk({"log", "append", "log", "--stream", "clicks", "--type", "Click", "--schema",
                "user:string,page:string,ts:timestamp_ms,amount:string", "--event-time", "ts",
                "bad.csv"},
               dir.file(""));
    }
    return dir.file("log");
  }();
  return log;
}

struct Case {
  std::string name;
  std::string window;  // the window operator's kind and extent, as TOML lines
  bool log_sink;       // also a log sink (the slowest sink, so only one case has it)
};

const std::vector<Case> kCases = {
    {"tumbling", "kind = \"tumbling\"\nsize = \"10s\"\n", true},
    {"sliding", "kind = \"sliding\"\nsize = \"10s\"\nslide = \"5s\"\n", false},
    {"session", "kind = \"session\"\ngap = \"5s\"\n", false},
};

// The pipeline file of `c`: every output (and the state) under the directory `out`.
std::string PipelineToml(const Case& c, const std::string& log, const std::string& out) {
  std::string t = "[pipeline]\nname = \"" + c.name +
                  "\"\nparallelism = 2\ncheckpoint_interval = \"100ms\"\n"
                  "state_dir = \"" +
                  out + "/state\"\nlate_path = \"" + out + "/late.jsonl\"\ndead_letter_path = \"" +
                  out + "/dlq.jsonl\"\n\n";
  t += "[source]\ntype = \"log\"\npath = \"" + log +
       "\"\nschema = { user = \"string\", page = \"string\", ts = \"timestamp_ms\", amount = "
       "\"double\" }\nevent_time = \"ts\"\nmax_out_of_orderness = \"2s\"\n\n";
  t += "[[operator]]\ntype = \"key_by\"\nfields = [\"user\"]\n\n[[operator]]\ntype = \"window\"\n" +
       c.window +
       "aggregates = [\"count() as n\", \"sum(amount) as total\", \"max(page) as top\", "
       "\"count_distinct(page) as pages\"]\n\n";
  t += "[[sink]]\ntype = \"csv\"\npath = \"" + out + "/windows.csv\"\n\n";
  t += "[[sink]]\ntype = \"projection\"\nname = \"by_user\"\n\n";
  if (c.log_sink) {
    t += "[[sink]]\ntype = \"log\"\npath = \"" + out +
         "/results\"\nstream = \"windows\"\nevent_type = \"Window\"\n";
  }
  return t;
}

// A fresh directory `dir` holding the pipeline file p.toml of `c`.
void PreparePipelineDir(const Case& c, const std::string& log, const std::string& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  WriteFile(dir + "/p.toml", PipelineToml(c, log, dir));
}

// The log sink's events as `sluice log read` prints them, reduced to their payloads (ids and
// append times differ between runs by design).
std::string Payloads(const std::string& events) {
  std::string out;
  size_t start = 0;
  while (start < events.size()) {
    size_t end = events.find('\n', start);
    if (end == std::string::npos) end = events.size();
    const size_t p = events.find("\"payload\":", start);
    // Each line is one object ending in `"payload":{...}}`: drop the object's own brace.
    out += p < end ? events.substr(p + 10, end - p - 11) : "<no payload>";
    out += '\n';
    start = end + 1;
  }
  return out;
}

// What a run leaves in `dir` that must not depend on how often it was killed: (what, content).
using Outputs = std::vector<std::pair<std::string, std::string>>;

Outputs Collect(const std::string& dir, bool log_sink) {
  Outputs o;
  for (const auto& [what, name] : std::vector<std::pair<std::string, std::string>>{
           {"csv", "windows.csv"}, {"late events", "late.jsonl"}, {"dead letters", "dlq.jsonl"}}) {
    const std::string path = dir + "/" + name;
    o.emplace_back(what, fs::exists(path) ? ReadFile(path) : "<no file>");
  }
  o.emplace_back("projection", SluiceOk({"query", dir + "/state", "by_user"}, dir));
  if (log_sink) {
    o.emplace_back("log payloads", Payloads(SluiceOk({"log", "read", dir + "/results"}, dir)));
  }
  std::string unfinished;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() == ".inprogress") unfinished += e.path().filename().string() + " ";
  }
  o.emplace_back("files left in progress", unfinished);
  return o;
}

// Empty when equal; else the first differing line of each, cut to 160 characters.
std::string FirstDifference(const std::string& want, const std::string& got) {
  if (want == got) return "";
  const size_t i =
      std::mismatch(want.begin(), want.begin() + std::min(want.size(), got.size()), got.begin())
          .first -
      want.begin();
  const size_t start = i == 0 ? 0 : want.rfind('\n', i - 1) + 1;  // npos + 1 == 0
  auto line = [&](const std::string& s) {
    return start >= s.size() ? std::string("<end>")
                             : s.substr(start, std::min<size_t>(160, s.find('\n', start) - start));
  };
  return "line " + std::to_string(std::count(want.begin(), want.begin() + start, '\n') + 1) +
         ": reference `" + line(want) + "` (" + std::to_string(want.size()) +
         " bytes), this run `" + line(got) + "` (" + std::to_string(got.size()) + " bytes)";
}

// What one attempt does: kill itself at a crash point, or be killed from outside after `delay`.
struct Attempt {
  std::string point;  // empty: killed from outside
  int n = 1;          // the n-th time the point is reached
  std::chrono::microseconds delay{0};
  std::string crash_at() const { return point.empty() ? "" : point + ":" + std::to_string(n); }
};

// The seeded sequence of attempts. A seed repeats the decisions, not the instants the kills land
// at in the run (those depend on the machine's speed).
class Schedule {
 public:
  Schedule(uint64_t seed, double run_seconds) : rng_(seed), run_us_(run_seconds * 1e6) {}

  // A quarter of the attempts stop at a crash point: the first not yet hit, else any; the finish
  // points are reached once per run, so n = 1 for them. The others are killed after a delay:
  // a fifth of them within 30 ms of the start (before or during checkpoint 0), the rest anywhere
  // in the first 60% of an uninterrupted run's length.
  Attempt Next(const std::set<std::string>& unhit) {
    Attempt a;
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
};

struct Tally {
  int kills = 0;       // runs ended by our SIGKILL
  int self_kills = 0;  // runs ended at their crash point
  int runs = 0;
  int rounds = 0;
  std::map<std::string, int> points;  // crash point -> times it fired
  std::string history;                // the current round's attempts, for failure messages

  std::string Summary(const std::string& name, long events, double seconds, bool identical) const {
    std::string hits;
    for (const auto& [p, n] : points)
      hits += (hits.empty() ? "" : ", ") + p + " x" + std::to_string(n);
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "crash %s: %d kills, %d crash points (%s), %d runs (%d restarts), %d rounds, "
                  "%ld events, %.1f s, %s",
                  name.c_str(), kills, self_kills, hits.c_str(), runs, runs - rounds, rounds,
                  events, seconds, identical ? "all outputs identical" : "OUTPUTS DIFFER");
    return buf;
  }
};

// One round: from an empty directory, runs the pipeline of `c` again and again, as `schedule`
// says, until a run exits 0 by itself. False (after a failed check) when a run fails or hangs.
bool CrashRound(const Case& c, const std::string& log, const std::string& dir,
                std::chrono::microseconds hang_guard, Schedule* schedule,
                std::set<std::string>* unhit, Tally* t) {
  PreparePipelineDir(c, log, dir);
  ++t->rounds;
  t->history.clear();
  SpawnOptions o;
  o.cwd = dir;
  o.out_path = dir + ".stdout";
  o.err_path = dir + ".stderr";
  for (int attempt = 0; attempt < kMaxAttemptsPerRound; ++attempt) {
    const Attempt a = schedule->Next(*unhit);
    o.crash_at = a.crash_at();
    ChildProcess child({SluiceBin(), "run", "p.toml"}, o);
    ++t->runs;
    const bool killer = a.point.empty();
    if (!child.WaitFor(killer ? a.delay : hang_guard)) {
      if (killer && child.Kill()) {
        ++t->kills;
        t->history += "kill@" + std::to_string(a.delay.count() / 1000) + "ms ";
        continue;
      }
      if (!killer) child.Kill();
      if (!killer) t->history += "HUNG ";
    }
    const ExitStatus& st = child.status();
    if (st.Success()) {
      t->history += (killer ? "" : o.crash_at + "-not-reached ") + std::string("done");
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
  INFO("seed " << cfg.seed << " (SLUICE_CRASH_SEED=" << cfg.seed << " repeats the schedule)");
  std::printf("crash test: seed %llu, %d kills wanted, %ld events\n",
              static_cast<unsigned long long>(cfg.seed), cfg.kills, cfg.events);
  std::fflush(stdout);
  const std::string& log = InputLog(cfg.events);
  ScratchDir scratch("crash");
  std::set<std::string> unhit(kCrashPoints.begin(), kCrashPoints.end());
  int total_kills = 0;
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
      if (what != "files left in progress") CHECK_MESSAGE(content.size() > 10, what);
    }

    // Kills shared as evenly as possible; the last case also makes up for missed crash points.
    const int wanted = cfg.kills / static_cast<int>(kCases.size()) +
                       (static_cast<int>(i) < cfg.kills % static_cast<int>(kCases.size()));
    const bool last = i + 1 == kCases.size();
    Schedule schedule(cfg.seed * 31 + i, run_seconds);
    const auto hang_guard =
        std::chrono::microseconds(static_cast<int64_t>(60e6 + 20e6 * run_seconds));
    Tally t;
    bool identical = true;
    const std::string dir = scratch.file(c.name);
    while (identical && (t.kills < wanted || (last && !unhit.empty()))) {
      if (!CrashRound(c, log, dir, hang_guard, &schedule, &unhit, &t)) {
        identical = false;
        break;
      }
      INFO("round " << t.rounds << ": " << t.history);
      if (cfg.verbose)
        std::printf("  %s round %d: %s\n", c.name.c_str(), t.rounds, t.history.c_str());
      const Outputs got = Collect(dir, c.log_sink);
      for (size_t k = 0; k < want.size(); ++k) {
        const std::string diff = FirstDifference(want[k].second, got[k].second);
        CHECK_MESSAGE(diff.empty(), c.name << ": " << want[k].first << " differs, " << diff);
        identical = identical && diff.empty();
      }
    }
    std::printf("%s\n", t.Summary(c.name, cfg.events, SecondsSince(t0), identical).c_str());
    std::fflush(stdout);
    total_kills += t.kills;
  }
  std::string missed;
  for (const std::string& p : unhit) missed += p + " ";
  CHECK_MESSAGE(unhit.empty(), "crash points never reached: " << missed);
  CHECK(total_kills >= cfg.kills);
  if (cfg.kills >= kDefaultKills) CHECK(total_kills >= 20);
}

TEST_CASE("a definition changed after a kill is refused, and --from-scratch runs the new one") {
  const std::string& log = InputLog(ReadConfig().events);
  ScratchDir scratch("crash-change");
  const Case before{"change", "kind = \"tumbling\"\nsize = \"10s\"\n", false};
  const Case after{"change", "kind = \"tumbling\"\nsize = \"20s\"\n", false};
  const std::string ref_before = scratch.file("before"), ref_after = scratch.file("after");
  PreparePipelineDir(before, log, ref_before);
  SluiceOk({"run", "p.toml"}, ref_before);
  PreparePipelineDir(after, log, ref_after);
  SluiceOk({"run", "p.toml"}, ref_after);

  // Killed mid-way, after its third checkpoint.
  const std::string dir = scratch.file("run");
  PreparePipelineDir(before, log, dir);
  SpawnOptions o;
  o.cwd = dir;
  o.out_path = dir + ".stdout";
  o.err_path = dir + ".stderr";
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
