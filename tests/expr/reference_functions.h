// Row-at-a-time reference implementations of the string, regexp, cast and time functions for the
// differential test, written from the rules in docs/expressions.md and sharing no code with
// expr/: regular expressions through std::regex (ECMAScript, which agrees with RE2 on the
// patterns the test uses), the calendar through std::chrono.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "base/types.h"

namespace sluice::testing::reference {

inline std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::string(" \t\n\r").find(s[b]) != std::string::npos) ++b;
  while (e > b && std::string(" \t\n\r").find(s[e - 1]) != std::string::npos) --e;
  return s.substr(b, e - b);
}

// Flink's SUBSTR over bytes.
inline Value Substr(const std::string& s, int64_t start, bool has_len, int64_t len) {
  if (has_len && len < 0) return Value::Null(Type::kString);
  const int64_t n = static_cast<int64_t>(s.size());
  int64_t from;
  if (start > 0) {
    from = start - 1;
  } else if (start == 0) {
    from = 0;
  } else {
    from = n + start;
  }
  if (from < 0 || from >= n) return Value::String("");
  const int64_t count = has_len ? std::min(len, n - from) : n - from;
  return Value::String(s.substr(static_cast<size_t>(from), static_cast<size_t>(count)));
}

// Every piece of s between non-overlapping occurrences of sep, left to right.
inline std::vector<std::string> Pieces(const std::string& s, const std::string& sep) {
  if (sep.empty()) return {s};
  std::vector<std::string> out(1);
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, sep.size(), sep) == 0) {
      out.emplace_back();
      i += sep.size();
    } else {
      out.back().push_back(s[i++]);
    }
  }
  return out;
}

inline Value SplitIndex(const std::string& s, const std::string& sep, int64_t k) {
  if (s.empty() || k < 0) return Value::Null(Type::kString);
  const auto p = Pieces(s, sep);
  if (k >= static_cast<int64_t>(p.size())) return Value::Null(Type::kString);
  return Value::String(p[k]);
}

inline Value SplitPart(const std::string& s, const std::string& sep, int64_t k) {
  if (k == 0) return Value::Null(Type::kString);
  if (s.empty()) return Value::String("");
  const auto p = Pieces(s, sep);
  const int64_t n = static_cast<int64_t>(p.size());
  const int64_t at = k > 0 ? k - 1 : n + k;
  if (at < 0 || at >= n) return Value::String("");
  return Value::String(p[at]);
}

inline Value Replace(const std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return Value::String(s);
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, from.size(), from) == 0) {
      out += to;
      i += from.size();
    } else {
      out.push_back(s[i++]);
    }
  }
  return Value::String(out);
}

inline Value RegexpLike(const std::string& s, const std::string& pattern) {
  return Value::Bool(std::regex_search(s, std::regex(pattern)));
}

inline Value RegexpExtract(const std::string& s, const std::string& pattern, int64_t group) {
  std::smatch m;
  const std::regex re(pattern);
  if (!std::regex_search(s, m, re) || group < 0 || group >= static_cast<int64_t>(m.size()) ||
      !m[group].matched) {
    return Value::Null(Type::kString);
  }
  return Value::String(m[group].str());
}

// ---- cast ----

inline Value StringToInt(const std::string& text) {
  std::string s = Trim(text);
  bool neg = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i == s.size()) return Value::Null();
  __int128 v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return Value::Null();
    v = v * 10 + (s[i] - '0');
    if (v > (static_cast<__int128>(1) << 63)) return Value::Null();
  }
  if (neg) v = -v;
  if (v > INT64_MAX || v < INT64_MIN) return Value::Null();
  return Value::Int(static_cast<int64_t>(v));
}

inline Value StringToDouble(const std::string& text) {
  std::string s = Trim(text);
  if (!s.empty() && s[0] == '+') s.erase(0, 1);
  if (s.empty() || s[0] == ' ' || s.find_first_of("xX") != std::string::npos) {
    return Value::Null(Type::kDouble);
  }
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE) return Value::Null(Type::kDouble);
  return Value::Double(d);
}

