#include "serve/http_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "codecs/json.h"
#include "serve/change_stream.h"
#include "serve/dashboard.h"
#include "serve/projection_query.h"

namespace sluice::serve {
namespace {

constexpr uint64_t kDefaultLimit = 1000;
constexpr uint64_t kMaxLimit = 100000;
constexpr size_t kMaxKeyValues = 16;
constexpr size_t kMaxKeyValueBytes = 1024;
constexpr int kConsistentReadTries = 5;

// Messages may quote request text, which need not be UTF-8: bytes outside ASCII become '?', so
// that the body is always valid JSON.
void Error(httplib::Response& res, int code, std::string_view message) {
  std::string ascii(message);
  for (char& c : ascii) {
    if (static_cast<unsigned char>(c) >= 0x80) c = '?';
  }
  std::string body = "{\"error\":";
  AppendJsonString(ascii, &body);
  body += "}\n";
  res.status = code;
  res.set_content(body, "application/json");
}

// Fixed one-second windows: simple, and enough to bound a runaway client.
class RateLimiter {
 public:
  explicit RateLimiter(uint32_t per_second) : per_second_(per_second) {}
  bool Admit() {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> l(mu_);
    if (now - window_start_ >= std::chrono::seconds(1)) {
      window_start_ = now;
      count_ = 0;
    }
    return per_second_ == 0 || ++count_ <= per_second_;
  }

 private:
  const uint32_t per_second_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point window_start_;  // GUARDED_BY(mu_)
  uint32_t count_ = 0;                                  // GUARDED_BY(mu_)
};

// Reads projection `name` rows under `prefix`, at most `limit`, together with the info of the
// same checkpoint: the info is read again after the rows, and the read repeats when a
// checkpoint committed in between.
Status ReadProjection(ProjectionStore* store, const std::string& name,
                      const std::vector<std::string>& key, uint64_t limit, std::string* body,
                      bool* bad_key) {
  for (int attempt = 0; attempt < kConsistentReadTries; ++attempt) {
    ProjectionInfo info;
    SLUICE_RETURN_IF_ERROR(store->GetInfo(name, &info));
    std::string prefix;
    Status k = KeyPrefix(info, key, &prefix);
    if (!k.ok()) {
      *bad_key = true;
      return k;
    }
    std::string rows;
    uint64_t n = 0;
    bool truncated = false;
    SLUICE_RETURN_IF_ERROR(
        store->Scan(info.physical, prefix, [&](std::string_view, std::string_view json) {
          if (n == limit) {
            truncated = true;
            return false;
          }
          if (n++) rows += ',';
          rows.append(json);
          return true;
        }));
    ProjectionInfo after;
    SLUICE_RETURN_IF_ERROR(store->GetInfo(name, &after));
    if (after.checkpoint_id != info.checkpoint_id || after.physical != info.physical) continue;
    if (prefix.empty() && !truncated && n != info.rows) {
      return Status::Corruption(fmt::format(
          "projection '{}' (table '{}') holds {} rows, but its last checkpoint recorded {}",
          info.name, info.physical, n, info.rows));
    }
    *body =
        "{\"freshness\":" + FreshnessJson(info) +
        fmt::format(",\"count\":{},\"truncated\":{},\"rows\":[", n, truncated ? "true" : "false") +
        rows + "]}\n";
    return Status::OK();
  }
  return Status::Conflict("the projection kept changing while it was read; try again");
}

// Sets *name to the projection name of a /projections/NAME... request when it is valid and
// every query parameter is one of `allowed`; otherwise answers 400 and returns false.
bool ProjectionRequest(const httplib::Request& req, httplib::Response& res,
                       std::string_view usage, std::initializer_list<std::string_view> allowed,
                       std::string* name) {
  *name = req.matches[1];
  if (!IsProjectionName(*name)) {
    Error(res, 400,
          fmt::format("a projection name is 1 to 128 of the characters A-Z a-z 0-9 _ . - ({})",
                      usage));
    return false;
  }
  for (const auto& [param, value] : req.params) {
    if (std::find(allowed.begin(), allowed.end(), param) == allowed.end()) {
      Error(res, 400,
            fmt::format("unknown parameter '{}': use {}", param, fmt::join(allowed, " and ")));
      return false;
    }
  }
  return true;
}

}  // namespace

struct HttpServer::Impl {
  HttpOptions options;
  HttpContent content;
  httplib::Server server;
  RateLimiter limiter{0};
  std::thread thread;
  int port = 0;
  std::once_flag stopped;
  // Change streams: how many are open, and their wake-up on Stop().
  std::atomic<int> streams{0};
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;  // GUARDED_BY(stop_mu)

