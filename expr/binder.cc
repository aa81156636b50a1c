#include "expr/binder.h"

#include <fmt/format.h>

#include <algorithm>

#include "expr/lexer.h"

namespace sluice::expr {
namespace {

constexpr std::string_view kFunctionList = "abs, lower, upper, length, coalesce";

// Farthest a misspelt name may be from a field to be suggested.
constexpr size_t kMaxSuggestDistance = 2;

// A bound subtree. `untyped_null` marks a bare `null` literal (or an expression of nulls only),
// whose type adapts to the other operand.
struct Bound {
  NodePtr node;
  bool untyped_null = false;
};

Status ErrorAt(int column, std::string_view msg) {
  return Status::InvalidArgument(fmt::format("column {}: {}", column, msg));
}

// The column where the text of `a` begins (a binary node is named by its operator).
int StartColumn(const Ast& a) {
  return a.kind == Ast::Kind::kBinary ? StartColumn(*a.args[0]) : a.column;
}

bool IsIntegral(Type t) { return t == Type::kInt64 || t == Type::kTimestamp; }

std::string_view Name(Type t) { return TypeName(t); }

// Evaluates a node whose operands are all literals once, and returns it as a literal.
NodePtr Fold(NodePtr node) {
  Batch one;
  one.ts.resize(1);
  Column c;
  node->Eval(one, &c);
  return MakeLiteral(c.get(0), node->type());
}

Bound NullOf(Type t) { return Bound{MakeLiteral(Value::Null(t), t), false}; }

class Binder {
 public:
  explicit Binder(const Schema& schema) : schema_(schema) {}

  Result<Bound> Bind(const Ast& a) {
    switch (a.kind) {
      case Ast::Kind::kLiteral:
        if (a.literal.null) return Bound{MakeLiteral(Value::Null(), Type::kInt64), true};
        return Bound{MakeLiteral(a.literal, a.literal.type), false};
      case Ast::Kind::kField:
        return BindField(a);
      case Ast::Kind::kUnary:
        return BindUnary(a);
      case Ast::Kind::kBinary:
        return BindBinary(a);
      case Ast::Kind::kCall:
        return BindCall(a);
    }
    return ErrorAt(a.column, "unknown expression node");
  }

 private:
  Result<Bound> BindField(const Ast& a) {
    int index = schema_.IndexOf(a.text);
    if (index < 0) return ErrorAt(a.column, UnknownFieldMessage(a.text));
    return Bound{MakeField(index, schema_.field(index)), false};
  }

  std::string UnknownFieldMessage(const std::string& name) const {
    std::string best;
    size_t best_distance = SIZE_MAX;
    std::string fields;
    const std::string lower = Lower(name);
    for (const Field& f : schema_.fields()) {
      if (f.name.rfind("__", 0) == 0) continue;  // hidden planner columns
      if (!fields.empty()) fields += ", ";
      fields += f.name;
      size_t d = EditDistance(lower, Lower(f.name));
      if (d < best_distance) best_distance = d, best = f.name;
    }
    if (fields.empty()) return fmt::format("unknown field '{}' (the schema has no fields)", name);
    if (best_distance == 0) {
      return fmt::format("unknown field '{}' (did you mean '{}'? field names are case-sensitive)",
                         name, best);
    }
    if (best_distance <= kMaxSuggestDistance && best_distance < name.size()) {
      return fmt::format("unknown field '{}' (did you mean '{}'?)", name, best);
    }
    return fmt::format("unknown field '{}' (fields: {})", name, fields);
  }

  Result<Bound> BindUnary(const Ast& a) {
    SLUICE_ASSIGN_OR_RETURN(Bound x, Bind(*a.args[0]));
    const bool is_const = x.node->constant() != nullptr;
    if (a.text == "not") {
      if (x.untyped_null) return NullOf(Type::kBool);
      if (x.node->type() != Type::kBool) {
        return ErrorAt(a.column, fmt::format("operator 'not' cannot apply to {} (it needs a bool)",
                                             Name(x.node->type())));
      }
      NodePtr n = MakeNot(std::move(x.node));
      return Bound{is_const ? Fold(std::move(n)) : std::move(n), false};
    }
    if (x.untyped_null) return x;
    if (!IsNumeric(x.node->type())) {
      return ErrorAt(a.column, fmt::format("operator '-' cannot apply to {} (it needs a number)",
                                           Name(x.node->type())));
    }
    NodePtr n = MakeNegate(std::move(x.node));
    return Bound{is_const ? Fold(std::move(n)) : std::move(n), false};
  }

