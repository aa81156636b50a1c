// The binder: resolves names against a Schema, checks and infers types, folds constants, and
// builds the evaluation tree (node.h) from a parse tree (parser.h).
//
// Internal to expr/. binder.cc binds operators, case and cast; bind_functions.cc binds function
// calls (built-in and registered).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "expr/node.h"
#include "expr/parser.h"

namespace sluice::expr {

// Errors: InvalidArgument "column N: ..." naming the offending token.
Result<NodePtr> Bind(const Ast& ast, const Schema& schema);

// Levenshtein distance between a and b (bytes).
size_t EditDistance(std::string_view a, std::string_view b);

// ---- Shared by binder.cc and bind_functions.cc ----

// A bound subtree. `untyped_null` marks a bare `null` literal (or an expression of nulls only),
// whose type adapts to its context.
struct Bound {
  NodePtr node;
  bool untyped_null = false;
};

Status ErrorAt(int column, std::string_view msg);

// The column where the text of `a` begins (a binary node is named by its operator).
int StartColumn(const Ast& a);

// Evaluates a node whose operands are all literals once, and returns it as a literal.
NodePtr Fold(NodePtr node);

// A typed null literal.
Bound NullOf(Type t, TimeUnit unit = TimeUnit::kMicros);

// The common type of several results (coalesce arguments, case branches): one type, or numbers
// (any double makes double, else int64; timestamps of one unit stay timestamps). Untyped nulls
// are skipped. `describe(k)` names result k in the error ("argument 2", "the else result"),
// reported at columns[k]. Sets *all_null when every result is an untyped null.
struct CommonType {
  Type type = Type::kInt64;
  TimeUnit unit = TimeUnit::kMicros;
  bool all_null = true;
};
Result<CommonType> UnifyTypes(const std::vector<const Bound*>& results,
                              const std::vector<int>& columns, std::string_view what,
                              const std::function<std::string(size_t)>& describe);

// Converts a result to the common type: a typed null for an untyped one; int64 and timestamps
// are left to the consumer (MakeCoalesce, MakeCase convert).
NodePtr ToCommon(Bound b, const CommonType& common);

// Binds a call of a built-in or registered function whose arguments are bound already.
Result<Bound> BindFunction(const Ast& call, std::vector<Bound> args, const Schema& schema);

// True for the names of built-in functions (lower-case), including the special forms if, cast.
bool IsBuiltinFunction(std::string_view lower);

}  // namespace sluice::expr
