#include "pipelines/toml_names.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace sluice {

Status CheckNames(const TomlReader& r, const toml::table& root) {
  struct Use {
    const toml::node* name;
    std::string what;
  };
  std::vector<Use> uses;
  for (const char* table : {"source", "operator"}) {
    const toml::node* n = root.get(table);
    if (n == nullptr) continue;
    const bool one = n->is_table();
    const toml::array* arr = n->as_array();
    if (!one && arr == nullptr) continue;
    for (size_t i = 0; i < (one ? 1 : arr->size()); ++i) {
      const toml::node* t = one ? n : arr->get(i);
      if (const toml::node* name = t->as_table()->get("name")) {
        uses.push_back(
            {name, one ? fmt::format("[{}]", table) : fmt::format("[[{}]] #{}", table, i + 1)});
      }
    }
  }
  std::sort(uses.begin(), uses.end(), [](const Use& a, const Use& b) {
    const toml::source_position& x = a.name->source().begin;
    const toml::source_position& y = b.name->source().begin;
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  for (size_t i = 0; i < uses.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const std::string& name = uses[i].name->as_string()->get();
      if (name != uses[j].name->as_string()->get()) continue;
      return r.Error(*uses[i].name,
                     fmt::format("name '{}' is already taken by {} (line {}); sources and "
                                 "operators need distinct names",
                                 name, uses[j].what, uses[j].name->source().begin.line));
    }
  }
  return Status::OK();
}

}  // namespace sluice
