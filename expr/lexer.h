// Tokens of the expression language and the lexer that produces them.
//
// Internal to expr/. Positions are 1-based byte columns in the expression text, the unit of
// every "column N: ..." error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice::expr {

enum class TokenKind : uint8_t {
  kEnd,         // end of the text
  kIdentifier,  // field or function name; also `quoted` field names
  kInteger,     // digits only (value parsed by the parser, so "-9223372036854775808" works)
  kDouble,      // decimal point and/or exponent
  kString,      // '...' or "..." with escapes already decoded into `text`
  kKeyword,     // and, or, not, true, false, null (text lower-cased)
  kOperator,    // + - * / % = == != <> < <= > >= || ( ) ,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;     // as written (keywords lower-cased, strings decoded)
  int column = 1;       // 1-based position of the first character
  bool quoted = false;  // identifier written as `name`
  double number = 0;    // kDouble only
};

// Splits `text` into tokens, always ending with one kEnd token whose column is one past the end.
// Errors: "column N: ..." for an unknown character, an unterminated string, a bad escape, or a
// malformed number.
Result<std::vector<Token>> Lex(std::string_view text);

// How a token is named in error messages: "end of expression", "'abc'", "string 'abc'".
std::string Describe(const Token& t);

// True for [A-Za-z_][A-Za-z0-9_]*.
bool IsIdentifier(std::string_view s);

// True for and, or, not, true, false, null (REQUIRES: already lower-cased).
bool IsKeyword(std::string_view lower);

// True for case, when, then, else, end, as: words that are keywords only where the grammar
// expects them (`case when`, inside a case, `cast(x as type)`) and field names elsewhere, so
// fields named so keep working. Canonical text writes such fields in backquotes.
// REQUIRES: already lower-cased.
bool IsSoftKeyword(std::string_view lower);

// ASCII lower-casing.
std::string Lower(std::string_view s);

}  // namespace sluice::expr
