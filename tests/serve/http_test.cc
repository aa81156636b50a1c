// The HTTP endpoints (serve/http_server.h) against a running pipeline and a state directory,
// through cpp-httplib's client on loopback and ephemeral ports. No assertion depends on timing:
// a test that waits for a figure to move polls a bounded number of times.
#include <doctest/doctest.h>
#include <httplib.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "../cli/cli_util.h"
#include "../runtime/test_util.h"
#include "pipelines/toml_loader.h"
#include "serve/http_server.h"
#include "serve/metrics.h"
#include "serve/status_json.h"
#include "sluice/pipeline.h"

using sluice::Pipeline;
using sluice::PipelineOptions;
using sluice::PipelineSpec;
using sluice::Status;
using sluice::serve::HttpContent;
using sluice::serve::HttpOptions;
using sluice::serve::HttpServer;
using sluice::testing::ScratchDir;
using sluice::testing::WriteFile;

namespace {

// Samples of a Prometheus text exposition, "name{labels}" -> value. Fails the test on a line
// that is not a comment, a HELP/TYPE line or a sample of a declared family.
std::map<std::string, double> ParsePrometheus(const std::string& text) {
  static const std::regex kType(
      R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  static const std::regex kHelp(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$)");
  static const std::regex kSample(
      R"re(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*)?\})? ([-+]?([0-9.eE+-]+|Inf|NaN))( [0-9]+)?$)re");
  std::map<std::string, double> out;
  std::set<std::string> families;
  std::istringstream in(text);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    INFO(line);
    if (std::regex_match(line, m, kType)) {
      families.insert(m[1]);
      continue;
    }
    if (std::regex_match(line, m, kHelp)) continue;
    REQUIRE(std::regex_match(line, m, kSample));
    std::string name = m[1];
    bool declared = families.count(name) > 0;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
          families.count(name.substr(0, name.size() - s.size()))) {
        declared = true;
      }
    }
    CHECK(declared);
    out[name + m[2].str()] = std::stod(m[7].str() == "+Inf" ? "inf" : m[7].str());
  }
  return out;
}

std::unique_ptr<Pipeline> BuildFromToml(const ScratchDir& dir, const std::string& toml,
                                        PipelineSpec* spec) {
  WriteFile(dir.file("p.toml"), toml);
  auto loaded = sluice::LoadPipelineFile(dir.file("p.toml"));
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  *spec = *loaded;
  std::unique_ptr<Pipeline> p;
  Status s = Pipeline::Build(PipelineOptions(), *spec, &p);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return p;
}

std::string GeneratorToml(const ScratchDir& dir, const std::string& name, uint64_t events) {
  return "[pipeline]\nname = \"" + name + "\"\nparallelism = 2\ncheckpoint_interval = \"50ms\"\n" +
         "state_dir = \"" + dir.file("state") + "\"\ndead_letter_path = \"" +
         dir.file("dlq.jsonl") +
         "\"\n\n[source]\ntype = \"generator\"\nevents = " + std::to_string(events) +
         "\nkeys = 50\n\n[[operator]]\ntype = \"key_by\"\nfields = [\"key\"]\n\n"
         "[[operator]]\ntype = \"window\"\nkind = \"tumbling\"\nsize = \"1s\"\n"
         "aggregates = [\"count() as n\", \"sum(value) as total\"]\n\n"
         "[[sink]]\ntype = \"null\"\n\n[[sink]]\ntype = \"projection\"\nname = \"by_key\"\n";
}

std::unique_ptr<HttpServer> StartServer(HttpContent content, const std::string& token = "") {
  HttpOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.token = token;
  std::unique_ptr<HttpServer> server;
  Status s = HttpServer::Start(o, std::move(content), &server);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  REQUIRE(server->port() > 0);
  return server;
}

// The rows array of a GET /projections/NAME answer, as the text between its brackets.
std::string RowsText(const std::string& body) {
  const size_t begin = body.find("\"rows\":[");
  const size_t end = body.rfind("]}");
  if (begin == std::string::npos || end == std::string::npos) return "<no rows in " + body + ">";
  return body.substr(begin + 8, end - begin - 8);
}

