#include "cli/bench_command.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/time_util.h"
#include "cli/bench_baselines.h"
#include "cli/bench_report.h"
#include "cli/pipeline_vars.h"
#include "sluice/pipeline.h"

#ifndef SLUICE_NEXMARK_DIR
#define SLUICE_NEXMARK_DIR "pipelines/nexmark"
#endif

namespace sluice::cli {
namespace {

struct BenchArgs {
  std::string file;                  // bench pipeline
  std::vector<std::string> queries;  // bench nexmark; empty = every qN.toml found
  std::string query_dir = SLUICE_NEXMARK_DIR;
  uint64_t events = 1'000'000;
  uint32_t parallelism = 0;
  std::vector<std::string> rates;  // "2000000", "2.5M", "75%"
  double seconds = 5;
  std::string max_batch_delay;  // latency mode, nexmark sources; empty = theirs
  uint64_t seed = 0;
  std::string json, report, markdown;
  std::vector<std::string> vars;
  bool quiet = false;
};

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double PeakRssMb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

// "2000000", "2.5M", "500k" -> events/s; "75%" -> that share of `max` (0 when unknown).
Result<uint64_t> ParseRate(const std::string& text, double max) {
  if (text.empty()) return Status::InvalidArgument("--rate: empty value");
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  std::string unit(end);
  if (end == text.c_str() || v <= 0) {
    return Status::InvalidArgument(
        fmt::format("--rate '{}': write events per second (2000000, 2.5M, 500k) or a share of the "
                    "measured throughput (75%)",
                    text));
  }
  if (unit == "%") {
    if (max <= 0) return Status::InvalidArgument("--rate with % needs a throughput run");
    v = max * v / 100;
  } else if (unit == "k" || unit == "K") {
    v *= 1e3;
  } else if (unit == "M" || unit == "m") {
    v *= 1e6;
  } else if (!unit.empty()) {
    return Status::InvalidArgument(fmt::format("--rate '{}': unknown unit '{}'", text, unit));
  }
  return static_cast<uint64_t>(std::max(1.0, v));
}

// Loads `file` for a benchmark: every nexmark source generates `events` events (paced at
// `rate` when > 0) and every sink is replaced by a null sink, so that what is measured is the
// engine, not writing files.
Result<PipelineSpec> BenchSpec(const std::string& file, const BenchArgs& a, uint64_t events,
                               uint64_t rate, bool nexmark) {
  std::vector<std::string> vars = a.vars;
  vars.insert(vars.begin(), "output=/dev/null");
  auto spec = LoadWithVars(file, vars);
  if (!spec.ok()) return spec.status();
  std::vector<SourceSpec*> sources = {&spec->source};
  for (SourceSpec& s : spec->more_sources) sources.push_back(&s);
  if (rate > 0 && std::none_of(sources.begin(), sources.end(),
                               [](const SourceSpec* s) { return s->type == "nexmark"; })) {
    return Status::InvalidArgument(fmt::format(
        "{}: --rate needs a nexmark source (its events are paced in wall-clock time)", file));
  }
  for (SourceSpec* s : sources) {
    if (s->type == "generator") s->events = events;
    if (s->type != "nexmark") {
      if (nexmark) {
        return Status::InvalidArgument(
            fmt::format("{}: source '{}' is not a nexmark source", file, s->name));
      }
      continue;
    }
    if (!s->path.empty()) {
      return Status::InvalidArgument(fmt::format(
          "{}: source '{}' reads files ({}); sluice bench runs on the generator (drop --var "
          "input)",
          file, s->name, s->path));
    }
    s->events = events;
    s->rate = rate;
    s->seed = a.seed;
    if (!a.max_batch_delay.empty()) {
      auto d = ParseDuration(a.max_batch_delay);
      if (!d.ok() || *d <= 0) {
        return Status::InvalidArgument(fmt::format(
            "--max-batch-delay '{}': write a duration such as 200us or 1ms", a.max_batch_delay));
      }
      s->max_batch_delay = *d;
    }
  }
  std::vector<SinkSpec*> sinks = {&spec->sink};
  for (SinkSpec& s : spec->more_sinks) sinks.push_back(&s);
  for (SinkSpec* s : sinks) {
    SinkSpec null;
    null.type = "null";
    null.input = s->input;
    null.loc = s->loc;
    *s = std::move(null);
  }
  spec->state_dir.clear();
  spec->late_path.clear();
  return spec;
}

// One run of `spec`; its figures.
Result<BenchRun> RunOnce(const PipelineSpec& spec, const BenchArgs& a, LatencyHistogram* latency) {
  PipelineOptions options;
  options.parallelism = a.parallelism;
  options.latency = latency;
  std::unique_ptr<Pipeline> pipeline;
  SLUICE_RETURN_IF_ERROR(Pipeline::Build(options, spec, &pipeline));
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  SLUICE_RETURN_IF_ERROR(pipeline->Run());
  BenchRun r;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_s = CpuSeconds() - cpu0;
  r.peak_rss_mb = PeakRssMb();
  const PipelineStats st = pipeline->Stats();
  r.results = st.records_out;
  r.events = st.events_in;
  r.parallelism = a.parallelism      ? a.parallelism
                  : spec.parallelism ? spec.parallelism
                                     : std::max(1u, std::thread::hardware_concurrency());
  return r;
}

// The query files to run: the named ones, or every qN.toml of the directory in N order.
Result<std::vector<std::string>> QueryNames(const BenchArgs& a) {
  if (!a.queries.empty()) return a.queries;
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(a.query_dir, ec)) {
    const std::string stem = e.path().stem().string();
    if (e.path().extension() == ".toml" && stem.size() > 1 && stem[0] == 'q') {
      found.push_back({std::atoi(stem.c_str() + 1), stem});
    }
  }
  if (ec || found.empty()) {
    return Status::NotFound(
        fmt::format("no Nexmark query files (qN.toml) in '{}'; give "
                    "--query-dir",
                    a.query_dir));
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [n, q] : found) out.push_back(q);
  return out;
}

void Say(const BenchArgs& a, const std::string& line) {
  if (!a.quiet) std::fprintf(stderr, "%s\n", line.c_str());
}

// Throughput (after a warm-up) and then latency at each rate, for one pipeline file.
Status BenchOne(const std::string& name, const std::string& file, const BenchArgs& a, bool nexmark,
                std::vector<BenchRun>* runs) {
  const uint64_t events = a.events;
  double max_eps = 0;
  bool need_throughput = a.rates.empty();
  for (const std::string& r : a.rates) need_throughput = need_throughput || r.back() == '%';
  if (need_throughput) {
    auto warm = BenchSpec(file, a, std::max<uint64_t>(1, events / 10), 0, nexmark);
    if (!warm.ok()) return warm.status();
    SLUICE_RETURN_IF_ERROR(RunOnce(*warm, a, nullptr).status());
    auto spec = BenchSpec(file, a, events, 0, nexmark);
    if (!spec.ok()) return spec.status();
    auto run = RunOnce(*spec, a, nullptr);
    if (!run.ok()) return run.status();
    run->query = name;
    run->mode = "throughput";
    if (nexmark) run->events = events;  // every generated event, as the field counts them
    // The hand-written loops implement the query files with their defaults: with --var the
    // query may be another (q5 with another slide), so no loop runs beside it.
    if (nexmark && a.vars.empty()) {
      if (auto loop = RunBaseline(name, events, a.seed)) {
        run->has_baseline = true;
        run->baseline_results = loop->results;
        run->baseline_wall_s = loop->wall_s;
      }
    }
    max_eps = run->events_per_s();
    Say(a, fmt::format(
               "{}: throughput {:.2f} M events/s ({} results in {:.2f} s){}", name, max_eps / 1e6,
               run->results, run->wall_s,
               run->has_baseline
                   ? fmt::format(", loop {:.2f} M events/s{}", run->baseline_events_per_s() / 1e6,
                                 run->baseline_matches() ? "" : " (RESULT COUNTS DIFFER)")
                   : ""));
    runs->push_back(std::move(*run));
  }
  for (const std::string& text : a.rates) {
    auto rate = ParseRate(text, max_eps);
    if (!rate.ok()) return rate.status();
    const uint64_t n = std::max<uint64_t>(1, static_cast<uint64_t>(*rate * a.seconds));
    auto spec = BenchSpec(file, a, n, *rate, nexmark);
    if (!spec.ok()) return spec.status();
    BenchRun run;
    auto done = RunOnce(*spec, a, &run.latency);
    if (!done.ok()) return done.status();
    LatencyHistogram h = std::move(run.latency);
    run = std::move(*done);
    run.latency = std::move(h);
    run.query = name;
    run.mode = "latency";
    run.rate = *rate;
    run.events = n;
    Say(a, fmt::format("{}: at {:.2f} M events/s: {} ({} results; {} closed by the input's end, "
                       "not measured)",
                       name, *rate / 1e6, run.latency.Summary(), run.latency.count(),
                       run.latency.unmeasured()));
    runs->push_back(std::move(run));
  }
  return Status::OK();
}

int Finish(const BenchArgs& a, const std::vector<BenchRun>& runs) {
  std::fputs(BenchTable(runs).c_str(), stdout);
  auto write = [](const std::string& path, const std::string& text) {
    if (path.empty()) return true;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) std::fprintf(stderr, "error: cannot write '%s'\n", path.c_str());
    return static_cast<bool>(out);
  };
  if (!write(a.json, BenchJson(runs)) || !write(a.markdown, BenchMarkdown(runs))) return 1;
  if (!a.report.empty()) {
    Status s = WriteBenchReport(a.report, runs);
    if (!s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.message().c_str());
      return 1;
    }
    Say(a, fmt::format("report: {}/index.html", a.report));
  }
  for (const BenchRun& r : runs) {
    if (r.has_baseline && !r.baseline_matches()) {
      std::fprintf(stderr, "error: %s: %llu results, the hand-written loop %llu\n", r.query.c_str(),
                   static_cast<unsigned long long>(r.results),
                   static_cast<unsigned long long>(r.baseline_results));
      return 1;
    }
  }
  return 0;
}

