// Loads pipeline files (TOML) into a PipelineSpec.
#pragma once

#include <string>
#include <string_view>

#include "engine/pipeline_spec.h"

namespace sluice {

// Parses a pipeline file into a PipelineSpec. Shape errors (TOML syntax, unknown key, wrong type,
// missing key, bad duration, bad schema type) are InvalidArgument "FILE:LINE:COL: message".
// A missing/unreadable file is IOError "cannot open 'x.toml': No such file or directory".
Result<PipelineSpec> LoadPipelineFile(const std::string& path);
Result<PipelineSpec> LoadPipelineString(std::string_view text, const std::string& file_name);

}  // namespace sluice