  Result<Bound> BindBinary(const Ast& a) {
    SLUICE_ASSIGN_OR_RETURN(Bound l, Bind(*a.args[0]));
    SLUICE_ASSIGN_OR_RETURN(Bound r, Bind(*a.args[1]));
    const std::string& op = a.text;
    if (op == "and" || op == "or") return BindLogic(a, std::move(l), std::move(r));

    // An untyped null takes the type of the other side (int64 when both are null).
    Type lt = l.node->type(), rt = r.node->type();
    if (l.untyped_null) lt = r.untyped_null ? Type::kInt64 : rt;
    if (r.untyped_null) rt = lt;
    const bool any_null = l.untyped_null || r.untyped_null;
    const bool is_const = l.node->constant() && r.node->constant();

    Type result;
    NodePtr n;
    if (op == "=" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
      SLUICE_RETURN_IF_ERROR(CheckComparison(a, lt, rt));
      if (any_null) return NullOf(Type::kBool);
      n = MakeCompare(CmpOpOf(op), std::move(l.node), std::move(r.node));
    } else if (op == "+" && lt == Type::kString && rt == Type::kString) {
      if (any_null) return Bound{NullOf(Type::kString).node, false};
      n = MakeConcat(std::move(l.node), std::move(r.node));
    } else {
      if (!IsNumeric(lt) || !IsNumeric(rt)) {
        std::string hint;
        if (op == "+" && (lt == Type::kString || rt == Type::kString)) {
          hint = " ('+' joins two strings, or adds two numbers)";
        }
        return ErrorAt(a.column, fmt::format("operator '{}' cannot apply to {} and {}{}", op,
                                             Name(lt), Name(rt), hint));
      }
      result = (op != "/" && IsIntegral(lt) && IsIntegral(rt)) ? Type::kInt64 : Type::kDouble;
      if (any_null) return Bound{NullOf(result).node, l.untyped_null && r.untyped_null};
      n = MakeArith(ArithOpOf(op), result, std::move(l.node), std::move(r.node));
    }
    return Bound{is_const ? Fold(std::move(n)) : std::move(n), false};
  }

  static Status CheckComparison(const Ast& a, Type lt, Type rt) {
    const std::string& op = a.text;
    if (IsNumeric(lt) && IsNumeric(rt)) return Status::OK();
    if (lt == Type::kString && rt == Type::kString) return Status::OK();
    if (lt == Type::kBool && rt == Type::kBool) {
      if (op == "=" || op == "!=") return Status::OK();
      return ErrorAt(a.column, fmt::format("operator '{}' cannot apply to bool and bool (bools "
                                           "compare with = and != only)",
                                           op));
    }
    return ErrorAt(a.column, fmt::format("operator '{}' cannot apply to {} and {} (compare "
                                         "numbers with numbers, strings with strings)",
                                         op, Name(lt), Name(rt)));
  }

  static CmpOp CmpOpOf(std::string_view op) {
    if (op == "=") return CmpOp::kEq;
    if (op == "!=") return CmpOp::kNe;
    if (op == "<") return CmpOp::kLt;
    if (op == "<=") return CmpOp::kLe;
    if (op == ">") return CmpOp::kGt;
    return CmpOp::kGe;
  }

  static ArithOp ArithOpOf(std::string_view op) {
    if (op == "+") return ArithOp::kAdd;
    if (op == "-") return ArithOp::kSub;
    if (op == "*") return ArithOp::kMul;
    if (op == "/") return ArithOp::kDiv;
    return ArithOp::kMod;
  }

  Result<Bound> BindLogic(const Ast& a, Bound l, Bound r) {
    for (const Bound* b : {&l, &r}) {
      if (!b->untyped_null && b->node->type() != Type::kBool) {
        return ErrorAt(a.column,
                       fmt::format("operator '{}' cannot apply to {} and {} (both sides must be "
                                   "bool, e.g. 'x > 0 {} y < 5')",
                                   a.text, l.untyped_null ? "null" : Name(l.node->type()),
                                   r.untyped_null ? "null" : Name(r.node->type()), a.text));
      }
    }
    const bool is_const = l.node->constant() && r.node->constant();
    if (l.untyped_null) l = NullOf(Type::kBool);
    if (r.untyped_null) r = NullOf(Type::kBool);
    NodePtr n = a.text == "and" ? MakeAnd(std::move(l.node), std::move(r.node))
                                : MakeOr(std::move(l.node), std::move(r.node));
    return Bound{is_const ? Fold(std::move(n)) : std::move(n), false};
  }

