// Whole-pipeline benchmark: the workloads W1-W3 of docs/benchmarks.md through sluice, beside a
// hand-written single-threaded loop computing the same result and a naive oneTBB flow graph that
// sends one message per event, all in the same run. Each measurement runs in a forked child so
// its peak RSS is its own.
//
// Results are checked, not only timed: every timed run's result count must equal the hand loop's,
// and an untimed run of sluice per workload must give the hand loop's checksum (the sum of the
// values W1 keeps, or of every window's total). A mismatch is printed and the program exits 1.
//
//   bench_pipeline_bench [--events N] [--keys K] [--parallelism P] [--only W2] [--naive-events N]
//                        [--json FILE] [--markdown FILE]
// --json writes every measurement with the machine and the date; --markdown writes the table of
// docs/benchmarks.md ("Results") from the same figures.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

#include "bench_report.h"
#include "sluice/pipeline_builder.h"

namespace {

using namespace sluice;
using sluice::bench::JsonText;
using sluice::bench::Machine;
using sluice::bench::Today;
using sluice::bench::WriteWholeFile;

// The generator's event formula, restated for the reference loops (see GeneratorSchema()).
inline uint64_t SplitMix64(uint64_t i) {
  uint64_t z = i + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Measure {
  double seconds = 0;
  uint64_t results = 0;
  long peak_rss_kb = 0;
  bool ok = true;
};

// Runs fn in a child process; returns its wall time, result count and peak RSS.
Measure InChild(const std::function<uint64_t()>& fn) {
  int fds[2];
  if (pipe(fds) != 0) return {0, 0, 0, false};
  std::fflush(stdout);  // else the child would print the parent's buffered lines again
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    auto t0 = std::chrono::steady_clock::now();
    uint64_t results = fn();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    Measure m{secs, results, ru.ru_maxrss, results != UINT64_MAX};
    ssize_t w = write(fds[1], &m, sizeof(m));
    (void)w;
    _exit(0);
  }
  close(fds[1]);
  Measure m;
  ssize_t r = read(fds[0], &m, sizeof(m));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (r != sizeof(m) || !WIFEXITED(status)) m.ok = false;
  return m;
}

// ---- hand-written single-threaded loops ----

// The result count; *sum (when given) receives the checksum.
uint64_t HandW1(uint64_t n, uint64_t k, double* sum = nullptr) {
  uint64_t kept = 0;
  double checksum = 0;
  for (uint64_t i = 0; i < n; ++i) {
    volatile uint64_t key = SplitMix64(i) % k;  // the generator computes it too
    (void)key;
    double v = static_cast<double>(i % 100);
    if (v < 90) {
      v *= 2;
      ++kept;
      checksum += v;
    }
  }
  if (sum) *sum = checksum;
  return kept;
}

// Tumbling (slide == size) or sliding windows by panes of `slide`, count and sum per key.
uint64_t HandWindows(uint64_t n, uint64_t k, int64_t size, int64_t slide, double* sum = nullptr) {
  const int64_t panes_per_window = size / slide;
  std::vector<std::vector<int64_t>> counts(panes_per_window, std::vector<int64_t>(k));
  std::vector<std::vector<double>> sums(panes_per_window, std::vector<double>(k));
  uint64_t results = 0;
  double checksum = 0;
  int64_t pane = 0;  // index of the current pane
  // Fires the window whose last pane is `last_pane`, reading panes up to `newest` only.
  auto fire = [&](int64_t last_pane, int64_t newest) {
    for (uint64_t key = 0; key < k; ++key) {
      int64_t c = 0;
      double s = 0;
      for (int64_t idx = last_pane; idx > last_pane - panes_per_window && idx >= 0; --idx) {
        if (idx > newest) continue;
        c += counts[idx % panes_per_window][key];
        s += sums[idx % panes_per_window][key];
      }
      if (c) {
        ++results;
        checksum += s;
      }
    }
  };
  for (uint64_t i = 0; i < n; ++i) {
    int64_t p = static_cast<int64_t>(i) / slide;
    while (pane < p) {
      fire(pane, pane);
      ++pane;
      std::fill(counts[pane % panes_per_window].begin(), counts[pane % panes_per_window].end(), 0);
      std::fill(sums[pane % panes_per_window].begin(), sums[pane % panes_per_window].end(), 0.0);
    }
    uint64_t key = SplitMix64(i) % k;
    counts[pane % panes_per_window][key] += 1;
    sums[pane % panes_per_window][key] += static_cast<double>(i % 100);
  }
  // End of input: every window that still holds data fires.
  for (int64_t last = pane; last < pane + panes_per_window; ++last) fire(last, pane);
  if (sum) *sum = checksum;
  return results;
}

// ---- sluice ----

// Runs the workload; with `checksum`, also sums the values W1 keeps (or every window's total)
// in a C++ filter after the last operator that drops nothing (untimed runs only: it costs).
uint64_t SluiceRun(const std::string& workload, uint64_t n, uint64_t k, uint32_t p,
                   std::atomic<int64_t>* checksum = nullptr) {
  PipelineBuilder b(workload);
  b.parallelism(p).generator_source(n, k);
  const char* summed = "value";
  if (workload == "W1") {
    b.filter("value < 90").map("value", "value * 2");
  } else if (workload == "W2") {
    b.key_by({"key"}).tumbling("10ms", {"count() as n", "sum(value) as total"});
    summed = "total";
  } else {
    b.key_by({"key"}).sliding("100ms", "10ms", {"count() as n", "sum(value) as total"});
    summed = "total";
  }
  if (checksum) {
    // Values and sums are whole numbers: summed exactly as integers, in any order.
    b.filter([checksum, summed](const RowView& r) {
      checksum->fetch_add(static_cast<int64_t>(r.f64(summed)), std::memory_order_relaxed);
      return true;
    });
  }
  b.null_sink();
  std::unique_ptr<Pipeline> pipeline;
  Status s = b.Build(&pipeline);
  if (s.ok()) s = pipeline->Run();
  if (!s.ok()) {
    fmt::print(stderr, "{}: {}\n", workload, s.ToString());
    return UINT64_MAX;
  }
  return pipeline->Stats().records_out;
}

// ---- naive per-event flow graph ----

struct Event {
  uint64_t seq;
  int64_t key;
  int64_t ts;
  double value;
};

uint64_t NaiveGraph(const std::string& workload, uint64_t n, uint64_t k, uint32_t p) {
  namespace flow = oneapi::tbb::flow;
  uint64_t results = 0;
  oneapi::tbb::task_arena arena(static_cast<int>(p));
  arena.execute([&] {
    flow::graph g;
    uint64_t i = 0;
    flow::input_node<Event> source(g, [&](oneapi::tbb::flow_control& fc) -> Event {
      if (i >= n) {
        fc.stop();
        return {};
      }
      Event e{i, static_cast<int64_t>(SplitMix64(i) % k), static_cast<int64_t>(i),
              static_cast<double>(i % 100)};
      ++i;
      return e;
    });
    flow::limiter_node<Event> limiter(g, 1024);
    if (workload == "W1") {
      flow::function_node<Event, Event> filter(g, flow::unlimited, [](Event e) {
        if (e.value >= 90) e.value = -1;
        return e;
      });
      flow::function_node<Event, Event> map(g, flow::unlimited, [](Event e) {
        if (e.value >= 0) e.value *= 2;
        return e;
      });
      flow::function_node<Event, flow::continue_msg> sink(g, flow::serial, [&](const Event& e) {
        if (e.value >= 0) ++results;
        return flow::continue_msg();
      });
      flow::make_edge(source, limiter);
      flow::make_edge(limiter, filter);
      flow::make_edge(filter, map);
      flow::make_edge(map, sink);
      flow::make_edge(sink, limiter.decrementer());
      source.activate();
      g.wait_for_all();
    } else {
      const int64_t size = 10'000;
      std::unordered_map<int64_t, std::pair<int64_t, double>> open;
      int64_t window = 0;
      flow::sequencer_node<Event> seq(g, [](const Event& e) -> size_t { return e.seq; });
      flow::function_node<Event, flow::continue_msg> win(g, flow::serial, [&](const Event& e) {
        int64_t w = e.ts / size;
        if (w != window) {
          results += open.size();
          open.clear();
          window = w;
        }
        auto& acc = open[e.key];
        acc.first += 1;
        acc.second += e.value;
        return flow::continue_msg();
      });
      flow::make_edge(source, limiter);
      flow::make_edge(limiter, seq);
      flow::make_edge(seq, win);
      flow::make_edge(win, limiter.decrementer());
      source.activate();
      g.wait_for_all();
      results += open.size();
    }
  });
  return results;
}

bool g_failed = false;  // a run failed or gave another result than the hand loop

// One printed measurement, kept for --json and --markdown.
struct Record {
  std::string workload, who;
  uint64_t events = 0;
  Measure m;
  uint64_t expected = 0;
};
std::vector<Record> g_records;

void Row(const std::string& workload, const std::string& who, uint64_t n, const Measure& m,
         uint64_t expected) {
  g_records.push_back({workload, who, n, m, expected});
  if (!m.ok) {
    fmt::print("{:<14} {:<26} FAILED\n", workload, who);
    g_failed = true;
    return;
  }
  if (m.results != expected) g_failed = true;
  fmt::print("{:<14} {:<26} {:>12.1f} M events/s {:>10.3f} s {:>8} MB peak RSS  {:>10} results{}\n",
             workload, who, n / m.seconds / 1e6, m.seconds, m.peak_rss_kb / 1024, m.results,
             m.results == expected ? "" : fmt::format("  MISMATCH (expected {})", expected));
}

bool WriteJson(const std::string& path, uint64_t n, uint64_t k) {
  std::string out = fmt::format(
      "{{\n  \"benchmark\": \"bench_pipeline_bench\",\n  \"date\": {},\n  \"machine\": {},\n"
      "  \"events\": {},\n  \"keys\": {},\n  \"runs\": [\n",
      JsonText(Today()), JsonText(Machine()), n, k);
  for (size_t i = 0; i < g_records.size(); ++i) {
    const Record& r = g_records[i];
    out += fmt::format(
        "    {{\"workload\": {}, \"who\": {}, \"events\": {}, \"ok\": {}, \"seconds\": {:.6f}, "
        "\"events_per_second\": {:.0f}, \"peak_rss_bytes\": {}, \"results\": {}, "
        "\"expected_results\": {}}}{}\n",
        JsonText(r.workload), JsonText(r.who), r.events, r.m.ok ? "true" : "false", r.m.seconds,
        r.m.ok && r.m.seconds > 0 ? r.events / r.m.seconds : 0.0,
        static_cast<uint64_t>(r.m.peak_rss_kb) * 1024, r.m.results, r.expected,
        i + 1 < g_records.size() ? "," : "");
  }
  out += "  ]\n}\n";
  return WriteWholeFile(path, out);
}

// The Markdown table of docs/benchmarks.md ("Results"), one row per workload.
bool WriteMarkdown(const std::string& path, uint64_t n, uint64_t naive_n, uint32_t p) {
  auto find = [](const std::string& workload, const std::string& who) -> const Record* {
    for (const Record& r : g_records) {
      if (r.workload == workload && r.who == who) return &r;
    }
    return nullptr;
  };
  auto rate = [](const Record* r) {
    if (!r || !r->m.ok || r->m.seconds <= 0) return std::string("—");
    return fmt::format("{:.1f} M/s", r->events / r->m.seconds / 1e6);
  };
  std::string out = fmt::format(
      "Measured {} on {} by `bench_pipeline_bench` (N = {} events; the naive graph {} events).\n\n"
      "| workload | hand loop (1 thread) | sluice P=1 | sluice P={} | naive per-event graph P={} | "
      "peak RSS P={} | results = hand loop's |\n|---|---|---|---|---|---|---|\n",
      Today(), Machine(), n, naive_n, p, p, p);
  std::vector<std::string> workloads;
  for (const Record& r : g_records) {
    if (std::find(workloads.begin(), workloads.end(), r.workload) == workloads.end())
      workloads.push_back(r.workload);
  }
  for (const std::string& w : workloads) {
    const Record* hand = find(w, "hand-written loop (1 thr)");
    const Record* p1 = find(w, "sluice P=1");
    const Record* pp = find(w, fmt::format("sluice P={}", p));
    const Record* naive = find(w, fmt::format("naive per-event graph P={}", p));
    bool same = true;
    for (const Record& r : g_records) {
      if (r.workload == w && (!r.m.ok || r.m.results != r.expected)) same = false;
    }
    out += fmt::format("| {} | {} | {} | **{}** | {} | {} | {} |\n", w, rate(hand), rate(p1),
                       rate(pp), rate(naive),
                       pp && pp->m.ok ? fmt::format("{} MB", pp->m.peak_rss_kb / 1024) : "—",
                       same ? "yes" : "**no**");
  }
  return WriteWholeFile(path, out);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t n = 20'000'000, k = 1'000, naive_n = 2'000'000;
  uint32_t p = 2;
  std::string only, json_path, markdown_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--events") n = std::stoull(argv[i + 1]);
    else if (a == "--keys") k = std::stoull(argv[i + 1]);
    else if (a == "--parallelism") p = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    else if (a == "--only") only = argv[i + 1];
    else if (a == "--naive-events") naive_n = std::stoull(argv[i + 1]);
    else if (a == "--json") json_path = argv[i + 1];
    else if (a == "--markdown") markdown_path = argv[i + 1];
  }
  fmt::print("sluice whole-pipeline benchmark: N = {}, K = {}, P = {}, naive graph N = {}\n\n", n,
             k, p, naive_n);
  struct Workload {
    std::string name;
    uint64_t keys;
  };
  std::vector<Workload> workloads = {{"W1", k}, {"W2", k}, {"W3", k}, {"W2", 100'000}};
  for (const auto& w : workloads) {
    std::string label = w.keys == k ? w.name : fmt::format("{} K={}", w.name, w.keys);
    if (!only.empty() && only != w.name) continue;
    uint64_t expected;
    Measure hand = InChild([&] {
      if (w.name == "W1") return HandW1(n, w.keys);
      if (w.name == "W2") return HandWindows(n, w.keys, 10'000, 10'000);
      return HandWindows(n, w.keys, 100'000, 10'000);
    });
    expected = hand.results;
    Row(label, "hand-written loop (1 thr)", n, hand, expected);
    {
      // The checksum, untimed: sluice at P must sum to what the hand loop sums. In a child too:
      // a child forked after this process ran a pipeline (and started oneTBB's threads) ran
      // 1.4x slower than one forked before.
      const Measure check = InChild([&]() -> uint64_t {
        double want = 0;
        const uint64_t want_results =
            w.name == "W1"   ? HandW1(n, w.keys, &want)
            : w.name == "W2" ? HandWindows(n, w.keys, 10'000, 10'000, &want)
                             : HandWindows(n, w.keys, 100'000, 10'000, &want);
        std::atomic<int64_t> got{0};
        const uint64_t got_results = SluiceRun(w.name, n, w.keys, p, &got);
        const bool same = got_results == want_results && got.load() == static_cast<int64_t>(want);
        fmt::print("{:<14} {:<26} {} results, checksum {}{}\n", label, "check (untimed)",
                   got_results, got.load(),
                   same ? "" : fmt::format("  MISMATCH (expected {} results, checksum {})",
                                           want_results, static_cast<int64_t>(want)));
        std::fflush(stdout);
        return same ? 1 : 0;
      });
      if (!check.ok || check.results != 1) g_failed = true;
    }
    for (uint32_t lanes : {1u, p}) {
      Measure m = InChild([&] { return SluiceRun(w.name, n, w.keys, lanes); });
      Row(label, fmt::format("sluice P={}", lanes), n, m, expected);
      if (lanes == p) break;
    }
    if (w.name != "W3") {
      uint64_t naive_expected = w.name == "W1" ? HandW1(naive_n, w.keys)
                                               : HandWindows(naive_n, w.keys, 10'000, 10'000);
      Measure m = InChild([&] { return NaiveGraph(w.name, naive_n, w.keys, p); });
      Row(label, fmt::format("naive per-event graph P={}", p), naive_n, m, naive_expected);
    }
    fmt::print("\n");
  }
  if (!json_path.empty() && !WriteJson(json_path, n, k)) {
    fmt::print(stderr, "bench_pipeline_bench: cannot write {}\n", json_path);
    return 1;
  }
  if (!markdown_path.empty() && !WriteMarkdown(markdown_path, n, naive_n, p)) {
    fmt::print(stderr, "bench_pipeline_bench: cannot write {}\n", markdown_path);
    return 1;
  }
  if (g_failed) {
    fmt::print(stderr, "bench_pipeline_bench: a result differed from the hand loop's (above)\n");
    return 1;
  }
  return 0;
}
