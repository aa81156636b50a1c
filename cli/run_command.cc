#include "cli/run_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sluice/pipeline.h"
#include "base/time_util.h"
#include "cli/pipeline_vars.h"
#include "cli/progress_line.h"
#include "serve/http_server.h"
#include "serve/metrics.h"
#include "serve/status_json.h"
#include "pipelines/toml_loader.h"

namespace sluice::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void OnSignal(int) { g_interrupted.store(true); }

// Exit codes: 0 success, 1 runtime failure, 2 invalid pipeline or usage, 130 interrupted.
int ExitCodeFor(const Status& s) {
  if (s.ok()) return 0;
  if (s.IsInvalidArgument()) return 2;
  if (s.code() == Status::Code::kAborted) return 130;
  return 1;
}

std::string SummaryLine(const std::string& name, const PipelineStats& st, const std::string& dlq) {
  std::string line = fmt::format("{}: {} events in, {} results out, {} late, {} dead letters", name,
                                 Thousands(st.events_in), Thousands(st.records_out),
                                 Thousands(st.late), Thousands(st.dead_letters));
  if (st.dead_letters > 0) line += fmt::format(" (in {})", dlq);
  line += fmt::format(", {:.3f} s, {} events/s", st.elapsed_s,
                      Thousands(static_cast<uint64_t>(st.events_per_s())));
  return line;
}

Status WriteSummaryJson(const std::string& path, const PipelineStats& st) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Status::IOError(fmt::format("cannot create '{}'", path));
    std::string stages;
    for (const StageStats& g : st.stages) {
      if (!stages.empty()) stages += ',';
      // Stage names are "source", "stateless", "sinks" or "operator #N (kind)": no escapes.
      stages += fmt::format(
          "{{\"name\":\"{}\",\"rows_in\":{},\"rows_out\":{},\"filtered\":{},\"late\":{},"
          "\"dead_letters\":{},\"state_keys\":{},\"state_bytes\":{}}}",
          g.name, g.rows_in, g.rows_out, g.filtered, g.late, g.dead_letters, g.state_keys,
          g.state_bytes);
    }
    out << fmt::format(
        "{{\"events_in\":{},\"records_out\":{},\"late\":{},\"dead_letters\":{},"
        "\"elapsed_s\":{:.6f},\"events_per_s\":{:.1f},\"checkpoints\":{},"
        "\"last_checkpoint\":{},\"resumed_from\":{},{}\"latency_ms\":{{\"count\":{},"
        "\"p50\":{:.3f},\"p90\":{:.3f},\"p99\":{:.3f},\"max\":{:.3f}}},\"stages\":[{}]}}\n",
        st.events_in, st.records_out, st.late, st.dead_letters, st.elapsed_s, st.events_per_s(),
        st.checkpoints, st.last_checkpoint, st.resumed_from,
        st.has_log_behind ? fmt::format("\"log_behind\":{},", st.log_behind) : "",
        st.latency.count,
        st.latency.p50_us / 1e3, st.latency.p90_us / 1e3, st.latency.p99_us / 1e3,
        st.latency.max_us / 1e3, stages);
    if (!out) return Status::IOError(fmt::format("cannot write '{}'", path));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError(fmt::format("cannot write '{}'", path));
  }
  return Status::OK();
}

Status PrepareReplay(const std::string& into, PipelineSpec* spec, PipelineOptions* options);

struct RunArgs {
  std::string file;
  bool from_scratch = false;
  bool replay = false;
  std::string into;  // replay: the table to rebuild the projections in
  uint32_t parallelism = 0;
  uint32_t batch_size = 0;
  std::string summary_json;
  bool quiet = false;
  bool progress = false;
  std::vector<std::string> vars;  // --var NAME=VALUE
  std::string http;        // HOST:PORT, overrides [pipeline] http
  std::string http_token;  // bearer token for the HTTP endpoints
};

