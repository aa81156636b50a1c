// The names of a pipeline file's graph: sources and operators share one namespace.
#pragma once

#include <toml++/toml.h>

#include "pipelines/toml_reader.h"

namespace sluice {

// The second use of a `name` among the [source]/[[source]] and [[operator]] tables of `root`, in
// file order, is an error at that name, which says where the first is. REQUIRES: the tables were
// read (ReadSources, ReadOperators), so every `name` is a string.
Status CheckNames(const TomlReader& r, const toml::table& root);

}  // namespace sluice
