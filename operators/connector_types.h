// The registry of source and sink types: for each type, its name, the keys its TOML table may
// hold, whether it needs a path, what it adds to a pipeline's definition text (the text a
// checkpoint is matched against), and its factory. The TOML loader, the planner, the
// definition text and MakeSource/MakeSink all read these tables, so a new type is one entry.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "operators/sink.h"
#include "operators/source.h"

namespace sluice {

struct SourceType {
  std::string name;               // the TOML `type`, e.g. "csv"
  std::vector<std::string> keys;  // keys of [source] besides type, event_time, max_out_of_orderness
  bool needs_path = false;
  // The fixed schema of a source that makes its own rows (the generator), else null.
  Schema (*fixed_schema)() = nullptr;
  // The type's settings as they appear on the definition's source line (" delimiter=,").
  std::function<std::string(const SourceSpec&)> describe;
  std::function<Result<std::unique_ptr<Source>>(const SourceSpec&, const SourceOptions&)> make;
};

struct SinkType {
  std::string name;               // the TOML `type`, e.g. "csv"
  std::vector<std::string> keys;  // keys of [sink] besides type
  bool needs_path = false;
  bool in_files = true;     // may be declared in a pipeline file (a collector is C++ only)
  bool writes_file = false;  // its path is an output file (no two sinks may share one)
  // The type's settings as they appear on the definition's sink line (" stream=... ").
  std::function<std::string(const SinkSpec&)> describe;
  std::function<Result<std::unique_ptr<Sink>>(const SinkSpec&)> make;
};

const std::vector<SourceType>& SourceTypes();
const std::vector<SinkType>& SinkTypes();
// The type named `name`, or null.
const SourceType* FindSourceType(std::string_view name);
const SinkType* FindSinkType(std::string_view name);
// The type names, in registry order ("csv, jsonl, generator, log"); for sinks, only those a
// pipeline file may declare when `files_only`.
std::vector<std::string> SourceTypeNames();
std::vector<std::string> SinkTypeNames(bool files_only);

}  // namespace sluice
