// Timestamp functions in UTC: hour, minute, day_of_week, date_trunc, date_format.
//
// A timestamp is an integer count of its unit (s, ms or us; ISO fields hold us) since
// 1970-01-01T00:00:00Z, and may be negative. Every conversion floors, so a time before 1970
// falls in the hour, day or second that contains it. The calendar is the proleptic Gregorian one
// (base/time_util.h), exact over the whole int64 range.
#include <fmt/format.h>

#include "base/time_util.h"
#include "expr/node.h"

namespace sluice::expr {
namespace {

constexpr int64_t kSecondsPerDay = 86'400;

struct Civil {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

inline Civil CivilOf(int64_t days) {
  Civil c;
  CivilFromDays(days, &c.year, &c.month, &c.day);
  return c;
}

// 1970-01-01 was a Thursday (ISO day 4).
inline int64_t IsoDayOfWeek(int64_t days) { return FloorMod(days + 3, 7) + 1; }

class TimePartNode final : public Node {
 public:
  TimePartNode(TimePart part, NodePtr ts) : Node(Type::kInt64), part_(part), ts_(std::move(ts)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Column scratch;
    const Column& in = ts_->Ref(batch, &scratch);
    ResetColumn(out, Type::kInt64, n);
    const int64_t per_sec = UnitsPerSecond(ts_->unit());
    const int64_t* a = in.i64.data();
    int64_t* o = out->i64.data();
    switch (part_) {
      case TimePart::kHour:
        for (size_t i = 0; i < n; ++i) {
          o[i] = FloorMod(FloorDiv(a[i], per_sec), kSecondsPerDay) / 3'600;
        }
        break;
      case TimePart::kMinute:
        for (size_t i = 0; i < n; ++i) o[i] = FloorMod(FloorDiv(a[i], per_sec), 3'600) / 60;
        break;
      case TimePart::kDayOfWeek:
        for (size_t i = 0; i < n; ++i) {
          o[i] = IsoDayOfWeek(FloorDiv(FloorDiv(a[i], per_sec), kSecondsPerDay));
        }
        break;
    }
    out->valid = in.valid;
  }

 private:
  const TimePart part_;
  const NodePtr ts_;
};

class DateTrunc final : public Node {
 public:
  DateTrunc(TruncUnit unit, NodePtr ts)
      : Node(Type::kTimestamp, ts->unit()), unit_(unit), ts_(std::move(ts)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Column scratch;
    const Column& in = ts_->Ref(batch, &scratch);
    ResetColumn(out, Type::kTimestamp, n);
    out->valid = in.valid;
    const int64_t per_sec = UnitsPerSecond(unit());
    const int64_t* a = in.i64.data();
    int64_t* o = out->i64.data();
    if (unit_ <= TruncUnit::kDay) {
      const int64_t size = per_sec * (unit_ == TruncUnit::kSecond   ? 1
                                      : unit_ == TruncUnit::kMinute ? 60
                                      : unit_ == TruncUnit::kHour   ? 3'600
                                                                    : kSecondsPerDay);
      for (size_t i = 0; i < n; ++i) {
        if (__builtin_sub_overflow(a[i], FloorMod(a[i], size), &o[i])) SetNull(n, i, &out->valid);
      }
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      const int64_t days = FloorDiv(FloorDiv(a[i], per_sec), kSecondsPerDay);
      int64_t start;
      if (unit_ == TruncUnit::kWeek) {
        start = days - (IsoDayOfWeek(days) - 1);
      } else {
        const Civil c = CivilOf(days);
        start = DaysFromCivil(c.year, unit_ == TruncUnit::kMonth ? c.month : 1u, 1);
      }
      // The start of a period that began before the int64 range of the unit is null.
      int64_t secs;
      if (__builtin_mul_overflow(start, kSecondsPerDay, &secs) ||
          __builtin_mul_overflow(secs, per_sec, &o[i])) {
        SetNull(n, i, &out->valid);
      }
    }
  }

