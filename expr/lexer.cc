#include "expr/lexer.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace sluice::expr {
namespace {

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

Status ErrorAt(int column, std::string_view msg) {
  return Status::InvalidArgument(fmt::format("column {}: {}", column, msg));
}

}  // namespace

bool IsKeyword(std::string_view lower) {
  return lower == "and" || lower == "or" || lower == "not" || lower == "true" || lower == "false" ||
         lower == "null";
}

namespace {

// Lexes a quoted string starting at text[*pos] (the quote). Advances *pos past the closing quote.
Status LexString(std::string_view text, size_t* pos, std::string* out) {
  const char quote = text[*pos];
  const int start_column = static_cast<int>(*pos) + 1;
  size_t i = *pos + 1;
  while (i < text.size()) {
    char c = text[i];
    if (c == quote) {
      *pos = i + 1;
      return Status::OK();
    }
    if (c != '\\') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) break;
    char e = text[i + 1];
    switch (e) {
      case '\\':
        out->push_back('\\');
        break;
      case '\'':
        out->push_back('\'');
        break;
      case '"':
        out->push_back('"');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case '0':
        out->push_back('\0');
        break;
      default:
        return ErrorAt(static_cast<int>(i) + 1,
                       fmt::format("unknown escape '\\{}' in string (valid escapes: \\\\ \\' "
                                   "\\\" \\n \\t \\r \\0)",
                                   e));
    }
    i += 2;
  }
  return ErrorAt(start_column, fmt::format("string starting here has no closing {}", quote));
}

// Lexes a number starting at text[*pos] (a digit, or '.' followed by a digit).
Status LexNumber(std::string_view text, size_t* pos, Token* tok) {
  size_t i = *pos;
  bool is_double = false;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i < text.size() && text[i] == '.') {
    is_double = true;
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
  }
  bool bad = false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    is_double = true;
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (i >= text.size() || !IsDigit(text[i])) bad = true;
    while (i < text.size() && IsDigit(text[i])) ++i;
  }
  // "12abc" or "1.2.3": one malformed token rather than two confusing ones.
  while (i < text.size() && (IsIdentChar(text[i]) || text[i] == '.')) {
    bad = true;
    ++i;
  }
  tok->text = std::string(text.substr(*pos, i - *pos));
  if (bad) return ErrorAt(tok->column, fmt::format("malformed number '{}'", tok->text));
  if (is_double) {
    tok->kind = TokenKind::kDouble;
    tok->number = std::strtod(tok->text.c_str(), nullptr);
    if (std::isinf(tok->number)) {
      return ErrorAt(tok->column, fmt::format("number '{}' is too large for a double", tok->text));
    }
  } else {
    tok->kind = TokenKind::kInteger;
  }
  *pos = i;
  return Status::OK();
}

}  // namespace

bool IsSoftKeyword(std::string_view lower) {
  return lower == "case" || lower == "when" || lower == "then" || lower == "else" ||
         lower == "end" || lower == "as";
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || !IsIdentStart(s[0])) return false;
  for (char c : s) {
    if (!IsIdentChar(c)) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<std::vector<Token>> Lex(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (true) {
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) {
      ++i;
    }
    Token tok;
    tok.column = static_cast<int>(i) + 1;
    if (i >= text.size()) {
      tok.kind = TokenKind::kEnd;
      tokens.push_back(std::move(tok));
      return tokens;
    }
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (IsIdentStart(c)) {
      size_t b = i;
      while (i < text.size() && IsIdentChar(text[i])) ++i;
      tok.text = std::string(text.substr(b, i - b));
      std::string lower = Lower(tok.text);
      if (IsKeyword(lower)) {
        tok.kind = TokenKind::kKeyword;
        tok.text = std::move(lower);
      } else {
        tok.kind = TokenKind::kIdentifier;
      }
    } else if (c == '`') {
      size_t end = text.find('`', i + 1);
      if (end == std::string_view::npos) {
        return ErrorAt(tok.column, "field name starting here has no closing `");
      }
      if (end == i + 1) return ErrorAt(tok.column, "empty field name ``");
      tok.kind = TokenKind::kIdentifier;
      tok.quoted = true;
      tok.text = std::string(text.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (IsDigit(c) || (c == '.' && IsDigit(next))) {
      SLUICE_RETURN_IF_ERROR(LexNumber(text, &i, &tok));
    } else if (c == '\'' || c == '"') {
      tok.kind = TokenKind::kString;
      SLUICE_RETURN_IF_ERROR(LexString(text, &i, &tok.text));
    } else {
      tok.kind = TokenKind::kOperator;
      std::string_view two = text.substr(i, 2);
      if (two == "==" || two == "!=" || two == "<>" || two == "<=" || two == ">=" || two == "||") {
        tok.text = std::string(two);
        i += 2;
      } else if (std::string_view("+-*/%=<>(),").find(c) != std::string_view::npos) {
        tok.text = std::string(1, c);
        i += 1;
      } else if (c == '!') {
        return ErrorAt(tok.column, "unexpected '!' (use 'not' for negation, '!=' for inequality)");
      } else if (c == '&') {
        return ErrorAt(tok.column, "unexpected '&' (use 'and' / 'or')");
      } else if (c == '|') {
        return ErrorAt(tok.column, "unexpected '|' (use 'and' / 'or'; '||' joins strings)");
      } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
        return ErrorAt(tok.column, fmt::format("unexpected character (byte 0x{:02x})",
                                               static_cast<unsigned char>(c)));
      } else {
        return ErrorAt(tok.column, fmt::format("unexpected character '{}'", c));
      }
    }
    tokens.push_back(std::move(tok));
  }
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEnd:
      return "end of expression";
    case TokenKind::kString:
      return fmt::format("string '{}'", t.text);
    case TokenKind::kIdentifier:
      return t.quoted ? fmt::format("`{}`", t.text) : fmt::format("'{}'", t.text);
    default:
      return fmt::format("'{}'", t.text);
  }
}

}  // namespace sluice::expr
