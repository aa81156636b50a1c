// The nexmark source in pipeline files, and the query files under pipelines/nexmark.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "operators/nexmark.h"
#include "operators/nexmark_source.h"
#include "pipelines/toml_loader.h"

using namespace sluice;

namespace {

const std::string kQueries = std::string(SLUICE_SOURCE_DIR) + "/pipelines/nexmark";

std::string NexmarkPipeline(const std::string& keys) {
  return "[pipeline]\ncheckpoints = false\n\n[source]\ntype = \"nexmark\"\n" + keys +
         "\n[sink]\ntype = \"null\"\n";
}

std::string ErrorOf(const std::string& text) {
  auto r = LoadPipelineString(text, "n.toml");
  return r.ok() ? "" : r.status().message();
}

}  // namespace

TEST_CASE("nexmark source: table, dir, events, seed and the table's schema") {
  auto r = LoadPipelineString(
      NexmarkPipeline("table = \"bid\"\ndir = \"data\"\nevents = 500\nseed = 9\n"), "n.toml");
  REQUIRE(r.ok());
  CHECK(r->source.table == "bid");
  CHECK(r->source.path == "data");
  CHECK(r->source.events == 500);
  CHECK(r->source.seed == 9);
  CHECK(r->source.event_time == "date_time");
  CHECK(r->source.schema == NexmarkSchema(NexmarkTable::kBid));
  auto defaults = LoadPipelineString(NexmarkPipeline("table = \"person\"\ndir = \"\"\n"), "n.toml");
  REQUIRE(defaults.ok());
  CHECK(defaults->source.path.empty());
  CHECK(defaults->source.events == kNexmarkDefaultEvents);
  CHECK(defaults->source.seed == 0);
}

TEST_CASE("nexmark source: errors") {
  CHECK(ErrorOf(NexmarkPipeline("")) ==
        "n.toml:4:1: [source] of type \"nexmark\" needs 'table' (one of person, auction, bid)");
  CHECK(ErrorOf(NexmarkPipeline("table = \"bids\"")).find("n.toml:6:9: ") == 0);
  CHECK(ErrorOf(NexmarkPipeline("table = \"bid\"\ndir = 3")) ==
        "n.toml:7:7: 'dir' must be a string (the directory of the csv files, or \"\" to generate "
        "the events), found integer 3");
  CHECK(ErrorOf(NexmarkPipeline("table = \"bid\"\nschema = { auction = \"int64\" }"))
            .find("n.toml:7:10: the nexmark bid table's schema is fixed") == 0);
  CHECK(ErrorOf(NexmarkPipeline("table = \"bid\"\npath = \"x\"")).find("'path' does not apply") !=
        std::string::npos);
}

TEST_CASE("the nexmark queries load with and without an input directory") {
  for (const char* q : {"q0.toml", "q1.toml", "q2.toml"}) {
    CAPTURE(q);
    auto gen = LoadPipelineFile(kQueries + "/" + q);
    REQUIRE(gen.ok());
    CHECK(gen->source.type == "nexmark");
    CHECK(gen->source.table == "bid");
    CHECK(gen->source.path.empty());
    LoadOptions options;
    options.variables = {{"input", "/data"}, {"output", "out.csv"}};
    auto files = LoadPipelineFile(kQueries + "/" + q, options);
    REQUIRE(files.ok());
    CHECK(files->source.path == "/data");
    CHECK(files->sink.path == "out.csv");
  }
}

TEST_CASE("nexmark source: rate") {
  auto r = LoadPipelineString(NexmarkPipeline("table = \"bid\"\nrate = 1000\n"), "n.toml");
  REQUIRE(r.ok());
  CHECK(r->source.rate == 1000);
  CHECK(ErrorOf(NexmarkPipeline("table = \"bid\"\nrate = 0")) ==
        "n.toml:7:8: 'rate' must be an integer >= 1 (events per second), found integer 0");
  CHECK(ErrorOf(NexmarkPipeline("table = \"bid\"\ndir = \"d\"\nrate = 10")) ==
        "n.toml:8:8: 'rate' paces the generator; it does not apply when 'dir' names files");
  r = LoadPipelineString(
      NexmarkPipeline("table = \"bid\"\nrate = 1000\nmax_batch_delay = \"250us\"\n"), "n.toml");
  REQUIRE(r.ok());
  CHECK(r->source.max_batch_delay == 250);
  CHECK(ErrorOf(NexmarkPipeline("table = \"bid\"\nmax_batch_delay = \"1ms\"")) ==
        "n.toml:7:19: 'max_batch_delay' applies only with a 'rate' (paced events)");
}