  explicit Impl(const HttpOptions& o) : options(o), limiter(o.max_requests_per_second) {}
  void Routes();
  void Projections(const httplib::Request& req, httplib::Response& res);
  void Projection(const httplib::Request& req, httplib::Response& res);
  void Changes(const httplib::Request& req, httplib::Response& res);
  // Waits up to `ms` or until Stop(); true when stopping.
  bool WaitOrStop(int ms) {
    std::unique_lock<std::mutex> l(stop_mu);
    stop_cv.wait_for(l, std::chrono::milliseconds(ms), [&] { return stopping; });
    return stopping;
  }
};

Status ParseHttpAddress(const std::string& text, HttpOptions* options) {
  auto bad = [&] {
    return Status::InvalidArgument(
        fmt::format("'{}' is not an address to listen on: use HOST:PORT, such as 127.0.0.1:9464 or "
                    "[::1]:9464 (port 0: any free port)",
                    text));
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return bad();
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "127.0.0.1";
  int p = -1;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p < 0 || p > 65535) {
    return bad();
  }
  options->host = host;
  options->port = p;
  return Status::OK();
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool TokenEquals(const std::string& presented, const std::string& expected) {
  if (expected.empty()) return false;
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < presented.size(); ++i) {
    diff |= static_cast<unsigned char>(presented[i] ^ expected[i % expected.size()]);
  }
  return diff == 0;
}

void HttpServer::Impl::Routes() {
  server.set_payload_max_length(options.max_request_bytes);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_max_count(100);
  // Each open change stream holds a thread; the others keep answering requests.
  const int threads = std::max(1, options.threads) + std::max(0, options.max_streams);
  // cpp-httplib takes ownership of the queue it is handed.
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    using R = httplib::Server::HandlerResponse;
    if (!limiter.Admit()) {
      Error(res, 429, "too many requests");
      return R::Handled;
    }
    if (!options.token.empty()) {
      const std::string auth = req.get_header_value("Authorization");
      constexpr std::string_view kBearer = "Bearer ";
      // The dashboard page itself may carry the token as ?token=T (a browser cannot send a
      // header when it opens a page); its own requests then send the header.
      const bool page = req.path == "/" && req.has_param("token") &&
                        TokenEquals(req.get_param_value("token"), options.token);
      const bool ok = page || (auth.size() > kBearer.size() &&
                               auth.compare(0, kBearer.size(), kBearer) == 0 &&
                               TokenEquals(auth.substr(kBearer.size()), options.token));
      if (!ok) {
        res.set_header("WWW-Authenticate", "Bearer");
        Error(res, 401, "this server needs 'Authorization: Bearer <token>'");
        return R::Handled;
      }
    }
    if (req.method != "GET" && req.method != "HEAD") {
      res.set_header("Allow", "GET, HEAD");
      Error(res, 405, "read-only: only GET is served");
      return R::Handled;
    }
    return R::Unhandled;
  });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) {
      Error(res, 404,
            fmt::format("no such endpoint '{}': see GET /, /status, /metrics, "
                        "/projections, /projections/NAME, /projections/NAME/changes",
                        req.path));
    } else if (res.status == 413) {
      Error(res, 413, "request too large");
    } else if (res.status == 400) {
      Error(res, 400, "bad request");
    }
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                  std::exception_ptr) { Error(res, 500, "internal error"); });
  server.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    if (!content.status) return Error(res, 404, "no running pipeline here (sluice serve)");
    res.set_header("Cache-Control", "no-store");
    res.set_content(DashboardHtml(), "text/html; charset=utf-8");
  });
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    if (!content.metrics) return Error(res, 404, "no metrics here");
    res.set_content(content.metrics(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    if (!content.status) return Error(res, 404, "no running pipeline here (sluice serve)");
    res.set_content(content.status() + "\n", "application/json");
  });
  server.Get("/projections", [this](const httplib::Request& req, httplib::Response& res) {
    Projections(req, res);
  });
  server.Get(R"(/projections/([^/]*)/changes)",
             [this](const httplib::Request& req, httplib::Response& res) { Changes(req, res); });
  server.Get(R"(/projections/(.*))",
             [this](const httplib::Request& req, httplib::Response& res) { Projection(req, res); });
}

void HttpServer::Impl::Projections(const httplib::Request&, httplib::Response& res) {
  if (content.state_dir.empty()) return Error(res, 404, "no state directory here");
  ProjectionReader reader;
  Status s = ProjectionReader::Open(content.state_dir, &reader);
  std::vector<ProjectionInfo> all;
  if (s.ok()) s = reader.store->List(&all);
  if (!s.ok() && !s.IsNotFound()) return Error(res, 500, s.message());
  std::string body = "{\"projections\":[";
  for (size_t i = 0; i < all.size(); ++i) {
    if (i) body += ',';
    body += FreshnessJson(all[i]);
  }
  body += "]}\n";
  res.set_content(body, "application/json");
}

