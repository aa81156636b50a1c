#include "base/time_util.h"

#include <charconv>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

namespace sluice {

Result<int64_t> ParseDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format(
        "invalid duration '{}': {} (write e.g. \"250ms\", \"10s\", \"1m30s\"; units us, ms, s, m, h)",
        text, why));
  };
  if (text.empty()) return bad("empty");
  if (text == "0") return int64_t{0};
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start) return bad("expected a number");
    int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data() + start, text.data() + i, n);
    if (ec != std::errc()) return bad("number out of range");
    size_t us = i;
    while (i < text.size() && ((text[i] >= 'a' && text[i] <= 'z'))) ++i;
    std::string_view unit = text.substr(us, i - us);
    int64_t mult;
    if (unit == "us") mult = 1;
    else if (unit == "ms") mult = 1'000;
    else if (unit == "s") mult = 1'000'000;
    else if (unit == "m") mult = 60'000'000;
    else if (unit == "h") mult = 3'600'000'000;
    else if (unit.empty()) return bad("missing unit");
    else return bad(fmt::format("unknown unit '{}'", unit));
    int64_t part;
    if (__builtin_mul_overflow(n, mult, &part) || __builtin_add_overflow(total, part, &total) ||
        total > kMaxDuration) {
      return bad("too large (at most 10,000 years)");
    }
  }
  return total;
}

std::string FormatDuration(int64_t us) {
  if (us == 0) return "0s";
  if (us % 3'600'000'000 == 0) return fmt::format("{}h", us / 3'600'000'000);
  if (us % 60'000'000 == 0) return fmt::format("{}m", us / 60'000'000);
  if (us % 1'000'000 == 0) return fmt::format("{}s", us / 1'000'000);
  if (us % 1'000 == 0) return fmt::format("{}ms", us / 1'000);
  return fmt::format("{}us", us);
}

std::string EventTimeRangeReason(std::string_view field, std::string_view value,
                                 std::string_view unit) {
  return fmt::format("event time '{}' = {}{}{} is out of range (0001-01-01 to 9999-12-31 UTC)",
                     field, value, unit.empty() ? "" : " ", unit);
}

int64_t MicrosToRaw(int64_t us, TimeUnit unit) { return FloorDiv(us, MicrosPerUnit(unit)); }

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days in month `mo` (1-12) of year `y` of the proleptic Gregorian calendar.
int64_t DaysInMonth(int64_t y, int64_t mo) {
  static constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return mo == 2 && leap ? 29 : kDays[mo - 1];
}

bool ParseIso(std::string_view s, int64_t* us) {
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return false;
  size_t i = 10;
  int64_t offset_s = 0;
  if (i < s.size()) {
    if (s[i] != 'T' && s[i] != ' ') return false;
    if (!Digits(s, i + 1, 2, &h) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !Digits(s, i + 4, 2, &mi)) {
      return false;
    }
    i += 6;
    if (i < s.size() && s[i] == ':') {
      if (!Digits(s, i + 1, 2, &sec)) return false;
      i += 3;
      if (i < s.size() && s[i] == '.') {
        ++i;
        int digits = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
          if (digits < 6) frac = frac * 10 + (s[i] - '0');
          ++digits, ++i;
        }
        if (digits == 0) return false;
        for (int k = digits; k < 6; ++k) frac *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return false;
    if (i < s.size()) {
      if (s[i] == 'Z' && i + 1 == s.size()) {
        ++i;
      } else if (s[i] == '+' || s[i] == '-') {
        int64_t oh, om;
        if (!Digits(s, i + 1, 2, &oh)) return false;
        size_t j = i + 3;
        if (j < s.size() && s[j] == ':') ++j;
        if (!Digits(s, j, 2, &om) || j + 2 != s.size() || oh > 23 || om > 59) return false;
        offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i = s.size();
      } else {
        return false;
      }
    }
  }
  if (i != s.size()) return false;
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  *us = secs * 1'000'000 + frac;
  return true;
}

}  // namespace

bool ParseTimestamp(std::string_view text, TimeUnit unit, int64_t* raw) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return false;
  if (unit == TimeUnit::kIso) return ParseIso(text, raw);
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *raw);
  return ec == std::errc() && p == text.data() + text.size();
}

std::string FormatIso(int64_t us) {
  int64_t secs = FloorDiv(us, 1'000'000);
  int64_t frac = us - secs * 1'000'000;
  int64_t days = FloorDiv(secs, 86400);
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", y, m, d, rem / 3600,
                                (rem / 60) % 60, rem % 60);
  if (frac) {
    std::string f = fmt::format("{:06}", frac);
    while (f.back() == '0') f.pop_back();
    out += '.';
    out += f;
  }
  out += 'Z';
  return out;
}

void AppendTimestamp(int64_t raw, TimeUnit unit, std::string* out) {
  if (unit == TimeUnit::kIso) {
    out->append(FormatIso(raw));
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", raw);
  }
}

TimeUs WallNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sluice