// `sluice query ARGS` on stdout, its lines joined by commas.
std::string QueryText(const std::string& args) {
  auto o = sluice::testing::Sluice("query " + args, ".", "", true);
  REQUIRE(o.code == 0);
  std::string joined;
  std::istringstream in(o.output);
  std::string line;
  while (std::getline(in, line)) {
    if (!joined.empty()) joined += ',';
    joined += line;
  }
  return joined;
}

}  // namespace

TEST_CASE("http: addresses parse, loopback is recognised, tokens compare") {
  HttpOptions o;
  CHECK(sluice::serve::ParseHttpAddress("127.0.0.1:9464", &o).ok());
  CHECK(o.host == "127.0.0.1");
  CHECK(o.port == 9464);
  CHECK(sluice::serve::ParseHttpAddress("[::1]:0", &o).ok());
  CHECK(o.host == "::1");
  CHECK(o.port == 0);
  CHECK(sluice::serve::ParseHttpAddress(":80", &o).ok());
  CHECK(o.host == "127.0.0.1");
  CHECK(sluice::serve::ParseHttpAddress("localhost", &o).IsInvalidArgument());
  CHECK(sluice::serve::ParseHttpAddress("localhost:99999", &o).IsInvalidArgument());
  CHECK(sluice::serve::ParseHttpAddress("localhost:x", &o).IsInvalidArgument());
  CHECK(sluice::serve::IsLoopback("127.0.0.1"));
  CHECK(sluice::serve::IsLoopback("127.1.2.3"));
  CHECK(sluice::serve::IsLoopback("localhost"));
  CHECK(sluice::serve::IsLoopback("::1"));
  CHECK_FALSE(sluice::serve::IsLoopback("0.0.0.0"));
  CHECK_FALSE(sluice::serve::IsLoopback("10.0.0.1"));
  CHECK(sluice::serve::TokenEquals("secret", "secret"));
  CHECK_FALSE(sluice::serve::TokenEquals("secreT", "secret"));
  CHECK_FALSE(sluice::serve::TokenEquals("secret2", "secret"));
  CHECK_FALSE(sluice::serve::TokenEquals("", "secret"));
  CHECK_FALSE(sluice::serve::TokenEquals("", ""));
}

TEST_CASE("http: a non-loopback address without a token is refused before anything listens") {
  for (const char* host : {"0.0.0.0", "192.0.2.1", "::"}) {
    HttpOptions o;
    o.host = host;
    o.port = 0;
    std::unique_ptr<HttpServer> server;
    Status s = HttpServer::Start(o, HttpContent(), &server);
    INFO(host);
    CHECK(s.IsInvalidArgument());
    CHECK(s.message().find("--http-token") != std::string::npos);
    CHECK(server == nullptr);
  }
  auto o = sluice::testing::Sluice("serve /nonexistent --http 0.0.0.0:0");
  CHECK(o.code == 2);
  CHECK(o.output.find("without a token") != std::string::npos);
}