int Run(const RunArgs& args) {
  auto spec = LoadWithVars(args.file, args.vars);
  if (!spec.ok()) {
    fmt::print(stderr, "sluice: {}\n", spec.status().message());
    return ExitCodeFor(spec.status());
  }
  PipelineOptions options;
  options.parallelism = args.parallelism;
  options.from_scratch = args.from_scratch;
  if (args.batch_size) spec->batch_size = args.batch_size;
  if (args.replay) {
    Status r = PrepareReplay(args.into, &*spec, &options);
    if (!r.ok()) {
      fmt::print(stderr, "sluice: {}\n", r.message());
      return ExitCodeFor(r);
    }
  }
  std::unique_ptr<Pipeline> pipeline;
  Status s = Pipeline::Build(options, *spec, &pipeline);
  if (!s.ok()) {
    fmt::print(stderr, "sluice: {}\n", s.message());
    return ExitCodeFor(s);
  }

  // The HTTP endpoints, for as long as the run goes on.
  std::atomic<bool> running{true};
  std::unique_ptr<serve::HttpServer> http;
  const std::string http_address = args.http.empty() ? spec->http : args.http;
  if (!http_address.empty()) {
    serve::HttpOptions ho;
    ho.token = args.http_token;
    s = serve::ParseHttpAddress(http_address, &ho);
    serve::HttpContent content;
    const Pipeline* p = pipeline.get();
    const PipelineSpec* sp = &*spec;
    content.metrics = [p, sp] {
      return serve::PipelineMetricsText(sp->name, p->Stats(), serve::WallNowUs()) +
             serve::ProcessMetricsText();
    };
    content.status = [p, sp, &running] {
      return serve::StatusJson(*sp, p->parallelism(), running.load(), p->Stats(),
                               serve::WallNowUs());
    };
    if (sp->source.path != "-") content.state_dir = sp->state_dir;
    if (s.ok()) s = serve::HttpServer::Start(ho, std::move(content), &http);
    if (!s.ok()) {
      fmt::print(stderr, "sluice: --http: {}\n", s.message());
      return ExitCodeFor(s);
    }
    if (!args.quiet) {
      fmt::print(stderr, "{}: serving http://{}:{}/ (dashboard), /metrics, /status, /projections\n",
                 spec->name,
                 ho.host.find(':') == std::string::npos ? ho.host : "[" + ho.host + "]",
                 http->port());
    }
  }

  g_interrupted.store(false);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  const bool show_progress = !args.quiet && (args.progress || isatty(STDERR_FILENO));
  // The watcher polls for signals (a handler cannot notify a condition variable) every 50 ms,
  // and wakes at once when the run ends, so that it adds nothing to a run's time.
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  std::thread watcher([&] {
    auto last_print = std::chrono::steady_clock::now();
    bool printed = false;
    ProgressLine line(spec->name);
    for (;;) {
      {
        std::unique_lock<std::mutex> l(done_mu);
        if (done_cv.wait_for(l, std::chrono::milliseconds(50), [&] { return done; })) break;
      }
      if (g_interrupted.load()) pipeline->Stop();
      auto now = std::chrono::steady_clock::now();
      if (show_progress && now - last_print >= std::chrono::milliseconds(500)) {
        last_print = now;
        PipelineStats st = pipeline->Stats();
        fmt::print(stderr, "\r{}\033[K", line.Render(st));
        printed = true;
      }
    }
    if (printed) fmt::print(stderr, "\r\033[K");
  });
  s = pipeline->Run();
  running.store(false);
  {
    std::lock_guard<std::mutex> l(done_mu);
    done = true;
  }
  done_cv.notify_one();
  watcher.join();
  if (http) http->Stop();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);

  PipelineStats st = pipeline->Stats();
  std::string dlq =
      spec->dead_letter_path.empty() ? spec->name + ".dlq.jsonl" : spec->dead_letter_path;
  const bool checkpointed = !spec->state_dir.empty() && spec->source.path != "-";
  if (!s.ok()) {
    if (s.code() == Status::Code::kAborted) {
      if (checkpointed && st.last_checkpoint > 0) {
        fmt::print(stderr,
                   "sluice: {} interrupted; output up to checkpoint {} is kept, and `sluice run "
                   "{}` resumes from it\n",
                   spec->name, st.last_checkpoint, args.file);
      } else {
        fmt::print(stderr, "sluice: {} interrupted; no output was committed\n", spec->name);
      }
    } else {
      fmt::print(stderr, "sluice: {} failed: {}\n", spec->name, s.message());
    }
    return ExitCodeFor(s);
  }
  if (!args.quiet && st.already_complete) {
    fmt::print(stderr,
               "{}: already complete at checkpoint {}; nothing to do (`sluice {} {} "
               "--from-scratch` runs it again)\n",
               spec->name, st.last_checkpoint, args.replay ? "replay" : "run", args.file);
  } else if (!args.quiet && st.resumed_from > 0) {
    fmt::print(stderr, "{}: {} checkpoint {}{}\n", spec->name,
               st.finalized_only ? "completed the run that had finished at" : "resumed from",
               st.resumed_from,
               st.resumed_position.empty() ? "" : " (" + st.resumed_position + ")");
  }
  if (!args.quiet) {
    fmt::print(stderr, "{}\n{}", SummaryLine(spec->name, st, dlq),
               st.already_complete ? "" : StageRows(st));
  }
  if (!args.quiet && args.replay) {
    fmt::print(stderr, "{}: projections now served by table '{}'\n", spec->name, args.into);
  }
  if (!args.summary_json.empty()) {
    Status js = WriteSummaryJson(args.summary_json, st);
    if (!js.ok()) {
      fmt::print(stderr, "sluice: {}\n", js.message());
      return 1;
    }
  }
  return 0;
}

