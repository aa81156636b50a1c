// The registry of operator types, as operators/connector_types.h is of source and sink types: for
// each type, its name, its OpKind, the keys its [[operator]] table may hold, how many inputs it
// reads, and what it adds to a pipeline's definition text (the text a checkpoint is matched
// against). The TOML loader, the planner, the definition text and the C++ builder read it.
//
// Reading a type's table and planning it need the layers above this one, so each of those layers
// keeps one table of its own with an entry per type, in OpKind order, which the compiler checks
// against OpKind (CoversOperatorKinds): the readers in pipelines/toml_operators.cc and the
// planning steps in runtime/plan.cc. A new type is an entry here and one in each of those.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/pipeline_spec.h"

namespace sluice {

// The number of OpKind values; OpKind's enumerators are 0 .. kOperatorKinds - 1.
inline constexpr size_t kOperatorKinds = 13;
static_assert(static_cast<size_t>(OpKind::kProcess) + 1 == kOperatorKinds,
              "kOperatorKinds counts the enumerators of OpKind");

// The largest `n` of a top_n.
inline constexpr int64_t kMaxTopN = 10000;
// The largest `rows` of an aggregate over the last rows of a key (each result costs O(rows)).
inline constexpr int64_t kMaxAggregateRows = 100000;

struct OperatorType {
  std::string name;  // the TOML `type`, e.g. "window_join"; also names it in messages
  OpKind kind = OpKind::kFilter;
  std::string noun;  // "a window_join", in messages about its inputs
  // Keys its table takes besides `type` and the graph keys (name, input, inputs), whatever its
  // kind, in the order the loader's messages list them.
  std::vector<std::string> keys;
  // The values its `kind` key takes, window kinds (of WindowKindNames()), empty when it has no
  // `kind`; and the keys that only some kinds take: key -> those kinds, in order.
  std::vector<std::string> kinds;
  std::vector<std::pair<std::string, std::vector<std::string>>> kind_keys;
  // It reads min_inputs to max_inputs inputs (max_inputs 0: no bound). An operator of one input
  // takes `input` or `inputs`; one of several takes only `inputs`, and needs it.
  size_t min_inputs = 1;
  size_t max_inputs = 1;
  // Its settings on the definition's operator line, after "operator N: " ("filter where=x > 1").
  std::string (*describe)(const OperatorSpec&) = nullptr;

  bool several_inputs() const { return min_inputs >= 2; }
};

// One entry per OpKind, in OpKind order.
const std::vector<OperatorType>& OperatorTypes();
// The type named `name`, or null.
const OperatorType* FindOperatorType(std::string_view name);
// REQUIRES: `kind` is one of OpKind's enumerators.
const OperatorType& OperatorTypeOf(OpKind kind);
// The type names, in registry order ("filter, map, key_by, ...").
std::vector<std::string> OperatorTypeNames();

// The names files and definition texts give window kinds and join types, in enum order.
const std::vector<std::string>& WindowKindNames();
const std::vector<std::string>& JoinTypeNames();
const std::vector<std::string>& DedupKeepNames();

// True when `table` holds one entry per OpKind, in OpKind order (entry i has `kind` i): how the
// layers above check, at compile time, their constexpr tables of per-type work.
template <typename Entry, size_t N>
constexpr bool CoversOperatorKinds(const Entry (&table)[N]) {
  if (N != kOperatorKinds) return false;
  for (size_t i = 0; i < N; ++i) {
    if (static_cast<size_t>(table[i].kind) != i) return false;
  }
  return true;
}

}  // namespace sluice
