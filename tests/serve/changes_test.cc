// GET /projections/NAME/changes (serve/change_stream.h): a client that applies the events it
// receives, disconnecting midway and resuming with Last-Event-ID, ends with exactly the table the
// pipeline committed; a client whose position left the history gets a reset and the table.
// Nothing waits on a clock: streams are read until their content says they are complete.
#include <doctest/doctest.h>
#include <httplib.h>
#include <simdjson.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "../runtime/test_util.h"
#include "pipelines/toml_loader.h"
#include "serve/http_server.h"
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

// The last two rows of each key (a top-N by time: every row enters, and pushes out the oldest),
// into two projections keyed by (key, ts): `recent` keeps every set (however slow the machine, and
// so however many checkpoints the run takes), `short` two sets.
std::string Toml(const ScratchDir& dir, uint64_t events) {
  return "[pipeline]\nname = \"changes\"\nparallelism = 2\ncheckpoint_interval = \"20ms\"\n"
         "batch_size = 512\nstate_dir = \"" + dir.file("state") + "\"\ndead_letter_path = \"" +
         dir.file("dlq.jsonl") + "\"\n\n[source]\ntype = \"generator\"\nevents = " +
         std::to_string(events) +
         "\nkeys = 40\n\n[[operator]]\ntype = \"key_by\"\nfields = [\"key\"]\n\n"
         "[[operator]]\ntype = \"top_n\"\nn = 2\norder_by = [\"ts desc\"]\n\n"
         "[[sink]]\ntype = \"projection\"\nname = \"recent\"\nkey = [\"key\", \"ts\"]\n"
         "keep_changes = 1000000\n\n"
         "[[sink]]\ntype = \"projection\"\nname = \"short\"\nkey = [\"key\", \"ts\"]\n"
         "keep_changes = 2\n";
}

// A client's copy of a projection, built from the events it receives.
struct Follower {
  std::map<std::string, std::string> rows;  // "key,ts" -> row JSON
  std::string buffer;                       // text not yet split into events
  uint64_t last_id = 0;                     // the last `id:` seen
  uint64_t previous_set = 0;                // sets arrive in increasing order
  uint64_t events = 0, resets = 0, errors = 0;
  bool out_of_order = false;

  static std::string RowKey(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::element row = parser.parse(std::string(json));
    return simdjson::minify(row["key"]) + "," + simdjson::minify(row["ts"]);
  }

  void Apply(const std::string& block) {
    std::string data;
    size_t begin = 0;
    while (begin < block.size()) {
      size_t end = block.find('\n', begin);
      if (end == std::string::npos) end = block.size();
      const std::string line = block.substr(begin, end - begin);
      begin = end + 1;
      if (line.rfind("id: ", 0) == 0) last_id = std::stoull(line.substr(4));
      if (line.rfind("data: ", 0) == 0) data = line.substr(6);
      if (line.rfind("event: error", 0) == 0) ++errors;
    }
    if (data.empty() || errors) return;
    ++events;
    simdjson::dom::parser parser;
    simdjson::dom::element e = parser.parse(data);
    const uint64_t set = uint64_t(e["id"]);
    out_of_order |= set < previous_set;
    previous_set = set;
    const std::string op{std::string_view(e["op"])};
    if (op == "reset") {
      ++resets;
      rows.clear();
      return;
    }
    const std::string row = simdjson::minify(e["row"]);
    if (op == "+") {
      rows[RowKey(row)] = row;
    } else {
      REQUIRE(op == "-");
      rows.erase(RowKey(row));
    }
  }

  // Feeds received bytes; false once `stop` says so (checked after each event).
  template <typename Stop>
  bool Receive(const char* data, size_t n, const Stop& stop) {
    buffer.append(data, n);
    size_t end;
    while ((end = buffer.find("\n\n")) != std::string::npos) {
      const std::string block = buffer.substr(0, end + 1);
      buffer.erase(0, end + 2);
      Apply(block);
      if (stop()) return false;
    }
    return true;
  }

  // Reads /projections/NAME/changes from `last_id` until stop() (the client then disconnects).
  template <typename Stop>
  void Follow(int port, const std::string& name, const Stop& stop) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(120, 0);
    httplib::Headers headers;
    if (last_id > 0) headers.emplace("Last-Event-ID", std::to_string(last_id));
    buffer.clear();
    auto res = client.Get("/projections/" + name + "/changes", headers,
                          [&](const char* d, size_t n) { return Receive(d, n, stop); });
    // Ended by the receiver: the client library reports the cancel as an error.
    CHECK(!res);
  }
};

// The committed table of `name`, "key,ts" -> row JSON (minified), through GET /projections/NAME.
std::map<std::string, std::string> Table(int port, const std::string& name) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/projections/" + name + "?limit=100000");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  simdjson::dom::parser parser;
  simdjson::dom::element body = parser.parse(res->body);
  std::map<std::string, std::string> rows;
  for (simdjson::dom::element row : body["rows"].get_array()) {
    const std::string json = simdjson::minify(row);
    rows[Follower::RowKey(json)] = json;
  }
  return rows;
}

