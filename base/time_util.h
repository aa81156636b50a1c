// Durations, timestamps and epoch-aligned arithmetic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/types.h"

namespace sluice {

// "250us", "10ms", "2s", "5m", "1h", or combinations such as "1m30s"; "0" alone is allowed.
// Returns microseconds. Rejects negative, empty, overflowing or unit-less values (except "0").
Result<int64_t> ParseDuration(std::string_view text);
// Shortest exact text for a duration in microseconds: 10000000 -> "10s", 1500 -> "1500us".
std::string FormatDuration(int64_t us);

// Parses one timestamp field value, as written in the input, into the column's raw value:
// an integer count of the unit for kSeconds/kMillis/kMicros (a decimal part is refused), or
// microseconds since the epoch for kIso ("2024-05-01T12:00:00Z", "2024-05-01 12:00:00.123+02:00",
// "2024-05-01"). Returns false on malformed text.
bool ParseTimestamp(std::string_view text, TimeUnit unit, int64_t* raw);
// Converts a raw column value to event-time microseconds (saturating).
inline int64_t RawToMicros(int64_t raw, TimeUnit unit) {
  int64_t m = MicrosPerUnit(unit);
  if (m == 1) return raw;
  int64_t out;
  if (__builtin_mul_overflow(raw, m, &out)) return raw < 0 ? kMinTime + 1 : kMaxTime - 1;
  return out;
}
// The event times sluice accepts: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z, the range
// of ISO-8601 with four-digit years. Sources send a row whose event time overflows or falls
// outside it to the dead-letter file ("out of range"), so that window arithmetic (start + size +
// lateness, watermark - bound) never overflows and one absurd time never drags the watermark.
constexpr TimeUs kMinEventTime = -62'135'596'800'000'000;
constexpr TimeUs kMaxEventTime = 253'402'300'799'999'999;
// Durations (window sizes, bounds, lateness, intervals) are at most 10,000 years.
constexpr int64_t kMaxDuration = int64_t{10'000} * 366 * 86'400'000'000;
inline bool InEventTimeRange(TimeUs us) { return us >= kMinEventTime && us <= kMaxEventTime; }
// Converts a raw timestamp of `unit` to event-time microseconds: false when the conversion
// overflows or the time is out of range.
inline bool EventTimeFromRaw(int64_t raw, TimeUnit unit, TimeUs* us) {
  return !__builtin_mul_overflow(raw, MicrosPerUnit(unit), us) && InEventTimeRange(*us);
}
// "event time 'ts' = 9223372036854775 ms is out of range (0001-01-01 to 9999-12-31 UTC)".
std::string EventTimeRangeReason(std::string_view field, std::string_view value,
                                 std::string_view unit);
// Converts event-time microseconds to the unit's raw value (floor division).
int64_t MicrosToRaw(int64_t us, TimeUnit unit);
// The wall clock: microseconds since the epoch.
TimeUs WallNowUs();
// ISO-8601 text in UTC with microseconds only when non-zero: "2024-05-01T12:00:00.25Z".
std::string FormatIso(int64_t us);
// Appends the text form of a raw timestamp value in `unit` (integer, or ISO for kIso).
void AppendTimestamp(int64_t raw, TimeUnit unit, std::string* out);

// Floor division and epoch alignment (exact for negative times too).
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
inline int64_t AlignDown(int64_t t, int64_t size) { return FloorDiv(t, size) * size; }
// a - b * FloorDiv(a, b), in [0, b) for b > 0, without overflow.
inline int64_t FloorMod(int64_t a, int64_t b) {
  const int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

// Proleptic Gregorian calendar (Howard Hinnant's civil-date algorithms), exact for every day
// count whose year fits in int64: days since 1970-01-01 of y-m-d (m 1-12, d 1-31), and back.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);

}  // namespace sluice