  Result<Bound> BindCall(const Ast& a) {
    const std::string& f = a.text;
    if (f != "abs" && f != "lower" && f != "upper" && f != "length" && f != "coalesce") {
      std::string hint;
      if (f == "count" || f == "sum" || f == "min" || f == "max" || f == "avg" || f == "first" ||
          f == "last" || f == "count_distinct") {
        hint = fmt::format("; '{}' is an aggregate, written in a window or aggregate operator", f);
      } else if (schema_.IndexOf(a.written) >= 0) {
        hint = fmt::format("; '{}' is a field, not a function", a.written);
      }
      return ErrorAt(a.column, fmt::format("unknown function '{}' (functions: {}{})", a.written,
                                           kFunctionList, hint));
    }
    std::vector<Bound> args;
    bool all_const = true;
    for (const auto& arg : a.args) {
      SLUICE_ASSIGN_OR_RETURN(Bound b, Bind(*arg));
      all_const &= b.node->constant() != nullptr;
      args.push_back(std::move(b));
    }
    if (f == "coalesce") return BindCoalesce(a, std::move(args));
    if (args.size() != 1) {
      return ErrorAt(
          a.column, fmt::format("function '{}' takes 1 argument but was given {}", f, args.size()));
    }
    Bound& x = args[0];
    const Type t = x.node->type();
    const int arg_column = StartColumn(*a.args[0]);
    NodePtr n;
    if (f == "abs") {
      if (x.untyped_null) return std::move(x);
      if (!IsNumeric(t)) {
        return ErrorAt(arg_column,
                       fmt::format("function 'abs' needs a number but got {}", Name(t)));
      }
      n = MakeAbs(std::move(x.node));
    } else {
      if (x.untyped_null) return NullOf(f == "length" ? Type::kInt64 : Type::kString);
      if (t != Type::kString) {
        return ErrorAt(arg_column,
                       fmt::format("function '{}' needs a string but got {}", f, Name(t)));
      }
      n = f == "length" ? MakeLength(std::move(x.node))
                        : MakeChangeCase(f == "upper", std::move(x.node));
    }
    return Bound{all_const ? Fold(std::move(n)) : std::move(n), false};
  }

  // coalesce: the typed arguments share one type, or are all numeric (any double -> double, else
  // int64); untyped nulls are dropped since they can never be chosen.
  Result<Bound> BindCoalesce(const Ast& a, std::vector<Bound> args) {
    if (args.empty()) return ErrorAt(a.column, "function 'coalesce' needs at least 1 argument");
    std::vector<NodePtr> kept;
    std::vector<size_t> positions;
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i].untyped_null) continue;
      kept.push_back(std::move(args[i].node));
      positions.push_back(i);
    }
    if (kept.empty()) return Bound{MakeLiteral(Value::Null(), Type::kInt64), true};
    Type type = kept[0]->type();
    TimeUnit unit = kept[0]->unit();
    for (size_t k = 1; k < kept.size(); ++k) {
      const Type t = kept[k]->type();
      if (t == type && (t != Type::kTimestamp || kept[k]->unit() == unit)) continue;
      if (IsNumeric(t) && IsNumeric(type)) {
        type = (t == Type::kDouble || type == Type::kDouble) ? Type::kDouble : Type::kInt64;
        continue;
      }
      return ErrorAt(
          StartColumn(*a.args[positions[k]]),
          fmt::format("coalesce arguments must share one type, but argument {} is {} "
                      "and argument {} is {}",
                      positions[k] + 1, Name(t), positions[0] + 1, Name(kept[0]->type())));
    }
    if (type != Type::kTimestamp) unit = TimeUnit::kMicros;
    if (kept.size() == 1) return Bound{std::move(kept[0]), false};
    return Bound{MakeCoalesce(type, unit, std::move(kept)), false};
  }

  const Schema& schema_;
};

}  // namespace

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

Result<NodePtr> Bind(const Ast& ast, const Schema& schema) {
  Binder binder(schema);
  SLUICE_ASSIGN_OR_RETURN(Bound b, binder.Bind(ast));
  return std::move(b.node);
}

}  // namespace sluice::expr
