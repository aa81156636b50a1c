// Differential test: random well-typed expressions over random batches with nulls, evaluated by
// the vectorized evaluator and by a row-at-a-time reference interpreter over Value written here
// (and in reference_functions.h) from the language rules, compared row by row (Evaluate and
// Select).
#include <fmt/format.h>

#include <cmath>
#include <random>

#include "expr_test_util.h"
#include "reference_functions.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

// Field indices of TestSchema().
enum { kI, kJ, kD, kE, kS, kT, kB, kC, kTs };

struct TNode {
  enum Kind {
    kField,
    kLit,
    kNull,
    kArith,
    kNeg,
    kConcat,
    kCmp,
    kAnd,
    kOr,
    kNot,
    kCall,
    kCase,
    kCast
  } kind;
  Type type = Type::kInt64;  // static type of the node (kInt64 for an untyped null)
  // Arithmetic/comparison operator, function name, "+" or "||" for kConcat, the target type of
  // kCast, "case" or "else" (a case with an else result) for kCase.
  std::string op;
  int field = 0;
  Value lit;
  std::vector<TNode> kids;
};

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(int percent) { return Uniform(0, 99) < percent; }
  std::mt19937& rng() { return rng_; }

  TNode Gen(Type t, int depth) {
    if (depth <= 0 || Chance(25)) return Leaf(t);
    switch (t) {
      case Type::kInt64:
        return GenInt(depth);
      case Type::kDouble:
        return GenDouble(depth);
      case Type::kBool:
        return GenBool(depth);
      default:
        return GenString(depth);
    }
  }

 private:
  static TNode Make(TNode::Kind k, Type t, std::string op, std::vector<TNode> kids) {
    TNode n{k, t, std::move(op), 0, Value(), std::move(kids)};
    return n;
  }

  TNode Leaf(Type t) {
    if (Chance(5)) return TNode{TNode::kNull, Type::kInt64, "", 0, Value::Null(), {}};
    TNode n{Chance(60) ? TNode::kField : TNode::kLit, t, "", 0, Value(), {}};
    switch (t) {
      case Type::kInt64: {
        const int f[] = {kI, kJ, kTs};
        n.field = f[Uniform(0, 2)];
        n.lit = Value::Int(Chance(5) ? INT64_MAX : Uniform(-6, 6));
        break;
      }
      case Type::kDouble:
        n.field = Chance(50) ? kD : kE;
        n.lit = Value::Double(Uniform(-12, 12) / 4.0);
        break;
      case Type::kBool:
        n.field = Chance(50) ? kB : kC;
        n.lit = Value::Bool(Chance(50));
        break;
      default: {
        const char* lits[] = {"", "a", "B", "ab", "Abc", "it's", "q\"\\", "\xc3\xa9"};
        n.field = Chance(50) ? kS : kT;
        n.lit = Value::String(lits[Uniform(0, 7)]);
        break;
      }
    }
    return n;
  }

  Type Numeric() {
    switch (Uniform(0, 2)) {
      case 0:
        return Type::kInt64;
      case 1:
        return Type::kDouble;
      default:
        return Type::kInt64;
    }
  }

  static TNode Lit(Value v) {
    const Type t = v.type;
    return TNode{TNode::kLit, t, "", 0, std::move(v), {}};
  }
  static TNode Ts() { return TNode{TNode::kField, Type::kInt64, "", kTs, Value(), {}}; }

  // An int64 argument that is never the literal 0 (split_part refuses a literal field 0).
  TNode Index(int d) {
    if (Chance(50)) return Gen(Type::kInt64, d - 1);
    int k = Uniform(-3, 3);
    return Lit(Value::Int(k == 0 ? 1 : k));
  }

  // case when ... then ... [else ...] end, or if(c, a, b), with results of type t.
  TNode GenCase(Type t, int d) {
    if (Chance(40)) {
      return Make(TNode::kCall, t, "if", {Gen(Type::kBool, d - 1), Gen(t, d - 1), Gen(t, d - 1)});
    }
    std::vector<TNode> kids;
    const int whens = Uniform(1, 3);
    for (int k = 0; k < whens; ++k) {
      kids.push_back(Gen(Type::kBool, d - 1));
      kids.push_back(Gen(t, d - 1));
    }
    const bool has_else = Chance(60);
    if (has_else) kids.push_back(Gen(t, d - 1));
    return Make(TNode::kCase, t, has_else ? "else" : "case", std::move(kids));
  }

  TNode GenCast(Type to, int d) {
    const Type from[] = {Type::kInt64, Type::kDouble, Type::kBool, Type::kString};
    Type f = from[Uniform(0, 3)];
    if (f == to) f = Type::kString;
    const char* name = to == Type::kInt64    ? "int64"
                       : to == Type::kDouble ? "double"
                       : to == Type::kBool   ? "bool"
                                             : "string";
    return Make(TNode::kCast, to, name, {Gen(f, d - 1)});
  }

  static const char* Pattern(int k) {
    static const char* const kPatterns[] = {"b",     "^A", "[a-c]+", "(a)(b)?",
                                            "[0-9]", "B$", "(z|Z)+"};
    return kPatterns[k];
  }
  static int PatternGroups(int k) {
    static const int kGroups[] = {0, 0, 0, 2, 0, 0, 1};
    return kGroups[k];
  }

  TNode GenInt(int d) {
    switch (Uniform(0, 10)) {
      case 0: {
        const char* ops[] = {"+", "-", "*", "%"};
        return Make(TNode::kArith, Type::kInt64, ops[Uniform(0, 3)],
                    {Gen(Type::kInt64, d - 1), Gen(Type::kInt64, d - 1)});
      }
      case 1:
        return Make(TNode::kNeg, Type::kInt64, "-", {Gen(Type::kInt64, d - 1)});
      case 2:
        return Make(TNode::kCall, Type::kInt64, "abs", {Gen(Type::kInt64, d - 1)});
      case 3:
        return Make(TNode::kCall, Type::kInt64, "length", {Gen(Type::kString, d - 1)});
      case 4:
        return Make(TNode::kCall, Type::kInt64, "coalesce",
                    {Gen(Type::kInt64, d - 1), Gen(Type::kInt64, d - 1)});
      case 5:
        return Make(TNode::kCall, Type::kInt64, "strpos",
                    {Gen(Type::kString, d - 1), Gen(Type::kString, d - 1)});
      case 6: {
        const char* fs[] = {"hour", "minute", "day_of_week"};
        return Make(TNode::kCall, Type::kInt64, fs[Uniform(0, 2)], {Ts()});
      }
      case 7: {
        const char* units[] = {"second", "minute", "hour", "day", "week", "month", "year"};
        return Make(TNode::kCall, Type::kInt64, "date_trunc",
                    {Lit(Value::String(units[Uniform(0, 6)])), Ts()});
      }
      case 8:
        return GenCase(Type::kInt64, d);
      case 9:
        return GenCast(Type::kInt64, d);
      default:
        return Leaf(Type::kInt64);
    }
  }

  TNode GenDouble(int d) {
    switch (Uniform(0, 6)) {
      case 0: {
        const char* ops[] = {"+", "-", "*", "%", "/"};
        std::string op = ops[Uniform(0, 4)];
        // At least one double operand unless the operator is '/'.
        Type a = Type::kDouble, b = Numeric();
        if (op == "/") a = Numeric();
        if (Chance(50)) std::swap(a, b);
        return Make(TNode::kArith, Type::kDouble, op, {Gen(a, d - 1), Gen(b, d - 1)});
      }
      case 1:
        return Make(TNode::kNeg, Type::kDouble, "-", {Gen(Type::kDouble, d - 1)});
      case 2:
        return Make(TNode::kCall, Type::kDouble, "abs", {Gen(Type::kDouble, d - 1)});
      case 3:
        return Make(TNode::kCall, Type::kDouble, "coalesce",
                    {Gen(Numeric(), d - 1), Gen(Type::kDouble, d - 1), Gen(Numeric(), d - 1)});
      case 4:
        return GenCase(Type::kDouble, d);
      case 5:
        return GenCast(Type::kDouble, d);
      default:
        return Leaf(Type::kDouble);
    }
  }

  TNode GenBool(int d) {
    const char* cmps[] = {"=", "!=", "<", "<=", ">", ">=", "==", "<>"};
    switch (Uniform(0, 10)) {
      case 7:
        return Make(TNode::kCall, Type::kBool, "starts_with",
                    {Gen(Type::kString, d - 1), Gen(Type::kString, d - 1)});
      case 8:
        return Make(TNode::kCall, Type::kBool, "regexp_like",
                    {Gen(Type::kString, d - 1), Lit(Value::String(Pattern(Uniform(0, 6))))});
      case 9:
        return GenCase(Type::kBool, d);
      case 10:
        return GenCast(Type::kBool, d);
      case 0:
        return Make(TNode::kCmp, Type::kBool, cmps[Uniform(0, 7)],
                    {Gen(Numeric(), d - 1), Gen(Numeric(), d - 1)});
      case 1:
        return Make(TNode::kCmp, Type::kBool, cmps[Uniform(0, 7)],
                    {Gen(Type::kString, d - 1), Gen(Type::kString, d - 1)});
      case 2:
        return Make(TNode::kCmp, Type::kBool,
                    Chance(50) ? "=" : "!=", {Gen(Type::kBool, d - 1), Gen(Type::kBool, d - 1)});
      case 3:
        return Make(TNode::kAnd, Type::kBool, "and",
                    {Gen(Type::kBool, d - 1), Gen(Type::kBool, d - 1)});
      case 4:
        return Make(TNode::kOr, Type::kBool, "or",
                    {Gen(Type::kBool, d - 1), Gen(Type::kBool, d - 1)});
      case 5:
        return Make(TNode::kNot, Type::kBool, "not", {Gen(Type::kBool, d - 1)});
      default:
        return Make(TNode::kCall, Type::kBool, "coalesce",
                    {Gen(Type::kBool, d - 1), Gen(Type::kBool, d - 1)});
    }
  }

  TNode GenString(int d) {
    switch (Uniform(0, 14)) {
      case 0:
        return Make(TNode::kConcat, Type::kString, Chance(50) ? "+" : "||",
                    {Gen(Type::kString, d - 1), Gen(Type::kString, d - 1)});
      case 5: {
        std::vector<TNode> kids;
        for (int k = Uniform(1, 3); k > 0; --k) kids.push_back(Gen(Type::kString, d - 1));
        return Make(TNode::kCall, Type::kString, "concat", std::move(kids));
      }
      case 6: {
        std::vector<TNode> kids = {Gen(Type::kString, d - 1), Gen(Type::kInt64, d - 1)};
        if (Chance(50)) kids.push_back(Gen(Type::kInt64, d - 1));
        return Make(TNode::kCall, Type::kString, "substr", std::move(kids));
      }
      case 7:
        return Make(
            TNode::kCall, Type::kString, "split_index",
            {Gen(Type::kString, d - 1), Gen(Type::kString, d - 1), Gen(Type::kInt64, d - 1)});
      case 8:
        return Make(TNode::kCall, Type::kString, "split_part",
                    {Gen(Type::kString, d - 1), Gen(Type::kString, d - 1), Index(d)});
      case 9:
        return Make(
            TNode::kCall, Type::kString, "replace",
            {Gen(Type::kString, d - 1), Gen(Type::kString, d - 1), Gen(Type::kString, d - 1)});
      case 10: {
        const int p = Uniform(0, 6);
        std::vector<TNode> kids = {Gen(Type::kString, d - 1), Lit(Value::String(Pattern(p)))};
        if (Chance(70)) {
          // A constant group out of range is a compile error; a field's is null at run time.
          kids.push_back(Chance(70) ? Lit(Value::Int(Uniform(0, PatternGroups(p))))
                                    : TNode{TNode::kField, Type::kInt64, "", kI, Value(), {}});
        }
        return Make(TNode::kCall, Type::kString, "regexp_extract", std::move(kids));
      }
      case 11: {
        const char* patterns[] = {"yyyy-MM-dd", "HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss"};
        return Make(TNode::kCall, Type::kString, "date_format",
                    {Ts(), Lit(Value::String(patterns[Uniform(0, 2)]))});
      }
      case 12:
        return GenCase(Type::kString, d);
      case 13:
        return GenCast(Type::kString, d);
      case 1:
        return Make(TNode::kCall, Type::kString, "lower", {Gen(Type::kString, d - 1)});
      case 2:
        return Make(TNode::kCall, Type::kString, "upper", {Gen(Type::kString, d - 1)});
      case 3:
        return Make(TNode::kCall, Type::kString, "coalesce",
                    {Gen(Type::kString, d - 1), Gen(Type::kString, d - 1)});
      default:
        return Leaf(Type::kString);
    }
  }

  std::mt19937 rng_;
};

