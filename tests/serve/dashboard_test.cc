// The dashboard at GET /: served by `sluice run --http` while a pipeline runs, loaded in headless
// Chromium (Debian's chromium, installed by scripts/bootstrap), which runs its script against the
// live /status: the rendered DOM must show the pipeline's name and event counts that are > 0 and
// grow between two loads; a screenshot is written. Also: the page with a token (?token=T).
#include <doctest/doctest.h>
#include <httplib.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <regex>
#include <string>

#include "../runtime/test_util.h"

using sluice::testing::ReadFile;
using sluice::testing::ScratchDir;
using sluice::testing::WriteFile;

namespace {

// A `sluice run --http 127.0.0.1:0 [--http-token T]` of a long generator pipeline; the port it
// printed. Killed by the destructor.
class RunningPipeline {
 public:
  RunningPipeline(const ScratchDir& dir, const std::string& token) {
    WriteFile(dir.file("dash.toml"),
              "[pipeline]\nname = \"dashboard-test\"\ncheckpoints = false\n"
              "[source]\ntype = \"generator\"\nevents = 100000000000\nkeys = 100\n"
              "[[operator]]\ntype = \"key_by\"\nfields = [\"key\"]\n"
              "[[operator]]\ntype = \"window\"\nkind = \"tumbling\"\nsize = \"1ms\"\n"
              "aggregates = [\"count() as n\"]\n[sink]\ntype = \"null\"\n");
    int err[2];
    REQUIRE(::pipe(err) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    const std::string file = dir.file("dash.toml");
    if (pid_ == 0) {
      ::dup2(err[1], STDERR_FILENO);
      ::close(err[0]);
      if (token.empty()) {
        ::execl(SLUICE_BINARY_DIR "/bin/sluice", "sluice", "run", file.c_str(), "--http",
                "127.0.0.1:0", static_cast<char*>(nullptr));
      } else {
        ::execl(SLUICE_BINARY_DIR "/bin/sluice", "sluice", "run", file.c_str(), "--http",
                "127.0.0.1:0", "--http-token", token.c_str(), static_cast<char*>(nullptr));
      }
      ::_exit(127);
    }
    ::close(err[1]);
    // "dashboard-test: serving http://127.0.0.1:PORT/ (dashboard), /metrics, ..." within 60 s
    std::string first;
    char c;
    pollfd pfd{err[0], POLLIN, 0};
    while (::poll(&pfd, 1, 60'000) == 1 && ::read(err[0], &c, 1) == 1 && c != '\n') first += c;
    err_ = err[0];  // kept open (the progress lines that follow fill it) until the kill
    INFO(first);
    std::smatch m;
    REQUIRE(std::regex_search(first, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)/")));
    port_ = std::stoi(m[1]);
  }
  ~RunningPipeline() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    if (err_ >= 0) ::close(err_);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int err_ = -1;
};

// Chromium headless on `url`: the DOM after its scripts ran for `ms` of virtual time, or the
// screenshot written to `png` when given.
std::string Chromium(const std::string& url, int ms, const std::string& png = "") {
  std::string cmd = "timeout 120 chromium --headless --no-sandbox --disable-gpu "
                    "--disable-dev-shm-usage --no-first-run --window-size=1200,900 "
                    "--virtual-time-budget=" +
                    std::to_string(ms) + " " +
                    (png.empty() ? std::string("--dump-dom") : "--screenshot=" + png) + " '" +
                    url + "' 2>/dev/null";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE_MESSAGE(p != nullptr, cmd);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// The number shown in the element `id` of `dom` ("1,234" -> 1234); -1 when absent.
long long Shown(const std::string& dom, const std::string& id) {
  std::smatch m;
  if (!std::regex_search(dom, m, std::regex("id=\"" + id + "\">([0-9,]+)<"))) return -1;
  std::string digits;
  for (char c : m[1].str()) {
    if (c != ',') digits += c;
  }
  return digits.empty() ? -1 : std::stoll(digits);
}

}  // namespace

TEST_CASE("the dashboard renders live figures in headless Chromium") {
  REQUIRE_MESSAGE(std::system("command -v chromium >/dev/null") == 0,
                  "chromium is missing: run scripts/bootstrap");
  ScratchDir dir("dashboard");
  RunningPipeline run(dir, "");
  const std::string url = "http://127.0.0.1:" + std::to_string(run.port()) + "/";
  const std::string first = Chromium(url, 3000);
  INFO(first.substr(0, 2000));
  CHECK(first.find("id=\"pipeline\">dashboard-test<") != std::string::npos);
  const long long events1 = Shown(first, "events");
  const long long throughput = Shown(first, "throughput");
  CHECK(events1 > 0);
  CHECK(throughput > 0);
  CHECK(Shown(first, "results") > 0);
  CHECK(first.find("operator #2 (window)") != std::string::npos);  // the stages table
  const std::string second = Chromium(url, 2000);
  CHECK(Shown(second, "events") > events1);  // live: the pipeline went on
  Chromium(url, 2000, dir.file("dashboard.png"));
  const std::string png = ReadFile(dir.file("dashboard.png"));
  REQUIRE(png.size() > 1000);
  CHECK(png.compare(1, 3, "PNG") == 0);
}

TEST_CASE("with a token, the dashboard opens with ?token= and its requests carry it") {
  ScratchDir dir("dashboard-token");
  RunningPipeline run(dir, "s3cret");
  httplib::Client client("127.0.0.1", run.port());
  auto bare = client.Get("/");
  REQUIRE(bare);
  CHECK(bare->status == 401);
  auto wrong = client.Get("/?token=nope");
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  auto page = client.Get("/?token=s3cret");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type").rfind("text/html", 0) == 0);
  CHECK(page->body.find("fetch(\"status\"") != std::string::npos);
  CHECK(page->body.find("http://") == std::string::npos);  // no network fetches
  CHECK(page->body.find("https://") == std::string::npos);
  auto status = client.Get("/status?token=s3cret");  // only the page takes ?token=
  REQUIRE(status);
  CHECK(status->status == 401);
  const std::string dom =
      Chromium("http://127.0.0.1:" + std::to_string(run.port()) + "/?token=s3cret", 3000);
  CHECK(Shown(dom, "events") > 0);
}
