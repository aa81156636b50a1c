// The registry of user-defined scalar functions (sluice/scalar_function.h) and the node that
// calls one.
//
// Internal to expr/.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "expr/node.h"
#include "sluice/scalar_function.h"

namespace sluice::expr {

// The registered function called `lower` (lower-case), or nullptr. Thread-safe.
std::shared_ptr<const ScalarFunction> FindScalarFunction(std::string_view lower);

// Names of the registered functions, sorted. Thread-safe.
std::vector<std::string> ScalarFunctionNames();

// A call of `f` over `args`, one per declared argument and of its type (a timestamp of any unit
// for a kTimestamp). Never folded: a function may depend on more than its arguments.
NodePtr MakeScalarCall(std::shared_ptr<const ScalarFunction> f, std::vector<NodePtr> args);

}  // namespace sluice::expr
