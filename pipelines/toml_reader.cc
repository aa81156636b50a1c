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
                             const KeyOwners& owned, const std::string& type) const {
  std::vector<std::string> allowed = common;
  for (const auto& [key, owners] : owned) {
    if (Contains(owners, type)) allowed.push_back(key);
  }
  // Of several wrong keys, the first in the file is reported (the table itself is sorted).
  const toml::key* first = nullptr;
  toml::source_position at{};
  for (const auto& [k, v] : *t.table) {
    if (Contains(allowed, k.str())) continue;
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
  const std::string best = ClosestName(key, allowed);
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
}  // namespace sluice
