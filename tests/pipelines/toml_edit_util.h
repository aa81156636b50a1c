// For the error tests of pipeline files: a checked-in file read, edited in one place and
// loaded, and the loader's message kept.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "pipelines/toml_loader.h"

namespace sluice::testing {

// The text of tests/data/pipelines/<name>.
inline std::string DataPipeline(const std::string& name) {
  const std::string path = std::string(SLUICE_SOURCE_DIR) + "/tests/data/pipelines/" + name;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::string text(8192, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  return text;
}

// `text` with the first occurrence of `from` replaced by `to` (which must occur).
inline std::string ReplaceFirst(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  text.replace(at, from.size(), to);
  return text;
}

// The error message of loading `text` as `file` ("" when it loads); it must be InvalidArgument.
inline std::string LoadError(const std::string& text, const std::string& file) {
  auto r = LoadPipelineString(text, file);
  if (r.ok()) return "";
  CHECK(r.status().IsInvalidArgument());
  return r.status().message();
}

}  // namespace sluice::testing
