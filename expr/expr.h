// The expression language of filters, computed fields and aggregate arguments.
//
//   expr    := or
//   or      := and ('or' and)*
//   and     := not ('and' not)*
//   not     := 'not' not | cmp
//   cmp     := concat (('=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>=') concat)?
//   concat  := add ('||' add)*
//   add     := mul (('+' | '-') mul)*
//   mul     := unary (('*' | '/' | '%') unary)*
//   unary   := '-' unary | primary
//   primary := number | string | 'true' | 'false' | 'null' | field | call | case | cast
//            | '(' expr ')'
//   call    := name '(' (expr (',' expr)*)? ')'      built-in or registered functions
//   case    := 'case' ('when' expr 'then' expr)+ ('else' expr)? 'end'
//   cast    := 'cast' '(' expr 'as' type ')'
//
// Keywords and function names are case-insensitive; field names are case-sensitive (write `name`
// in backquotes for a field that is not an identifier or is a keyword). case, when, then, else,
// end and as are keywords only where the grammar expects them. Functions registered from C++
// (sluice/scalar_function.h) are called like built-in ones. See docs/expressions.md for types,
// null rules, every operator and function, and the error messages.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/batch.h"

namespace sluice {

// A parsed, type-checked expression bound to the field indices of one schema.
// Thread-safe: Evaluate and Select are const and may run concurrently on different batches.
class Expr {
 public:
  virtual ~Expr() = default;

  // Result type; for kTimestamp also its unit (a timestamp field passed through keeps its unit).
  virtual Type type() const = 0;
  virtual TimeUnit unit() const = 0;

  // Evaluates the expression for every row of `batch`, replacing *out with a column of type()
  // and batch.size() rows. No per-row allocation beyond the growth of *out.
  virtual void Evaluate(const Batch& batch, Column* out) const = 0;

  // For a bool expression: sets (*sel)[r] = 1 where the expression is true, 0 where false or null.
  // REQUIRES: type() == Type::kBool.
  virtual void Select(const Batch& batch, std::vector<uint8_t>* sel) const = 0;

  // The field index when the expression is exactly one field reference, else nullopt.
  virtual std::optional<int> AsField() const = 0;

  // Canonical text (fully parenthesized), for tests and error messages.
  virtual std::string ToString() const = 0;
};

// Parses and binds `text` against `schema`. On error returns InvalidArgument whose message is
// "column N: <what is wrong>" with N the 1-based character position in `text`, e.g.
//   column 8: unknown field 'amout' (did you mean 'amount'?)
//   column 10: operator '+' cannot apply to string and int64
Result<std::unique_ptr<Expr>> CompileExpr(std::string_view text, const Schema& schema);

// One aggregate as written in a window or aggregate operator: "sum(amount * 2) as total".
struct AggregateCall {
  std::string func;   // lower-cased: count, sum, min, max, avg, first, last, count_distinct
  std::string arg;    // argument expression text, trimmed; empty for count()
  int arg_column = 0; // 1-based position of `arg` in the text (0 when empty)
  std::string alias;  // after 'as'; when absent: func for count(), else func_field for a plain
                      // field argument ("sum_amount"), else func
  std::string filter;     // condition of `filter (where ...)`, trimmed; empty when none
  int filter_column = 0;  // 1-based position of `filter` in the text (0 when empty)
};

// Parses the shape only: "func(arg) [filter (where cond)] [as alias]" (function name known,
// parentheses, optional filter and alias); the argument and the condition are compiled later
// against the schema with CompileExpr. Errors as for CompileExpr ("column N: ...").
Result<AggregateCall> ParseAggregateCall(std::string_view text);

}  // namespace sluice
