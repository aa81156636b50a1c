// Loads pipeline files (TOML) into a PipelineSpec. The file format is described in
// docs/pipelines.md.
//
// The loader checks shape only: tables, keys, value types, durations, schema types, and that
// event_time names a timestamp or int64 field; of graphs, that names are identifiers used once
// among sources and operators, and that unions and joins have the right number of inputs. Whether
// inputs name something, cycles, schemas and key types are for the planner. What expressions and
// aggregates mean, and whether operators come in a valid order, is checked by the planner, which
// reports it through the SourceLoc fields recorded here (file, 1-based line and column, columns in
// code points):
//   PipelineSpec::loc      the [pipeline] header (line 0 when there is none)
//   SourceSpec::loc        the [source] (or [[source]]) header, for more_sources too
//   OperatorSpec::loc      the [[operator]] header (unions and joins too); for a filter, the
//                          first character of the `where` text inside its quotes
//   Assignment::loc        the first character of the expression after "field = "
//   AggregateSpec::loc     the first character of the aggregate text
//   SinkSpec::loc          the [sink] header
// Thread-safe: calls share no state. No exception escapes.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "sluice/pipeline_spec.h"

namespace sluice {

// The largest pipeline file LoadPipelineFile reads: 1 MiB, far above any real pipeline, so that
// `sluice validate /dev/zero` or a data file given by mistake fails at once.
constexpr size_t kMaxPipelineFileBytes = size_t{1} << 20;

// Values for the variables of a pipeline file (`${NAME}`, `${NAME:-default}` in its string
// values; docs/pipelines.md, "Variables"): NAME -> value.
using PipelineVariables = std::map<std::string, std::string>;

// OK when `name` is a variable name: letters, digits and '_', not starting with a digit.
Status CheckVariableName(std::string_view name);

struct LoadOptions {
  // Substituted into the file's string values before they are read. A reference to a variable
  // that has no value here and no default is an error at the reference. Names that the file
  // does not use are ignored, so that one set of values can serve several files.
  PipelineVariables variables;
};

// Parses a pipeline file into a PipelineSpec. Shape errors (TOML syntax, unknown key, wrong type,
// missing key, bad duration, bad schema type) are InvalidArgument "FILE:LINE:COL: message".
// A missing/unreadable file is IOError "cannot open 'x.toml': No such file or directory". A file
// larger than kMaxPipelineFileBytes, or a path that names a device or socket, is InvalidArgument
// (a pipe is read, up to the same limit).
// A variable name in `options` that is not a name is InvalidArgument.
Result<PipelineSpec> LoadPipelineFile(const std::string& path,
                                      const LoadOptions& options = LoadOptions());
// The same for a document already in memory; `file_name` is used in positions and messages, and
// its stem is the default pipeline name.
Result<PipelineSpec> LoadPipelineString(std::string_view text, const std::string& file_name,
                                        const LoadOptions& options = LoadOptions());

}  // namespace sluice
