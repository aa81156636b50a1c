// The binder: resolves names against a Schema, checks and infers types, folds constants, and
// builds the evaluation tree (node.h) from a parse tree (parser.h).
//
// Internal to expr/.
#pragma once

#include <string_view>

#include "expr/node.h"
#include "expr/parser.h"

namespace sluice::expr {

// Errors: InvalidArgument "column N: ..." naming the offending token.
Result<NodePtr> Bind(const Ast& ast, const Schema& schema);

// Levenshtein distance between a and b (bytes).
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace sluice::expr