TEST_CASE(
    "http: metrics parse as Prometheus text and move, and status has its fields, while a "
    "pipeline runs") {
  ScratchDir dir("http-live");
  PipelineSpec spec;
  auto pipeline = BuildFromToml(dir, GeneratorToml(dir, "live", 2'000'000'000), &spec);
  std::atomic<bool> running{true};
  HttpContent content;
  Pipeline* p = pipeline.get();
  content.metrics = [&] {
    return sluice::serve::PipelineMetricsText(spec.name, p->Stats(), sluice::serve::WallNowUs()) +
           sluice::serve::ProcessMetricsText();
  };
  content.status = [&] {
    return sluice::serve::StatusJson(spec, p->parallelism(), running.load(), p->Stats(),
                                     sluice::serve::WallNowUs());
  };
  content.state_dir = spec.state_dir;
  auto server = StartServer(std::move(content));
  Status run_status;
  std::thread runner([&] { run_status = p->Run(); });

  httplib::Client client("127.0.0.1", server->port());
  const std::string source_rows =
      R"m(sluice_rows_in_total{pipeline="live",stage="source",lane=""})m";
  double first = 0, later = 0;
  std::map<std::string, double> samples;
  for (int i = 0; i < 3000 && later <= first; ++i) {
    auto res = client.Get("/metrics");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(res->get_header_value("Content-Type").find("text/plain") == 0);
    samples = ParsePrometheus(res->body);
    const double v = samples.count(source_rows) ? samples[source_rows] : 0;
    if (first == 0) {
      first = v;
    } else {
      later = v;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(first > 0);
  CHECK(later > first);
  // Results are counted as they are written, not only at the end.
  for (int i = 0; i < 3000 && p->Stats().records_out == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(p->Stats().records_out > 0);
  CHECK(p->Stats().input_total == 2'000'000'000);
  for (const char* name :
       {R"m(sluice_rows_in_total{pipeline="live",stage="operator #2 (window)",lane="0"})m",
        R"m(sluice_rows_in_total{pipeline="live",stage="operator #2 (window)",lane="1"})m",
        R"m(sluice_batches_out_total{pipeline="live",stage="source",lane=""})m",
        R"m(sluice_busy_seconds_total{pipeline="live",stage="source",lane=""})m",
        R"m(sluice_in_flight_batches{pipeline="live"})m",
        R"m(sluice_checkpoint_duration_seconds_count{pipeline="live"})m",
        R"m(sluice_result_latency_seconds_count{pipeline="live"})m",
        R"m(sluice_result_latency_seconds_bucket{pipeline="live",le="0.001"})m",
        R"m(sluice_events_in_total{pipeline="live"})m",
        R"m(sluice_sink_rows_total{pipeline="live",sink="projection by_key"})m",
        R"m(sluice_sink_rows_total{pipeline="live",sink="null"})m", "process_cpu_seconds_total",
        "process_resident_memory_bytes"}) {
    INFO(name);
    CHECK(samples.count(name) == 1);
  }
  CHECK(samples["process_resident_memory_bytes"] > 0);

  // Status: every figure of a running pipeline, the stages and edges, the checkpoints.
  bool saw_checkpoint = false;
  simdjson::dom::parser parser;
  for (int i = 0; i < 3000 && !saw_checkpoint; ++i) {
    auto res = client.Get("/status");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    simdjson::dom::element doc;
    REQUIRE(parser.parse(res->body).get(doc) == simdjson::SUCCESS);
    std::string_view name;
    REQUIRE(doc["pipeline"].get(name) == simdjson::SUCCESS);
    CHECK(name == "live");
    bool is_running = false;
    CHECK(doc["running"].get(is_running) == simdjson::SUCCESS);
    CHECK(is_running);
    uint64_t lanes = 0;
    CHECK(doc["parallelism"].get(lanes) == simdjson::SUCCESS);
    CHECK(lanes == 2);
    simdjson::dom::array stages, edges, recent;
    REQUIRE(doc["stages"].get(stages) == simdjson::SUCCESS);
    REQUIRE(doc["edges"].get(edges) == simdjson::SUCCESS);
    CHECK(stages.size() == 4);
    CHECK(edges.size() == 3);
    std::string_view stage_name;
    CHECK(stages.at(2)["name"].get(stage_name) == simdjson::SUCCESS);
    CHECK(stage_name == "operator #2 (window)");
    simdjson::dom::array stage_lanes;
    CHECK(stages.at(2)["lanes"].get(stage_lanes) == simdjson::SUCCESS);
    CHECK(stage_lanes.size() == 2);
    for (const char* f :
         {"rows_in", "rows_out", "filtered", "late", "dead_letters", "batches_in", "batches_out"}) {
      uint64_t v;
      INFO(f);
      CHECK(stages.at(0)[f].get(v) == simdjson::SUCCESS);
    }
    simdjson::dom::array sinks;
    CHECK(doc["sinks"].get(sinks) == simdjson::SUCCESS);
    CHECK(sinks.size() == 2);
    simdjson::dom::array sources;
    CHECK(doc["definition"]["sources"].get(sources) == simdjson::SUCCESS);
    CHECK(sources.size() == 1);
    uint64_t total = 0;
    CHECK(doc["input"]["total"].get(total) == simdjson::SUCCESS);
    CHECK(total == 2'000'000'000);
    REQUIRE(doc["checkpoints"]["recent"].get(recent) == simdjson::SUCCESS);
    saw_checkpoint = recent.size() > 0;
    if (!saw_checkpoint) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(saw_checkpoint);

  // Results were written (above): their latency is measured.
  {
    auto res = client.Get("/status");
    REQUIRE(res);
    simdjson::dom::element doc;
    REQUIRE(parser.parse(res->body).get(doc) == simdjson::SUCCESS);
    uint64_t count = 0;
    double p50 = -1, p99 = -1, max = -1;
    CHECK(doc["latency_ms"]["count"].get(count) == simdjson::SUCCESS);
    CHECK(doc["latency_ms"]["p50"].get(p50) == simdjson::SUCCESS);
    CHECK(doc["latency_ms"]["p99"].get(p99) == simdjson::SUCCESS);
    CHECK(doc["latency_ms"]["max"].get(max) == simdjson::SUCCESS);
    CHECK(count > 0);
    CHECK(p50 >= 0);
    CHECK(p99 >= p50);
    CHECK(max >= p99);
    const auto samples = ParsePrometheus(client.Get("/metrics")->body);
    const auto found = samples.find(R"m(sluice_result_latency_seconds_count{pipeline="live"})m");
    REQUIRE(found != samples.end());
    CHECK(found->second > 0);
  }

  // The window's state: keys held, and the size of its snapshot once a checkpoint has been
  // taken while the graph runs (the first, before any input, holds nothing of it).
  uint64_t keys = 0, bytes = 0;
  for (int i = 0; i < 3000 && bytes == 0; ++i) {
    auto res = client.Get("/status");
    REQUIRE(res);
    simdjson::dom::element doc;
    REQUIRE(parser.parse(res->body).get(doc) == simdjson::SUCCESS);
    simdjson::dom::array stages;
    REQUIRE(doc["stages"].get(stages) == simdjson::SUCCESS);
    CHECK(stages.at(2)["state_keys"].get(keys) == simdjson::SUCCESS);
    CHECK(stages.at(2)["state_bytes"].get(bytes) == simdjson::SUCCESS);
    if (bytes == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(keys > 0);
  CHECK(bytes > 0);

  p->Stop();
  runner.join();
  running.store(false);
  CHECK(run_status.code() == Status::Code::kAborted);
  server->Stop();
}

TEST_CASE("http: projection queries equal sluice query, and bad requests get 400") {
  ScratchDir dir("http-proj");
  PipelineSpec spec;
  auto pipeline = BuildFromToml(dir, GeneratorToml(dir, "done", 200'000), &spec);
  Status s = pipeline->Run();
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  HttpContent content;
  content.state_dir = spec.state_dir;
  auto server = StartServer(std::move(content));
  httplib::Client client("127.0.0.1", server->port());

  auto list = client.Get("/projections");
  REQUIRE(list);
  CHECK(list->status == 200);
  CHECK(list->body == "{\"projections\":[" + QueryText("'" + spec.state_dir + "'") + "]}\n");

  auto all = client.Get("/projections/by_key?limit=100000");
  REQUIRE(all);
  CHECK(all->status == 200);
  CHECK(all->body.find("\"freshness\":" + QueryText("'" + spec.state_dir +
                                                    "' by_key --freshness")) != std::string::npos);
  CHECK(RowsText(all->body) == QueryText("'" + spec.state_dir + "' by_key"));
  CHECK(all->body.find("\"truncated\":false") != std::string::npos);

  auto keyed = client.Get("/projections/by_key?key=7");
  REQUIRE(keyed);
  CHECK(keyed->status == 200);
  CHECK(RowsText(keyed->body) == QueryText("'" + spec.state_dir + "' by_key 7"));
  auto two = client.Get("/projections/by_key?key=7&key=1000000");
  REQUIRE(two);
  CHECK(two->status == 200);
  CHECK(RowsText(two->body) == QueryText("'" + spec.state_dir + "' by_key 7 1000000"));
  auto limited = client.Get("/projections/by_key?limit=3");
  REQUIRE(limited);
  CHECK(RowsText(limited->body) == QueryText("'" + spec.state_dir + "' by_key --limit 3"));
  CHECK(limited->body.find("\"truncated\":true") != std::string::npos);

  for (const char* bad :
       {"/projections/by%24key", "/projections/by_key?limit=0", "/projections/by_key?limit=x",
        "/projections/by_key?limit=100001", "/projections/by_key?key=abc",
        "/projections/by_key?key=1&key=2&key=3", "/projections/by_key?colour=red",
        "/projections/by_key/x", "/projections/by_key?key=%ff%fe", "/projections/"}) {
    INFO(bad);
    auto res = client.Get(bad);
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    simdjson::dom::parser parser;
    std::string_view error;
    CHECK(parser.parse(res->body)["error"].get(error) == simdjson::SUCCESS);
    CHECK(!error.empty());
  }
  auto missing = client.Get("/projections/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  auto unknown = client.Get("/nowhere");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(unknown->body.rfind("{\"error\":", 0) == 0);
  auto post = client.Post("/projections", "", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
}

TEST_CASE("http: with a token, requests without it get 401 and with it are served") {
  ScratchDir dir("http-token");
  HttpContent content;
  content.metrics = [] { return sluice::serve::ProcessMetricsText(); };
  auto server = StartServer(std::move(content), "s3cret");
  httplib::Client client("127.0.0.1", server->port());
  auto none = client.Get("/metrics");
  REQUIRE(none);
  CHECK(none->status == 401);
  auto wrong = client.Get("/metrics", httplib::Headers{{"Authorization", "Bearer s3creT"}});
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  auto right = client.Get("/metrics", httplib::Headers{{"Authorization", "Bearer s3cret"}});
  REQUIRE(right);
  CHECK(right->status == 200);
  CHECK(ParsePrometheus(right->body).count("process_cpu_seconds_total") == 1);
}

TEST_CASE("sluice serve answers projection queries until it is interrupted") {
  ScratchDir dir("http-serve");
  PipelineSpec spec;
  auto pipeline = BuildFromToml(dir, GeneratorToml(dir, "srv", 20'000), &spec);
  Status s = pipeline->Run();
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::execl(SLUICE_BINARY_DIR "/bin/sluice", "sluice", "serve", spec.state_dir.c_str(), "--http",
            "127.0.0.1:0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  // "serving DIR at http://127.0.0.1:PORT/projections"
  std::string first;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') first += c;
  ::close(out[0]);
  INFO(first);
  const size_t colon = first.rfind(':');
  const size_t slash = first.find('/', colon);
  REQUIRE(colon != std::string::npos);
  REQUIRE(slash != std::string::npos);
  const int port = std::stoi(first.substr(colon + 1, slash - colon - 1));
  httplib::Client client("127.0.0.1", port);
  auto rows = client.Get("/projections/by_key?limit=100000");
  REQUIRE(rows);
  CHECK(rows->status == 200);
  CHECK(RowsText(rows->body) == QueryText("'" + spec.state_dir + "' by_key"));
  auto status = client.Get("/status");
  REQUIRE(status);
  CHECK(status->status == 404);
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(ParsePrometheus(metrics->body).count("process_resident_memory_bytes") == 1);
  ::kill(pid, SIGTERM);
  int wstatus = 0;
  REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
  CHECK(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);
}
