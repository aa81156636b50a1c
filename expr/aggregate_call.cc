// ParseAggregateCall: "func(arg) [filter (where cond)] [as alias]" with the argument and the
// condition kept as text for CompileExpr.
#include <fmt/format.h>

#include <array>

#include "expr/binder.h"
#include "expr/expr.h"
#include "expr/lexer.h"

namespace sluice {
namespace {

constexpr std::array<std::string_view, 8> kAggregates = {
    "count", "sum", "min", "max", "avg", "first", "last", "count_distinct"};
constexpr std::string_view kAggregateList =
    "count, sum, min, max, avg, first, last, count_distinct";

Status ErrorAt(size_t pos, std::string_view msg) {
  return Status::InvalidArgument(fmt::format("column {}: {}", pos + 1, msg));
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

size_t SkipSpace(std::string_view text, size_t pos) {
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  return pos;
}

// The word (or single character) at pos, for "but found ..." messages.
std::string FoundAt(std::string_view text, size_t pos) {
  if (pos >= text.size()) return "end of expression";
  size_t end = pos;
  while (end < text.size() && IsWordChar(text[end])) ++end;
  if (end == pos) end = pos + 1;
  return fmt::format("'{}'", text.substr(pos, end - pos));
}

// The run of non-space characters at pos, for "but found ..." messages about a name.
std::string RunAt(std::string_view text, size_t pos) {
  if (pos >= text.size()) return "end of expression";
  size_t end = pos;
  while (end < text.size() && !IsSpace(text[end])) ++end;
  return fmt::format("'{}'", text.substr(pos, end - pos));
}

size_t ScanWord(std::string_view text, size_t pos) {
  while (pos < text.size() && IsWordChar(text[pos])) ++pos;
  return pos;
}

// Scans from just after '(' to its matching ')', skipping quoted strings and `names`.
// Sets *close to the position of ')' and *comma to the first top-level ',' (npos if none).
Status ScanArgument(std::string_view text, size_t open, size_t* close, size_t* comma) {
  int depth = 1;
  *comma = std::string_view::npos;
  for (size_t i = open + 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\'' || c == '"' || c == '`') {
      const size_t start = i;
      for (++i; i < text.size() && text[i] != c; ++i) {
        if (text[i] == '\\' && c != '`') ++i;
      }
      if (i >= text.size()) {
        return ErrorAt(start, fmt::format("{} starting here has no closing {}",
                                          c == '`' ? "field name" : "string", c));
      }
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) {
        *close = i;
        return Status::OK();
      }
    } else if (c == ',' && depth == 1 && *comma == std::string_view::npos) {
      *comma = i;
    }
  }
  return ErrorAt(text.size(), fmt::format("expected ')' but found end of expression ('(' opened "
                                          "at column {})",
                                          open + 1));
}

}  // namespace

