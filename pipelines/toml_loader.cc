#include "pipelines/toml_loader.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/time_util.h"
#include "pipelines/toml_errors.h"
#include "pipelines/toml_text.h"

namespace sluice {
namespace {

constexpr int64_t kMaxParallelism = 4096;
constexpr int64_t kMaxBatchSize = int64_t{1} << 20;

const std::vector<std::string> kTables = {"pipeline", "source", "operator", "sink"};
const std::vector<std::string> kSourceTypes = {"csv", "jsonl", "generator", "log"};
const std::vector<std::string> kOperatorTypes = {"filter", "map", "key_by", "window", "aggregate"};
const std::vector<std::string> kWindowKinds = {"tumbling", "sliding", "session"};
const std::vector<std::string> kSinkTypes = {"csv", "jsonl", "stdout", "null", "log"};

// Keys that only some types of a table accept: key -> the types, in order.
using KeyOwners = std::vector<std::pair<std::string, std::vector<std::string>>>;
const KeyOwners kSourceKeys = {{"path", {"csv", "jsonl", "log"}},
                               {"schema", {"csv", "jsonl", "log", "generator"}},
                               {"delimiter", {"csv"}},
                               {"events", {"generator"}},
                               {"keys", {"generator"}},
                               {"stream", {"log"}},
                               {"types", {"log"}},
                               {"from", {"log"}},
                               {"follow", {"log"}}};
const KeyOwners kWindowKeys = {
    {"size", {"tumbling", "sliding"}}, {"slide", {"sliding"}}, {"gap", {"session"}}};
const KeyOwners kSinkKeys = {{"path", {"csv", "jsonl", "log"}},
                             {"format", {"stdout"}},
                             {"stream", {"log"}},
                             {"event_type", {"log"}}};

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Schema GeneratorSchema() {
  return Schema({{"key", Type::kInt64, TimeUnit::kMicros},
                 {"ts", Type::kTimestamp, TimeUnit::kMicros},
                 {"value", Type::kDouble, TimeUnit::kMicros}});
}

// A table being read, and how messages name it ("[source] of type \"csv\"").
struct Table {
  const toml::table* table;
  const toml::node* node;
  std::string what;
};

// One load of one document. Every check reports the position of the offending key or value.
class Loader {
 public:
  Loader(std::string file, std::string_view text)
      : file_(std::move(file)), doc_(text), text_(text) {}

  Result<PipelineSpec> Load();

 private:
  SourceLoc Loc(const toml::source_position& at) const {
    return SourceLoc{file_, static_cast<int>(at.line), static_cast<int>(at.column)};
  }
  // Position of byte `offset` of a string value's text (offset 0: just inside the quotes).
  SourceLoc TextLoc(const toml::node& str, size_t offset) const {
    const auto& b = str.source().begin;
    TextPosition p =
        text_.ValuePosition({static_cast<int>(b.line), static_cast<int>(b.column)}, offset);
    return SourceLoc{file_, p.line, p.column};
  }
  Status Error(const toml::source_position& at, const std::string& msg) const {
    return Status::InvalidArgument(Loc(at).Prefix() + msg);
  }
  Status Error(const toml::node& n, const std::string& msg) const {
    return Error(n.source().begin, msg);
  }
  Status Missing(const Table& t, const char* key) const {
    return Error(*t.node, fmt::format("{} needs '{}'", t.what, key));
  }

  Status CheckKeys(const Table& t, const std::vector<std::string>& common, const KeyOwners& owned,
                   const std::string& type) const;
  Status GetString(const Table& t, const char* key, std::string* out, bool required) const;
  Status GetDuration(const Table& t, const char* key, int64_t* out, bool required,
                     bool positive) const;
  Status GetStrings(const Table& t, const char* key, std::vector<const toml::node*>* out,
                    bool required) const;
  Status GetOneOf(const Table& t, const char* key, const std::vector<std::string>& choices,
                  const char* noun, std::string* out) const;

