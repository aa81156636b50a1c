// Reading projections (storage/projection_store.h) for people and programs: what `sluice query`
// prints and what GET /projections serves, from one implementation so that the two agree.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/event_log.h"
#include "storage/projection_store.h"

namespace sluice::serve {

// A state directory opened read-only for its projections. NotFound when `dir` holds no
// projections (not a state directory, or none of its pipelines has a projection sink).
struct ProjectionReader {
  static Status Open(const std::string& dir, ProjectionReader* out);
  std::shared_ptr<EventLog> env;
  std::unique_ptr<ProjectionStore> store;
};

// "none yet", "end of input" or the ISO time of a watermark.
std::string WatermarkText(TimeUs w);

// What a projection reflects, as one JSON object: projection, table, pipeline, rows,
// checkpoint, updated_at, source_position, watermark, key (the `sluice query --freshness` line).
std::string FreshnessJson(const ProjectionInfo& info);

// Encodes key values (first key field first, each parsed as its field's type) as a key prefix.
// InvalidArgument for more values than key fields or a value that does not parse.
Status KeyPrefix(const ProjectionInfo& info, const std::vector<std::string>& values,
                 std::string* prefix);

// Projection names: 1 to 128 of [A-Za-z0-9_.-].
bool IsProjectionName(std::string_view name);

}  // namespace sluice::serve
