// Binding of function calls: arity and argument types of every built-in function, the literal
// arguments some of them require (patterns, units), and calls of registered functions
// (sluice/scalar_function.h). Errors point at the call (unknown name, arity) or the argument.
#include <fmt/format.h>

#include <algorithm>

#include "expr/binder.h"
#include "expr/lexer.h"
#include "expr/udf.h"

namespace sluice::expr {
namespace {

constexpr size_t kMaxSuggestDistance = 2;

// One call being bound: its parse tree and its bound arguments.
struct Call {
  const Ast& ast;
  const std::string& name;  // lower-case
  std::vector<Bound> args;
  bool unary = true;  // one parameter: messages need not number the argument

  int Col(size_t i) const { return StartColumn(*ast.args[i]); }
  bool Null(size_t i) const { return args[i].untyped_null; }
  Type TypeOf(size_t i) const { return args[i].node->type(); }
  bool AnyNull() const {
    for (const Bound& b : args) {
      if (b.untyped_null) return true;
    }
    return false;
  }
  bool AllConst() const {
    for (const Bound& b : args) {
      if (!b.node->constant()) return false;
    }
    return true;
  }
  NodePtr Take(size_t i) { return std::move(args[i].node); }
};

std::string_view Article(std::string_view what) {
  return what.find_first_of("aeiou") == 0 ? "an" : "a";
}

// "function 'lower' needs a string but got int64", or with several parameters
// "function 'substr' needs an int64 start (argument 2) but got string".
Status WrongType(const Call& c, size_t i, std::string_view want, std::string_view param,
                 std::string_view hint = "") {
  const std::string got(TypeName(c.TypeOf(i)));
  const std::string what = c.unary ? fmt::format("{} {}", Article(want), want)
                                   : fmt::format("{} {}{}{} (argument {})", Article(want), want,
                                                 param.empty() ? "" : " ", param, i + 1);
  return ErrorAt(c.Col(i),
                 fmt::format("function '{}' needs {} but got {}{}", c.name, what, got, hint));
}

// Argument i must be of type t (an untyped null passes). kDouble here means any number.
Status Need(const Call& c, size_t i, Type t, std::string_view param) {
  if (c.Null(i)) return Status::OK();
  const Type got = c.TypeOf(i);
  switch (t) {
    case Type::kDouble:
      return IsNumeric(got) ? Status::OK() : WrongType(c, i, "number", param);
    case Type::kInt64:  // a timestamp is its raw int64 here, as in arithmetic
      if (got == Type::kInt64 || got == Type::kTimestamp) return Status::OK();
      return WrongType(c, i, "int64", param,
                       got == Type::kDouble ? " (cast(x as int64) truncates a double)" : "");
    case Type::kTimestamp:
      if (got == Type::kTimestamp) return Status::OK();
      return WrongType(c, i, "timestamp", param,
                       got == Type::kInt64 ? " (cast(x as timestamp_ms) reads an int64 as "
                                             "milliseconds, cast(x as timestamp_us) as "
                                             "microseconds)"
                                           : "");
    default:
      return got == t ? Status::OK() : WrongType(c, i, TypeName(t), param);
  }
}

// Argument i must be a string literal (a pattern or unit, compiled now).
Result<std::string> NeedStringLiteral(const Call& c, size_t i, std::string_view param) {
  const Value* v = c.args[i].node->constant();
  if (c.Null(i) || v == nullptr || v->type != Type::kString || v->null) {
    return ErrorAt(c.Col(i), fmt::format("function '{}' needs a string literal {} (argument {}), "
                                         "such as {}",
                                         c.name, param, i + 1,
                                         c.name == "date_trunc"    ? "'day'"
                                         : c.name == "date_format" ? "'yyyy-MM-dd'"
                                                                   : "'[0-9]+'"));
  }
  return v->s;
}

// The result: null of `type` when an argument is an untyped null, the node folded when every
// argument is a literal.
Result<Bound> Simple(Call& c, Type type, const std::function<NodePtr(Call&)>& make) {
  if (c.AnyNull()) return NullOf(type);
  const bool all_const = c.AllConst();
  NodePtr n = make(c);
  return Bound{all_const ? Fold(std::move(n)) : std::move(n), false};
}

Result<Bound> BindAbs(Call& c) {
  if (c.Null(0)) return std::move(c.args[0]);
  SLUICE_RETURN_IF_ERROR(Need(c, 0, Type::kDouble, "x"));
  return Simple(c, Type::kInt64, [](Call& m) { return MakeAbs(m.Take(0)); });
}

Result<Bound> BindStringToString(Call& c) {
  SLUICE_RETURN_IF_ERROR(Need(c, 0, Type::kString, "s"));
  const bool upper = c.name == "upper";
  if (c.name == "length") {
    return Simple(c, Type::kInt64, [](Call& m) { return MakeLength(m.Take(0)); });
  }
  return Simple(c, Type::kString, [upper](Call& m) { return MakeChangeCase(upper, m.Take(0)); });
}

// coalesce and if: the results share one type; untyped nulls are dropped from coalesce since
// they can never be chosen.
Result<Bound> BindCoalesce(Call& c) {
  std::vector<const Bound*> results;
  std::vector<int> columns;
  for (size_t i = 0; i < c.args.size(); ++i) {
    results.push_back(&c.args[i]);
    columns.push_back(c.Col(i));
  }
  SLUICE_ASSIGN_OR_RETURN(CommonType common,
                          UnifyTypes(results, columns, "coalesce arguments",
                                     [](size_t k) { return fmt::format("argument {}", k + 1); }));
  if (common.all_null) return Bound{MakeLiteral(Value::Null(), Type::kInt64), true};
  std::vector<NodePtr> kept;
  for (Bound& b : c.args) {
    if (!b.untyped_null) kept.push_back(std::move(b.node));
  }
  if (kept.size() == 1) return Bound{std::move(kept[0]), false};
  return Bound{MakeCoalesce(common.type, common.unit, std::move(kept)), false};
}

Result<Bound> BindIf(Call& c) {
  if (c.Null(0)) c.args[0] = NullOf(Type::kBool);
  if (c.TypeOf(0) != Type::kBool) return WrongType(c, 0, "bool", "condition");
  std::vector<const Bound*> results = {&c.args[1], &c.args[2]};
  SLUICE_ASSIGN_OR_RETURN(CommonType common,
                          UnifyTypes(results, {c.Col(1), c.Col(2)}, "if results",
                                     [](size_t k) { return fmt::format("argument {}", k + 2); }));
  if (common.all_null) return Bound{MakeLiteral(Value::Null(), Type::kInt64), true};
  const bool all_const = c.AllConst();
  std::vector<NodePtr> conds;
  conds.push_back(c.Take(0));
  std::vector<NodePtr> values;
  values.push_back(ToCommon(std::move(c.args[1]), common));
  values.push_back(ToCommon(std::move(c.args[2]), common));
  NodePtr n = MakeCase(common.type, common.unit, std::move(conds), std::move(values));
  return Bound{all_const ? Fold(std::move(n)) : std::move(n), false};
}

Result<Bound> BindConcat(Call& c) {
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (!c.Null(i) && c.TypeOf(i) != Type::kString) {
      return WrongType(c, i, "string", "", " (cast(x as string) converts a value)");
    }
  }
  if (c.args.size() == 1 && !c.Null(0)) return std::move(c.args[0]);
  return Simple(c, Type::kString, [](Call& m) {
    std::vector<NodePtr> args;
    for (Bound& b : m.args) args.push_back(std::move(b.node));
    return MakeConcatN(std::move(args));
  });
}

Result<Bound> BindSubstr(Call& c) {
  SLUICE_RETURN_IF_ERROR(Need(c, 0, Type::kString, "s"));
  SLUICE_RETURN_IF_ERROR(Need(c, 1, Type::kInt64, "start"));
  if (c.args.size() == 3) SLUICE_RETURN_IF_ERROR(Need(c, 2, Type::kInt64, "length"));
  return Simple(c, Type::kString, [](Call& m) {
    return MakeSubstr(m.Take(0), m.Take(1), m.args.size() == 3 ? m.Take(2) : nullptr);
  });
}

Result<Bound> BindStrpos(Call& c) {
  const bool strpos = c.name == "strpos";
  SLUICE_RETURN_IF_ERROR(Need(c, 0, Type::kString, "s"));
  SLUICE_RETURN_IF_ERROR(Need(c, 1, Type::kString, strpos ? "substring" : "prefix"));
  return Simple(c, strpos ? Type::kInt64 : Type::kBool, [strpos](Call& m) {
    return strpos ? MakeStrpos(m.Take(0), m.Take(1)) : MakeStartsWith(m.Take(0), m.Take(1));
  });
}

Result<Bound> BindReplace(Call& c) {
  SLUICE_RETURN_IF_ERROR(Need(c, 0, Type::kString, "s"));
  SLUICE_RETURN_IF_ERROR(Need(c, 1, Type::kString, "from"));
  SLUICE_RETURN_IF_ERROR(Need(c, 2, Type::kString, "to"));
  return Simple(c, Type::kString,
                [](Call& m) { return MakeReplace(m.Take(0), m.Take(1), m.Take(2)); });
}

Result<Bound> BindSplit(Call& c) {
  const bool part = c.name == "split_part";
  SLUICE_RETURN_IF_ERROR(Need(c, 0, Type::kString, "s"));
  SLUICE_RETURN_IF_ERROR(Need(c, 1, Type::kString, "separator"));
  SLUICE_RETURN_IF_ERROR(Need(c, 2, Type::kInt64, part ? "field" : "index"));
  if (const Value* v = c.args[2].node->constant(); part && v && !v->null && v->i == 0) {
    return ErrorAt(c.Col(2),
                   "split_part field 0 does not exist (1 is the first field, -1 the "
                   "last)");
  }
  return Simple(c, Type::kString,
                [part](Call& m) { return MakeSplit(part, m.Take(0), m.Take(1), m.Take(2)); });
}

Result<Bound> BindRegexp(Call& c) {
  const bool like = c.name == "regexp_like";
  SLUICE_RETURN_IF_ERROR(Need(c, 0, Type::kString, "s"));
  SLUICE_ASSIGN_OR_RETURN(std::string pattern, NeedStringLiteral(c, 1, "pattern"));
  if (c.args.size() == 3) SLUICE_RETURN_IF_ERROR(Need(c, 2, Type::kInt64, "group"));
  // Checks the pattern (and a literal group) even when the result is a null literal.
  auto make = [like, &pattern](Call& m) -> Result<NodePtr> {
    NodePtr s = m.Null(0) ? NullOf(Type::kString).node : m.Take(0);
    if (like) return MakeRegexpLike(std::move(s), pattern, m.Col(1));
    NodePtr group = m.args.size() < 3 ? nullptr : m.Null(2) ? NullOf(Type::kInt64).node : m.Take(2);
    return MakeRegexpExtract(std::move(s), pattern, m.Col(1), std::move(group),
                             m.args.size() < 3 ? 0 : m.Col(2));
  };
  const bool any_null = c.AnyNull();
  const bool all_const = c.AllConst();
  SLUICE_ASSIGN_OR_RETURN(NodePtr n, make(c));
  if (any_null) return NullOf(like ? Type::kBool : Type::kString);
  return Bound{all_const ? Fold(std::move(n)) : std::move(n), false};
}

Result<Bound> BindTimePart(Call& c) {
  SLUICE_RETURN_IF_ERROR(Need(c, 0, Type::kTimestamp, "ts"));
  const TimePart part = c.name == "hour"     ? TimePart::kHour
                        : c.name == "minute" ? TimePart::kMinute
                                             : TimePart::kDayOfWeek;
  return Simple(c, Type::kInt64, [part](Call& m) { return MakeTimePart(part, m.Take(0)); });
}

Result<Bound> BindDateTrunc(Call& c) {
  SLUICE_ASSIGN_OR_RETURN(std::string unit_text, NeedStringLiteral(c, 0, "unit"));
  SLUICE_RETURN_IF_ERROR(Need(c, 1, Type::kTimestamp, "ts"));
  static const std::pair<const char*, TruncUnit> kUnits[] = {
      {"second", TruncUnit::kSecond}, {"minute", TruncUnit::kMinute}, {"hour", TruncUnit::kHour},
      {"day", TruncUnit::kDay},       {"week", TruncUnit::kWeek},     {"month", TruncUnit::kMonth},
      {"year", TruncUnit::kYear}};
  const std::string lower = Lower(unit_text);
  const TruncUnit* unit = nullptr;
  for (const auto& [name, u] : kUnits) {
    if (lower == name) unit = &u;
  }
  if (unit == nullptr) {
    return ErrorAt(c.Col(0), fmt::format("date_trunc unit '{}' is not one of 'second', "
                                         "'minute', 'hour', 'day', 'week', 'month', 'year'",
                                         unit_text));
  }
  if (c.Null(1)) return NullOf(Type::kTimestamp);
  const bool all_const = c.AllConst();
  NodePtr n = MakeDateTrunc(*unit, c.Take(1));
  return Bound{all_const ? Fold(std::move(n)) : std::move(n), false};
}

Result<Bound> BindDateFormat(Call& c) {
  SLUICE_RETURN_IF_ERROR(Need(c, 0, Type::kTimestamp, "ts"));
  SLUICE_ASSIGN_OR_RETURN(std::string pattern, NeedStringLiteral(c, 1, "pattern"));
  // The pattern is checked even when the result is a null literal.
  const bool any_null = c.AnyNull();
  const bool all_const = c.AllConst();
  SLUICE_ASSIGN_OR_RETURN(
      NodePtr n,
      MakeDateFormat(c.Null(0) ? NullOf(Type::kTimestamp).node : c.Take(0), pattern, c.Col(1)));
  if (any_null) return NullOf(Type::kString);
  return Bound{all_const ? Fold(std::move(n)) : std::move(n), false};
}

struct FunctionDef {
  const char* name;
  int min_args;
  int max_args;  // -1: no limit
  Result<Bound> (*bind)(Call&);
};

// In the order of docs/expressions.md; the unknown-function message lists them so.
constexpr FunctionDef kFunctions[] = {
    {"abs", 1, 1, BindAbs},
    {"lower", 1, 1, BindStringToString},
    {"upper", 1, 1, BindStringToString},
    {"length", 1, 1, BindStringToString},
    {"coalesce", 1, -1, BindCoalesce},
    {"if", 3, 3, BindIf},
    {"concat", 1, -1, BindConcat},
    {"substr", 2, 3, BindSubstr},
    {"strpos", 2, 2, BindStrpos},
    {"starts_with", 2, 2, BindStrpos},
    {"replace", 3, 3, BindReplace},
    {"split_index", 3, 3, BindSplit},
    {"split_part", 3, 3, BindSplit},
    {"regexp_like", 2, 2, BindRegexp},
    {"regexp_extract", 2, 3, BindRegexp},
    {"hour", 1, 1, BindTimePart},
    {"minute", 1, 1, BindTimePart},
    {"day_of_week", 1, 1, BindTimePart},
    {"date_trunc", 2, 2, BindDateTrunc},
    {"date_format", 2, 2, BindDateFormat},
};

const FunctionDef* FindBuiltin(std::string_view lower) {
  for (const FunctionDef& f : kFunctions) {
    if (lower == f.name) return &f;
  }
  return nullptr;
}

Status CheckArity(const Ast& a, int min_args, int max_args) {
  const int given = static_cast<int>(a.args.size());
  if (given >= min_args && (max_args < 0 || given <= max_args)) return Status::OK();
  if (max_args < 0) {
    return ErrorAt(a.column, fmt::format("function '{}' needs at least {} argument{}", a.text,
                                         min_args, min_args == 1 ? "" : "s"));
  }
  const std::string takes = min_args == max_args ? fmt::format("{}", min_args)
                                                 : fmt::format("{} or {}", min_args, max_args);
  return ErrorAt(a.column, fmt::format("function '{}' takes {} argument{} but was given {}", a.text,
                                       takes, max_args == 1 ? "" : "s", given));
}

Status UnknownFunction(const Ast& a, const Schema& schema) {
  const std::string& f = a.text;
  if (f == "count" || f == "sum" || f == "min" || f == "max" || f == "avg" || f == "first" ||
      f == "last" || f == "count_distinct") {
    return ErrorAt(a.column, fmt::format("unknown function '{}' ('{}' is an aggregate, written in "
                                         "a window or aggregate operator)",
                                         a.written, f));
  }
  if (schema.IndexOf(a.written) >= 0) {
    return ErrorAt(a.column, fmt::format("unknown function '{}' ('{}' is a field, not a function)",
                                         a.written, a.written));
  }
  std::vector<std::string> names;
  for (const FunctionDef& d : kFunctions) names.emplace_back(d.name);
  names.emplace_back("cast");
  for (std::string& n : ScalarFunctionNames()) names.push_back(std::move(n));
  std::string best, list;
  size_t best_distance = SIZE_MAX;
  for (const std::string& n : names) {
    list += list.empty() ? n : ", " + n;
    const size_t d = EditDistance(f, n);
    if (d < best_distance) best_distance = d, best = n;
  }
  if (best_distance > kMaxSuggestDistance || best_distance >= f.size()) {
    // Else a name that one of them begins (substring -> substr, date -> date_trunc).
    best.clear();
    for (const std::string& n : names) {
      if (std::min(n.size(), f.size()) >= 4 && (n.rfind(f, 0) == 0 || f.rfind(n, 0) == 0)) {
        best = n;
        break;
      }
    }
  }
  if (!best.empty()) {
    return ErrorAt(a.column,
                   fmt::format("unknown function '{}' (did you mean '{}'?)", a.written, best));
  }
  return ErrorAt(a.column, fmt::format("unknown function '{}' (functions: {})", a.written, list));
}

// A registered function: exact argument types, except int64 and timestamps for a double
// (converted), a timestamp for an int64 (its raw value) and null for anything.
Result<Bound> BindRegistered(const Ast& a, std::vector<Bound> args,
                             std::shared_ptr<const ScalarFunction> f) {
  const int n = static_cast<int>(f->arg_types.size());
  SLUICE_RETURN_IF_ERROR(CheckArity(a, n, n));
  Call c{a, a.text, std::move(args), n == 1};
  std::vector<NodePtr> nodes;
  for (size_t i = 0; i < c.args.size(); ++i) {
    const Type want = f->arg_types[i];
    if (c.Null(i)) {
      nodes.push_back(NullOf(want).node);
      continue;
    }
    const Type got = c.TypeOf(i);
    const bool ok = got == want || (want == Type::kDouble && IsNumeric(got)) ||
                    (want == Type::kInt64 && got == Type::kTimestamp);
    if (!ok) {
      std::string want_text(want == Type::kTimestamp ? "timestamp" : TypeName(want));
      return WrongType(c, i, want_text, "");
    }
    NodePtr node = c.Take(i);
    if (got != want && want != Type::kTimestamp) {
      const bool is_const = node->constant() != nullptr;
      node = MakeCast(want, TimeUnit::kMicros, std::move(node));
      if (is_const) node = Fold(std::move(node));
    }
    nodes.push_back(std::move(node));
  }
  return Bound{MakeScalarCall(std::move(f), std::move(nodes)), false};
}

}  // namespace

bool IsBuiltinFunction(std::string_view lower) {
  return FindBuiltin(lower) != nullptr || lower == "cast";
}

Result<Bound> BindFunction(const Ast& a, std::vector<Bound> args, const Schema& schema) {
  const FunctionDef* def = FindBuiltin(a.text);
  if (def == nullptr) {
    if (auto f = FindScalarFunction(a.text)) return BindRegistered(a, std::move(args), f);
    return UnknownFunction(a, schema);
  }
  SLUICE_RETURN_IF_ERROR(CheckArity(a, def->min_args, def->max_args));
  Call c{a, a.text, std::move(args), def->max_args == 1};
  return def->bind(c);
}

}  // namespace sluice::expr
