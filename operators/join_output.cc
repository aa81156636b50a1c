#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "operators/join_operator.h"

namespace sluice {

Result<Schema> JoinOutputSchema(const JoinDef& def, const Schema& left, const Schema& right) {
  std::vector<Field> fields;
  std::vector<std::string> origin;  // where each output field comes from, for error messages
  for (const Field& f : left.fields()) {
    fields.push_back({def.left_prefix + f.name, f.type, f.unit});
    origin.push_back(fmt::format("left field '{}'", f.name));
  }
  for (const Field& f : right.fields()) {
    fields.push_back({def.right_prefix + f.name, f.type, f.unit});
    origin.push_back(fmt::format("right field '{}'", f.name));
  }
  if (def.kind == OpKind::kWindowJoin) {
    for (const char* name : {"window_start", "window_end"}) {
      fields.push_back({name, Type::kTimestamp, def.time_unit});
      origin.push_back("the window bound");
    }
  }
  absl::flat_hash_map<std::string, size_t> seen;
  for (size_t i = 0; i < fields.size(); ++i) {
    auto [it, inserted] = seen.emplace(fields[i].name, i);
    if (!inserted) {
      return Status::InvalidArgument(fmt::format(
          "the join's output would have two fields named '{}' ({} and {}); set left_prefix or "
          "right_prefix (such as left_prefix = \"l_\", right_prefix = \"r_\") to tell them apart",
          fields[i].name, origin[it->second], origin[i]));
    }
  }
  return Schema(std::move(fields));
}

}  // namespace sluice
