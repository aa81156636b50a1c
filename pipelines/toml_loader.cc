#include "pipelines/toml_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "engine/time_util.h"

namespace sluice {
namespace {

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  SourceLoc Loc(const toml::node& n) const {
    SourceLoc l;
    l.file = file_;
    l.line = static_cast<int>(n.source().begin.line);
    l.column = static_cast<int>(n.source().begin.column);
    return l;
  }
  // Position of the first character inside a string value's quotes.
  SourceLoc TextLoc(const toml::node& n) const {
    SourceLoc l = Loc(n);
    l.column += 1;
    return l;
  }
  Status Err(const toml::node& n, const std::string& msg) const {
    return Status::InvalidArgument(Loc(n).Prefix() + msg);
  }
  Status Err(const std::string& msg) const { return Status::InvalidArgument(file_ + ": " + msg); }

  Status CheckKeys(const toml::table& t, const std::string& where,
                   const std::set<std::string>& allowed) const {
    for (const auto& [k, v] : t) {
      std::string key(k.str());
      if (allowed.count(key)) continue;
      std::string best;
      size_t best_d = 3;
      for (const auto& a : allowed) {
        size_t d = EditDistance(key, a);
        if (d < best_d) best_d = d, best = a;
      }
      std::string hint = best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      SourceLoc at;
      at.file = file_;
      at.line = static_cast<int>(k.source().begin.line);
      at.column = static_cast<int>(k.source().begin.column);
      if (!at.known()) at = Loc(v);
      return Status::InvalidArgument(
          at.Prefix() + fmt::format("unknown key '{}' in {}{}; allowed: {}", key, where, hint, list));
    }
    return Status::OK();
  }