void HttpServer::Impl::Projection(const httplib::Request& req, httplib::Response& res) {
  std::string name;
  if (!ProjectionRequest(req, res, "GET /projections/NAME?key=...&limit=N", {"key", "limit"},
                         &name)) {
    return;
  }
  uint64_t limit = kDefaultLimit;
  if (req.has_param("limit")) {
    const std::string v = req.get_param_value("limit");
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || limit == 0 ||
        limit > kMaxLimit || req.get_param_value_count("limit") > 1) {
      return Error(res, 400, fmt::format("limit must be one number from 1 to {}", kMaxLimit));
    }
  }
  std::vector<std::string> key;
  const size_t n = req.get_param_value_count("key");
  if (n > kMaxKeyValues) return Error(res, 400, "too many key values");
  for (size_t i = 0; i < n; ++i) {
    key.push_back(req.get_param_value("key", i));
    if (key.back().size() > kMaxKeyValueBytes) return Error(res, 400, "key value too long");
  }
  if (content.state_dir.empty()) return Error(res, 404, "no state directory here");
  ProjectionReader reader;
  Status s = ProjectionReader::Open(content.state_dir, &reader);
  if (s.IsNotFound()) return Error(res, 404, fmt::format("no projection '{}'", name));
  if (!s.ok()) return Error(res, 500, s.message());
  std::string body;
  bool bad_key = false;
  s = ReadProjection(reader.store.get(), name, key, limit, &body, &bad_key);
  if (bad_key) return Error(res, 400, s.message());
  if (s.IsNotFound()) return Error(res, 404, s.message());
  if (!s.ok()) return Error(res, s.code() == Status::Code::kConflict ? 503 : 500, s.message());
  res.set_content(body, "application/json");
}

void HttpServer::Impl::Changes(const httplib::Request& req, httplib::Response& res) {
  std::string name;
  if (!ProjectionRequest(req, res, "GET /projections/NAME/changes", {"last_event_id"}, &name)) {
    return;
  }
  // A browser's EventSource sends Last-Event-ID when it reconnects; a first connection may give
  // the same as ?last_event_id=N.
  std::string from = req.get_header_value("Last-Event-ID");
  if (from.empty()) from = req.get_param_value("last_event_id");
  uint64_t after = 0;
  if (!from.empty()) {
    auto [end, ec] = std::from_chars(from.data(), from.data() + from.size(), after);
    if (ec != std::errc() || end != from.data() + from.size()) {
      return Error(res, 400, "Last-Event-ID must be a change set id (a number)");
    }
  }
  if (content.state_dir.empty()) return Error(res, 404, "no state directory here");
  // What one open stream holds between calls of its content provider.
  struct OpenStream {
    OpenStream(std::string dir, std::string projection, uint64_t from)
        : stream(std::move(dir), std::move(projection), from) {}
    ChangeStream stream;
    std::string pending = "retry: 1000\n\n";  // events not yet written
    std::chrono::steady_clock::time_point last_write = std::chrono::steady_clock::now();
    bool failed = false;  // `pending` ends with the error event: the stream ends after it
  };
  auto open = std::make_shared<OpenStream>(content.state_dir, name, after);
  Status s = open->stream.Poll(&open->pending);
  if (s.IsNotFound()) return Error(res, 404, s.message());
  if (!s.ok()) return Error(res, 500, s.message());
  if (streams.fetch_add(1) >= options.max_streams) {
    streams.fetch_sub(1);
    return Error(res, 503, fmt::format("already {} change streams open; try again later",
                                       options.max_streams));
  }
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, open](size_t, httplib::DataSink& sink) {
        if (open->pending.empty()) {
          if (WaitOrStop(options.stream_poll_ms)) return false;
          Status p = open->stream.Poll(&open->pending);
          if (!p.ok()) {
            std::string data = "{\"error\":";
            AppendJsonString(p.message(), &data);
            open->pending += "event: error\ndata: " + data + "}\n\n";
            open->failed = true;
          }
          const auto now = std::chrono::steady_clock::now();
          if (open->pending.empty() && now - open->last_write >= std::chrono::seconds(15)) {
            open->pending = ": keep-alive\n\n";
          }
          if (open->pending.empty()) return true;
        }
        if (!sink.write(open->pending.data(), open->pending.size())) return false;
        open->pending.clear();
        open->last_write = std::chrono::steady_clock::now();
        if (open->failed) sink.done();
        return true;
      },
      [this](bool) { streams.fetch_sub(1); });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  std::call_once(impl_->stopped, [this] {
    {
      std::lock_guard<std::mutex> l(impl_->stop_mu);
      impl_->stopping = true;
    }
    impl_->stop_cv.notify_all();
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  });
}

Status HttpServer::Start(const HttpOptions& options, HttpContent content,
                         std::unique_ptr<HttpServer>* out) {
  if (!IsLoopback(options.host) && options.token.empty()) {
    return Status::InvalidArgument(fmt::format(
        "refusing to listen on {} without a token: any host that reaches it could read the "
        "pipeline's metrics and projections; give --http-token TOKEN (clients then send "
        "'Authorization: Bearer TOKEN'), or listen on 127.0.0.1",
        options.host));
  }
  auto impl = std::make_unique<Impl>(options);
  impl->content = std::move(content);
  impl->Routes();
  if (options.port == 0) {
    impl->port = impl->server.bind_to_any_port(options.host);
    if (impl->port < 0) impl->port = 0;
  } else if (impl->server.bind_to_port(options.host, options.port)) {
    impl->port = options.port;
  }
  if (impl->port == 0) {
    return Status::IOError(
        fmt::format("cannot listen on {}:{} (address in use, or not an "
                    "address of this host)",
                    options.host, options.port));
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  out->reset(new HttpServer(std::move(impl)));
  return Status::OK();
}

}  // namespace sluice::serve