inline Value StringToBool(const std::string& text) {
  std::string s = Trim(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "true" || s == "1") return Value::Bool(true);
  if (s == "false" || s == "0") return Value::Bool(false);
  return Value::Null(Type::kBool);
}

inline Value DoubleToInt(double d) {
  if (std::isnan(d) || d < -9.2233720368547758e18 || d >= 9.2233720368547758e18) {
    return Value::Null();
  }
  return Value::Int(static_cast<int64_t>(std::trunc(d)));
}

// cast(v as to); v of type int64 (timestamps arrive as int64), double, bool or string.
inline Value Cast(const Value& v, Type to) {
  if (v.null) return Value::Null(to);
  switch (to) {
    case Type::kString:
      if (v.type == Type::kString) return v;
      if (v.type == Type::kDouble) return Value::String(fmt::format("{}", v.d));
      if (v.type == Type::kBool) return Value::String(v.i ? "true" : "false");
      return Value::String(std::to_string(v.i));
    case Type::kDouble:
      if (v.type == Type::kString) return StringToDouble(v.s);
      if (v.type == Type::kDouble) return v;
      return Value::Double(static_cast<double>(v.type == Type::kBool ? v.i != 0 : v.i));
    case Type::kBool:
      if (v.type == Type::kString) return StringToBool(v.s);
      if (v.type == Type::kDouble) {
        return std::isnan(v.d) ? Value::Null(Type::kBool) : Value::Bool(v.d != 0);
      }
      return Value::Bool(v.i != 0);
    default:
      if (v.type == Type::kString) return StringToInt(v.s);
      if (v.type == Type::kDouble) return DoubleToInt(v.d);
      return Value::Int(v.type == Type::kBool ? v.i != 0 : v.i);
  }
}

// ---- time, for a timestamp_ms value ----

using Ms = std::chrono::sys_time<std::chrono::milliseconds>;

inline Value TimePart(const std::string& f, int64_t ms) {
  using namespace std::chrono;
  const Ms tp{milliseconds{ms}};
  const auto day = floor<days>(tp);
  const hh_mm_ss hms{tp - day};
  if (f == "hour") return Value::Int(hms.hours().count());
  if (f == "minute") return Value::Int(hms.minutes().count());
  return Value::Int(weekday{day}.iso_encoding());
}

inline Value DateTrunc(const std::string& unit, int64_t ms) {
  using namespace std::chrono;
  const Ms tp{milliseconds{ms}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  sys_time<milliseconds> start;
  if (unit == "second") {
    start = floor<seconds>(tp);
  } else if (unit == "minute") {
    start = floor<minutes>(tp);
  } else if (unit == "hour") {
    start = floor<hours>(tp);
  } else if (unit == "day") {
    start = day;
  } else if (unit == "week") {
    start = day - days{weekday{day}.iso_encoding() - 1};
  } else if (unit == "month") {
    start = sys_days{ymd.year() / ymd.month() / 1};
  } else {
    start = sys_days{ymd.year() / January / 1};
  }
  return Value::Int(start.time_since_epoch().count());
}

// The patterns the generator uses, formatted with snprintf.
inline Value DateFormat(const std::string& pattern, int64_t ms) {
  using namespace std::chrono;
  const Ms tp{milliseconds{ms}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{tp - day};
  const int y = static_cast<int>(ymd.year());
  const unsigned mo = static_cast<unsigned>(ymd.month()), d = static_cast<unsigned>(ymd.day());
  const long h = hms.hours().count(), mi = hms.minutes().count(), s = hms.seconds().count();
  const long sub = static_cast<long>(hms.subseconds().count());
  char buf[64];
  if (pattern == "yyyy-MM-dd") {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, mo, d);
  } else if (pattern == "HH:mm:ss.SSS") {
    std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld.%03ld", h, mi, s, sub);
  } else {  // yyyy-MM-dd'T'HH:mm:ss
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld", y, mo, d, h, mi, s);
  }
  return Value::String(buf);
}

}  // namespace sluice::testing::reference
