#include "cli/query_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "codecs/json.h"
#include "base/time_util.h"
#include "operators/record_parse.h"
#include "serve/projection_query.h"
#include "storage/projection_store.h"

namespace sluice::cli {
namespace {

using serve::FreshnessJson;
using serve::KeyPrefix;
using serve::WatermarkText;

struct QueryArgs {
  std::string dir;
  std::string projection;
  std::vector<std::string> key;
  uint64_t limit = 0;
  bool freshness = false;
};

int Query(const QueryArgs& args) {
  serve::ProjectionReader reader;
  Status s = serve::ProjectionReader::Open(args.dir, &reader);
  ProjectionStore* store = reader.store.get();
  if (!s.ok()) {
    if (s.IsNotFound()) {
      fmt::print(stderr,
                 "sluice: '{}' holds no projections (not a pipeline's state directory, "
                 "or none of its pipelines has a projection sink)\n",
                 args.dir);
    } else {
      fmt::print(stderr, "sluice: cannot read projections in '{}': {}\n", args.dir, s.message());
    }
    return 1;
  }
  if (args.projection.empty()) {
    std::vector<ProjectionInfo> all;
    s = store->List(&all);
    if (!s.ok()) {
      fmt::print(stderr, "sluice: {}\n", s.message());
      return 1;
    }
    for (const ProjectionInfo& info : all) fmt::print("{}\n", FreshnessJson(info));
    return 0;
  }
  ProjectionInfo info;
  s = store->GetInfo(args.projection, &info);
  if (!s.ok()) {
    fmt::print(stderr, "sluice: {} in '{}'\n", s.message(), args.dir);
    return 1;
  }
  if (args.freshness) {
    fmt::print("{}\n", FreshnessJson(info));
    return 0;
  }
  std::string prefix;
  s = KeyPrefix(info, args.key, &prefix);
  if (!s.ok()) {
    fmt::print(stderr, "sluice: {}\n", s.message());
    return 2;
  }
  fmt::print(stderr,
             "# projection '{}' (table '{}'): {} rows, checkpoint {} of '{}' at {}, "
             "source position {}, watermark {}\n",
             info.name, info.physical, info.rows, info.checkpoint_id, info.pipeline,
             FormatIso(info.updated_at), info.position.empty() ? "-" : info.position,
             WatermarkText(info.watermark));
  uint64_t printed = 0, scanned = 0;
  std::string out;
  s = store->Scan(info.physical, prefix, [&](std::string_view, std::string_view json) {
    ++scanned;
    out.append(json);
    out.push_back('\n');
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
    return args.limit == 0 || ++printed < args.limit;
  });
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (!s.ok()) {
    fmt::print(stderr, "sluice: {}\n", s.message());
    return 1;
  }
  // A whole table read is checked against the count committed with it.
  if (prefix.empty() && args.limit == 0 && scanned != info.rows) {
    fmt::print(stderr,
               "sluice: projection '{}' (table '{}') holds {} rows, but its last checkpoint "
               "recorded {} (the state directory is damaged; rebuild the projection with sluice "
               "replay --into, or sluice run --from-scratch)\n",
               info.name, info.physical, scanned, info.rows);
    return 1;
  }
  return 0;
}

}  // namespace

void AddQueryCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<QueryArgs>();
  CLI::App* q = app.add_subcommand(
      "query", "Read a projection from a pipeline's state directory as JSON lines");
  q->add_option("DIR", args->dir, "The pipeline's state directory (state_dir)")->required();
  q->add_option("PROJECTION", args->projection, "Projection name; omit to list them all");
  q->add_option("KEY", args->key,
                "Key values, first key field first; rows whose key starts with them");
  q->add_option("--limit", args->limit, "Print at most this many rows (0 = all)");
  q->add_flag("--freshness", args->freshness,
              "Print only what the projection reflects (checkpoint, source position, "
              "watermark) as JSON");
  q->footer("The projection's freshness goes to stderr as a line starting with '#'.");
  q->callback([args, exit_code] { *exit_code = Query(*args); });
}

}  // namespace sluice::cli
