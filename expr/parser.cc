#include "expr/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "expr/lexer.h"

namespace sluice::expr {
namespace {

// Deepest nesting accepted; keeps recursion bounded on hostile input.
constexpr int kMaxDepth = 256;

bool IsComparison(std::string_view op) {
  return op == "=" || op == "==" || op == "!=" || op == "<>" || op == "<" || op == "<=" ||
         op == ">" || op == ">=";
}

std::string CanonicalOp(std::string_view op) {
  if (op == "==") return "=";
  if (op == "<>") return "!=";
  return std::string(op);
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Result<std::unique_ptr<Ast>> ParseAll() {
    SLUICE_ASSIGN_OR_RETURN(auto root, ParseOr());
    const Token& t = Peek();
    if (t.kind != TokenKind::kEnd) {
      if (t.kind == TokenKind::kOperator && t.text == ")") {
        return Error(t, "unmatched ')'");
      }
      return Error(
          t, fmt::format("expected an operator or end of expression but found {}", Describe(t)));
    }
    return root;
  }

 private:
  const Token& Peek() const { return toks_[pos_]; }
  const Token& Next() { return toks_[pos_ == toks_.size() - 1 ? pos_ : pos_++]; }
  bool PeekOp(std::string_view op) const {
    return Peek().kind == TokenKind::kOperator && Peek().text == op;
  }
  bool PeekKeyword(std::string_view kw) const {
    return Peek().kind == TokenKind::kKeyword && Peek().text == kw;
  }

  static Status Error(const Token& t, std::string_view msg) {
    return Status::InvalidArgument(fmt::format("column {}: {}", t.column, msg));
  }

  static std::unique_ptr<Ast> Node(Ast::Kind kind, const Token& t, std::string text) {
    auto n = std::make_unique<Ast>();
    n->kind = kind;
    n->column = t.column;
    n->text = std::move(text);
    return n;
  }

  static Result<std::unique_ptr<Ast>> Binary(const Token& op, std::unique_ptr<Ast> l,
                                             std::unique_ptr<Ast> r) {
    auto n = Node(Ast::Kind::kBinary, op, CanonicalOp(op.text));
    n->args.push_back(std::move(l));
    n->args.push_back(std::move(r));
    return Grown(op, std::move(n));
  }

  // Sets n->height from its operands; fails when the tree grows taller than kMaxAstHeight.
  static Result<std::unique_ptr<Ast>> Grown(const Token& t, std::unique_ptr<Ast> n) {
    for (const auto& a : n->args) n->height = std::max(n->height, a->height + 1);
    if (n->height > kMaxAstHeight) {
      return Error(t, fmt::format("expression nests deeper than {} levels (each operator of a "
                                  "chain such as 'a + b + c' counts as one)",
                                  kMaxAstHeight));
    }
    return n;
  }

  Status Enter(const Token& t) {
    if (++depth_ > kMaxDepth) {
      return Error(t, fmt::format("expression nests deeper than {} levels", kMaxDepth));
    }
    return Status::OK();
  }

  Result<std::unique_ptr<Ast>> ParseOr() {
    SLUICE_ASSIGN_OR_RETURN(auto left, ParseAnd());
    while (PeekKeyword("or")) {
      const Token& op = Next();
      SLUICE_ASSIGN_OR_RETURN(auto right, ParseAnd());
      SLUICE_ASSIGN_OR_RETURN(left, Binary(op, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<std::unique_ptr<Ast>> ParseAnd() {
    SLUICE_ASSIGN_OR_RETURN(auto left, ParseNot());
    while (PeekKeyword("and")) {
      const Token& op = Next();
      SLUICE_ASSIGN_OR_RETURN(auto right, ParseNot());
      SLUICE_ASSIGN_OR_RETURN(left, Binary(op, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<std::unique_ptr<Ast>> ParseNot() {
    if (!PeekKeyword("not")) return ParseComparison();
    const Token& op = Next();
    SLUICE_RETURN_IF_ERROR(Enter(op));
    SLUICE_ASSIGN_OR_RETURN(auto operand, ParseNot());
    --depth_;
    auto n = Node(Ast::Kind::kUnary, op, "not");
    n->args.push_back(std::move(operand));
    return Grown(op, std::move(n));
  }

  Result<std::unique_ptr<Ast>> ParseComparison() {
    SLUICE_ASSIGN_OR_RETURN(auto left, ParseConcat());
    if (Peek().kind != TokenKind::kOperator || !IsComparison(Peek().text)) return left;
    const Token& op = Next();
    SLUICE_ASSIGN_OR_RETURN(auto right, ParseConcat());
    if (Peek().kind == TokenKind::kOperator && IsComparison(Peek().text)) {
      return Error(Peek(), fmt::format("comparisons cannot be chained; write 'a {} b and b {} c'",
                                       op.text, Peek().text));
    }
    return Binary(op, std::move(left), std::move(right));
  }

  Result<std::unique_ptr<Ast>> ParseConcat() {
    SLUICE_ASSIGN_OR_RETURN(auto left, ParseAdd());
    while (PeekOp("||")) {
      const Token& op = Next();
      SLUICE_ASSIGN_OR_RETURN(auto right, ParseAdd());
      SLUICE_ASSIGN_OR_RETURN(left, Binary(op, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<std::unique_ptr<Ast>> ParseAdd() {
    SLUICE_ASSIGN_OR_RETURN(auto left, ParseMul());
    while (PeekOp("+") || PeekOp("-")) {
      const Token& op = Next();
      SLUICE_ASSIGN_OR_RETURN(auto right, ParseMul());
      SLUICE_ASSIGN_OR_RETURN(left, Binary(op, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<std::unique_ptr<Ast>> ParseMul() {
    SLUICE_ASSIGN_OR_RETURN(auto left, ParseUnary());
    while (PeekOp("*") || PeekOp("/") || PeekOp("%")) {
      const Token& op = Next();
      SLUICE_ASSIGN_OR_RETURN(auto right, ParseUnary());
      SLUICE_ASSIGN_OR_RETURN(left, Binary(op, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<std::unique_ptr<Ast>> ParseUnary() {
    if (!PeekOp("-")) return ParsePrimary();
    const Token& op = Next();
    // "-9223372036854775808" is a literal of its own: its magnitude alone overflows int64.
    if (Peek().kind == TokenKind::kInteger && Peek().column == op.column + 1) {
      const Token& num = Next();
      SLUICE_ASSIGN_OR_RETURN(int64_t v, ParseInteger(num, "-" + num.text, op));
      auto n = Node(Ast::Kind::kLiteral, op, "");
      n->literal = Value::Int(v);
      return n;
    }
    SLUICE_RETURN_IF_ERROR(Enter(op));
    SLUICE_ASSIGN_OR_RETURN(auto operand, ParseUnary());
    --depth_;
    // "- 3" and "-(3)" are the literal -3, as "-3" is, so that the canonical text "-3" parses
    // back to the same tree.
    const Value& v = operand->literal;
    if (operand->kind == Ast::Kind::kLiteral && !v.null && v.type == Type::kInt64 &&
        v.i != std::numeric_limits<int64_t>::min()) {
      auto n = Node(Ast::Kind::kLiteral, op, "");
      n->literal = Value::Int(-v.i);
      return n;
    }
    auto n = Node(Ast::Kind::kUnary, op, "-");
    n->args.push_back(std::move(operand));
    return Grown(op, std::move(n));
  }

  static Result<int64_t> ParseInteger(const Token& t, const std::string& text, const Token& at) {
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (errno == ERANGE || end != text.c_str() + text.size()) {
      return Error(at, fmt::format("integer {} does not fit in int64 (write it as {}.0 for a "
                                   "double)",
                                   text, text));
    }
    return static_cast<int64_t>(v);
  }

  Result<std::unique_ptr<Ast>> ParsePrimary() {
    const Token& t = Next();
    switch (t.kind) {
      case TokenKind::kInteger: {
        SLUICE_ASSIGN_OR_RETURN(int64_t v, ParseInteger(t, t.text, t));
        auto n = Node(Ast::Kind::kLiteral, t, "");
        n->literal = Value::Int(v);
        return n;
      }
      case TokenKind::kDouble: {
        auto n = Node(Ast::Kind::kLiteral, t, "");
        n->literal = Value::Double(t.number);
        return n;
      }
      case TokenKind::kString: {
        auto n = Node(Ast::Kind::kLiteral, t, "");
        n->literal = Value::String(t.text);
        return n;
      }
      case TokenKind::kKeyword: {
        auto n = Node(Ast::Kind::kLiteral, t, "");
        if (t.text == "true" || t.text == "false") {
          n->literal = Value::Bool(t.text == "true");
          return n;
        }
        if (t.text == "null") {
          n->literal = Value::Null();
          return n;
        }
        return Error(t, fmt::format("expected an operand but found '{}'", t.text));
      }
      case TokenKind::kIdentifier:
        if (!t.quoted && PeekOp("(")) {
          if (Lower(t.text) == "cast") return ParseCast(t);
          return ParseCall(t);
        }
        if (!t.quoted && Lower(t.text) == "case" && StartsOperand(Peek())) return ParseCase(t);
        return Node(Ast::Kind::kField, t, t.text);
      case TokenKind::kOperator:
        if (t.text == "(") {
          SLUICE_RETURN_IF_ERROR(Enter(t));
          SLUICE_ASSIGN_OR_RETURN(auto inner, ParseOr());
          --depth_;
          SLUICE_RETURN_IF_ERROR(Expect(")", t));
          return inner;
        }
        return Error(t, fmt::format("expected an operand but found {}", Describe(t)));
      case TokenKind::kEnd:
        return Error(t, "expected an operand but found end of expression");
    }
    return Error(t, "unexpected token");
  }

  // Consumes `op` or fails, naming the token that opened the construct.
  Status Expect(std::string_view op, const Token& opener) {
    if (PeekOp(op)) {
      Next();
      return Status::OK();
    }
    return Error(Peek(), fmt::format("expected '{}' but found {} ('{}' opened at column {})", op,
                                     Describe(Peek()), opener.text, opener.column));
  }

  Result<std::unique_ptr<Ast>> ParseCall(const Token& name) {
    const Token& open = Next();  // '('
    SLUICE_RETURN_IF_ERROR(Enter(open));
    auto n = Node(Ast::Kind::kCall, name, Lower(name.text));
    n->written = name.text;
    if (!PeekOp(")")) {
      while (true) {
        SLUICE_ASSIGN_OR_RETURN(auto arg, ParseOr());
        n->args.push_back(std::move(arg));
        if (!PeekOp(",")) break;
        Next();
      }
    }
    SLUICE_RETURN_IF_ERROR(Expect(")", open));
    --depth_;
    return Grown(name, std::move(n));
  }

  // True for an unquoted identifier `word` (a soft keyword, lower-case).
  static bool IsWord(const Token& t, std::string_view word) {
    return t.kind == TokenKind::kIdentifier && !t.quoted && Lower(t.text) == word;
  }

  // A token that can begin an operand (after `case`, anything else makes `case` a field name).
  static bool StartsOperand(const Token& t) {
    switch (t.kind) {
      case TokenKind::kIdentifier:
        return t.quoted || Lower(t.text) == "when" || !IsSoftKeyword(Lower(t.text));
      case TokenKind::kInteger:
      case TokenKind::kDouble:
      case TokenKind::kString:
        return true;
      case TokenKind::kKeyword:
        return t.text != "and" && t.text != "or";
      default:
        return false;
    }
  }

  // An operand inside a case: refuses a soft keyword where an expression must start, so that
  // 'case when x then end' reports the missing result rather than reading a field `end`.
  Result<std::unique_ptr<Ast>> ParseCaseOperand(const Token& after) {
    const Token& t = Peek();
    if (IsWord(t, "when") || IsWord(t, "then") || IsWord(t, "else") || IsWord(t, "end")) {
      return Error(t, fmt::format("expected an expression after '{}' but found {} (write a "
                                  "field of that name in backquotes)",
                                  Lower(after.text), Describe(t)));
    }
    return ParseOr();
  }

  // case := 'case' ('when' expr 'then' expr)+ ('else' expr)? 'end'
  Result<std::unique_ptr<Ast>> ParseCase(const Token& kw) {
    SLUICE_RETURN_IF_ERROR(Enter(kw));
    auto n = Node(Ast::Kind::kCase, kw, "case");
    if (!IsWord(Peek(), "when")) {
      return Error(Peek(), fmt::format("expected 'when' after 'case' but found {} (the form "
                                       "'case x when v then ...' is written 'case when x = v "
                                       "then ...')",
                                       Describe(Peek())));
    }
    while (IsWord(Peek(), "when")) {
      const Token& when = Next();
      SLUICE_ASSIGN_OR_RETURN(auto cond, ParseCaseOperand(when));
      if (!IsWord(Peek(), "then")) {
        return Error(Peek(), fmt::format("expected 'then' but found {} ('when' at column {})",
                                         Describe(Peek()), when.column));
      }
      const Token& then = Next();
      SLUICE_ASSIGN_OR_RETURN(auto value, ParseCaseOperand(then));
      n->args.push_back(std::move(cond));
      n->args.push_back(std::move(value));
    }
    if (IsWord(Peek(), "else")) {
      const Token& e = Next();
      SLUICE_ASSIGN_OR_RETURN(auto value, ParseCaseOperand(e));
      n->args.push_back(std::move(value));
      n->has_else = true;
    }
    if (!IsWord(Peek(), "end")) {
      return Error(Peek(), fmt::format("expected {}'end' but found {} ('case' at column {})",
                                       n->has_else ? "" : "'when', 'else' or ", Describe(Peek()),
                                       kw.column));
    }
    Next();
    --depth_;
    return Grown(kw, std::move(n));
  }

  // cast := 'cast' '(' expr 'as' type ')'
  Result<std::unique_ptr<Ast>> ParseCast(const Token& name) {
    const Token& open = Next();  // '('
    SLUICE_RETURN_IF_ERROR(Enter(open));
    auto n = Node(Ast::Kind::kCast, name, "cast");
    n->written = name.text;
    SLUICE_ASSIGN_OR_RETURN(auto operand, ParseOr());
    n->args.push_back(std::move(operand));
    if (!IsWord(Peek(), "as")) {
      return Error(Peek(), fmt::format("expected 'as' but found {} (write 'cast(x as int64)')",
                                       Describe(Peek())));
    }
    Next();
    const Token& type = Next();
    std::string lower = Lower(type.text);
    if (type.kind != TokenKind::kIdentifier || type.quoted ||
        (lower != "int64" && lower != "double" && lower != "string" && lower != "bool" &&
         lower != "timestamp_s" && lower != "timestamp_ms" && lower != "timestamp_us")) {
      return Error(type, fmt::format("expected a type after 'as' but found {} (types: {})",
                                     Describe(type), kCastTypeList));
    }
    n->type_name = std::move(lower);
    n->type_column = type.column;
    SLUICE_RETURN_IF_ERROR(Expect(")", open));
    --depth_;
    return Grown(name, std::move(n));
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

std::string QuoteString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        out.push_back(c);
    }
  }
  out += "'";
  return out;
}

}  // namespace

const char* const kCastTypeList =
    "int64, double, string, bool, timestamp_s, timestamp_ms, timestamp_us";

Result<std::unique_ptr<Ast>> Parse(std::string_view text) {
  SLUICE_ASSIGN_OR_RETURN(auto tokens, Lex(text));
  Parser p(std::move(tokens));
  return p.ParseAll();
}

std::string ToText(const Ast& a) {
  switch (a.kind) {
    case Ast::Kind::kLiteral: {
      const Value& v = a.literal;
      if (v.null) return "null";
      switch (v.type) {
        case Type::kInt64:
          return fmt::format("{}", v.i);
        case Type::kDouble: {
          std::string s = fmt::format("{}", v.d);
          // Keep doubles recognizable as doubles: "2" -> "2.0".
          if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
          return s;
        }
        case Type::kBool:
          return v.i ? "true" : "false";
        case Type::kString:
          return QuoteString(v.s);
        default:
          return v.ToString();
      }
    }
    case Ast::Kind::kField: {
      const std::string lower = Lower(a.text);
      return IsIdentifier(a.text) && !IsKeyword(lower) && !IsSoftKeyword(lower)
                 ? a.text
                 : fmt::format("`{}`", a.text);
    }
    case Ast::Kind::kUnary:
      return a.text == "not" ? fmt::format("(not {})", ToText(*a.args[0]))
                             : fmt::format("(-{})", ToText(*a.args[0]));
    case Ast::Kind::kBinary:
      return fmt::format("({} {} {})", ToText(*a.args[0]), a.text, ToText(*a.args[1]));
    case Ast::Kind::kCall: {
      std::string out = a.text + "(";
      for (size_t i = 0; i < a.args.size(); ++i) {
        if (i > 0) out += ", ";
        out += ToText(*a.args[i]);
      }
      return out + ")";
    }
    case Ast::Kind::kCase: {
      std::string out = "case";
      const size_t pairs = (a.args.size() - (a.has_else ? 1 : 0)) / 2;
      for (size_t k = 0; k < pairs; ++k) {
        out += " when " + ToText(*a.args[2 * k]) + " then " + ToText(*a.args[2 * k + 1]);
      }
      if (a.has_else) out += " else " + ToText(*a.args.back());
      return out + " end";
    }
    case Ast::Kind::kCast:
      return fmt::format("cast({} as {})", ToText(*a.args[0]), a.type_name);
  }
  return "";
}

}  // namespace sluice::expr