// Table names (`replay --into`): 1 to kMaxTableName characters of [A-Za-z0-9_.-], not "." or
// "..", so that a name is one plain word in messages, checkpoint keys and file listings.
constexpr size_t kMaxTableName = 128;

Status CheckTableName(std::string_view name) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  };
  if (!name.empty() && name.size() <= kMaxTableName && name != "." && name != ".." &&
      std::all_of(name.begin(), name.end(), allowed)) {
    return Status::OK();
  }
  return Status::InvalidArgument(fmt::format(
      "--into '{}' is not a table name: use 1 to {} of the characters A-Z a-z 0-9 _ . - "
      "(and not '.' or '..'), for example --into by_user_v2",
      name, kMaxTableName));
}

// Rewrites a pipeline for `sluice replay --into NAME`: read the whole input once (no follow),
// write only the projection sinks, into table NAME, under a checkpoint key of its own so that
// the live pipeline's checkpoint is left alone and an interrupted replay resumes.
Status PrepareReplay(const std::string& into, PipelineSpec* spec, PipelineOptions* options) {
  SLUICE_RETURN_IF_ERROR(CheckTableName(into));
  if (spec->state_dir.empty()) {
    return Status::InvalidArgument(
        "replay rebuilds projections, which live in the state directory; this pipeline has "
        "checkpoints turned off");
  }
  std::vector<SinkSpec> sinks = {spec->sink};
  sinks.insert(sinks.end(), spec->more_sinks.begin(), spec->more_sinks.end());
  std::vector<SinkSpec> kept;
  for (SinkSpec& sink : sinks) {
    if (sink.type != "projection") continue;
    sink.into = sinks.size() > 1 && kept.size() > 0 ? into + "." + sink.name : into;
    kept.push_back(std::move(sink));
  }
  if (kept.empty()) {
    return Status::InvalidArgument(
        fmt::format("pipeline '{}' has no projection sink to replay", spec->name));
  }
  spec->sink = kept[0];
  spec->more_sinks.assign(kept.begin() + 1, kept.end());
  spec->source.follow = false;
  options->checkpoint_name = fmt::format("{}#replay:{}", spec->name, into);
  return Status::OK();
}

