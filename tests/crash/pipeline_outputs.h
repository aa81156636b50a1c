// The pipelines of the crash test and what they leave behind: the shared input log, the pipeline
// files (every output and the state under one directory), the collection of a run's outputs and
// their comparison. Runs the real `sluice` binary of this build.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "crash/child_process.h"
#include "runtime/test_util.h"

namespace sluice::crash {

namespace fs = std::filesystem;
using testing::ExitStatus;
using testing::ReadFile;
using testing::RunToEnd;
using testing::ScratchDir;
using testing::SpawnOptions;
using testing::WriteFile;

inline std::string SluiceBin() { return SLUICE_BINARY_DIR "/bin/sluice"; }

// Runs `sluice args...` in `cwd` to its end, REQUIREs exit 0 and returns its stdout.
inline std::string SluiceOk(std::vector<std::string> args, const std::string& cwd) {
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
inline const std::string& InputLog(long events) {
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
      // Slices 1 and 3 are stored zstd-compressed: the sources read both kinds of batch.
      SluiceOk({"log", "append", "log", "--stream", "clicks", "--type", "Click", "--schema",
                "user:string,page:string,ts:timestamp_ms,amount:double", "--event-time", "ts",
                "--compression", k % 2 == 1 ? "zstd" : "none", "slice.csv"},
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
  std::string window;       // the window operator's kind and extent, as TOML lines
  bool log_sink;            // also a log sink
  std::string then;         // further operators after the window (a second keyed stage), as TOML
  bool csv_source = false;  // read the clickstream csv the log was filled from, not the log
  // When set, the sources and operators instead (TOML, with {log} and {csv} standing for the
  // input log and the clickstream csv); `window` and `then` are then unused.
  std::string graph;
  int min_kills = 0;      // kills this case gets at least, whatever the share of the others
  bool late = true;       // its pipeline can have late events (a changelog stage has none)
  std::string log_sync;   // the log sink's `sync` ("" = the default, durable per batch)
  bool log_zstd = false;  // the log sink compresses its batches
};

// The pipeline file of `c`: every output (and the state) under the directory `out`.
inline std::string PipelineToml(const Case& c, const std::string& log, const std::string& out) {
  std::string t = "[pipeline]\nname = \"" + c.name +
                  "\"\nparallelism = 2\ncheckpoint_interval = \"100ms\"\n"
                  "state_dir = \"" +
                  out + "/state\"\nlate_path = \"" + out + "/late.jsonl\"\ndead_letter_path = \"" +
                  out + "/dlq.jsonl\"\n\n";
  const std::string csv = (fs::path(log).parent_path() / "clicks.csv").string();
  if (!c.graph.empty()) {
    std::string g = c.graph;
    for (auto [from, to] : {std::pair<std::string, std::string>{"{log}", log}, {"{csv}", csv}}) {
      for (size_t at = g.find(from); at != std::string::npos; at = g.find(from, at)) {
        g.replace(at, from.size(), to);
        at += to.size();
      }
    }
    t += g;
  } else {
    const std::string source = c.csv_source ? "csv\"\npath = \"" + csv : "log\"\npath = \"" + log;
    t += "[source]\ntype = \"" + source +
         "\"\nschema = { user = \"string\", page = \"string\", ts = \"timestamp_ms\", amount = "
         "\"double\" }\nevent_time = \"ts\"\nmax_out_of_orderness = \"2s\"\n\n";
    t += "[[operator]]\ntype = \"key_by\"\nfields = [\"user\"]\n\n[[operator]]\ntype = "
         "\"window\"\n" +
         c.window +
         "aggregates = [\"count() as n\", \"sum(amount) as total\", \"max(page) as top\", "
         "\"count_distinct(page) as pages\"]\n\n";
    t += c.then;
  }
  t += "[[sink]]\ntype = \"csv\"\npath = \"" + out + "/windows.csv\"\n\n";
  t += "[[sink]]\ntype = \"projection\"\nname = \"by_user\"\n\n";
  if (c.log_sink) {
    t += "[[sink]]\ntype = \"log\"\npath = \"" + out +
         "/results\"\nstream = \"windows\"\nevent_type = \"Window\"\n";
    if (!c.log_sync.empty()) t += "sync = \"" + c.log_sync + "\"\n";
    if (c.log_zstd) t += "compression = \"zstd\"\n";
  }
  return t;
}

// How the tests spawn `sluice` for the pipeline in `dir`: there, with its stdout and stderr in
// `dir`.stdout and `dir`.stderr.
inline SpawnOptions OptionsFor(const std::string& dir) {
  SpawnOptions o;
  o.cwd = dir;
  o.out_path = dir + ".stdout";
  o.err_path = dir + ".stderr";
  return o;
}

// A fresh directory `dir` holding the pipeline file p.toml of `c`.
inline void PreparePipelineDir(const Case& c, const std::string& log, const std::string& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  WriteFile(dir + "/p.toml", PipelineToml(c, log, dir));
}

// The log sink's events as `sluice log read` prints them, reduced to their payloads (ids and
// append times differ between runs by design).
inline std::string Payloads(const std::string& events) {
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

inline Outputs Collect(const std::string& dir, bool log_sink) {
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
inline std::string FirstDifference(const std::string& want, const std::string& got) {
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

}  // namespace sluice::crash
