// Loads pipeline files (TOML) into a PipelineSpec. The file format is described in
// docs/pipelines.md.
//
// The loader checks shape only: tables, keys, value types, durations, schema types, and that
// event_time names a timestamp or int64 field. What expressions and aggregates mean, and
// whether operators come in a valid order, is checked by the planner, which reports it through
// the SourceLoc fields recorded here (file, 1-based line and column, columns in code points):
//   PipelineSpec::loc      the [pipeline] header (line 0 when there is none)
//   SourceSpec::loc        the [source] header
//   OperatorSpec::loc      the [[operator]] header; for a filter, the first character of the
//                          `where` text inside its quotes
//   Assignment::loc        the first character of the expression after "field = "
//   AggregateSpec::loc     the first character of the aggregate text
//   SinkSpec::loc          the [sink] header
// Thread-safe: calls share no state. No exception escapes.
#pragma once

#include <string>
#include <string_view>

#include "engine/pipeline_spec.h"

namespace sluice {

// Parses a pipeline file into a PipelineSpec. Shape errors (TOML syntax, unknown key, wrong type,
// missing key, bad duration, bad schema type) are InvalidArgument "FILE:LINE:COL: message".
// A missing/unreadable file is IOError "cannot open 'x.toml': No such file or directory".
Result<PipelineSpec> LoadPipelineFile(const std::string& path);
// The same for a document already in memory; `file_name` is used in positions and messages, and
// its stem is the default pipeline name.
Result<PipelineSpec> LoadPipelineString(std::string_view text, const std::string& file_name);

}  // namespace sluice