void AddCommonOptions(CLI::App* c, BenchArgs* a) {
  c->add_option("--events", a->events, "Events per throughput run (default 1000000)");
  c->add_option("-p,--parallelism", a->parallelism, "Lanes (default: the file's, else cores)");
  c->add_option("--rate", a->rates,
                "Latency mode: pace the generator at these rates, events/s (2000000, 2.5M, "
                "500k) or shares of the measured throughput (75%); comma-separated. Results of "
                "windows that only the input's end closed are counted apart ('at end')")
      ->delimiter(',');
  c->add_option("--seconds", a->seconds, "Length of each latency run (default 5)");
  c->add_option("--max-batch-delay", a->max_batch_delay,
                "Latency mode: the longest a due event waits in a nexmark source for its batch "
                "to fill (default 1ms)");
  c->add_option("--seed", a->seed, "Generator seed (default 0)");
  c->add_option("--json", a->json, "Write the figures as JSON to FILE");
  c->add_option("--report", a->report, "Write an HTML report with SVG charts into DIR");
  c->add_option("--markdown", a->markdown,
                "Write the figures as Markdown tables (with the machine and date) to FILE");
  c->add_flag("-q,--quiet", a->quiet, "Print only the table");
  AddVarOption(c, &a->vars);
}

}  // namespace