 private:
  const TruncUnit unit_;
  const NodePtr ts_;
};

// One element of a compiled date_format pattern.
struct FormatPiece {
  enum Kind : uint8_t { kText, kYear, kMonth, kDay, kHour, kMinute, kSecond, kMilli, kMicro };
  Kind kind;
  std::string text;  // kText
};

// Appends v as at least `width` decimal digits (v >= 0).
inline void AppendDigits(int64_t v, int width, std::string* out) {
  char buf[24];
  int len = 0;
  do {
    buf[len++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  while (len < width) buf[len++] = '0';
  while (len > 0) out->push_back(buf[--len]);
}

class DateFormat final : public Node {
 public:
  DateFormat(NodePtr ts, std::vector<FormatPiece> pieces)
      : Node(Type::kString), ts_(std::move(ts)), pieces_(std::move(pieces)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Column scratch;
    const Column& in = ts_->Ref(batch, &scratch);
    ResetColumn(out, Type::kString, n);
    out->valid = in.valid;
    const int64_t per_sec = UnitsPerSecond(ts_->unit());
    size_t width = 0;
    for (const FormatPiece& p : pieces_) width += p.kind == FormatPiece::kText ? p.text.size() : 6;
    out->chars.reserve(n * width);
    const int64_t* a = in.i64.data();
    for (size_t i = 0; i < n; ++i) {
      if (out->is_valid(i)) Format(a[i], per_sec, &out->chars);
      out->offsets[i + 1] = static_cast<uint32_t>(out->chars.size());
    }
  }

 private:
  void Format(int64_t raw, int64_t per_sec, std::string* out) const {
    const int64_t secs = FloorDiv(raw, per_sec);
    const int64_t frac = FloorMod(raw, per_sec);  // in the unit, [0, per_sec)
    const int64_t sod = FloorMod(secs, kSecondsPerDay);
    const Civil c = CivilOf(FloorDiv(secs, kSecondsPerDay));
    for (const FormatPiece& p : pieces_) {
      switch (p.kind) {
        case FormatPiece::kText:
          out->append(p.text);
          break;
        case FormatPiece::kYear:
          if (c.year < 0) out->push_back('-');
          AppendDigits(c.year < 0 ? -c.year : c.year, 4, out);
          break;
        case FormatPiece::kMonth:
          AppendDigits(c.month, 2, out);
          break;
        case FormatPiece::kDay:
          AppendDigits(c.day, 2, out);
          break;
        case FormatPiece::kHour:
          AppendDigits(sod / 3'600, 2, out);
          break;
        case FormatPiece::kMinute:
          AppendDigits(sod / 60 % 60, 2, out);
          break;
        case FormatPiece::kSecond:
          AppendDigits(sod % 60, 2, out);
          break;
        case FormatPiece::kMilli:
          AppendDigits(frac * 1'000 / per_sec, 3, out);
          break;
        case FormatPiece::kMicro:
          AppendDigits(frac * 1'000'000 / per_sec, 6, out);
          break;
      }
    }
  }

  const NodePtr ts_;
  const std::vector<FormatPiece> pieces_;
};

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Compiles a date_format pattern; the error text has no column.
Result<std::vector<FormatPiece>> CompileFormat(std::string_view p) {
  std::vector<FormatPiece> pieces;
  auto text = [&pieces](char c) {
    if (pieces.empty() || pieces.back().kind != FormatPiece::kText) {
      pieces.push_back(FormatPiece{FormatPiece::kText, ""});
    }
    pieces.back().text.push_back(c);
  };
  for (size_t i = 0; i < p.size();) {
    const char c = p[i];
    if (c == '\'') {
      if (i + 1 < p.size() && p[i + 1] == '\'') {  // '' is a quote
        text('\'');
        i += 2;
        continue;
      }
      size_t j = i + 1;
      for (; j < p.size(); ++j) {
        if (p[j] != '\'') {
          text(p[j]);
        } else if (j + 1 < p.size() && p[j + 1] == '\'') {
          text('\'');
          ++j;
        } else {
          break;
        }
      }
      if (j >= p.size()) {
        return Status::InvalidArgument(fmt::format(
            "date_format pattern has a quote at position {} that is not closed", i + 1));
      }
      i = j + 1;
      continue;
    }
    if (!IsLetter(c)) {
      text(c);
      ++i;
      continue;
    }
    size_t j = i;
    while (j < p.size() && p[j] == c) ++j;
    const std::string_view run = p.substr(i, j - i);
    FormatPiece::Kind kind;
    if (run == "yyyy") {
      kind = FormatPiece::kYear;
    } else if (run == "MM") {
      kind = FormatPiece::kMonth;
    } else if (run == "dd") {
      kind = FormatPiece::kDay;
    } else if (run == "HH") {
      kind = FormatPiece::kHour;
    } else if (run == "mm") {
      kind = FormatPiece::kMinute;
    } else if (run == "ss") {
      kind = FormatPiece::kSecond;
    } else if (run == "SSS") {
      kind = FormatPiece::kMilli;
    } else if (run == "SSSSSS") {
      kind = FormatPiece::kMicro;
    } else {
      return Status::InvalidArgument(fmt::format(
          "date_format pattern has unknown field '{}' at position {} (fields: yyyy MM dd HH mm "
          "ss SSS SSSSSS; quote literal letters, as in 'T')",
          run, i + 1));
    }
    pieces.push_back(FormatPiece{kind, ""});
    i = j;
  }
  return pieces;
}

}  // namespace

NodePtr MakeTimePart(TimePart part, NodePtr ts) {
  return std::make_unique<TimePartNode>(part, std::move(ts));
}

NodePtr MakeDateTrunc(TruncUnit unit, NodePtr ts) {
  return std::make_unique<DateTrunc>(unit, std::move(ts));
}

Result<NodePtr> MakeDateFormat(NodePtr ts, std::string_view pattern, int pattern_column) {
  auto pieces = CompileFormat(pattern);
  if (!pieces.ok()) {
    return Status::InvalidArgument(
        fmt::format("column {}: {}", pattern_column, pieces.status().message()));
  }
  return NodePtr(std::make_unique<DateFormat>(std::move(ts), std::move(pieces).value()));
}

}  // namespace sluice::expr
