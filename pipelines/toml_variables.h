// Pipeline variables: `${NAME}` and `${NAME:-default}` in the string values of a pipeline file.
//
// Substitution runs on the parsed document, before any table is read, over every string value
// (in tables, arrays and inline tables; keys are never substituted). Within a string:
//   ${NAME}            the value given for NAME; an error when none is given
//   ${NAME:-default}   the value given for NAME, else `default` (which may be empty, and is
//                      taken literally: it holds no further ${...})
//   $${                a literal "${" (the escape; any other '$' is kept as written)
// NAME is letters, digits and '_', not starting with a digit. Errors are InvalidArgument
// "FILE:LINE:COL: message", pointing at the '$' that starts the reference.
// Thread-safe: calls share no state.
#pragma once

#include <toml++/toml.h>

#include "base/status.h"
#include "pipelines/toml_loader.h"
#include "pipelines/toml_reader.h"

namespace sluice {

// Replaces the references in every string value of `root` with their values from `vars`.
Status SubstituteVariables(const TomlReader& reader, const PipelineVariables& vars,
                           toml::table* root);

}  // namespace sluice
