#include "pipelines/toml_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/time_util.h"
#include "pipelines/toml_errors.h"

namespace sluice {

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

SourceLoc TomlReader::TextLoc(const toml::node& str, size_t offset) const {
  const toml::source_position& b = str.source().begin;
  TextPosition p =
      text_.ValuePosition({static_cast<int>(b.line), static_cast<int>(b.column)}, offset);
  return SourceLoc{file_, p.line, p.column};
}

Status TomlReader::Missing(const Table& t, const char* key) const {
  return Error(*t.node, fmt::format("{} needs '{}'", t.what, key));
}

Status TomlReader::CheckKeys(const Table& t, const std::vector<std::string>& common,
                             const KeyOwners& owned, const std::string& type,
                             const std::vector<std::string>& unlisted) const {
  std::vector<std::string> allowed = common;
  for (const auto& [key, owners] : owned) {
    if (Contains(owners, type)) allowed.push_back(key);
  }
  std::vector<std::string> accepted = allowed;
  accepted.insert(accepted.end(), unlisted.begin(), unlisted.end());
  // Of several wrong keys, the first in the file is reported (the table itself is sorted).
  const toml::key* first = nullptr;
  toml::source_position at{};
  for (const auto& [k, v] : *t.table) {
    if (Contains(accepted, k.str())) continue;
    const toml::source_position p = k.source().begin.line ? k.source().begin : v.source().begin;
    if (first == nullptr || p.line < at.line || (p.line == at.line && p.column < at.column)) {
      first = &k;
      at = p;
    }
  }
  if (first == nullptr) return Status::OK();
  const std::string key(first->str());
  for (const auto& [other, owners] : owned) {
    if (other == key) {
      return Error(at, fmt::format("'{}' does not apply to {} (only to {})", key, t.what,
                                   JoinNames(owners)));
    }
  }
  const std::string best = ClosestName(key, accepted);
  return Error(
      at, best.empty()
              ? fmt::format("unknown key '{}' in {} (expected {})", key, t.what, JoinNames(allowed))
              : fmt::format("unknown key '{}' in {} (did you mean '{}'?)", key, t.what, best));
}

Status TomlReader::GetString(const Table& t, const char* key, std::string* out,
                             bool required) const {
  const toml::node* n = t.table->get(key);
  if (n == nullptr) return required ? Missing(t, key) : Status::OK();
  if (!n->is_string()) {
    return Error(*n, fmt::format("'{}' must be a string, found {}", key, DescribeNode(*n)));
  }
  if (n->as_string()->get().empty()) return Error(*n, fmt::format("'{}' must not be empty", key));
  *out = n->as_string()->get();
  return Status::OK();
}

Status TomlReader::GetBool(const Table& t, const char* key, bool* out) const {
  const toml::node* n = t.table->get(key);
  if (n == nullptr) return Status::OK();
  if (!n->is_boolean()) {
    return Error(*n, fmt::format("'{}' must be true or false, found {}", key, DescribeNode(*n)));
  }
  *out = n->as_boolean()->get();
  return Status::OK();
}

Status TomlReader::GetInt(const Table& t, const char* key, int64_t min, int64_t max, int64_t* out,
                          bool required) const {
  const toml::node* n = t.table->get(key);
  if (n == nullptr) return required ? Missing(t, key) : Status::OK();
  const auto* i = n->as_integer();
  if (i == nullptr || i->get() < min || i->get() > max) {
    return Error(*n, fmt::format("'{}' must be an integer from {} to {}, found {}", key, min, max,
                                 DescribeNode(*n)));
  }
  *out = i->get();
  return Status::OK();
}

Status TomlReader::GetDuration(const Table& t, const char* key, int64_t* out, bool required,
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

Status TomlReader::GetSignedDuration(const Table& t, const char* key, int64_t* out,
                                     bool required) const {
  const toml::node* n = t.table->get(key);
  if (n == nullptr) return required ? Missing(t, key) : Status::OK();
  if (!n->is_string()) {
    return Error(*n, fmt::format("'{}' must be a duration string such as \"10s\" or \"-5s\" "
                                 "(units us, ms, s, m, h), found {}",
                                 key, DescribeNode(*n)));
  }
  const std::string& text = n->as_string()->get();
  const bool negative = !text.empty() && text[0] == '-';
  const std::string_view magnitude = std::string_view(text).substr(negative ? 1 : 0);
  Result<int64_t> d = ParseDuration(magnitude);
  if (!d.ok()) {
    // ParseDuration's "invalid duration '<magnitude>': <why>", for the text as written.
    const std::string& m = d.status().message();
    const size_t why = std::string_view("invalid duration '").size() + magnitude.size() + 3;
    return Error(
        *n, fmt::format("invalid duration '{}': {}", text, why < m.size() ? m.substr(why) : m));
  }
  *out = negative ? -*d : *d;
  return Status::OK();
}

Status TomlReader::GetName(const Table& t, const char* key, std::string* out) const {
  const toml::node* n = t.table->get(key);
  if (n == nullptr) return Status::OK();
  std::string name;
  SLUICE_RETURN_IF_ERROR(GetString(t, key, &name, false));
  const bool valid =
      !(name[0] >= '0' && name[0] <= '9') && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
      });
  if (!valid) {
    return Error(*n, fmt::format("'{}' must be letters, digits and '_', not starting with a "
                                 "digit (it is how `input` refers to it), found \"{}\"",
                                 key, name));
  }
  *out = std::move(name);
  return Status::OK();
}

Status TomlReader::GetStrings(const Table& t, const char* key, std::vector<const toml::node*>* out,
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

Status TomlReader::GetOneOf(const Table& t, const char* key,
                            const std::vector<std::string>& choices, const char* noun,
                            std::string* out) const {
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

// Fields come out in the order they are written: toml++ tables are sorted maps, so they are put
// back in order of their keys' positions.
Status TomlReader::ReadSchema(const toml::node& n, Schema* schema) const {
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

}  // namespace sluice