bool HasNullLiteral(const TNode& n) {
  if (n.kind == TNode::kNull) return true;
  for (const TNode& k : n.kids) {
    if (HasNullLiteral(k)) return true;
  }
  return false;
}

std::string Text(const TNode& n) {
  const char* names[] = {"i", "j", "d", "e", "s", "t", "b", "c", "ts"};
  switch (n.kind) {
    case TNode::kField:
      return names[n.field];
    case TNode::kNull:
      return "NULL";
    case TNode::kLit:
      switch (n.type) {
        case Type::kInt64:
          return n.lit.i < 0 ? fmt::format("({})", n.lit.i) : fmt::format("{}", n.lit.i);
        case Type::kDouble: {
          std::string s = fmt::format("{}", n.lit.d);
          if (s.find_first_of(".e") == std::string::npos) s += ".0";
          return n.lit.d < 0 ? "(" + s + ")" : s;
        }
        case Type::kBool:
          return n.lit.i ? "TRUE" : "false";
        default: {
          std::string out = "'";
          for (char c : n.lit.s) {
            if (c == '\'' || c == '\\') out += '\\';
            out += c;
          }
          return out + "'";
        }
      }
    case TNode::kNeg:
      return "(- " + Text(n.kids[0]) + ")";
    case TNode::kNot:
      return "(NOT " + Text(n.kids[0]) + ")";
    case TNode::kCall: {
      std::string out = n.op + "(";
      for (size_t k = 0; k < n.kids.size(); ++k) out += (k ? ", " : "") + Text(n.kids[k]);
      return out + ")";
    }
    case TNode::kCast:
      return "CAST(" + Text(n.kids[0]) + " AS " + n.op + ")";
    case TNode::kCase: {
      const bool has_else = n.op == "else";
      std::string out = "CASE";
      const size_t pairs = (n.kids.size() - has_else) / 2;
      for (size_t k = 0; k < pairs; ++k) {
        out += " WHEN " + Text(n.kids[2 * k]) + " THEN " + Text(n.kids[2 * k + 1]);
      }
      if (has_else) out += " ELSE " + Text(n.kids.back());
      return out + " END";
    }
    default:
      return "(" + Text(n.kids[0]) + " " + n.op + " " + Text(n.kids[1]) + ")";
  }
}