  static size_t EditDistance(const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
      }
      std::swap(prev, cur);
    }
    return prev[b.size()];
  }

  Status GetString(const toml::table& t, const char* key, std::string* out, bool required,
                   const std::string& where, const toml::node& table_node) const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) return Err(table_node, fmt::format("{} needs '{}'", where, key));
      return Status::OK();
    }
    auto v = n->value<std::string>();
    if (!n->is_string() || !v) {
      return Err(*n, fmt::format("'{}' must be a string, found {}", key, TypeOf(*n)));
    }
    *out = *v;
    return Status::OK();
  }

  Status GetDuration(const toml::table& t, const char* key, int64_t* out, bool required,
                     const std::string& where, const toml::node& table_node) const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) return Err(table_node, fmt::format("{} needs '{}'", where, key));
      return Status::OK();
    }
    if (!n->is_string()) {
      return Err(*n, fmt::format("'{}' must be a duration string such as \"10s\", found {}", key,
                                 TypeOf(*n)));
    }
    auto d = ParseDuration(*n->value<std::string>());
    if (!d.ok()) return Err(*n, fmt::format("'{}': {}", key, d.status().message()));
    *out = *d;
    return Status::OK();
  }

  Status GetStrings(const toml::table& t, const char* key, std::vector<std::string>* out,
                    std::vector<SourceLoc>* locs, bool required, const std::string& where,
                    const toml::node& table_node) const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) return Err(table_node, fmt::format("{} needs '{}'", where, key));
      return Status::OK();
    }
    const toml::array* a = n->as_array();
    if (!a) return Err(*n, fmt::format("'{}' must be an array of strings, found {}", key, TypeOf(*n)));
    for (const toml::node& e : *a) {
      if (!e.is_string()) {
        return Err(e, fmt::format("'{}' must contain only strings, found {}", key, TypeOf(e)));
      }
      out->push_back(*e.value<std::string>());
      if (locs) locs->push_back(TextLoc(e));
    }
    if (required && out->empty()) return Err(*n, fmt::format("'{}' must not be empty", key));
    return Status::OK();
  }

  static std::string TypeOf(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::string: return fmt::format("string \"{}\"", *n.value<std::string>());
      case toml::node_type::integer: return fmt::format("integer {}", *n.value<int64_t>());
      case toml::node_type::floating_point: return "float";
      case toml::node_type::boolean: return "bool";
      case toml::node_type::array: return "array";
      case toml::node_type::table: return "table";
      default: return "date/time";
    }
  }

  Status Pipeline(const toml::table& root, PipelineSpec* spec) {
    spec->name = std::filesystem::path(file_).stem().string();
    const toml::node* pn = root.get("pipeline");
    if (!pn) return Status::OK();
    const toml::table* t = pn->as_table();
    if (!t) return Err(*pn, "[pipeline] must be a table");
    spec->loc = Loc(*pn);
    SLUICE_RETURN_IF_ERROR(CheckKeys(*t, "[pipeline]",
                                     {"name", "parallelism", "batch_size", "dead_letter_path",
                                      "late_path", "checkpoint_interval"}));
    SLUICE_RETURN_IF_ERROR(GetString(*t, "name", &spec->name, false, "[pipeline]", *pn));
    if (const toml::node* n = t->get("parallelism")) {
      if (n->is_string() && *n->value<std::string>() == "auto") {
        spec->parallelism = 0;
      } else if (n->is_integer() && *n->value<int64_t>() >= 1 && *n->value<int64_t>() <= 1024) {
        spec->parallelism = static_cast<uint32_t>(*n->value<int64_t>());
      } else {
        return Err(*n, fmt::format("'parallelism' must be an integer >= 1 or \"auto\", found {}",
                                   TypeOf(*n)));
      }
    }
    if (const toml::node* n = t->get("batch_size")) {
      if (!n->is_integer() || *n->value<int64_t>() < 1 || *n->value<int64_t>() > (1 << 20)) {
        return Err(*n, fmt::format("'batch_size' must be an integer from 1 to 1048576, found {}",
                                   TypeOf(*n)));
      }
      spec->batch_size = static_cast<uint32_t>(*n->value<int64_t>());
    }
    SLUICE_RETURN_IF_ERROR(
        GetString(*t, "dead_letter_path", &spec->dead_letter_path, false, "[pipeline]", *pn));
    SLUICE_RETURN_IF_ERROR(GetString(*t, "late_path", &spec->late_path, false, "[pipeline]", *pn));
    int64_t interval = 0;
    SLUICE_RETURN_IF_ERROR(
        GetDuration(*t, "checkpoint_interval", &interval, false, "[pipeline]", *pn));
    return Status::OK();
  }

  Status Source(const toml::table& root, PipelineSpec* spec) {
    const toml::node* sn = root.get("source");
    if (!sn) return Err("missing [source] table");
    const toml::table* t = sn->as_table();
    if (!t) return Err(*sn, "[source] must be a table");
    SourceSpec& src = spec->source;
    src.loc = Loc(*sn);
    SLUICE_RETURN_IF_ERROR(CheckKeys(*t, "[source]",
                                     {"type", "path", "schema", "event_time",
                                      "max_out_of_orderness", "delimiter", "events", "keys",
                                      "stream", "types", "from", "follow"}));
    SLUICE_RETURN_IF_ERROR(GetString(*t, "type", &src.type, true, "[source]", *sn));
    static const std::set<std::string> kTypes = {"csv", "jsonl", "generator", "log"};
    if (!kTypes.count(src.type)) {
      return Err(*t->get("type"), fmt::format("unknown source type '{}' (expected csv, jsonl, "
                                              "generator, log)", src.type));
    }
    const std::string where = fmt::format("[source] of type \"{}\"", src.type);
    bool is_gen = src.type == "generator";
    SLUICE_RETURN_IF_ERROR(GetString(*t, "path", &src.path, !is_gen, where, *sn));
    if (const toml::node* n = t->get("schema")) {
      const toml::table* st = n->as_table();
      if (!st) return Err(*n, "'schema' must be a table of field = \"type\"");
      std::vector<std::pair<const toml::node*, std::string>> fields;
      for (const auto& [k, v] : *st) fields.push_back({&v, std::string(k.str())});
      std::sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) {
        const auto& x = a.first->source().begin;
        const auto& y = b.first->source().begin;
        return x.line != y.line ? x.line < y.line : x.column < y.column;
      });
      std::vector<Field> out;
      for (const auto& [node, name] : fields) {
        if (!node->is_string()) {
          return Err(*node, fmt::format("schema field '{}' must be a type name string, found {}",
                                        name, TypeOf(*node)));
        }
        auto f = ParseFieldType(name, *node->value<std::string>());
        if (!f.ok()) return Err(*node, f.status().message());
        out.push_back(*f);
      }
      src.schema = Schema(std::move(out));
      if (is_gen) {
        std::vector<Field> expect = {{"key", Type::kInt64, TimeUnit::kMicros},
                                     {"ts", Type::kTimestamp, TimeUnit::kMicros},
                                     {"value", Type::kDouble, TimeUnit::kMicros}};
        if (!(src.schema == Schema(expect))) {
          return Err(*n, "a generator's schema is fixed (key:int64, ts:timestamp_us, "
                         "value:double); leave 'schema' out");
        }
      }
    } else if (!is_gen) {
      return Err(*sn, fmt::format("{} needs 'schema'", where));
    }
    SLUICE_RETURN_IF_ERROR(GetString(*t, "event_time", &src.event_time, false, where, *sn));
    if (is_gen && src.event_time.empty()) src.event_time = "ts";
    if (!src.event_time.empty()) {
      const Schema schema = is_gen ? Schema({{"key", Type::kInt64, TimeUnit::kMicros},
                                             {"ts", Type::kTimestamp, TimeUnit::kMicros},
                                             {"value", Type::kDouble, TimeUnit::kMicros}})
                                   : src.schema;
      int i = schema.IndexOf(src.event_time);
      const toml::node& at = t->get("event_time") ? *t->get("event_time") : *sn;
      if (i < 0) {
        return Err(at, fmt::format("event_time '{}' is not a field of the schema", src.event_time));
      }
      Type ty = schema.field(i).type;
      if (ty != Type::kTimestamp && ty != Type::kInt64) {
        return Err(at, fmt::format("event_time '{}' must be a timestamp or int64 field, not {}",
                                   src.event_time, TypeName(ty)));
      }
    }
    SLUICE_RETURN_IF_ERROR(GetDuration(*t, "max_out_of_orderness", &src.max_out_of_orderness,
                                       false, where, *sn));
    if (const toml::node* n = t->get("delimiter")) {
      auto v = n->value<std::string>();
      if (!n->is_string() || v->size() != 1) return Err(*n, "'delimiter' must be one character");
      src.delimiter = (*v)[0];
    }
    for (const char* key : {"events", "keys"}) {
      if (const toml::node* n = t->get(key)) {
        if (!n->is_integer() || *n->value<int64_t>() < (std::string(key) == "keys" ? 1 : 0)) {
          return Err(*n, fmt::format("'{}' must be a non-negative integer{}, found {}", key,
                                     std::string(key) == "keys" ? " >= 1" : "", TypeOf(*n)));
        }
        (std::string(key) == "events" ? src.events : src.keys) =
            static_cast<uint64_t>(*n->value<int64_t>());
      }
    }
    SLUICE_RETURN_IF_ERROR(GetString(*t, "stream", &src.stream, false, where, *sn));
    SLUICE_RETURN_IF_ERROR(GetStrings(*t, "types", &src.types, nullptr, false, where, *sn));
    if (const toml::node* n = t->get("from")) {
      if (n->is_integer()) src.from = std::to_string(*n->value<int64_t>());
      else if (n->is_string()) src.from = *n->value<std::string>();
      else return Err(*n, "'from' must be \"beginning\", a position or an ISO time");
    }
    if (const toml::node* n = t->get("follow")) {
      if (!n->is_boolean()) return Err(*n, "'follow' must be true or false");
      src.follow = *n->value<bool>();
    }
    return Status::OK();
  }

  Status Operators(const toml::table& root, PipelineSpec* spec) {
    const toml::node* on = root.get("operator");
    if (!on) return Status::OK();
    const toml::array* arr = on->as_array();
    if (!arr) return Err(*on, "operators are written as [[operator]] tables");
    size_t index = 0;
    for (const toml::node& n : *arr) {
      ++index;
      const toml::table* t = n.as_table();
      if (!t) return Err(n, "each [[operator]] must be a table");
      OperatorSpec op;
      op.loc = Loc(n);
      std::string type;
      SLUICE_RETURN_IF_ERROR(GetString(*t, "type", &type, true, fmt::format("[[operator]] #{}", index), n));
      const std::string where = fmt::format("[[operator]] #{} ({})", index, type);
      if (type == "filter") {
        op.kind = OpKind::kFilter;
        SLUICE_RETURN_IF_ERROR(CheckKeys(*t, where, {"type", "where"}));
        SLUICE_RETURN_IF_ERROR(GetString(*t, "where", &op.where, true, where, n));
        // For filters, loc points at the first character of the `where` text.
        op.loc = TextLoc(*t->get("where"));
      } else if (type == "map") {
        op.kind = OpKind::kMap;
        SLUICE_RETURN_IF_ERROR(CheckKeys(*t, where, {"type", "set", "keep"}));
        std::vector<std::string> sets;
        std::vector<SourceLoc> locs;
        SLUICE_RETURN_IF_ERROR(GetStrings(*t, "set", &sets, &locs, false, where, n));
        for (size_t i = 0; i < sets.size(); ++i) {
          size_t eq = sets[i].find('=');
          if (eq == std::string::npos || (eq + 1 < sets[i].size() && sets[i][eq + 1] == '=')) {
            return Status::InvalidArgument(locs[i].Prefix() + fmt::format(
                "'set' entries look like \"field = expression\", found \"{}\"", sets[i]));
          }
          std::string field = sets[i].substr(0, eq);
          field.erase(field.find_last_not_of(" \t") + 1);
          field.erase(0, field.find_first_not_of(" \t"));
          size_t expr_start = sets[i].find_first_not_of(" \t", eq + 1);
          if (expr_start == std::string::npos) {
            return Status::InvalidArgument(locs[i].Prefix() + "'set' entry has no expression");
          }
          SourceLoc at = locs[i];
          at.column += static_cast<int>(expr_start);
          op.set.push_back(Assignment{field, sets[i].substr(expr_start), {}, at});
        }
        SLUICE_RETURN_IF_ERROR(GetStrings(*t, "keep", &op.keep, nullptr, false, where, n));
        if (op.set.empty() && op.keep.empty()) return Err(n, where + " needs 'set' or 'keep'");
      } else if (type == "key_by") {
        op.kind = OpKind::kKeyBy;
        SLUICE_RETURN_IF_ERROR(CheckKeys(*t, where, {"type", "fields"}));
        SLUICE_RETURN_IF_ERROR(GetStrings(*t, "fields", &op.fields, nullptr, true, where, n));
      } else if (type == "window" || type == "aggregate") {
        op.kind = type == "window" ? OpKind::kWindow : OpKind::kAggregate;
        if (type == "window") {
          SLUICE_RETURN_IF_ERROR(CheckKeys(
              *t, where, {"type", "kind", "size", "slide", "gap", "allowed_lateness", "aggregates"}));
          std::string kind;
          SLUICE_RETURN_IF_ERROR(GetString(*t, "kind", &kind, true, where, n));
          if (kind == "tumbling") {
            op.window = WindowKind::kTumbling;
            SLUICE_RETURN_IF_ERROR(GetDuration(*t, "size", &op.size, true, where, n));
          } else if (kind == "sliding") {
            op.window = WindowKind::kSliding;
            SLUICE_RETURN_IF_ERROR(GetDuration(*t, "size", &op.size, true, where, n));
            SLUICE_RETURN_IF_ERROR(GetDuration(*t, "slide", &op.slide, true, where, n));
          } else if (kind == "session") {
            op.window = WindowKind::kSession;
            SLUICE_RETURN_IF_ERROR(GetDuration(*t, "gap", &op.gap, true, where, n));
          } else {
            return Err(*t->get("kind"), fmt::format("unknown window kind '{}' (expected tumbling, "
                                                    "sliding, session)", kind));
          }
          SLUICE_RETURN_IF_ERROR(
              GetDuration(*t, "allowed_lateness", &op.allowed_lateness, false, where, n));
        } else {
          SLUICE_RETURN_IF_ERROR(CheckKeys(*t, where, {"type", "aggregates"}));
        }
        std::vector<std::string> aggs;
        std::vector<SourceLoc> locs;
        SLUICE_RETURN_IF_ERROR(GetStrings(*t, "aggregates", &aggs, &locs, true, where, n));
        for (size_t i = 0; i < aggs.size(); ++i) {
          AggregateSpec a;
          a.text = aggs[i];
          a.loc = locs[i];
          op.aggregates.push_back(std::move(a));
        }
      } else {
        return Err(*t->get("type"), fmt::format("unknown operator type '{}' (expected filter, map, "
                                                "key_by, window, aggregate)", type));
      }
      spec->operators.push_back(std::move(op));
    }
    return Status::OK();
  }

  Status Sink(const toml::table& root, PipelineSpec* spec) {
    const toml::node* sn = root.get("sink");
    if (!sn) return Err("missing [sink] table");
    const toml::table* t = sn->as_table();
    if (!t) return Err(*sn, "[sink] must be a table");
    SinkSpec& sink = spec->sink;
    sink.loc = Loc(*sn);
    SLUICE_RETURN_IF_ERROR(
        CheckKeys(*t, "[sink]", {"type", "path", "format", "stream", "event_type"}));
    SLUICE_RETURN_IF_ERROR(GetString(*t, "type", &sink.type, true, "[sink]", *sn));
    static const std::set<std::string> kTypes = {"csv", "jsonl", "stdout", "null", "log"};
    if (!kTypes.count(sink.type)) {
      return Err(*t->get("type"), fmt::format("unknown sink type '{}' (expected csv, jsonl, stdout, "
                                              "null, log)", sink.type));
    }
    const std::string where = fmt::format("[sink] of type \"{}\"", sink.type);
    bool needs_path = sink.type == "csv" || sink.type == "jsonl" || sink.type == "log";
    SLUICE_RETURN_IF_ERROR(GetString(*t, "path", &sink.path, needs_path, where, *sn));
    SLUICE_RETURN_IF_ERROR(GetString(*t, "format", &sink.format, false, where, *sn));
    if (!sink.format.empty() && sink.format != "jsonl" && sink.format != "csv") {
      return Err(*t->get("format"), "'format' must be \"jsonl\" or \"csv\"");
    }
    SLUICE_RETURN_IF_ERROR(GetString(*t, "stream", &sink.stream, sink.type == "log", where, *sn));
    SLUICE_RETURN_IF_ERROR(GetString(*t, "event_type", &sink.event_type, false, where, *sn));
    return Status::OK();
  }

  Result<PipelineSpec> Load(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, file_);
    } catch (const toml::parse_error& e) {
      const auto& b = e.source().begin;
      return Status::InvalidArgument(
          fmt::format("{}:{}:{}: {}", file_, b.line, b.column, e.description()));
    }
    for (const auto& [k, v] : root) {
      std::string key(k.str());
      if (key != "pipeline" && key != "source" && key != "operator" && key != "sink") {
        return Err(v, fmt::format("unknown table '{}' (expected [pipeline], [source], "
                                  "[[operator]], [sink])", key));
      }
    }
    PipelineSpec spec;
    spec.file = file_;
    SLUICE_RETURN_IF_ERROR(Pipeline(root, &spec));
    SLUICE_RETURN_IF_ERROR(Source(root, &spec));
    SLUICE_RETURN_IF_ERROR(Operators(root, &spec));
    SLUICE_RETURN_IF_ERROR(Sink(root, &spec));
    return spec;
  }

 private:
  std::string file_;
};

}  // namespace

Result<PipelineSpec> LoadPipelineString(std::string_view text, const std::string& file_name) {
  return Loader(file_name).Load(text);
}

Result<PipelineSpec> LoadPipelineFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadPipelineString(ss.str(), path);
}

}  // namespace sluice
