// Whole-pipeline benchmark of checkpoint overhead (docs/benchmarks.md, "Checkpoint overhead").
//
// Runs workload W2 (generator -> key_by key -> tumbling 10 ms count/sum) with a null sink, with a
// csv sink into a temporary file (so each checkpoint also fdatasyncs the output), and with a null
// sink at 100,000 keys (a larger snapshot), each in four modes:
//   none       no state directory: no checkpoints at all;
//   start+end  a state directory with interval 1h: only the first and the final checkpoint,
//              i.e. the fixed cost of a checkpointed run (opening LMDB, transactional sinks);
//   1s, 100ms  periodic checkpoints.
// A hand-written single-threaded loop computing the same result without checkpoints is printed
// first; every run's result count must equal its count (a MISMATCH is printed otherwise).
//
// Each run is a forked child with its own empty state directory, so no run resumes another. The R
// repetitions are interleaved (mode by mode) so that a noisy neighbour hits every mode alike. The
// table gives the median and the best of R wall times (noise only adds time, so on a shared
// machine the best is the better estimate); "overhead" is against mode none. "per ckpt" is the
// extra wall time per periodic checkpoint, (best - best of start+end) / (checkpoints - checkpoints
// of start+end). "cpu s" is the median user+system CPU time of the child, which a busy machine
// disturbs less than the wall time. Defaults: N = 200 M events, N/2 with the csv sink, N/4 at
// 100,000 keys; K = 1,000; P = 2; R = 3. --json FILE writes the overhead table's figures with the
// machine and the date; --markdown FILE writes it as the table of docs/benchmarks.md.
//
// Then it measures what one checkpoint holds and what its parts cost: a W2 run stopped after a
// few 100 ms checkpoints leaves its latest mid-run checkpoint in the store, whose encoded size is
// printed for K and for 100,000 keys, together with the median time of one LMDB commit of that
// record and of one fdatasync of a file after appending one interval's worth of csv output.
//
//   bench_checkpoint_bench [--events N] [--csv-events N] [--big-events N] [--keys K]
//                          [--big-keys K] [--parallelism P] [--repeat R] [--dir D]
//                          [--only null|csv|big|size] [--json FILE] [--markdown FILE]
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "bench_report.h"
#include "sluice/pipeline_builder.h"
#include "operators/generator_source.h"
#include "storage/checkpoint_store.h"

namespace {

using namespace sluice;
namespace fs = std::filesystem;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Runs fn in a forked child and returns what it returned, or T{} when the child died. T must be
// trivially copyable (it crosses a pipe).
template <typename T>
T InChild(const std::function<T()>& fn) {
  static_assert(std::is_trivially_copyable_v<T>);
  int fds[2];
  if (pipe(fds) != 0) return T{};
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    T out = fn();
    ssize_t w = write(fds[1], &out, sizeof(out));
    (void)w;
    _exit(0);
  }
  close(fds[1]);
  T out{};
  ssize_t r = read(fds[0], &out, sizeof(out));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (r != sizeof(out) || !WIFEXITED(status)) out = T{};
  return out;
}

// A fresh, empty directory under `base`; removed by the caller.
std::string TempDir(const std::string& base) {
  std::string templ = base + "/sluice-ckpt-bench-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    fmt::print(stderr, "cannot create a directory in '{}': {}\n", base, std::strerror(errno));
    std::exit(1);
  }
  return templ;
}

struct Mode {
  std::string name;
  std::string interval;  // empty = no checkpoints
};

struct Workload {
  std::string name;
  bool csv = false;
  uint64_t events = 0;
  uint64_t keys = 0;
};

struct RunResult {
  bool ok = false;
  double seconds = 0;      // Run() wall time
  double cpu_seconds = 0;  // user + system CPU time of the whole child (all threads)
  uint64_t events = 0, results = 0, checkpoints = 0, out_bytes = 0;
};

// W2 through sluice: key_by key, tumbling 10 ms, count() and sum(value).
void DeclareW2(PipelineBuilder* b, uint64_t n, uint64_t k, uint32_t p) {
  b->parallelism(p).generator_source(n, k);
  b->key_by({"key"}).tumbling("10ms", {"count() as n", "sum(value) as total"});
}

