// Field types, schemas and a boxed Value for cold paths (tests, literals, collectors).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice {

// Event-time values inside the engine are int64 microseconds since the Unix epoch.
using TimeUs = int64_t;
constexpr TimeUs kMinTime = std::numeric_limits<int64_t>::min();
constexpr TimeUs kMaxTime = std::numeric_limits<int64_t>::max();

enum class Type : uint8_t {
  kInt64,
  kDouble,
  kBool,
  kString,
  kTimestamp,  // int64 in the field's TimeUnit (raw as read); see Field::unit
};

// How a timestamp field is written in the input and output. Column values hold the integer count
// of the unit (milliseconds for kMillis), except kIso whose values are microseconds and whose text
// form is ISO-8601 ("2024-05-01T12:00:00.250Z").
enum class TimeUnit : uint8_t { kSeconds, kMillis, kMicros, kIso };

struct Field {
  std::string name;
  Type type = Type::kInt64;
  TimeUnit unit = TimeUnit::kMicros;  // meaningful for kTimestamp only

  bool operator==(const Field&) const = default;
};

// "int64", "double", "bool", "string", "timestamp_ms", "timestamp_us", "timestamp_s", "timestamp".
std::string TypeName(const Field& f);
std::string_view TypeName(Type t);
// Parses a schema type name (the list above, plus aliases "int", "long", "float", "boolean", "str").
Result<Field> ParseFieldType(std::string_view name, std::string_view type_name);

// Microseconds per unit: 1'000'000 for seconds, 1'000 for ms, 1 for us and ISO.
int64_t MicrosPerUnit(TimeUnit unit);

bool IsNumeric(Type t);  // int64, double, timestamp

// An ordered list of named, typed fields. Names are unique.
class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}

  size_t size() const { return fields_.size(); }
  const Field& field(size_t i) const { return fields_[i]; }
  const std::vector<Field>& fields() const { return fields_; }
  // Index of the field called `name`, or -1.
  int IndexOf(std::string_view name) const;
  // Appends a field, or replaces the type of an existing one of the same name; returns its index.
  int AddOrReplace(Field f);
  std::string ToString() const;  // "user:string, ts:timestamp_ms"

  bool operator==(const Schema&) const = default;

 private:
  std::vector<Field> fields_;
};

// A boxed value. Not for hot paths.
struct Value {
  Type type = Type::kInt64;
  bool null = true;
  int64_t i = 0;  // int64, bool (0/1), timestamp
  double d = 0;
  std::string s;

  static Value Null(Type t = Type::kInt64) { Value v; v.type = t; return v; }
  static Value Int(int64_t x) { Value v; v.type = Type::kInt64; v.null = false; v.i = x; return v; }
  static Value Double(double x) { Value v; v.type = Type::kDouble; v.null = false; v.d = x; return v; }
  static Value Bool(bool x) { Value v; v.type = Type::kBool; v.null = false; v.i = x; return v; }
  static Value String(std::string x) { Value v; v.type = Type::kString; v.null = false; v.s = std::move(x); return v; }
  static Value Timestamp(int64_t x) { Value v; v.type = Type::kTimestamp; v.null = false; v.i = x; return v; }

  // Text form used by tests and the csv sink: "" for null, shortest round-trip for doubles.
  std::string ToString() const;
  bool operator==(const Value& o) const;
};

}  // namespace sluice
