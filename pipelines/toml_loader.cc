#include "pipelines/toml_loader.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/byte_size.h"
#include "base/time_util.h"
#include "codecs/zstd_codec.h"
#include "operators/connector_types.h"
#include "operators/nexmark_source.h"
#include "pipelines/toml_errors.h"
#include "pipelines/toml_names.h"
#include "pipelines/toml_operators.h"
#include "pipelines/toml_reader.h"
#include "pipelines/toml_variables.h"

namespace sluice {
namespace {

constexpr int64_t kMaxParallelism = 4096;
constexpr int64_t kMaxBatchSize = int64_t{1} << 20;

const std::vector<std::string> kTables = {"pipeline", "source", "operator", "sink"};
// Which keys of [source] and [sink] belong to which types (operators/connector_types.h).
// Each key of `types` (those that may appear in files) with the types that own it, in order.
template <typename Type>
KeyOwners KeyOwnersOf(const std::vector<Type>& types) {
  KeyOwners owners;
  for (const Type& t : types) {
    if constexpr (std::is_same_v<Type, SinkType>) {
      if (!t.in_files) continue;
    }
    for (const std::string& key : t.keys) {
      auto it = std::find_if(owners.begin(), owners.end(), [&](auto& o) { return o.first == key; });
      if (it == owners.end()) it = owners.insert(owners.end(), {key, {}});
      it->second.push_back(t.name);
    }
  }
  return owners;
}

// One load of one document. Every check reports the position of the offending key or value.
class Loader : public TomlReader {
 public:
  Loader(std::string file, std::string_view doc, const LoadOptions& options)
      : TomlReader(std::move(file), doc), doc_(doc), options_(options) {}

  Result<PipelineSpec> Load();

 private:
  Status ReadPipeline(const toml::table& root, PipelineSpec* spec) const;
  Status ReadSources(const toml::table& root, PipelineSpec* spec) const;
  Status ReadSource(const toml::node& sn, const std::string& what, SourceSpec* src) const;
  Status ReadNexmark(const Table& t, SourceSpec* src) const;
  Status ReadSinks(const toml::table& root, PipelineSpec* spec) const;
  Status ReadSink(const toml::node& node, SinkSpec* sink) const;

