// cast(x as T). The rules (docs/expressions.md, "cast"):
//   - to int64: a double truncates toward zero (NaN, infinities and values outside int64 are
//     null); a bool is 1 or 0; a timestamp gives its raw value; a string must be an integer in
//     decimal, with an optional sign and surrounding spaces (anything else is null).
//   - to double: numbers convert; a bool is 1.0 or 0.0; a string is parsed as a decimal or
//     exponent number, "inf" or "nan" (anything else, or out of range, is null).
//   - to string: decimal int64 and raw timestamp values, the shortest round-trip text of a double
//     (as the csv sink writes it), 'true' or 'false'.
//   - to bool: a number is true when non-zero (a NaN is null); a string is 'true'/'false' or
//     '1'/'0', any case, with surrounding spaces (anything else is null).
//   - to a timestamp: an int64 (or bool) is read as a count of the target unit; a double
//     truncates as for int64; a timestamp converts its unit (to a finer unit multiplies, null on
//     overflow; to a coarser one floors); a string is an integer count of the unit or ISO-8601
//     text.
// Every combination is allowed; elsewhere a timestamp is its raw int64.
#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "base/time_util.h"
#include "expr/node.h"

namespace sluice::expr {
namespace {

std::string_view Trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Drops one leading '+' before a digit, dot or letter (std::from_chars takes '-' only).
std::string_view DropPlus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  return s;
}

bool ParseInt(std::string_view s, int64_t* v) {
  s = DropPlus(Trim(s));
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

bool ParseDouble(std::string_view s, double* v) {
  s = DropPlus(Trim(s));
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

bool ParseBool(std::string_view s, int64_t* v) {
  s = Trim(s);
  auto is = [s](std::string_view word) {
    if (s.size() != word.size()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
      if (c != word[i]) return false;
    }
    return true;
  };
  if (is("true") || is("1")) {
    *v = 1;
  } else if (is("false") || is("0")) {
    *v = 0;
  } else {
    return false;
  }
  return true;
}

// Truncates toward zero; false for NaN, infinities and values outside int64.
bool DoubleToInt(double d, int64_t* v) {
  // -2^63 is exact as a double; 2^63 is the first double above INT64_MAX.
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
  *v = static_cast<int64_t>(d);
  return true;
}

class Cast final : public Node {
 public:
  Cast(Type to, TimeUnit unit, NodePtr x)
      : Node(to, to == Type::kTimestamp ? unit : TimeUnit::kMicros), x_(std::move(x)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Column scratch;
    const Column& in = x_->Ref(batch, &scratch);
    ResetColumn(out, type(), n);
    out->valid = in.valid;
    const Type from = x_->type();
    switch (type()) {
      case Type::kString:
        return ToString(in, n, out);
      case Type::kDouble:
        return ToDouble(in, n, out);
      case Type::kBool:
        return ToBool(in, n, out);
      default:
        return ToInteger(from, in, n, out);
    }
  }

 private:
  bool Ok(const Column& out, size_t i) const { return out.is_valid(i); }

  void ToString(const Column& in, size_t n, Column* out) const {
    std::string& chars = out->chars;
    for (size_t i = 0; i < n; ++i) {
      if (Ok(*out, i)) {
        switch (x_->type()) {
          case Type::kString:
            chars.append(in.str(i));
            break;
          case Type::kDouble:
            fmt::format_to(std::back_inserter(chars), "{}", in.f64[i]);
            break;
          case Type::kBool:
            chars.append(in.i64[i] != 0 ? "true" : "false");
            break;
          default:
            fmt::format_to(std::back_inserter(chars), "{}", in.i64[i]);
            break;
        }
      }
      out->offsets[i + 1] = static_cast<uint32_t>(chars.size());
    }
  }

  void ToDouble(const Column& in, size_t n, Column* out) const {
    double* o = out->f64.data();
    switch (x_->type()) {
      case Type::kDouble:
        std::copy(in.f64.begin(), in.f64.end(), o);
        break;
      case Type::kString:
        for (size_t i = 0; i < n; ++i) {
          if (Ok(*out, i) && !ParseDouble(in.str(i), &o[i])) SetNull(n, i, &out->valid);
        }
        break;
      case Type::kBool:
        for (size_t i = 0; i < n; ++i) o[i] = in.i64[i] != 0 ? 1.0 : 0.0;
        break;
      default:
        for (size_t i = 0; i < n; ++i) o[i] = static_cast<double>(in.i64[i]);
        break;
    }
  }

  void ToBool(const Column& in, size_t n, Column* out) const {
    int64_t* o = out->i64.data();
    switch (x_->type()) {
      case Type::kDouble:
        for (size_t i = 0; i < n; ++i) {
          o[i] = in.f64[i] != 0;
          if (std::isnan(in.f64[i])) SetNull(n, i, &out->valid);
        }
        break;
      case Type::kString:
        for (size_t i = 0; i < n; ++i) {
          if (Ok(*out, i) && !ParseBool(in.str(i), &o[i])) SetNull(n, i, &out->valid);
        }
        break;
      default:  // int64, timestamp, bool
        for (size_t i = 0; i < n; ++i) o[i] = in.i64[i] != 0;
        break;
    }
  }

  // To int64 or a timestamp.
  void ToInteger(Type from, const Column& in, size_t n, Column* out) const {
    int64_t* o = out->i64.data();
    switch (from) {
      case Type::kDouble:
        for (size_t i = 0; i < n; ++i) {
          if (Ok(*out, i) && !DoubleToInt(in.f64[i], &o[i])) SetNull(n, i, &out->valid);
        }
        break;
      case Type::kString:
        for (size_t i = 0; i < n; ++i) {
          if (Ok(*out, i) && !ParseInteger(in.str(i), &o[i])) SetNull(n, i, &out->valid);
        }
        break;
      case Type::kBool:
        for (size_t i = 0; i < n; ++i) o[i] = in.i64[i] != 0;
        break;
      case Type::kTimestamp:
        if (type() == Type::kTimestamp) return ConvertUnit(in, n, out);
        std::copy(in.i64.begin(), in.i64.end(), o);
        break;
      default:
        std::copy(in.i64.begin(), in.i64.end(), o);
        break;
    }
  }

  // A string to int64, or to a timestamp (an integer count of the unit, or ISO-8601 text).
  bool ParseInteger(std::string_view s, int64_t* v) const {
    if (ParseInt(s, v)) return true;
    if (type() != Type::kTimestamp) return false;
    int64_t us;
    if (!ParseTimestamp(Trim(s), TimeUnit::kIso, &us)) return false;
    *v = MicrosToRaw(us, unit());
    return true;
  }

  void ConvertUnit(const Column& in, size_t n, Column* out) const {
    const int64_t from = UnitsPerSecond(x_->unit()), to = UnitsPerSecond(unit());
    const int64_t* a = in.i64.data();
    int64_t* o = out->i64.data();
    if (from == to) {
      std::copy(a, a + n, o);
    } else if (to > from) {
      const int64_t f = to / from;
      for (size_t i = 0; i < n; ++i) {
        if (__builtin_mul_overflow(a[i], f, &o[i])) SetNull(n, i, &out->valid);
      }
    } else {
      const int64_t f = from / to;
      for (size_t i = 0; i < n; ++i) o[i] = FloorDiv(a[i], f);
    }
  }

  const NodePtr x_;
};

}  // namespace

NodePtr MakeCast(Type to, TimeUnit unit, NodePtr x) {
  return std::make_unique<Cast>(to, unit, std::move(x));
}

}  // namespace sluice::expr