RunResult RunOnce(const Workload& w, const Mode& mode, uint32_t p, const std::string& base) {
  const std::string dir = TempDir(base);
  const std::string out_path = dir + "/out.csv";
  PipelineBuilder b("W2");
  DeclareW2(&b, w.events, w.keys, p);
  b.dead_letter_path(dir + "/W2.dlq.jsonl");
  if (w.csv) {
    b.csv_sink(out_path);
  } else {
    b.null_sink();
  }
  if (!mode.interval.empty()) b.state_dir(dir + "/state").checkpoint_interval(mode.interval);
  PipelineOptions options;
  options.from_scratch = true;
  std::unique_ptr<Pipeline> pipeline;
  Status s = b.Build(&pipeline, options);
  if (s.ok()) s = pipeline->Run();
  RunResult r;
  if (!s.ok()) {
    fmt::print(stderr, "{} {}: {}\n", w.name, mode.name, s.ToString());
  } else {
    const PipelineStats st = pipeline->Stats();
    r.ok = true;
    r.seconds = st.elapsed_s;
    r.events = st.events_in;
    r.results = st.records_out;
    r.checkpoints = st.checkpoints;
    std::error_code ec;
    if (w.csv) r.out_bytes = fs::file_size(out_path, ec);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    r.cpu_seconds = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
                    ru.ru_stime.tv_usec / 1e6;
  }
  pipeline.reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
  return r;
}