// ---- Reference interpreter ----

bool IsIntLike(const Value& v) { return v.type == Type::kInt64 || v.type == Type::kTimestamp; }
double AsDouble(const Value& v) { return v.type == Type::kDouble ? v.d : static_cast<double>(v.i); }

int64_t Wrap(uint64_t x) { return static_cast<int64_t>(x); }

// A case or if result in the result type: int64 results of a double case become doubles.
Value Promote(Value v, Type type) {
  if (!v.null && type == Type::kDouble && v.type != Type::kDouble)
    return Value::Double(AsDouble(v));
  return v;
}

Value RefEval(const TNode& n, const std::vector<Value>& row) {
  switch (n.kind) {
    case TNode::kField: {
      Value v = row[n.field];
      if (v.type == Type::kTimestamp) v.type = Type::kInt64;
      return v;
    }
    case TNode::kLit:
      return n.lit;
    case TNode::kNull:
      return Value::Null();
    case TNode::kNeg: {
      Value x = RefEval(n.kids[0], row);
      if (x.null) return x;
      if (x.type == Type::kDouble) return Value::Double(-x.d);
      return Value::Int(Wrap(0 - static_cast<uint64_t>(x.i)));
    }
    case TNode::kArith: {
      Value l = RefEval(n.kids[0], row), r = RefEval(n.kids[1], row);
      if (l.null || r.null) return Value::Null();
      if (n.op != "/" && IsIntLike(l) && IsIntLike(r)) {
        uint64_t a = l.i, b = r.i;
        if (n.op == "+") return Value::Int(Wrap(a + b));
        if (n.op == "-") return Value::Int(Wrap(a - b));
        if (n.op == "*") return Value::Int(Wrap(a * b));
        if (r.i == 0) return Value::Null();
        if (r.i == -1) return Value::Int(0);
        return Value::Int(l.i % r.i);
      }
      double a = AsDouble(l), b = AsDouble(r);
      if (n.op == "+") return Value::Double(a + b);
      if (n.op == "-") return Value::Double(a - b);
      if (n.op == "*") return Value::Double(a * b);
      if (b == 0) return Value::Null();
      return Value::Double(n.op == "/" ? a / b : std::fmod(a, b));
    }
    case TNode::kConcat: {
      Value l = RefEval(n.kids[0], row), r = RefEval(n.kids[1], row);
      if (l.null || r.null) return Value::Null();
      return Value::String(l.s + r.s);
    }
    case TNode::kCmp: {
      Value l = RefEval(n.kids[0], row), r = RefEval(n.kids[1], row);
      if (l.null || r.null) return Value::Null();
      int c;
      if (l.type == Type::kString) {
        c = l.s.compare(r.s);
      } else if (l.type == Type::kBool) {
        c = (l.i != 0) == (r.i != 0) ? 0 : 1;
      } else if (l.type == Type::kDouble || r.type == Type::kDouble) {
        double a = AsDouble(l), b = AsDouble(r);
        c = a < b ? -1 : (a > b ? 1 : 0);
      } else {
        c = l.i < r.i ? -1 : (l.i > r.i ? 1 : 0);
      }
      const std::string& op = n.op;
      bool v = (op == "=" || op == "==")    ? c == 0
               : (op == "!=" || op == "<>") ? c != 0
               : op == "<"                  ? c < 0
               : op == "<="                 ? c <= 0
               : op == ">"                  ? c > 0
                                            : c >= 0;
      return Value::Bool(v);
    }
    case TNode::kAnd:
    case TNode::kOr: {
      Value l = RefEval(n.kids[0], row), r = RefEval(n.kids[1], row);
      const bool is_and = n.kind == TNode::kAnd;
      // The dominant value: false for and, true for or.
      if ((!l.null && (l.i != 0) != is_and) || (!r.null && (r.i != 0) != is_and)) {
        return Value::Bool(!is_and);
      }
      if (l.null || r.null) return Value::Null(Type::kBool);
      return Value::Bool(is_and);
    }
    case TNode::kNot: {
      Value x = RefEval(n.kids[0], row);
      if (x.null) return x;
      return Value::Bool(x.i == 0);
    }
    case TNode::kCase: {
      const bool has_else = n.op == "else";
      const size_t pairs = (n.kids.size() - has_else) / 2;
      for (size_t k = 0; k < pairs; ++k) {
        const Value c = RefEval(n.kids[2 * k], row);
        if (!c.null && c.i != 0) return Promote(RefEval(n.kids[2 * k + 1], row), n.type);
      }
      return has_else ? Promote(RefEval(n.kids.back(), row), n.type) : Value::Null();
    }
    case TNode::kCast:
      return reference::Cast(RefEval(n.kids[0], row), n.type);
    case TNode::kCall: {
      if (n.op == "if") {
        const Value c = RefEval(n.kids[0], row);
        return Promote(RefEval(n.kids[!c.null && c.i != 0 ? 1 : 2], row), n.type);
      }
      if (n.op == "hour" || n.op == "minute" || n.op == "day_of_week" || n.op == "date_trunc" ||
          n.op == "date_format") {
        const Value ts = row[kTs];
        if (ts.null) return Value::Null();
        if (n.op == "date_trunc") return reference::DateTrunc(n.kids[0].lit.s, ts.i);
        if (n.op == "date_format") return reference::DateFormat(n.kids[1].lit.s, ts.i);
        return reference::TimePart(n.op, ts.i);
      }
      if (n.op != "coalesce" && n.op != "abs" && n.op != "length" && n.op != "lower" &&
          n.op != "upper") {
        std::vector<Value> a;
        for (const TNode& k : n.kids) {
          a.push_back(RefEval(k, row));
          if (a.back().null) return Value::Null();
        }
        if (n.op == "strpos") {
          const size_t at = a[0].s.find(a[1].s);
          return Value::Int(at == std::string::npos ? 0 : static_cast<int64_t>(at) + 1);
        }
        if (n.op == "starts_with") return Value::Bool(a[0].s.rfind(a[1].s, 0) == 0);
        if (n.op == "regexp_like") return reference::RegexpLike(a[0].s, a[1].s);
        if (n.op == "regexp_extract") {
          return reference::RegexpExtract(a[0].s, a[1].s, a.size() > 2 ? a[2].i : 0);
        }
        if (n.op == "concat") {
          std::string out;
          for (const Value& v : a) out += v.s;
          return Value::String(out);
        }
        if (n.op == "substr")
          return reference::Substr(a[0].s, a[1].i, a.size() > 2, a.size() > 2 ? a[2].i : 0);
        if (n.op == "split_index") return reference::SplitIndex(a[0].s, a[1].s, a[2].i);
        if (n.op == "split_part") return reference::SplitPart(a[0].s, a[1].s, a[2].i);
        return reference::Replace(a[0].s, a[1].s, a[2].s);
      }
      if (n.op == "coalesce") {
        for (const TNode& k : n.kids) {
          Value v = RefEval(k, row);
          if (v.null) continue;
          if (n.type == Type::kDouble) return Value::Double(AsDouble(v));
          return v;
        }
        return Value::Null();
      }
      Value x = RefEval(n.kids[0], row);
      if (x.null) return Value::Null();
      if (n.op == "abs") {
        if (x.type == Type::kDouble) return Value::Double(std::fabs(x.d));
        return Value::Int(x.i < 0 ? Wrap(0 - static_cast<uint64_t>(x.i)) : x.i);
      }
      if (n.op == "length") return Value::Int(static_cast<int64_t>(x.s.size()));
      std::string s = x.s;
      for (char& ch : s) {
        if (n.op == "lower" && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
        if (n.op == "upper" && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
      }
      return Value::String(s);
    }
  }
  return Value::Null();
}

// ---- Random batches ----

Batch RandomBatch(Generator* g, size_t rows) {
  Schema schema = TestSchema();
  std::vector<std::vector<Value>> data(rows);
  for (size_t f = 0; f < schema.size(); ++f) {
    const int null_percent = g->Chance(40) ? 0 : g->Uniform(5, 50);
    for (size_t r = 0; r < rows; ++r) {
      const Type t = schema.field(f).type;
      Value v;
      if (g->Chance(null_percent)) {
        v = Value::Null(t);
      } else if (t == Type::kInt64) {
        int64_t x = g->Chance(3) ? (g->Chance(50) ? INT64_MIN : INT64_MAX) : g->Uniform(-9, 9);
        v = Value::Int(x);
      } else if (t == Type::kTimestamp) {
        // Milliseconds over some 500 years around 1970, next to day boundaries or next to 0.
        int64_t x;
        if (g->Chance(40)) {
          x = std::uniform_int_distribution<int64_t>(-(int64_t{1} << 43),
                                                     int64_t{1} << 43)(g->rng());
        } else if (g->Chance(50)) {
          x = int64_t{86'400'000} * g->Uniform(-40000, 40000) + g->Uniform(-1, 1);
        } else {
          x = g->Uniform(-9, 9);
        }
        v = Value::Timestamp(x);
      } else if (t == Type::kDouble) {
        v = Value::Double(g->Uniform(-16, 16) / 8.0);
      } else if (t == Type::kBool) {
        v = Value::Bool(g->Chance(50));
      } else {
        const char* strs[] = {"",         "a",    "B",     "ab",  "Abc",  "abd", "zZ",
                              "\xc3\xa9", "it's", " -12 ", "2.5", "TRUE", "0",   "a,b,,a"};
        v = Value::String(strs[g->Uniform(0, 13)]);
      }
      data[r].push_back(v);
    }
  }
  return MakeBatch(schema, data);
}

// With `lenient` (the expression holds a null literal, whose type adapts to its context), an int64
// and a double of the same value also match: coalesce(i, null, i) is int64 while its generator
// asked for a double.
bool SameValue(const Value& got, const Value& want, bool lenient = false) {
  if (got.null || want.null) return got.null == want.null;
  if (lenient && (got.type == Type::kDouble) != (want.type == Type::kDouble) &&
      IsNumeric(got.type) && IsNumeric(want.type)) {
    return AsDouble(got) == AsDouble(want);
  }
  switch (want.type) {
    case Type::kDouble:
      if (got.type != Type::kDouble) return false;
      if (std::isnan(want.d)) return std::isnan(got.d);
      return got.d == want.d;
    case Type::kString:
      return got.type == Type::kString && got.s == want.s;
    case Type::kBool:
      return got.type == Type::kBool && (got.i != 0) == (want.i != 0);
    default:
      return IsIntLike(got) && got.i == want.i;
  }
}

void CheckOne(const TNode& tree, const Batch& batch, const Type want_type) {
  const std::string text = Text(tree);
  INFO("expression: ", text);
  auto compiled = CompileExpr(text, TestSchema());
  REQUIRE_MESSAGE(compiled.ok(), compiled.status().ToString());
  const Expr& e = **compiled;
  const bool has_null = HasNullLiteral(tree);
  if (!has_null) {
    // A bare timestamp field keeps its type; in every other position it acts as int64.
    const Type t = e.type() == Type::kTimestamp ? Type::kInt64 : e.type();
    CHECK(t == want_type);
  }
  Column out;
  e.Evaluate(batch, &out);
  REQUIRE(out.size() == batch.size());
  std::vector<uint8_t> sel;
  if (e.type() == Type::kBool) e.Select(batch, &sel);
  for (size_t r = 0; r < batch.size(); ++r) {
    const Value want = RefEval(tree, batch.row(r));
    const Value got = out.get(r);
    INFO("row ", r, ": got '", got.ToString(), "' (null=", got.null, "), want '", want.ToString(),
         "' (null=", want.null, ")");
    REQUIRE(SameValue(got, want, has_null));
    if (e.type() == Type::kBool) {
      REQUIRE(sel[r] == (!want.null && want.i != 0));
    }
  }
}

}  // namespace

TEST_CASE("vectorized evaluation matches the row-at-a-time reference on random expressions") {
  Generator g(20240501);
  const Type types[] = {Type::kInt64, Type::kDouble, Type::kBool, Type::kString};
  int checked = 0;
  for (int round = 0; round < 80; ++round) {
    const size_t rows = g.Chance(10) ? 0 : static_cast<size_t>(g.Uniform(1, 200));
    Batch batch = RandomBatch(&g, rows);
    for (int k = 0; k < 20; ++k) {
      const Type t = types[g.Uniform(0, 3)];
      TNode tree = g.Gen(t, g.Uniform(1, 5));
      CheckOne(tree, batch, t);
      ++checked;
    }
  }
  CHECK(checked == 1600);
}

TEST_CASE("the reference interpreter disagrees with a deliberately wrong result") {
  // Guards the differential test itself: SameValue must see a difference in value, type or null.
  CHECK_FALSE(SameValue(Value::Int(1), Value::Int(2)));
  CHECK_FALSE(SameValue(Value::Null(), Value::Int(0)));
  CHECK_FALSE(SameValue(Value::Double(1), Value::Int(1)));
  CHECK_FALSE(SameValue(Value::String("a"), Value::String("A")));
  CHECK_FALSE(SameValue(Value::Bool(true), Value::Bool(false)));
  TNode and_node{TNode::kAnd, Type::kBool, "and", 0, Value(), {}};
  and_node.kids.push_back(TNode{TNode::kLit, Type::kBool, "", 0, Value::Bool(false), {}});
  and_node.kids.push_back(TNode{TNode::kNull, Type::kInt64, "", 0, Value::Null(), {}});
  Value v = RefEval(and_node, {});
  CHECK_FALSE(v.null);
  CHECK(v.i == 0);
}
