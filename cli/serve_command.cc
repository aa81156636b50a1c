#include "cli/serve_command.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>

#include "serve/http_server.h"
#include "serve/metrics.h"

namespace sluice::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

struct ServeArgs {
  std::string dir;
  std::string http = "127.0.0.1:9464";
  std::string http_token;
};

int Serve(const ServeArgs& args) {
  // Handlers first: once the address is printed, an interrupt must end the loop below.
  g_stop.store(false);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  serve::HttpOptions options;
  options.token = args.http_token;
  Status s = serve::ParseHttpAddress(args.http, &options);
  serve::HttpContent content;
  content.state_dir = args.dir;
  content.metrics = [] { return serve::ProcessMetricsText(); };
  std::unique_ptr<serve::HttpServer> server;
  if (s.ok()) s = serve::HttpServer::Start(options, std::move(content), &server);
  if (!s.ok()) {
    fmt::print(stderr, "sluice: serve: {}\n", s.message());
    return s.IsInvalidArgument() ? 2 : 1;
  }
  // The bound port on stdout, so that a caller that asked for port 0 can find it.
  fmt::print("serving {} at http://{}:{}/projections\n", args.dir,
             options.host.find(':') == std::string::npos ? options.host : "[" + options.host + "]",
             server->port());
  std::fflush(stdout);
  while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server->Stop();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve a state directory's projections over HTTP (read-only), until interrupted");
  cmd->add_option("STATE_DIR", args->dir, "A pipeline's state directory (state_dir)")->required();
  cmd->add_option("--http", args->http, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--http-token", args->http_token,
                  "Bearer token clients must send; required for a non-loopback address")
      ->envname("SLUICE_HTTP_TOKEN");
  cmd->footer(
      "Endpoints: GET /projections, /projections/NAME?key=...&limit=N, /metrics "
      "(docs/operations.md).");
  cmd->callback([args, exit_code] { *exit_code = Serve(*args); });
}

}  // namespace sluice::cli