// W2 as a hand-written single-threaded loop with no checkpoints: the cost floor of the
// computation, and the expected result count. A plain tumbling loop, so faster than the general
// pane loop of pipeline_bench.cc.
uint64_t HandW2(uint64_t n, uint64_t k) {
  const int64_t size = 10'000;
  std::vector<int64_t> counts(k);
  std::vector<double> sums(k);
  uint64_t results = 0;
  double checksum = 0;
  int64_t window = 0;
  auto fire = [&] {
    for (uint64_t key = 0; key < k; ++key) {
      if (counts[key]) {
        ++results;
        checksum += sums[key];
      }
    }
    std::fill(counts.begin(), counts.end(), 0);
    std::fill(sums.begin(), sums.end(), 0.0);
  };
  for (uint64_t i = 0; i < n; ++i) {
    const int64_t wnd = static_cast<int64_t>(i) / size;
    if (wnd != window) {
      fire();
      window = wnd;
    }
    const uint64_t key = GeneratorKey(i, k);
    counts[key] += 1;
    sums[key] += GeneratorValue(i);
  }
  fire();
  if (checksum < 0) std::puts("");
  return results;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ---- what one checkpoint holds and costs ----

struct SizeResult {
  bool ok = false;
  uint64_t keys = 0;
  uint64_t checkpoint_id = 0;   // the mid-run checkpoint measured
  uint64_t record_bytes = 0;    // EncodeCheckpoint() of it
  uint64_t operator_bytes = 0;  // of which: the lanes' operator snapshots
  uint64_t data_mdb_bytes = 0;  // st_size of the state directory's data.mdb
  uint64_t data_mdb_alloc = 0;  // its allocated blocks, in bytes
  double commit_ms = 0;         // median time of one CheckpointStore::Commit of that record
};

// Runs W2 with 100 ms checkpoints over an endless generator, stops it once `after` checkpoints
// were taken, and reads the latest committed (mid-run) checkpoint back from the store. Its size
// depends on where in a 10 ms window the barrier fell, hence several samples with different
// `after`.
SizeResult MeasureCheckpoint(uint64_t k, uint32_t p, uint64_t after, const std::string& base) {
  SizeResult out;
  out.keys = k;
  const std::string dir = TempDir(base);
  const std::string state = dir + "/state";
  PipelineBuilder b("W2");
  DeclareW2(&b, uint64_t{1} << 50, k, p);
  b.dead_letter_path(dir + "/W2.dlq.jsonl").null_sink();
  b.state_dir(state).checkpoint_interval("100ms");
  PipelineOptions options;
  options.from_scratch = true;
  std::unique_ptr<Pipeline> pipeline;
  Status s = b.Build(&pipeline, options);
  if (!s.ok()) {
    fmt::print(stderr, "size K={}: {}\n", k, s.ToString());
    return out;
  }
  Status run;
  std::thread runner([&] { run = pipeline->Run(); });
  const double deadline = Now() + 60;
  while (pipeline->Stats().checkpoints < after && Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pipeline->Stop();
  runner.join();
  pipeline.reset();

  std::unique_ptr<CheckpointStore> store;
  s = CheckpointStore::OpenReadOnly(state, &store);
  std::optional<CheckpointRecord> rec;
  if (s.ok()) {
    auto loaded = store->Load("W2");
    s = loaded.status();
    if (s.ok()) rec = *loaded;
  }
  store.reset();
  if (!s.ok() || !rec) {
    fmt::print(stderr, "size K={}: no checkpoint ({}; run: {})\n", k, s.ToString(), run.ToString());
    return out;
  }
  out.checkpoint_id = rec->id;
  out.record_bytes = EncodeCheckpoint(*rec).size();
  for (const StageState& stage : rec->stages) {
    for (const std::string& op : stage.lanes) out.operator_bytes += op.size();
  }
  struct stat st;
  if (::stat((state + "/data.mdb").c_str(), &st) == 0) {
    out.data_mdb_bytes = st.st_size;
    out.data_mdb_alloc = static_cast<uint64_t>(st.st_blocks) * 512;
  }

  // The commit alone: the same record, replaced 30 times in a fresh store (durable commits).
  const std::string commit_dir = dir + "/commit";
  std::unique_ptr<CheckpointStore> fresh;
  s = CheckpointStore::Open(commit_dir, &fresh);
  std::vector<double> times;
  for (int i = 0; s.ok() && i < 30; ++i) {
    rec->id = i + 1;
    const double t0 = Now();
    s = fresh->Commit("W2", *rec);
    times.push_back((Now() - t0) * 1e3);
  }
  fresh.reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!s.ok()) {
    fmt::print(stderr, "commit K={}: {}\n", k, s.ToString());
    return out;
  }
  out.commit_ms = Median(times);
  out.ok = true;
  return out;
}

// Median time of fflush + fdatasync of a file after appending `bytes` of csv-like text, as a
// checkpoint of the csv sink does once per interval.
double MeasureFsyncMs(uint64_t bytes, const std::string& base) {
  const std::string dir = TempDir(base);
  const std::string path = dir + "/sync.csv";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::vector<double> times;
  if (f != nullptr) {
    std::string chunk;
    for (int i = 0; chunk.size() < (1 << 20); ++i) {
      chunk += fmt::format("{},{},{},12,587.0\n", i, i * 10000, i * 10000 + 10000);
    }
    for (int rep = 0; rep < 7; ++rep) {
      for (uint64_t done = 0; done < bytes; done += chunk.size()) {
        std::fwrite(chunk.data(), 1, std::min<uint64_t>(chunk.size(), bytes - done), f);
      }
      const double t0 = Now();
      std::fflush(f);
      ::fdatasync(::fileno(f));
      times.push_back((Now() - t0) * 1e3);
    }
    std::fclose(f);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return Median(times);
}

bool g_failed = false;  // a run failed or its result count differed from the loop's

}  // namespace

// One row of the overhead table, kept for --json and --markdown.
struct ReportRow {
  std::string workload, mode;
  uint64_t events = 0;
  double median_s = 0, best_s = 0, checkpoints = 0, cpu_s = 0;
  std::string overhead_best, overhead_median, cpu_overhead;  // "" for the "none" mode
  bool ok = true;
};

// The overhead table as JSON (with the machine and date) and as docs/benchmarks.md's Markdown.
bool WriteReports(const std::string& json_path, const std::string& markdown_path,
                  const std::vector<ReportRow>& rows, uint32_t p, int repeat) {
  using bench::JsonText;
  if (!json_path.empty()) {
    std::string out = fmt::format(
        "{{\n  \"benchmark\": \"bench_checkpoint_bench\",\n  \"date\": {},\n"
        "  \"machine\": {},\n  \"parallelism\": {},\n  \"repeat\": {},\n  \"runs\": [\n",
        JsonText(bench::Today()), JsonText(bench::Machine()), p, repeat);
    for (size_t i = 0; i < rows.size(); ++i) {
      const ReportRow& r = rows[i];
      out += fmt::format(
          "    {{\"workload\": {}, \"mode\": {}, \"events\": {}, \"median_seconds\": {:.4f}, "
          "\"best_seconds\": {:.4f}, \"checkpoints\": {:.0f}, \"cpu_seconds\": {:.4f}, "
          "\"overhead_best\": {}, \"overhead_median\": {}, \"cpu_overhead\": {}, "
          "\"results_match\": {}}}{}\n",
          JsonText(r.workload), JsonText(r.mode), r.events, r.median_s, r.best_s, r.checkpoints,
          r.cpu_s, JsonText(r.overhead_best), JsonText(r.overhead_median),
          JsonText(r.cpu_overhead), r.ok ? "true" : "false", i + 1 < rows.size() ? "," : "");
    }
    out += "  ]\n}\n";
    if (!bench::WriteWholeFile(json_path, out)) return false;
  }
  if (!markdown_path.empty()) {
    std::string out = fmt::format(
        "Measured {} on {} by `bench_checkpoint_bench` (P = {}, best and median of {} "
        "interleaved runs).\n\n"
        "| workload | mode | ckpts | best s | M events/s (best) | overhead, best | overhead, median "
        "| CPU time vs none | results = hand loop's |\n|---|---|---|---|---|---|---|---|---|\n",
        bench::Today(), bench::Machine(), p, repeat);
    std::string last;
    for (const ReportRow& r : rows) {
      const std::string name =
          r.workload == last ? "" : fmt::format("{}, {} events", r.workload, r.events);
      last = r.workload;
      auto dash = [](const std::string& v) { return v.empty() ? std::string("—") : v; };
      out += fmt::format("| {} | {} | {:.0f} | {:.2f} | {:.1f} | {} | {} | {} | {} |\n", name,
                         r.mode, r.checkpoints, r.best_s,
                         r.best_s > 0 ? r.events / r.best_s / 1e6 : 0.0, dash(r.overhead_best),
                         dash(r.overhead_median), dash(r.cpu_overhead), r.ok ? "yes" : "**no**");
    }
    if (!bench::WriteWholeFile(markdown_path, out)) return false;
  }
  return true;
}

int main(int argc, char** argv) {
  uint64_t n = 200'000'000, csv_n = 0, big_n = 0, k = 1'000, big_k = 100'000;
  uint32_t p = 2;
  int repeat = 3;
  std::string dir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  std::string only, json_path, markdown_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--events") n = std::stoull(v);
    if (a == "--csv-events") csv_n = std::stoull(v);
    if (a == "--big-events") big_n = std::stoull(v);
    if (a == "--keys") k = std::stoull(v);
    if (a == "--big-keys") big_k = std::stoull(v);
    if (a == "--parallelism") p = static_cast<uint32_t>(std::stoul(v));
    if (a == "--repeat") repeat = std::max(1, std::stoi(v));
    if (a == "--dir") dir = v;
    if (a == "--only") only = v;
    if (a == "--json") json_path = v;
    if (a == "--markdown") markdown_path = v;
  }
  if (csv_n == 0) csv_n = n / 2;
  if (big_n == 0) big_n = n / 4;
  fmt::print(
      "sluice checkpoint overhead: W2 (tumbling 10 ms, count+sum), P = {}, median and best of {} "
      "interleaved runs, state in {}\n\n",
      p, repeat, dir);

  std::vector<Workload> workloads;
  if (only.empty() || only == "null") workloads.push_back({"W2 null", false, n, k});
  if (only.empty() || only == "csv") workloads.push_back({"W2 csv", true, csv_n, k});
  if (only.empty() || only == "big") {
    workloads.push_back({fmt::format("W2 null K={}", big_k), false, big_n, big_k});
  }
  const std::vector<Mode> modes = {
      {"none", ""}, {"start+end", "1h"}, {"1s", "1s"}, {"100ms", "100ms"}};

  double csv_bytes_per_s = 0;
  std::vector<ReportRow> reports;
  if (!workloads.empty()) {
    fmt::print("{:<18} {:<10} {:>11} {:>8} {:>8} {:>9} {:>6} {:>9} {:>9} {:>9} {:>7} {:>8}\n",
               "workload", "mode", "events", "median s", "best s", "M ev/s", "ckpts", "overhead",
               "(best)", "per ckpt", "cpu s", "cpu ovh");
  }
  for (const Workload& w : workloads) {
    const double t0 = Now();
    const uint64_t expected = HandW2(w.events, w.keys);
    const double hand_s = Now() - t0;
    fmt::print("{:<18} {:<10} {:>11} {:>8.2f} {:>8} {:>9.1f}  ({} results)\n", w.name, "hand loop",
               w.events, hand_s, "", w.events / hand_s / 1e6, expected);
    std::vector<std::vector<RunResult>> runs(modes.size());
    for (int r = 0; r < repeat; ++r) {
      for (size_t m = 0; m < modes.size(); ++m) {
        runs[m].push_back(InChild<RunResult>([&] { return RunOnce(w, modes[m], p, dir); }));
      }
    }
    struct Summary {
      double median = 0, best = 0, ckpts = 0, cpu = 0;
    };
    std::vector<Summary> sum(modes.size());
    for (size_t m = 0; m < modes.size(); ++m) {
      std::vector<double> secs, ckpts, cpu;
      for (const RunResult& r : runs[m]) {
        if (!r.ok) continue;
        secs.push_back(r.seconds);
        cpu.push_back(r.cpu_seconds);
        ckpts.push_back(static_cast<double>(r.checkpoints));
      }
      if (secs.empty()) {
        fmt::print("{:<18} {:<10} FAILED\n", w.name, modes[m].name);
        continue;
      }
      sum[m] = {Median(secs), *std::min_element(secs.begin(), secs.end()), Median(ckpts),
                Median(cpu)};
      const Summary& base = sum[0];
      std::string overhead, overhead_best, per, cpu_overhead;
      if (m > 0 && base.median > 0) {
        cpu_overhead = fmt::format("{:+.1f}%", (sum[m].cpu / base.cpu - 1) * 100);
        overhead = fmt::format("{:+.1f}%", (sum[m].median / base.median - 1) * 100);
        overhead_best = fmt::format("{:+.1f}%", (sum[m].best / base.best - 1) * 100);
      }
      if (m > 1 && sum[1].best > 0 && sum[m].ckpts > sum[1].ckpts) {
        per = fmt::format("{:.1f} ms",
                          (sum[m].best - sum[1].best) / (sum[m].ckpts - sum[1].ckpts) * 1e3);
      }
      // Checkpoints must not change the output: every run's result count equals the loop's.
      std::string check;
      for (const RunResult& r : runs[m]) {
        if (!r.ok || r.results != expected) {
          check = r.ok ? fmt::format("  MISMATCH: {} results, expected {}", r.results, expected)
                       : std::string("  FAILED");
          g_failed = true;
        }
      }
      if (w.csv && m == 0) {
        for (const RunResult& r : runs[m]) {
          if (r.ok) csv_bytes_per_s = std::max(csv_bytes_per_s, r.out_bytes / r.seconds);
        }
      }
      reports.push_back({w.name, modes[m].name, w.events, sum[m].median, sum[m].best,
                         sum[m].ckpts, sum[m].cpu, overhead_best, overhead, cpu_overhead,
                         check.empty()});
      fmt::print(
          "{:<18} {:<10} {:>11} {:>8.2f} {:>8.2f} {:>9.1f} {:>6.0f} {:>9} {:>9} {:>9} {:>7.2f} "
          "{:>8}{}\n",
          w.name, modes[m].name, w.events, sum[m].median, sum[m].best,
          w.events / sum[m].median / 1e6, sum[m].ckpts, overhead, overhead_best, per, sum[m].cpu,
          cpu_overhead, check);
    }
    fmt::print("\n");
  }

  if (only.empty() || only == "size") {
    fmt::print(
        "Mid-run checkpoints of W2 (P = {}, 100 ms interval; the run stopped after checkpoint "
        "id):\n"
        "{:>9} {:>4} {:>13} {:>17} {:>15} {:>18}\n",
        p, "keys", "id", "record bytes", "operator bytes", "data.mdb bytes", "LMDB commit (med)");
    for (uint64_t keys : {k, big_k}) {
      for (uint64_t after : {4, 5, 6, 7}) {
        const SizeResult r =
            InChild<SizeResult>([&] { return MeasureCheckpoint(keys, p, after, dir); });
        if (!r.ok) {
          fmt::print("{:>9} {:>4} FAILED\n", keys, after);
          continue;
        }
        fmt::print("{:>9} {:>4} {:>13} {:>17} {:>15} {:>15.2f} ms\n", keys, r.checkpoint_id,
                   r.record_bytes, r.operator_bytes, r.data_mdb_bytes, r.commit_ms);
      }
    }
    if (csv_bytes_per_s > 0) {
      for (double interval : {1.0, 0.1}) {
        const uint64_t bytes = static_cast<uint64_t>(csv_bytes_per_s * interval);
        const double ms = InChild<double>([&] { return MeasureFsyncMs(bytes, dir); });
        fmt::print(
            "  fdatasync after appending {:.1f} MB ({} s of csv output at {:.0f} MB/s): "
            "{:.1f} ms\n",
            bytes / 1e6, interval, csv_bytes_per_s / 1e6, ms);
      }
    }
  }
  if (!WriteReports(json_path, markdown_path, reports, p, repeat)) {
    fmt::print(stderr, "bench_checkpoint_bench: cannot write the reports\n");
    return 1;
  }
  if (g_failed) {
    fmt::print(stderr, "bench_checkpoint_bench: a run failed or gave another result (above)\n");
    return 1;
  }
  return 0;
}
