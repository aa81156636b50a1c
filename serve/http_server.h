// The HTTP endpoints of `sluice run --http` and `sluice serve` (docs/operations.md):
//
//   GET /metrics              Prometheus text format
//   GET /status               the running pipeline as JSON (serve/status_json.h)
//   GET /projections          every projection of the state directory with its freshness
//   GET /projections/NAME     its rows (?key=V&key=W: rows whose key starts with V, W;
//                             ?limit=N, default 1000, at most 100000) and its freshness, read
//                             consistently with one checkpoint
//   GET /projections/NAME/changes
//                             server-sent events: its changes as checkpoints commit, resumable
//                             with Last-Event-ID (serve/change_stream.h)
//
// Read-only: no endpoint changes anything, and other methods get 405. Listens on loopback
// unless told otherwise; any other address needs a bearer token, which every request must then
// carry (compared in constant time). Errors are JSON objects {"error": "..."}: 400 for bad
// paths, names, keys and limits, 401 without the token, 404 for unknown paths and projections,
// 413 for oversized requests, 429 past the request rate limit, 503 past the open change streams.
//
// This file's implementation is the only code that includes cpp-httplib.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"

namespace sluice::serve {

struct HttpOptions {
  // Address to listen on (an IPv4 address, "localhost" or "::1"), and port (0: any free port,
  // see HttpServer::port()).
  std::string host = "127.0.0.1";
  int port = 9464;
  // Bearer token every request must carry; required when `host` is not a loopback address.
  std::string token;
  // Larger request bodies get 413. Requests carry no body, so this only bounds abuse.
  size_t max_request_bytes = 8 << 10;
  // Requests per second served over all clients; more get 429. Bounds the cost of a
  // misbehaving scraper on the pipeline it observes.
  uint32_t max_requests_per_second = 200;
  // Worker threads answering requests. Each request is short; two keep a scrape from waiting
  // on a slow projection read without taking cores from the pipeline.
  int threads = 2;
  // Change streams open at once (each holds a thread while open); more get 503. Each looks for
  // newly committed changes every `stream_poll_ms`.
  int max_streams = 8;
  int stream_poll_ms = 100;
};

// What the endpoints serve; each may be empty (its endpoints then answer 404).
struct HttpContent {
  std::function<std::string()> metrics;  // Prometheus text
  std::function<std::string()> status;   // a JSON object
  std::string state_dir;                 // projections are read from here
};

// "HOST:PORT" ("127.0.0.1:9464", "localhost:0", "[::1]:9464", ":9464" for loopback) into
// options->host and options->port. InvalidArgument naming the expected form otherwise.
Status ParseHttpAddress(const std::string& text, HttpOptions* options);

// True for 127.0.0.0/8, "localhost" and "::1".
bool IsLoopback(const std::string& host);

// Constant-time comparison of a presented token with the expected one (time depends on the
// presented length only).
bool TokenEquals(const std::string& presented, const std::string& expected);

// A server answering on its own threads until Stop() or destruction. Thread-safe.
class HttpServer {
 public:
  // Checks the options (a non-loopback host without a token is InvalidArgument), binds the
  // address (IOError when it cannot) and starts serving. `content` is called from the server's
  // threads, concurrently; what it refers to must outlive the server.
  static Status Start(const HttpOptions& options, HttpContent content,
                      std::unique_ptr<HttpServer>* out);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // Stops accepting, finishes the requests being answered, and joins the threads.
  void Stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::serve