Result<AggregateCall> ParseAggregateCall(std::string_view text) {
  AggregateCall call;
  size_t pos = SkipSpace(text, 0);
  size_t end = ScanWord(text, pos);
  if (end == pos || !expr::IsIdentifier(text.substr(pos, end - pos))) {
    return ErrorAt(pos, fmt::format("expected an aggregate such as sum(amount) but found {}",
                                    FoundAt(text, pos)));
  }
  const std::string written(text.substr(pos, end - pos));
  call.func = expr::Lower(written);
  bool known = false;
  std::string_view closest;
  size_t closest_distance = SIZE_MAX;
  for (std::string_view f : kAggregates) {
    known |= f == call.func;
    size_t d = expr::EditDistance(call.func, f);
    if (d < closest_distance) closest_distance = d, closest = f;
  }
  if (!known) {
    std::string hint = closest_distance <= 2 && closest_distance < call.func.size()
                           ? fmt::format("did you mean '{}'? ", closest)
                           : "";
    return ErrorAt(pos, fmt::format("unknown aggregate function '{}' ({}aggregates: {})", written,
                                    hint, kAggregateList));
  }
  const size_t open = SkipSpace(text, end);
  if (open >= text.size() || text[open] != '(') {
    return ErrorAt(
        open, fmt::format("expected '(' after '{}' but found {}", written, FoundAt(text, open)));
  }
  size_t close = 0, comma = 0;
  SLUICE_RETURN_IF_ERROR(ScanArgument(text, open, &close, &comma));

  size_t arg_begin = SkipSpace(text, open + 1);
  size_t arg_end = close;
  while (arg_end > arg_begin && IsSpace(text[arg_end - 1])) --arg_end;
  call.arg = std::string(text.substr(arg_begin, arg_end - arg_begin));
  call.arg_column = call.arg.empty() ? 0 : static_cast<int>(arg_begin) + 1;
  if (call.func == "count" && call.arg == "*") {
    call.arg.clear();
    call.arg_column = 0;
  }
  if (comma != std::string_view::npos) {
    return ErrorAt(comma,
                   fmt::format("{}() takes one argument, but a second one starts here", call.func));
  }
  if (call.arg.empty() && call.func != "count") {
    return ErrorAt(close,
                   fmt::format("{}() needs an argument, e.g. {}(amount)", call.func, call.func));
  }

  pos = SkipSpace(text, close + 1);
  end = ScanWord(text, pos);
  if (pos < text.size() && expr::Lower(text.substr(pos, end - pos)) == "filter") {
    const size_t fopen = SkipSpace(text, end);
    if (fopen >= text.size() || text[fopen] != '(') {
      return ErrorAt(fopen, fmt::format("expected '(' after 'filter' but found {}",
                                        FoundAt(text, fopen)));
    }
    size_t fclose = 0, fcomma = 0;
    SLUICE_RETURN_IF_ERROR(ScanArgument(text, fopen, &fclose, &fcomma));
    const size_t where = SkipSpace(text, fopen + 1);
    const size_t where_end = ScanWord(text, where);
    if (expr::Lower(text.substr(where, where_end - where)) != "where") {
      return ErrorAt(where, fmt::format("expected 'where' after 'filter (' but found {}",
                                        FoundAt(text, where)));
    }
    if (fcomma != std::string_view::npos) {
      return ErrorAt(fcomma, "a filter takes one condition; join conditions with 'and'");
    }
    const size_t cond = SkipSpace(text, where_end);
    size_t cond_end = fclose;
    while (cond_end > cond && IsSpace(text[cond_end - 1])) --cond_end;
    if (cond >= cond_end) {
      return ErrorAt(fclose, "expected a condition after 'where', e.g. filter (where price < 100)");
    }
    call.filter = std::string(text.substr(cond, cond_end - cond));
    call.filter_column = static_cast<int>(cond) + 1;
    pos = SkipSpace(text, fclose + 1);
    end = ScanWord(text, pos);
  }
  if (pos < text.size()) {
    if (expr::Lower(text.substr(pos, end - pos)) != "as") {
      return ErrorAt(pos, fmt::format("expected 'as <alias>', 'filter (where ...)' or end of "
                                      "expression after the aggregate call but found {}",
                                      FoundAt(text, pos)));
    }
    const size_t alias_pos = SkipSpace(text, end);
    const size_t alias_end = ScanWord(text, alias_pos);
    std::string_view alias = text.substr(alias_pos, alias_end - alias_pos);
    if (!expr::IsIdentifier(alias) || (alias_end < text.size() && !IsSpace(text[alias_end]))) {
      return ErrorAt(alias_pos, fmt::format("expected an alias name (letters, digits, _, not "
                                            "starting with a digit) after 'as' but found {}",
                                            RunAt(text, alias_pos)));
    }
    call.alias = std::string(alias);
    pos = SkipSpace(text, alias_end);
    if (pos < text.size()) {
      return ErrorAt(
          pos, fmt::format("unexpected {} after the alias '{}'", FoundAt(text, pos), call.alias));
    }
    return call;
  }
  if (call.arg.empty()) {
    call.alias = call.func;
  } else if (expr::IsIdentifier(call.arg) && !expr::IsKeyword(expr::Lower(call.arg))) {
    call.alias = call.func + "_" + call.arg;
  } else {
    call.alias = call.func;
  }
  return call;
}

}  // namespace sluice