int Validate(const std::string& file, const std::vector<std::string>& vars) {
  auto spec = LoadWithVars(file, vars);
  if (!spec.ok()) {
    fmt::print(stderr, "sluice: {}\n", spec.status().message());
    return ExitCodeFor(spec.status());
  }
  std::unique_ptr<Pipeline> pipeline;
  Status s = Pipeline::Build(PipelineOptions(), *spec, &pipeline);
  if (!s.ok()) {
    fmt::print(stderr, "sluice: {}\n", s.message());
    return ExitCodeFor(s);
  }
  std::string fields;
  for (const Field& f : pipeline->output_schema().fields()) {
    if (!fields.empty()) fields += ", ";
    fields += fmt::format("{} {}", f.name, TypeName(f));
  }
  std::string checkpoints = "checkpoints off";
  if (!spec->state_dir.empty() && spec->source.path != "-") {
    checkpoints = fmt::format("checkpoints every {} in '{}'",
                              FormatDuration(spec->checkpoint_interval), spec->state_dir);
  } else if (!spec->state_dir.empty()) {
    checkpoints = "checkpoints off (standard input cannot be read again)";
  }
  const auto keyed = std::count_if(spec->operators.begin(), spec->operators.end(), [](auto& op) {
    return op.kind == OpKind::kWindow || op.kind == OpKind::kAggregate;
  });
  fmt::print("{}: ok: pipeline '{}', {} operator(s) in {} keyed stage(s), {} lane(s), {}; "
             "output: {}\n",
             file, spec->name, spec->operators.size(), keyed, pipeline->parallelism(),
             checkpoints, fields);
  return 0;
}

}  // namespace

void AddRunCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand("run", "Run a pipeline file to the end of its input");
  run->add_option("FILE", args->file, "Pipeline file (.toml)")->required();
  run->add_option("-p,--parallelism", args->parallelism,
                  "Lanes and worker threads (default: the file's, else the machine's cores)")
      ->check(CLI::Range(1u, 1024u));
  run->add_option("--batch-size", args->batch_size, "Rows per batch (default 4096)")
      ->check(CLI::Range(1u, 1u << 20));
  run->add_option("--summary-json", args->summary_json,
                  "Also write the run summary as a JSON object to this file");
  run->add_flag("-q,--quiet", args->quiet, "No progress and no summary line on stderr");
  run->add_flag("--progress", args->progress, "Show progress even when stderr is not a terminal");
  run->add_flag("--from-scratch", args->from_scratch,
                "Discard the pipeline's checkpoint and start from the beginning of the input");
  AddVarOption(run, &args->vars);
  run->add_option("--http", args->http,
                  "Serve /metrics, /status and /projections at HOST:PORT while the pipeline "
                  "runs (default: the file's [pipeline] http; see docs/operations.md)");
  run->add_option("--http-token", args->http_token,
                  "Bearer token HTTP clients must send; required to listen on a non-loopback "
                  "address")
      ->envname("SLUICE_HTTP_TOKEN");
  run->footer(
      "A pipeline with checkpoints (the default for files; see docs/fault-tolerance.md) resumes\n"
      "from its latest checkpoint when an earlier run was interrupted or killed.");
  run->callback([args, exit_code] { *exit_code = Run(*args); });

  auto rargs = std::make_shared<RunArgs>();
  rargs->replay = true;
  CLI::App* replay = app.add_subcommand(
      "replay", "Rebuild a pipeline's projections from the start of its input into a new table");
  replay->add_option("FILE", rargs->file, "Pipeline file (.toml)")->required();
  replay
      ->add_option("--into", rargs->into,
                   "Table to build; when done, the projection's name switches to it at once")
      ->required();
  replay->add_option("-p,--parallelism", rargs->parallelism, "Lanes and worker threads")
      ->check(CLI::Range(1u, 1024u));
  replay->add_flag("-q,--quiet", rargs->quiet, "No progress and no summary line on stderr");
  replay->add_flag("--progress", rargs->progress,
                   "Show progress even when stderr is not a terminal");
  replay->add_flag("--from-scratch", rargs->from_scratch,
                   "Discard an interrupted replay into the same table and start it again");
  AddVarOption(replay, &rargs->vars);
  replay->footer(
      "The old table stays readable (sluice query) until the replay finishes; then, in one\n"
      "transaction, the name switches to the new table and the old one is dropped. Only the\n"
      "pipeline's projection sinks are written; the source is read to its current end.");
  replay->callback([rargs, exit_code] { *exit_code = Run(*rargs); });

  auto vargs = std::make_shared<RunArgs>();
  CLI::App* validate =
      app.add_subcommand("validate", "Check a pipeline file without reading any data");
  validate->add_option("FILE", vargs->file, "Pipeline file (.toml)")->required();
  AddVarOption(validate, &vargs->vars);
  validate->callback([vargs, exit_code] { *exit_code = Validate(vargs->file, vargs->vars); });
}

}  // namespace sluice::cli