  Status ReadPipeline(const toml::table& root, PipelineSpec* spec) const;
  Status ReadSource(const toml::table& root, SourceSpec* src) const;
  Status ReadSchema(const toml::node& n, Schema* schema) const;
  Status ReadOperators(const toml::table& root, std::vector<OperatorSpec>* ops) const;
  Status ReadOperator(const Table& t, OperatorSpec* op) const;
  Status ReadAssignments(const Table& t, std::vector<Assignment>* out) const;
  Status ReadWindow(const Table& t, OperatorSpec* op) const;
  Status ReadAggregates(const Table& t, std::vector<AggregateSpec>* out) const;
  Status ReadSink(const toml::table& root, SinkSpec* sink) const;

  std::string file_;
  std::string_view doc_;  // the document; outlives the Loader
  TomlText text_;
};

// Accepts the `common` keys and, of the `owned` ones, those whose owners include `type`.
Status Loader::CheckKeys(const Table& t, const std::vector<std::string>& common,
                         const KeyOwners& owned, const std::string& type) const {
  std::vector<std::string> allowed = common;
  for (const auto& [key, owners] : owned) {
    if (Contains(owners, type)) allowed.push_back(key);
  }
  for (const auto& [k, v] : *t.table) {
    const std::string key(k.str());
    if (Contains(allowed, key)) continue;
    const toml::source_position at = k.source().begin.line ? k.source().begin : v.source().begin;
    for (const auto& [other, owners] : owned) {
      if (other == key) {
        return Error(at, fmt::format("'{}' does not apply to {} (only to {})", key, t.what,
                                     JoinNames(owners)));
      }
    }
    std::string best = ClosestName(key, allowed);
    return Error(at, best.empty() ? fmt::format("unknown key '{}' in {} (expected {})", key, t.what,
                                                JoinNames(allowed))
                                  : fmt::format("unknown key '{}' in {} (did you mean '{}'?)", key,
                                                t.what, best));
  }
  return Status::OK();
}

Status Loader::GetString(const Table& t, const char* key, std::string* out, bool required) const {
  const toml::node* n = t.table->get(key);
  if (n == nullptr) return required ? Missing(t, key) : Status::OK();
  if (!n->is_string()) {
    return Error(*n, fmt::format("'{}' must be a string, found {}", key, DescribeNode(*n)));
  }
  if (n->as_string()->get().empty()) return Error(*n, fmt::format("'{}' must not be empty", key));
  *out = n->as_string()->get();
  return Status::OK();
}

Status Loader::GetDuration(const Table& t, const char* key, int64_t* out, bool required,
                           bool positive) const {
  const toml::node* n = t.table->get(key);
  if (n == nullptr) return required ? Missing(t, key) : Status::OK();
  if (!n->is_string()) {
    return Error(*n, fmt::format("'{}' must be a duration string such as \"10s\" (units us, ms, "
                                 "s, m, h), found {}",
                                 key, DescribeNode(*n)));
  }
  Result<int64_t> d = ParseDuration(n->as_string()->get());
  if (!d.ok()) return Error(*n, d.status().message());
  if (positive && *d <= 0) {
    return Error(*n, fmt::format("'{}' must be greater than 0, found {}", key, DescribeNode(*n)));
  }
  *out = *d;
  return Status::OK();
}

// An array of non-empty strings; when present it must not be empty either.
Status Loader::GetStrings(const Table& t, const char* key, std::vector<const toml::node*>* out,
                          bool required) const {
  const toml::node* n = t.table->get(key);
  if (n == nullptr) return required ? Missing(t, key) : Status::OK();
  const toml::array* a = n->as_array();
  if (a == nullptr) {
    return Error(
        *n, fmt::format("'{}' must be an array of strings such as [\"a\", \"b\"], found {}", key,
                        DescribeNode(*n)));
  }
  if (a->empty()) return Error(*n, fmt::format("'{}' must not be empty", key));
  for (const toml::node& e : *a) {
    if (!e.is_string()) {
      return Error(e, fmt::format("'{}' must hold only strings, found {}", key, DescribeNode(e)));
    }
    if (e.as_string()->get().empty()) {
      return Error(e, fmt::format("'{}' must not hold empty strings", key));
    }
    out->push_back(&e);
  }
  return Status::OK();
}

// A required string naming one of `choices`; `noun` names it in the message ("source type").
Status Loader::GetOneOf(const Table& t, const char* key, const std::vector<std::string>& choices,
                        const char* noun, std::string* out) const {
  const toml::node* n = t.table->get(key);
  if (n == nullptr) {
    return Error(*t.node,
                 fmt::format("{} needs '{}' (one of {})", t.what, key, JoinNames(choices)));
  }
  if (!n->is_string()) {
    return Error(*n, fmt::format("'{}' must be a string, one of {}, found {}", key,
                                 JoinNames(choices), DescribeNode(*n)));
  }
  *out = n->as_string()->get();
  if (!Contains(choices, *out)) {
    return Error(*n, fmt::format("unknown {} '{}' (expected {})", noun, *out, JoinNames(choices)));
  }
  return Status::OK();
}

Status Loader::ReadPipeline(const toml::table& root, PipelineSpec* spec) const {
  spec->name = std::filesystem::path(file_).stem().string();
  spec->loc = SourceLoc{file_, 0, 0};
  const toml::node* pn = root.get("pipeline");
  if (pn == nullptr) return Status::OK();
  if (!pn->is_table()) {
    return Error(*pn, fmt::format("'pipeline' must be a table, written [pipeline], found {}",
                                  DescribeNode(*pn)));
  }
  spec->loc = Loc(pn->source().begin);
  const Table t{pn->as_table(), pn, "[pipeline]"};
  SLUICE_RETURN_IF_ERROR(CheckKeys(
      t,
      {"name", "parallelism", "batch_size", "dead_letter_path", "late_path", "checkpoint_interval"},
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
  int64_t checkpoint_interval = 0;  // checked, not yet used: checkpoints are not implemented
  return GetDuration(t, "checkpoint_interval", &checkpoint_interval, false, true);
}

// Fields come out in the order they are written: toml++ tables are sorted maps, so they are put
// back in order of their keys' positions.
Status Loader::ReadSchema(const toml::node& n, Schema* schema) const {
  const toml::table* st = n.as_table();
  if (st == nullptr) {
    return Error(n, fmt::format("'schema' must be a table of field = \"type\", such as "
                                "{{ user = \"string\", ts = \"timestamp_ms\" }}, found {}",
                                DescribeNode(n)));
  }
  if (st->empty()) return Error(n, "'schema' must name at least one field");
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [k, v] : *st) entries.emplace_back(&k, &v);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const toml::source_position& x = a.first->source().begin;
    const toml::source_position& y = b.first->source().begin;
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  std::vector<Field> fields;
  for (const auto& [key, value] : entries) {
    if (!value->is_string()) {
      return Error(*value, fmt::format("schema field '{}' must be a type name string such as "
                                       "\"int64\", found {}",
                                       key->str(), DescribeNode(*value)));
    }
    Result<Field> f = ParseFieldType(key->str(), value->as_string()->get());
    if (!f.ok()) return Error(*value, f.status().message());
    fields.push_back(std::move(*f));
  }
  *schema = Schema(std::move(fields));
  return Status::OK();
}

Status Loader::ReadSource(const toml::table& root, SourceSpec* src) const {
  const toml::node* sn = root.get("source");
  if (sn == nullptr) return Status::InvalidArgument(file_ + ": missing [source] table");
  if (!sn->is_table()) {
    return Error(*sn, fmt::format("'source' must be a table, written [source], found {}",
                                  DescribeNode(*sn)));
  }
  src->loc = Loc(sn->source().begin);
  Table t{sn->as_table(), sn, "[source]"};
  SLUICE_RETURN_IF_ERROR(GetOneOf(t, "type", kSourceTypes, "source type", &src->type));
  t.what = fmt::format("[source] of type \"{}\"", src->type);
  SLUICE_RETURN_IF_ERROR(
      CheckKeys(t, {"type", "event_time", "max_out_of_orderness"}, kSourceKeys, src->type));
  const bool generator = src->type == "generator";
  SLUICE_RETURN_IF_ERROR(GetString(t, "path", &src->path, !generator));

  const toml::node* schema = t.table->get("schema");
  if (generator) {
    src->schema = GeneratorSchema();
    if (schema != nullptr) {
      Schema written;
      SLUICE_RETURN_IF_ERROR(ReadSchema(*schema, &written));
      if (!(written == src->schema)) {
        return Error(*schema, fmt::format("a generator's schema is fixed ({}); leave 'schema' out",
                                          src->schema.ToString()));
      }
    }
  } else if (schema == nullptr) {
    return Missing(t, "schema");
  } else {
    SLUICE_RETURN_IF_ERROR(ReadSchema(*schema, &src->schema));
  }

  SLUICE_RETURN_IF_ERROR(GetString(t, "event_time", &src->event_time, false));
  if (generator && src->event_time.empty()) src->event_time = "ts";
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
  if (const toml::node* n = t.table->get("follow")) {
    if (!n->is_boolean()) {
      return Error(*n, fmt::format("'follow' must be true or false, found {}", DescribeNode(*n)));
    }
    src->follow = n->as_boolean()->get();
  }
  return Status::OK();
}

Status Loader::ReadOperators(const toml::table& root, std::vector<OperatorSpec>* ops) const {
  const toml::node* on = root.get("operator");
  if (on == nullptr) return Status::OK();
  const toml::array* arr = on->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    return Error(*on, fmt::format("operators are written as [[operator]] tables, found {}",
                                  DescribeNode(*on)));
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& n = *arr->get(i);
    OperatorSpec op;
    SLUICE_RETURN_IF_ERROR(
        ReadOperator(Table{n.as_table(), &n, fmt::format("[[operator]] #{}", i + 1)}, &op));
    ops->push_back(std::move(op));
  }
  return Status::OK();
}

Status Loader::ReadOperator(const Table& header, OperatorSpec* op) const {
  op->loc = Loc(header.node->source().begin);
  std::string type;
  SLUICE_RETURN_IF_ERROR(GetOneOf(header, "type", kOperatorTypes, "operator type", &type));
  const Table t{header.table, header.node, fmt::format("{} ({})", header.what, type)};
  if (type == "filter") {
    op->kind = OpKind::kFilter;
    SLUICE_RETURN_IF_ERROR(CheckKeys(t, {"type", "where"}, {}, ""));
    SLUICE_RETURN_IF_ERROR(GetString(t, "where", &op->where, true));
    // A filter's loc is the first character of its `where` text rather than the [[operator]]
    // header: PipelineSpec has no separate place for it, and the planner adds an expression
    // error's column to it.
    op->loc = TextLoc(*t.table->get("where"), 0);
  } else if (type == "map") {
    op->kind = OpKind::kMap;
    SLUICE_RETURN_IF_ERROR(CheckKeys(t, {"type", "set", "keep"}, {}, ""));
    SLUICE_RETURN_IF_ERROR(ReadAssignments(t, &op->set));
    std::vector<const toml::node*> keep;
    SLUICE_RETURN_IF_ERROR(GetStrings(t, "keep", &keep, false));
    for (const toml::node* n : keep) op->keep.push_back(n->as_string()->get());
    if (op->set.empty() && op->keep.empty()) {
      return Error(*t.node, t.what + " needs 'set', 'keep' or both");
    }
  } else if (type == "key_by") {
    op->kind = OpKind::kKeyBy;
    SLUICE_RETURN_IF_ERROR(CheckKeys(t, {"type", "fields"}, {}, ""));
    std::vector<const toml::node*> fields;
    SLUICE_RETURN_IF_ERROR(GetStrings(t, "fields", &fields, true));
    for (const toml::node* n : fields) op->fields.push_back(n->as_string()->get());
  } else if (type == "window") {
    op->kind = OpKind::kWindow;
    SLUICE_RETURN_IF_ERROR(ReadWindow(t, op));
  } else {
    op->kind = OpKind::kAggregate;
    SLUICE_RETURN_IF_ERROR(CheckKeys(t, {"type", "aggregates"}, {}, ""));
    SLUICE_RETURN_IF_ERROR(ReadAggregates(t, &op->aggregates));
  }
  return Status::OK();
}

bool IsFieldName(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// `set = ["total = price * qty"]`: each entry is split at its first '=' into a field name and
// the expression text, whose loc is the position of its first character in the file.
Status Loader::ReadAssignments(const Table& t, std::vector<Assignment>* out) const {
  std::vector<const toml::node*> entries;
  SLUICE_RETURN_IF_ERROR(GetStrings(t, "set", &entries, false));
  for (const toml::node* n : entries) {
    const std::string& text = n->as_string()->get();
    const size_t eq = text.find('=');
    if (eq == std::string::npos || text.compare(eq, 2, "==") == 0) {
      return Error(
          *n, fmt::format("'set' entries are written \"field = expression\", found \"{}\"", text));
    }
    const size_t name_begin = text.find_first_not_of(" \t");
    const size_t name_end = text.find_last_not_of(" \t", eq == 0 ? 0 : eq - 1);
    const std::string field = eq == 0 || name_begin >= eq
                                  ? std::string()
                                  : text.substr(name_begin, name_end + 1 - name_begin);
    if (!IsFieldName(field)) {
      return Error(*n, fmt::format("'set' entry \"{}\": '{}' is not a field name (letters, digits "
                                   "and '_', not starting with a digit)",
                                   text, field));
    }
    const size_t expr_begin = text.find_first_not_of(" \t", eq + 1);
    if (expr_begin == std::string::npos) {
      return Error(*n, fmt::format("'set' entry \"{}\" has no expression after '='", text));
    }
    Assignment a;
    a.field = field;
    a.expr = text.substr(expr_begin);
    a.loc = TextLoc(*n, expr_begin);
    out->push_back(std::move(a));
  }
  return Status::OK();
}

Status Loader::ReadWindow(const Table& header, OperatorSpec* op) const {
  std::string kind;
  SLUICE_RETURN_IF_ERROR(GetOneOf(header, "kind", kWindowKinds, "window kind", &kind));
  const Table t{header.table, header.node, fmt::format("{} of kind \"{}\"", header.what, kind)};
  SLUICE_RETURN_IF_ERROR(
      CheckKeys(t, {"type", "kind", "allowed_lateness", "aggregates"}, kWindowKeys, kind));
  if (kind == "tumbling") {
    op->window = WindowKind::kTumbling;
    SLUICE_RETURN_IF_ERROR(GetDuration(t, "size", &op->size, true, true));
  } else if (kind == "sliding") {
    op->window = WindowKind::kSliding;
    SLUICE_RETURN_IF_ERROR(GetDuration(t, "size", &op->size, true, true));
    SLUICE_RETURN_IF_ERROR(GetDuration(t, "slide", &op->slide, true, true));
    if (op->slide > op->size) {
      return Error(*t.table->get("slide"),
                   fmt::format("'slide' must be at most 'size' ({}), found {}",
                               FormatDuration(op->size), FormatDuration(op->slide)));
    }
  } else {
    op->window = WindowKind::kSession;
    SLUICE_RETURN_IF_ERROR(GetDuration(t, "gap", &op->gap, true, true));
  }
  SLUICE_RETURN_IF_ERROR(GetDuration(t, "allowed_lateness", &op->allowed_lateness, false, false));
  return ReadAggregates(t, &op->aggregates);
}

// Aggregates are kept as written ("sum(amount) as total"); the planner parses them.
Status Loader::ReadAggregates(const Table& t, std::vector<AggregateSpec>* out) const {
  std::vector<const toml::node*> entries;
  SLUICE_RETURN_IF_ERROR(GetStrings(t, "aggregates", &entries, true));
  for (const toml::node* n : entries) {
    AggregateSpec a;
    a.text = n->as_string()->get();
    a.loc = TextLoc(*n, 0);
    out->push_back(std::move(a));
  }
  return Status::OK();
}

Status Loader::ReadSink(const toml::table& root, SinkSpec* sink) const {
  const toml::node* sn = root.get("sink");
  if (sn == nullptr) return Status::InvalidArgument(file_ + ": missing [sink] table");
  if (!sn->is_table()) {
    return Error(
        *sn, fmt::format("'sink' must be a table, written [sink], found {}", DescribeNode(*sn)));
  }
  sink->loc = Loc(sn->source().begin);
  Table t{sn->as_table(), sn, "[sink]"};
  SLUICE_RETURN_IF_ERROR(GetOneOf(t, "type", kSinkTypes, "sink type", &sink->type));
  t.what = fmt::format("[sink] of type \"{}\"", sink->type);
  SLUICE_RETURN_IF_ERROR(CheckKeys(t, {"type"}, kSinkKeys, sink->type));
  const bool needs_path = sink->type == "csv" || sink->type == "jsonl" || sink->type == "log";
  SLUICE_RETURN_IF_ERROR(GetString(t, "path", &sink->path, needs_path));
  if (t.table->get("format") != nullptr) {
    SLUICE_RETURN_IF_ERROR(GetOneOf(t, "format", {"jsonl", "csv"}, "stdout format", &sink->format));
  }
  SLUICE_RETURN_IF_ERROR(GetString(t, "stream", &sink->stream, false));
  return GetString(t, "event_type", &sink->event_type, false);
}

Result<PipelineSpec> Loader::Load() {
  toml::table root;
#if TOML_EXCEPTIONS
  try {
    root = toml::parse(doc_, std::string_view(file_));
  } catch (const toml::parse_error& e) {
    return Error(e.source().begin, std::string(e.description()));
  } catch (const std::exception& e) {
    return Status::Internal(fmt::format("{}: reading TOML failed: {}", file_, e.what()));
  }
#else
  toml::parse_result parsed = toml::parse(doc_, std::string_view(file_));
  if (!parsed)
    return Error(parsed.error().source().begin, std::string(parsed.error().description()));
  root = std::move(parsed).table();
#endif
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
  spec.file = file_;
  SLUICE_RETURN_IF_ERROR(ReadPipeline(root, &spec));
  SLUICE_RETURN_IF_ERROR(ReadSource(root, &spec.source));
  SLUICE_RETURN_IF_ERROR(ReadOperators(root, &spec.operators));
  SLUICE_RETURN_IF_ERROR(ReadSink(root, &spec.sink));
  return spec;
}

}  // namespace

Result<PipelineSpec> LoadPipelineString(std::string_view text, const std::string& file_name) {
  return Loader(file_name, text).Load();
}

Result<PipelineSpec> LoadPipelineFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Status::IOError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  }
  std::string text;
  char buf[1 << 14];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  const int read_error = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (read_error != 0) {
    return Status::IOError(fmt::format("cannot open '{}': {}", path, std::strerror(read_error)));
  }
  return LoadPipelineString(text, path);
}

}  // namespace sluice