void AddBenchCommand(CLI::App& app, int* exit_code) {
  CLI::App* bench = app.add_subcommand(
      "bench", "Measure throughput and latency (docs/benchmarks.md, sluice bench)");
  bench->require_subcommand(1);
  auto args = std::make_shared<BenchArgs>();

  CLI::App* nexmark = bench->add_subcommand(
      "nexmark",
      "Run the Nexmark queries (pipelines/nexmark/qN.toml) on the built-in generator: "
      "throughput beside a hand-written loop (q0, q1, q2, q5, q7, q11), and with --rate the "
      "latency of every result (wall-clock time at the sink minus the time it became "
      "computable) as p50/p90/p99/p99.9/max");
  nexmark->add_option("--queries", args->queries, "Queries to run (default: every qN.toml)")
      ->delimiter(',');
  nexmark->add_option("--query-dir", args->query_dir, "Where the qN.toml files are")
      ->capture_default_str();
  AddCommonOptions(nexmark, args.get());
  nexmark->callback([args, exit_code] {
    auto names = QueryNames(*args);
    if (!names.ok()) {
      std::fprintf(stderr, "error: %s\n", names.status().message().c_str());
      *exit_code = 1;
      return;
    }
    std::vector<BenchRun> runs;
    for (const std::string& q : *names) {
      const std::string file = args->query_dir + "/" + q + ".toml";
      Status s = BenchOne(q, file, *args, true, &runs);
      if (!s.ok()) {
        std::fprintf(stderr, "error: %s: %s\n", q.c_str(), s.message().c_str());
        *exit_code = 1;
        return;
      }
    }
    *exit_code = Finish(*args, runs);
  });

  CLI::App* pipeline = bench->add_subcommand(
      "pipeline",
      "Run one pipeline file with its sinks replaced by null sinks: throughput (events read "
      "per second), and with --rate (nexmark sources only) latency");
  pipeline->add_option("FILE", args->file, "The pipeline file")->required();
  AddCommonOptions(pipeline, args.get());
  pipeline->callback([args, exit_code] {
    std::vector<BenchRun> runs;
    const std::string name = std::filesystem::path(args->file).stem().string();
    Status s = BenchOne(name, args->file, *args, false, &runs);
    if (!s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    *exit_code = Finish(*args, runs);
  });
}

}  // namespace sluice::cli
