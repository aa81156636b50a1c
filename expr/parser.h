// Parse tree of the expression language and the recursive-descent parser (grammar in expr.h).
//
// Internal to expr/. The parser checks syntax only; names and types are checked by the
// binder (binder.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/types.h"

namespace sluice::expr {

struct Ast {
  // kCase: args are condition, result pairs in order, then the else result when has_else.
  // kCast: args[0] is the operand, type_name the target ("int64", "timestamp_ms", ...).
  enum class Kind : uint8_t { kLiteral, kField, kUnary, kBinary, kCall, kCase, kCast };

  Kind kind = Kind::kLiteral;
  int column = 1;       // 1-based column of the token naming the node (operator, name, literal)
  std::string text;     // operator in canonical form ("=", "!=", "and", "not", "-"), field name,
                        // or lower-cased function name
  std::string written;  // function name as written (for messages)
  Value literal;        // kLiteral; literal.null for `null` (its type is decided by the binder)
  std::vector<std::unique_ptr<Ast>> args;  // operands or call arguments, left to right
  bool has_else = false;                   // kCase
  std::string type_name;                   // kCast, lower-cased
  int type_column = 0;                     // kCast: column of the type name
  int height = 1;  // nodes on the longest path from here to a leaf (at most kMaxAstHeight)
};

// The tallest parse tree Parse accepts. The binder, the evaluator and ~Ast recurse once per
// level, so both parentheses and operator chains (`a + a + ...` is one level per operator) count.
constexpr int kMaxAstHeight = 1000;

// Parses a whole expression. Errors: "column N: ..." (see expr.h).
Result<std::unique_ptr<Ast>> Parse(std::string_view text);

// The type names `cast(x as T)` accepts, for messages: "int64, double, ...".
extern const char* const kCastTypeList;

// Canonical fully parenthesized text of a parse tree: "((a + 1) < b)", "abs((-x))", "'it\'s'".
std::string ToText(const Ast& ast);

}  // namespace sluice::expr
