#include "expr/binder.h"

#include <fmt/format.h>

#include <algorithm>

#include "expr/lexer.h"

namespace sluice::expr {

Status ErrorAt(int column, std::string_view msg) {
  return Status::InvalidArgument(fmt::format("column {}: {}", column, msg));
}

int StartColumn(const Ast& a) {
  return a.kind == Ast::Kind::kBinary ? StartColumn(*a.args[0]) : a.column;
}

NodePtr Fold(NodePtr node) {
  Batch one;
  one.ts.resize(1);
  Column c;
  node->Eval(one, &c);
  return MakeLiteral(c.get(0), node->type(), node->unit());
}

Bound NullOf(Type t, TimeUnit unit) { return Bound{MakeLiteral(Value::Null(t), t, unit), false}; }

Result<CommonType> UnifyTypes(const std::vector<const Bound*>& results,
                              const std::vector<int>& columns, std::string_view what,
                              const std::function<std::string(size_t)>& describe) {
  CommonType common;
  size_t first = 0;
  for (size_t k = 0; k < results.size(); ++k) {
    if (results[k]->untyped_null) continue;
    const Node& node = *results[k]->node;
    const Type t = node.type();
    if (common.all_null) {
      common = CommonType{t, node.unit(), false};
      first = k;
      continue;
    }
    if (t == common.type && (t != Type::kTimestamp || node.unit() == common.unit)) continue;
    if (IsNumeric(t) && IsNumeric(common.type)) {
      common.type =
          (t == Type::kDouble || common.type == Type::kDouble) ? Type::kDouble : Type::kInt64;
      continue;
    }
    const Type first_type = results[first]->node->type();
    return ErrorAt(columns[k],
                   fmt::format("{} must share one type, but {} is {} and {} is {}", what,
                               describe(k), TypeName(t), describe(first), TypeName(first_type)));
  }
  if (common.type != Type::kTimestamp) common.unit = TimeUnit::kMicros;
  return common;
}

NodePtr ToCommon(Bound b, const CommonType& common) {
  if (b.untyped_null) return NullOf(common.type, common.unit).node;
  return std::move(b.node);
}

namespace {

// Farthest a misspelt name may be from a field to be suggested.
constexpr size_t kMaxSuggestDistance = 2;

bool IsIntegral(Type t) { return t == Type::kInt64 || t == Type::kTimestamp; }

std::string_view Name(Type t) { return TypeName(t); }

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
      case Ast::Kind::kCase:
        return BindCase(a);
      case Ast::Kind::kCast:
        return BindCast(a);
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

  // Recursion runs through Bind and BindBinary only, so both keep small stack frames: a chain of
  // 1,000 operators must bind within the stack under AddressSanitizer too.
  Result<Bound> BindBinary(const Ast& a) {
    SLUICE_ASSIGN_OR_RETURN(Bound l, Bind(*a.args[0]));
    SLUICE_ASSIGN_OR_RETURN(Bound r, Bind(*a.args[1]));
    return CombineBinary(a, std::move(l), std::move(r));
  }

  [[gnu::noinline]] Result<Bound> CombineBinary(const Ast& a, Bound l, Bound r) {
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
    } else if (op == "||" || (op == "+" && lt == Type::kString && rt == Type::kString)) {
      if (lt != Type::kString || rt != Type::kString) {
        return ErrorAt(a.column, fmt::format("operator '||' cannot apply to {} and {} ({})",
                                             Name(lt), Name(rt),
                                             lt == Type::kBool && rt == Type::kBool
                                                 ? "it joins strings; use 'or' for logic"
                                                 : "it joins two strings; cast(x as string) "
                                                   "converts a value"));
      }
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
    std::vector<Bound> args;
    for (const auto& arg : a.args) {
      SLUICE_ASSIGN_OR_RETURN(Bound b, Bind(*arg));
      args.push_back(std::move(b));
    }
    return BindFunction(a, std::move(args), schema_);
  }

  // case when c1 then v1 ... [else e] end: conditions bool (a null one never holds), results of
  // one type as for coalesce, a missing else null.
  Result<Bound> BindCase(const Ast& a) {
    const size_t pairs = (a.args.size() - (a.has_else ? 1 : 0)) / 2;
    std::vector<NodePtr> conds;
    std::vector<Bound> values;
    std::vector<int> columns;
    bool all_const = true;
    for (size_t k = 0; k < pairs; ++k) {
      const Ast& cond = *a.args[2 * k];
      SLUICE_ASSIGN_OR_RETURN(Bound c, Bind(cond));
      if (c.untyped_null) c = NullOf(Type::kBool);
      if (c.node->type() != Type::kBool) {
        return ErrorAt(StartColumn(cond),
                       fmt::format("case condition needs a bool but got {} (e.g. 'when x > 0')",
                                   Name(c.node->type())));
      }
      all_const &= c.node->constant() != nullptr;
      conds.push_back(std::move(c.node));
    }
    for (size_t k = 0; k < a.args.size(); ++k) {
      if (k % 2 == 0 && k / 2 < pairs) continue;
      SLUICE_ASSIGN_OR_RETURN(Bound v, Bind(*a.args[k]));
      all_const &= v.node->constant() != nullptr;
      values.push_back(std::move(v));
      columns.push_back(StartColumn(*a.args[k]));
    }
    std::vector<const Bound*> results;
    for (const Bound& v : values) results.push_back(&v);
    auto describe = [pairs](size_t k) {
      return k < pairs ? fmt::format("result {}", k + 1) : std::string("the else result");
    };
    SLUICE_ASSIGN_OR_RETURN(CommonType common,
                            UnifyTypes(results, columns, "case results", describe));
    if (common.all_null) return Bound{MakeLiteral(Value::Null(), Type::kInt64), true};
    std::vector<NodePtr> nodes;
    for (Bound& v : values) nodes.push_back(ToCommon(std::move(v), common));
    NodePtr n = MakeCase(common.type, common.unit, std::move(conds), std::move(nodes));
    return Bound{all_const ? Fold(std::move(n)) : std::move(n), false};
  }

  Result<Bound> BindCast(const Ast& a) {
    SLUICE_ASSIGN_OR_RETURN(Bound x, Bind(*a.args[0]));
    SLUICE_ASSIGN_OR_RETURN(Field target, ParseFieldType("", a.type_name));
    if (x.untyped_null) return NullOf(target.type, target.unit);
    const Type from = x.node->type();
    if (from == target.type && (from != Type::kTimestamp || x.node->unit() == target.unit)) {
      return x;
    }
    const bool is_const = x.node->constant() != nullptr;
    NodePtr n = MakeCast(target.type, target.unit, std::move(x.node));
    return Bound{is_const ? Fold(std::move(n)) : std::move(n), false};
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
