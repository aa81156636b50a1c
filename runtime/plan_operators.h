// The planner's work on single operators (runtime/plan.cc plans the graph around them): binding
// filters and maps, aggregates, windows and joins to the schemas of their inputs. Internal to
// the runtime. Errors are InvalidArgument, prefixed with "file:line:column: " when known.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "operators/transform.h"
#include "runtime/plan.h"

namespace sluice::planning {

Status Error(const SourceLoc& loc, std::string msg);

// "operator #3 (filter)", or "operator 'big' (filter)" for a named one.
std::string OpName(const OperatorSpec& op, size_t i);
// Letters, digits and '_', not starting with a digit.
bool ValidFieldName(std::string_view s);
// The user-visible field names of `s`, comma-separated.
std::string FieldList(const Schema& s);

// Plans the filter or map `op` (operator number `index`) over rows of *schema: appends its
// transform to *transforms and evolves *schema.
Status PlanStateless(const OperatorSpec& op, size_t index, Schema* schema,
                     std::vector<std::unique_ptr<Transform>>* transforms);

// Plans the keyed stage of `op` (a window or aggregate after a key_by on `key_columns`) over rows
// of `in` with *schema (in's schema; hidden aggregate arguments are added to it by
// *transforms, the stateless work before the stage) into *stage (not its inputs).
Status PlanKeyed(const OperatorSpec& op, size_t index, const std::vector<int>& key_columns,
                 const StreamPlan& in, Schema* schema,
                 std::vector<std::unique_ptr<Transform>>* transforms, KeyedStagePlan* stage);

// Plans the lookup join `op` over rows of *schema: loads its table, appends its transform to
// *transforms, evolves *schema and sets *digest to the hash of the table's content.
Status PlanLookupJoin(const OperatorSpec& op, size_t index, Schema* schema,
                      std::vector<std::unique_ptr<Transform>>* transforms, std::string* digest);

// Plans the join `op` of streams `left` and `right` into *stage (not its inputs).
Status PlanJoin(const OperatorSpec& op, size_t index, const StreamPlan& left,
                const StreamPlan& right, KeyedStagePlan* stage);

}  // namespace sluice::planning