  std::string_view doc_;        // the document; outlives the Loader
  const LoadOptions& options_;  // outlives the Loader
  mutable bool checkpoints_off_ = false;
};

Status Loader::ReadPipeline(const toml::table& root, PipelineSpec* spec) const {
  spec->name = std::filesystem::path(file()).stem().string();
  spec->loc = SourceLoc{file(), 0, 0};
  const toml::node* pn = root.get("pipeline");
  if (pn == nullptr) return Status::OK();
  if (!pn->is_table()) {
    return Error(*pn, fmt::format("'pipeline' must be a table, written [pipeline], found {}",
                                  DescribeNode(*pn)));
  }
  spec->loc = Loc(pn->source().begin);
  const Table t{pn->as_table(), pn, "[pipeline]"};
  SLUICE_RETURN_IF_ERROR(
      CheckKeys(t,
                {"name", "parallelism", "batch_size", "dead_letter_path", "late_path", "state_dir",
                 "checkpoints", "checkpoint_interval", "state_max_size", "http"},
                {}, ""));
  SLUICE_RETURN_IF_ERROR(GetString(t, "name", &spec->name, false));
  if (const toml::node* n = t.table->get("parallelism")) {
    const auto i = n->value_exact<int64_t>();
    const auto s = n->value_exact<std::string>();
    if (s && *s == "auto") {
      spec->parallelism = 0;
    } else if (i && *i >= 1 && *i <= kMaxParallelism) {
      spec->parallelism = static_cast<uint32_t>(*i);
    } else if (i && *i > kMaxParallelism) {
      return Error(*n, fmt::format("'parallelism' must be at most {}, found {}", kMaxParallelism,
                                   DescribeNode(*n)));
    } else {
      return Error(*n, fmt::format("'parallelism' must be an integer >= 1 or \"auto\", found {}",
                                   DescribeNode(*n)));
    }
  }
  if (const toml::node* n = t.table->get("batch_size")) {
    const auto i = n->value_exact<int64_t>();
    if (!i || *i < 1 || *i > kMaxBatchSize) {
      return Error(*n, fmt::format("'batch_size' must be an integer from 1 to {}, found {}",
                                   kMaxBatchSize, DescribeNode(*n)));
    }
    spec->batch_size = static_cast<uint32_t>(*i);
  }
  SLUICE_RETURN_IF_ERROR(GetString(t, "dead_letter_path", &spec->dead_letter_path, false));
  SLUICE_RETURN_IF_ERROR(GetString(t, "late_path", &spec->late_path, false));
  SLUICE_RETURN_IF_ERROR(GetString(t, "state_dir", &spec->state_dir, false));
  SLUICE_RETURN_IF_ERROR(GetString(t, "http", &spec->http, false));
  bool checkpoints = true;
  SLUICE_RETURN_IF_ERROR(GetBool(t, "checkpoints", &checkpoints));
  if (!checkpoints && t.table->get("state_dir") != nullptr) {
    return Error(*t.table->get("state_dir"),
                 "'state_dir' is for checkpoints, which 'checkpoints = false' turns off");
  }
  SLUICE_RETURN_IF_ERROR(
      GetDuration(t, "checkpoint_interval", &spec->checkpoint_interval, false, true));
  if (const toml::node* n = t.table->get("state_max_size")) {
    if (!checkpoints) {
      return Error(*n,
                   "'state_max_size' is for checkpoints, which 'checkpoints = false' turns off");
    }
    Result<uint64_t> bytes = uint64_t{0};
    if (const auto i = n->value_exact<int64_t>()) {
      bytes = static_cast<uint64_t>(std::max<int64_t>(*i, 0));
    } else if (const auto s = n->value_exact<std::string>()) {
      bytes = ParseByteSize(*s);
    }
    if (!bytes.ok() || *bytes < kMinStateMaxSize) {
      return Error(*n, fmt::format("'state_max_size' must be a size of at least 1MiB, such as "
                                   "\"256MiB\" or \"4GiB\" (units B, KiB, MiB, GiB, TiB, KB, MB, "
                                   "GB, TB) or a number of bytes, found {}",
                                   DescribeNode(*n)));
    }
    spec->state_max_size = *bytes;
  }
  if (!checkpoints) spec->state_dir.clear();
  checkpoints_off_ = !checkpoints;
  return Status::OK();
}

// [source] is one table; [[source]] an array of them, the first of which is PipelineSpec::source
// and the others more_sources, in file order. With several, each needs a name.
Status Loader::ReadSources(const toml::table& root, PipelineSpec* spec) const {
  const toml::node* sn = root.get("source");
  if (sn == nullptr) return Status::InvalidArgument(file() + ": missing [source] table");
  if (sn->is_table()) return ReadSource(*sn, "[source]", &spec->source);
  const toml::array* arr = sn->as_array();
  if (arr == nullptr || arr->empty() || !arr->is_array_of_tables()) {
    return Error(*sn, fmt::format("'source' must be a table, written [source] (or several, "
                                  "written [[source]]), found {}",
                                  DescribeNode(*sn)));
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& n = *arr->get(i);
    SourceSpec src;
    SLUICE_RETURN_IF_ERROR(ReadSource(n, fmt::format("[[source]] #{}", i + 1), &src));
    if (arr->size() > 1 && src.name.empty()) {
      return Error(n, fmt::format("[[source]] #{} needs 'name': a pipeline with several sources "
                                  "names each one, for the 'input' of operators and sinks",
                                  i + 1));
    }
    if (i == 0) {
      spec->source = std::move(src);
    } else {
      spec->more_sources.push_back(std::move(src));
    }
  }
  return Status::OK();
}

Status Loader::ReadSource(const toml::node& sn, const std::string& what, SourceSpec* src) const {
  src->loc = Loc(sn.source().begin);
  Table t{sn.as_table(), &sn, what};
  static const std::vector<std::string> kSourceTypes = SourceTypeNames();
  static const KeyOwners kSourceKeys = KeyOwnersOf(SourceTypes());
  SLUICE_RETURN_IF_ERROR(GetOneOf(t, "type", kSourceTypes, "source type", &src->type));
  t.what = fmt::format("{} of type \"{}\"", what, src->type);
  // name and idle_timeout are kept out of the "expected" list, as the graph keys of operators.
  SLUICE_RETURN_IF_ERROR(CheckKeys(t, {"type", "event_time", "max_out_of_orderness"}, kSourceKeys,
                                   src->type, {"name", "idle_timeout"}));
  SLUICE_RETURN_IF_ERROR(GetName(t, "name", &src->name));
  SLUICE_RETURN_IF_ERROR(GetDuration(t, "idle_timeout", &src->idle_timeout, false, false));
  const SourceType& type = *FindSourceType(src->type);
  const bool generator = type.fixed_schema != nullptr;
  SLUICE_RETURN_IF_ERROR(GetString(t, "path", &src->path, type.needs_path));

  const toml::node* schema = t.table->get("schema");
  if (src->type == "nexmark") {
    SLUICE_RETURN_IF_ERROR(ReadNexmark(t, src));
  } else if (generator) {
    src->schema = type.fixed_schema();
    if (schema != nullptr) {
      Schema written;
      SLUICE_RETURN_IF_ERROR(ReadSchema(*schema, &written));
      if (!(written == src->schema)) {
        return Error(*schema, fmt::format("a {}'s schema is fixed ({}); leave 'schema' out",
                                          src->type, src->schema.ToString()));
      }
    }
  } else if (schema == nullptr) {
    return Missing(t, "schema");
  } else {
    SLUICE_RETURN_IF_ERROR(ReadSchema(*schema, &src->schema));
  }

  SLUICE_RETURN_IF_ERROR(GetString(t, "event_time", &src->event_time, false));
  if (generator && src->event_time.empty()) src->event_time = "ts";
  if (src->type == "nexmark" && src->event_time.empty()) src->event_time = "date_time";
  if (const toml::node* n = t.table->get("event_time")) {
    int i = src->schema.IndexOf(src->event_time);
    if (i < 0) {
      std::vector<std::string> names;
      for (const Field& f : src->schema.fields()) names.push_back(f.name);
      return Error(*n, fmt::format("event_time '{}' is not a field of the schema (fields: {})",
                                   src->event_time, JoinNames(names)));
    }
    const Field& f = src->schema.field(static_cast<size_t>(i));
    if (f.type != Type::kTimestamp && f.type != Type::kInt64) {
      return Error(*n, fmt::format("event_time '{}' must be a timestamp or int64 field, but it "
                                   "is {}",
                                   f.name, TypeName(f)));
    }
  }
  SLUICE_RETURN_IF_ERROR(
      GetDuration(t, "max_out_of_orderness", &src->max_out_of_orderness, false, false));

  if (const toml::node* n = t.table->get("delimiter")) {
    const auto s = n->value_exact<std::string>();
    if (!s || s->size() != 1 || *s == "\"" || *s == "\n" || *s == "\r") {
      return Error(*n, fmt::format("'delimiter' must be one character such as \",\", \";\" or "
                                   "\"\\t\" (not a quote or newline), found {}",
                                   DescribeNode(*n)));
    }
    src->delimiter = (*s)[0];
  }
  for (const auto& [key, min, out] :
       {std::tuple{"events", 0, &src->events}, std::tuple{"keys", 1, &src->keys}}) {
    if (const toml::node* n = t.table->get(key)) {
      const auto i = n->value_exact<int64_t>();
      if (!i || *i < min) {
        return Error(
            *n, fmt::format("'{}' must be an integer >= {}, found {}", key, min, DescribeNode(*n)));
      }
      *out = static_cast<uint64_t>(*i);
    }
  }
  SLUICE_RETURN_IF_ERROR(GetString(t, "stream", &src->stream, false));
  std::vector<const toml::node*> types;
  SLUICE_RETURN_IF_ERROR(GetStrings(t, "types", &types, false));
  for (const toml::node* n : types) src->types.push_back(n->as_string()->get());
  if (const toml::node* n = t.table->get("from")) {
    const auto i = n->value_exact<int64_t>();
    const auto s = n->value_exact<std::string>();
    if (i && *i >= 0) {
      src->from = std::to_string(*i);
    } else if (s && !s->empty()) {
      src->from = *s;
    } else {
      return Error(*n, fmt::format("'from' must be \"beginning\", a log position (integer >= 0) "
                                   "or an ISO time string, found {}",
                                   DescribeNode(*n)));
    }
  }
  SLUICE_RETURN_IF_ERROR(GetBool(t, "follow", &src->follow));
  return Status::OK();
}

// The keys of a nexmark source: `table` (required), `dir` (may be empty: generate), `events`
// (read with the generator's, default kNexmarkDefaultEvents), `seed` and `rate` (events/s, with
// an empty `dir` only); its schema is its
// table's, which a written `schema` must equal.
Status Loader::ReadNexmark(const Table& t, SourceSpec* src) const {
  SLUICE_RETURN_IF_ERROR(
      GetOneOf(t, "table", {"person", "auction", "bid"}, "nexmark table", &src->table));
  src->schema = NexmarkSchema(*ParseNexmarkTable(src->table));
  if (const toml::node* schema = t.table->get("schema")) {
    Schema written;
    SLUICE_RETURN_IF_ERROR(ReadSchema(*schema, &written));
    if (!(written == src->schema)) {
      return Error(*schema, fmt::format("the nexmark {} table's schema is fixed ({}); leave "
                                        "'schema' out",
                                        src->table, src->schema.ToString()));
    }
  }
  if (const toml::node* n = t.table->get("dir")) {
    if (!n->is_string()) {
      return Error(*n, fmt::format("'dir' must be a string (the directory of the csv files, or "
                                   "\"\" to generate the events), found {}",
                                   DescribeNode(*n)));
    }
    src->path = n->as_string()->get();
  }
  src->events = kNexmarkDefaultEvents;
  if (const toml::node* n = t.table->get("seed")) {
    const auto i = n->value_exact<int64_t>();
    if (!i || *i < 0) {
      return Error(*n, fmt::format("'seed' must be an integer >= 0, found {}", DescribeNode(*n)));
    }
    src->seed = static_cast<uint64_t>(*i);
  }
  if (const toml::node* n = t.table->get("rate")) {
    const auto i = n->value_exact<int64_t>();
    if (!i || *i < 1) {
      return Error(*n, fmt::format("'rate' must be an integer >= 1 (events per second), found {}",
                                   DescribeNode(*n)));
    }
    if (!src->path.empty()) {
      return Error(*n, "'rate' paces the generator; it does not apply when 'dir' names files");
    }
    src->rate = static_cast<uint64_t>(*i);
  }
  if (const toml::node* n = t.table->get("max_batch_delay")) {
    if (src->rate == 0) {
      return Error(*n, "'max_batch_delay' applies only with a 'rate' (paced events)");
    }
    SLUICE_RETURN_IF_ERROR(GetDuration(t, "max_batch_delay", &src->max_batch_delay, false, false));
  }
  return Status::OK();
}

// [sink] is one table; [[sink]] an array of them, every one receiving the same rows.
Status Loader::ReadSinks(const toml::table& root, PipelineSpec* spec) const {
  const toml::node* sn = root.get("sink");
  if (sn == nullptr) return Status::InvalidArgument(file() + ": missing [sink] table");
  if (sn->is_table()) return ReadSink(*sn, &spec->sink);
  const toml::array* arr = sn->as_array();
  if (arr == nullptr || arr->empty() || !arr->is_array_of_tables()) {
    return Error(*sn, fmt::format("'sink' must be a table, written [sink] (or several, written "
                                  "[[sink]]), found {}",
                                  DescribeNode(*sn)));
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    SinkSpec sink;
    SLUICE_RETURN_IF_ERROR(ReadSink(*arr->get(i), &sink));
    if (i == 0) {
      spec->sink = std::move(sink);
    } else {
      spec->more_sinks.push_back(std::move(sink));
    }
  }
  return Status::OK();
}

Status Loader::ReadSink(const toml::node& sn, SinkSpec* sink) const {
  sink->loc = Loc(sn.source().begin);
  Table t{sn.as_table(), &sn, "[sink]"};
  static const std::vector<std::string> kSinkTypes = SinkTypeNames(true);
  static const KeyOwners kSinkKeys = KeyOwnersOf(SinkTypes());
  SLUICE_RETURN_IF_ERROR(GetOneOf(t, "type", kSinkTypes, "sink type", &sink->type));
  t.what = fmt::format("[sink] of type \"{}\"", sink->type);
  SLUICE_RETURN_IF_ERROR(CheckKeys(t, {"type"}, kSinkKeys, sink->type, {"input"}));
  SLUICE_RETURN_IF_ERROR(GetString(t, "input", &sink->input, false));
  SLUICE_RETURN_IF_ERROR(GetString(t, "path", &sink->path, FindSinkType(sink->type)->needs_path));
  if (t.table->get("format") != nullptr) {
    SLUICE_RETURN_IF_ERROR(GetOneOf(t, "format", {"jsonl", "csv"}, "stdout format", &sink->format));
  }
  SLUICE_RETURN_IF_ERROR(GetString(t, "stream", &sink->stream, false));
  SLUICE_RETURN_IF_ERROR(GetString(t, "event_type", &sink->event_type, false));
  if (t.table->get("sync") != nullptr) {
    SLUICE_RETURN_IF_ERROR(
        GetOneOf(t, "sync", {"batch", "checkpoint"}, "log sink sync mode", &sink->sync));
  }
  if (t.table->get("compression") != nullptr) {
    SLUICE_RETURN_IF_ERROR(
        GetOneOf(t, "compression", {"none", "zstd"}, "log sink compression", &sink->compression));
  }
  int64_t level = sink->compression_level;
  SLUICE_RETURN_IF_ERROR(
      GetInt(t, "compression_level", kZstdMinLevel, kZstdMaxLevel, &level, false));
  sink->compression_level = static_cast<int>(level);
  if (sink->type != "projection") return Status::OK();
  SLUICE_RETURN_IF_ERROR(GetString(t, "name", &sink->name, true));
  std::vector<const toml::node*> key;
  SLUICE_RETURN_IF_ERROR(GetStrings(t, "key", &key, false));
  for (const toml::node* n : key) sink->key.push_back(n->as_string()->get());
  int64_t keep = static_cast<int64_t>(sink->keep_changes);
  SLUICE_RETURN_IF_ERROR(GetInt(t, "keep_changes", 0, int64_t{1} << 40, &keep, false));
  sink->keep_changes = static_cast<uint64_t>(keep);
  if (checkpoints_off_) {
    return Error(sn, fmt::format("projection '{}' lives in the pipeline's state directory, "
                                 "which 'checkpoints = false' turns off",
                                 sink->name));
  }
  return Status::OK();
}

Result<PipelineSpec> Loader::Load() {
  toml::table root;
#if TOML_EXCEPTIONS
  try {
    root = toml::parse(doc_, std::string_view(file()));
  } catch (const toml::parse_error& e) {
    return Error(e.source().begin, std::string(e.description()));
  } catch (const std::exception& e) {
    return Status::Internal(fmt::format("{}: reading TOML failed: {}", file(), e.what()));
  }
#else
  toml::parse_result parsed = toml::parse(doc_, std::string_view(file()));
  if (!parsed) {
    return Error(parsed.error().source().begin, std::string(parsed.error().description()));
  }
  root = std::move(parsed).table();
#endif
  SLUICE_RETURN_IF_ERROR(SubstituteVariables(*this, options_.variables, &root));
  for (const auto& [k, v] : root) {
    const std::string key(k.str());
    if (Contains(kTables, key)) continue;
    // A table is reported at its header, a key at the key.
    const bool is_table = v.is_table() || v.is_array_of_tables();
    const toml::source_position at = (is_table && v.source().begin.line) || !k.source().begin.line
                                         ? v.source().begin
                                         : k.source().begin;
    if (!is_table) {
      return Error(at, fmt::format("unknown top-level key '{}' (keys go inside [pipeline], "
                                   "[source], [[operator]] or [sink])",
                                   key));
    }
    std::string best = ClosestName(key, kTables);
    return Error(at, best.empty()
                         ? fmt::format("unknown table '{}' (expected [pipeline], "
                                       "[source], [[operator]], [sink])",
                                       key)
                         : fmt::format("unknown table '{}' (did you mean '{}'?)", key, best));
  }
  PipelineSpec spec;
  spec.file = file();
  SLUICE_RETURN_IF_ERROR(ReadPipeline(root, &spec));
  SLUICE_RETURN_IF_ERROR(ReadSources(root, &spec));
  SLUICE_RETURN_IF_ERROR(ReadOperators(*this, root, &spec.operators));
  SLUICE_RETURN_IF_ERROR(CheckNames(*this, root));
  SLUICE_RETURN_IF_ERROR(ReadSinks(root, &spec));
  // Checkpoints are on unless turned off; their state lives in "<name>.state" by default.
  if (!checkpoints_off_ && spec.state_dir.empty()) spec.state_dir = spec.name + ".state";
  return spec;
}

}  // namespace

Result<PipelineSpec> LoadPipelineString(std::string_view text, const std::string& file_name,
                                        const LoadOptions& options) {
  return Loader(file_name, text, options).Load();
}

namespace {

// "a character device", "a socket", ...: what a path that is not a regular file names.
std::string_view FileKind(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

}  // namespace

Result<PipelineSpec> LoadPipelineFile(const std::string& path, const LoadOptions& options) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Status::IOError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(::fileno(f), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) &&
      !S_ISFIFO(st.st_mode)) {
    std::fclose(f);
    return Status::InvalidArgument(
        fmt::format("'{}' is {}, not a pipeline file; give the path of a TOML file", path,
                    FileKind(st.st_mode)));
  }
  // Read at most one byte more than the limit: a larger file (or an endless pipe) is refused
  // without being read to its end.
  std::string text;
  char buf[1 << 14];
  size_t n;
  while (text.size() <= kMaxPipelineFileBytes && (n = std::fread(buf, 1, sizeof(buf), f)) > 0) {
    text.append(buf, n);
  }
  const int read_error = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (read_error != 0) {
    return Status::IOError(fmt::format("cannot open '{}': {}", path, std::strerror(read_error)));
  }
  if (text.size() > kMaxPipelineFileBytes) {
    return Status::InvalidArgument(
        fmt::format("'{}' is larger than {} bytes (1 MiB), the limit for a pipeline file; a "
                    "pipeline file holds its definition only, never data",
                    path, kMaxPipelineFileBytes));
  }
  return LoadPipelineString(text, path, options);
}

}  // namespace sluice