std::unique_ptr<HttpServer> Serve(const std::string& state_dir) {
  HttpOptions o;
  o.port = 0;
  HttpContent content;
  content.state_dir = state_dir;
  std::unique_ptr<HttpServer> server;
  Status s = HttpServer::Start(o, content, &server);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return server;
}

}  // namespace

TEST_CASE("changes: a follower that disconnects and resumes ends with the committed table") {
  ScratchDir dir("http-changes");
  WriteFile(dir.file("p.toml"), Toml(dir, 1'000'000));
  auto spec = sluice::LoadPipelineFile(dir.file("p.toml"));
  REQUIRE_MESSAGE(spec.ok(), spec.status().ToString());
  std::unique_ptr<Pipeline> pipeline;
  Status built = Pipeline::Build(PipelineOptions(), *spec, &pipeline);
  REQUIRE_MESSAGE(built.ok(), built.ToString());
  // The first checkpoint creates the projections; the server reads the directory from then on.
  Status run_status;
  std::atomic<bool> finished{false};
  std::thread runner([&] {
    run_status = pipeline->Run();
    finished = true;
  });
  auto server = Serve(spec->state_dir);
  const int port = server->port();

  Follower live;
  // Until the projection exists the stream answers 404.
  for (int i = 0; i < 100000; ++i) {
    httplib::Client probe("127.0.0.1", port);
    auto res = probe.Get("/projections/recent");
    if (res && res->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // While the pipeline runs: three whole sets, then a disconnect in the middle of the fourth's
  // events (or wherever the next event falls).
  uint64_t ids_seen = 0, id_before = 0;
  live.Follow(port, "recent", [&] {
    if (live.last_id != id_before) {
      id_before = live.last_id;
      ++ids_seen;
    }
    return (ids_seen >= 3 && live.events % 7 == 3) || (finished && ids_seen > 0);
  });
  CHECK(live.last_id > 0);
  runner.join();
  REQUIRE_MESSAGE(run_status.ok(), run_status.ToString());
  const auto table = Table(port, "recent");
  REQUIRE(table.size() == 80);  // two rows of each of 40 keys

  // Resumed from its Last-Event-ID: every later set, until the copy equals the table.
  live.Follow(port, "recent", [&] { return live.rows == table; });
  CHECK(live.rows == table);
  CHECK(live.errors == 0);
  CHECK_FALSE(live.out_of_order);
  CHECK(live.resets <= 1);  // the fresh run's reset, if the follower came early enough

  // A new follower from nothing gets the whole history (it starts with the run's reset).
  Follower fresh;
  fresh.Follow(port, "recent", [&] { return fresh.rows == table && fresh.events > 1; });
  CHECK(fresh.rows == table);
  CHECK(fresh.resets == 1);

  // `short` keeps two sets: an old position gets a reset and the table, then nothing is missed.
  const auto short_table = Table(port, "short");
  CHECK(short_table == table);
  Follower late;
  late.last_id = 1;
  late.Follow(port, "short", [&] { return late.rows == short_table; });
  CHECK(late.rows == short_table);
  CHECK(late.resets == 1);
  CHECK(late.events == short_table.size() + 1);
  // A position past the newest set (a state directory made anew): a reset too.
  Follower ahead;
  ahead.last_id = 1'000'000'000;
  ahead.Follow(port, "recent", [&] { return ahead.rows == table; });
  CHECK(ahead.resets == 1);
  CHECK(ahead.last_id < 1'000'000'000);
}

TEST_CASE("changes: bad requests get 400; unknown projections and ones without history 404") {
  ScratchDir dir("http-changes-bad");
  std::string toml = Toml(dir, 10'000);
  toml.replace(toml.find("keep_changes = 2"), 16, "keep_changes = 0");
  WriteFile(dir.file("p.toml"), toml);
  auto spec = sluice::LoadPipelineFile(dir.file("p.toml"));
  REQUIRE(spec.ok());
  std::unique_ptr<Pipeline> pipeline;
  REQUIRE(Pipeline::Build(PipelineOptions(), *spec, &pipeline).ok());
  REQUIRE(pipeline->Run().ok());
  auto server = Serve(spec->state_dir);
  httplib::Client client("127.0.0.1", server->port());
  for (const char* path : {"/projections/re%24cent/changes", "/projections/recent/changes?x=1",
                           "/projections/recent/changes?last_event_id=abc"}) {
    INFO(path);
    auto res = client.Get(path);
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->body.find("\"error\":") != std::string::npos);
  }
  auto bad_header = client.Get("/projections/recent/changes", {{"Last-Event-ID", "-1"}});
  REQUIRE(bad_header);
  CHECK(bad_header->status == 400);
  for (const char* path : {"/projections/nope/changes", "/projections/short/changes"}) {
    INFO(path);
    auto missing = client.Get(path);
    REQUIRE(missing);
    CHECK(missing->status == 404);
  }
}
