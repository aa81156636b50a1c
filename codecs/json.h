// JSON text: string escaping and number formatting for output, and a line parser (simdjson) that
// picks the members of one object by name for input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// Bytes that must be readable (of any value) after the text given to JsonObjectReader::Parse.
constexpr size_t kJsonPadding = 64;

// Appends `s` as a quoted JSON string: quote, backslash and control characters escaped (\n, \r,
// \t, \b, \f, others as \u00XX). Well-formed UTF-8 is copied as it is; each maximal ill-formed
// subsequence (a stray byte, a truncated or overlong sequence, a surrogate) becomes one U+FFFD, so
// the output is always valid JSON, whatever bytes came in.
void AppendJsonString(std::string_view s, std::string* out);
// Appends the shortest text that reads back as `v`; NaN and infinities become null.
void AppendJsonDouble(double v, std::string* out);
// Appends an integer in decimal.
void AppendInt64(int64_t v, std::string* out);

// What a member of a parsed object holds.
enum class JsonKind : uint8_t {
  kMissing,  // no member of that name
  kNull,
  kBool,
  kInt64,
  kUint64,  // an integer above INT64_MAX
  kDouble,  // a number with a fraction or exponent
  kString,
  kArray,
  kObject,
};
// "missing", "null", "bool", "integer", "integer", "number", "string", "array", "object".
std::string_view JsonKindName(JsonKind kind);

struct JsonValue {
  JsonKind kind = JsonKind::kMissing;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string_view s;  // kString: valid until the next Parse
};

// Parses one JSON document per call and extracts the members named at construction.
// Not thread-safe; reuse one reader for many lines (it keeps its buffers).
class JsonObjectReader {
 public:
  explicit JsonObjectReader(std::vector<std::string> names);
  ~JsonObjectReader();
  JsonObjectReader(const JsonObjectReader&) = delete;
  JsonObjectReader& operator=(const JsonObjectReader&) = delete;

  // Parses `text` as a JSON object and sets values()[k] to its member names[k] (the last one when
  // repeated; kMissing when absent). Returns false, with *error "invalid JSON: ..." when the text
  // is not JSON or not an object.
  // REQUIRES: kJsonPadding bytes after text.end() are readable.
  bool Parse(std::string_view text, std::string* error);
  const std::vector<JsonValue>& values() const { return values_; }

 private:
  struct Impl;
  std::vector<std::string> names_;
  std::vector<JsonValue> values_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
