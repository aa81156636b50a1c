#include "codecs/json.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>

namespace sluice {

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING, "padding must satisfy simdjson");

namespace {

// The length of the well-formed UTF-8 sequence at s[i], or, when the bytes there are ill-formed,
// minus the length of its maximal subpart (at least 1): the bytes one U+FFFD replaces (Unicode
// 15, section 3.9, "U+FFFD Substitution of Maximal Subparts").
// REQUIRES: s[i] >= 0x80.
int Utf8SequenceAt(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int need;                            // continuation bytes
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the first continuation byte
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;  // no overlong forms
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return -1;  // a continuation byte, C0, C1 or F5..FF: never a lead byte
  }
  for (int k = 1; k <= need; ++k) {
    if (i + k >= s.size()) return -k;
    unsigned char b = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return -k;
  }
  return need + 1;
}

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      int n = Utf8SequenceAt(s, i);
      if (n > 0) {
        i += n - 1;  // well-formed: copied with the run
        continue;
      }
      out->append(s.data() + run, i - run);
      out->append(kReplacementCharacter);
      i += -n - 1;
      run = i + 1;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, sizeof(esc));
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendJsonDouble(double v, std::string* out) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[32];
  auto end = fmt::format_to_n(buf, sizeof(buf), "{}", v).out;
  out->append(buf, end - buf);
}

void AppendInt64(int64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr - buf);
}

std::string_view JsonKindName(JsonKind kind) {
  switch (kind) {
    case JsonKind::kMissing:
      return "missing";
    case JsonKind::kNull:
      return "null";
    case JsonKind::kBool:
      return "bool";
    case JsonKind::kInt64:
    case JsonKind::kUint64:
      return "integer";
    case JsonKind::kDouble:
      return "number";
    case JsonKind::kString:
      return "string";
    case JsonKind::kArray:
      return "array";
    case JsonKind::kObject:
      return "object";
  }
  return "?";
}

struct JsonObjectReader::Impl {
  simdjson::dom::parser parser;
};

JsonObjectReader::JsonObjectReader(std::vector<std::string> names)
    : names_(std::move(names)), values_(names_.size()), impl_(std::make_unique<Impl>()) {}

JsonObjectReader::~JsonObjectReader() = default;

namespace {

JsonValue ToValue(simdjson::dom::element e) {
  JsonValue v;
  switch (e.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      v.kind = JsonKind::kNull;
      break;
    case simdjson::dom::element_type::BOOL:
      v.kind = JsonKind::kBool;
      v.b = e.get_bool().value_unsafe();
      break;
    case simdjson::dom::element_type::INT64:
      v.kind = JsonKind::kInt64;
      v.i = e.get_int64().value_unsafe();
      v.d = static_cast<double>(v.i);
      break;
    case simdjson::dom::element_type::UINT64:
      v.kind = JsonKind::kUint64;
      v.u = e.get_uint64().value_unsafe();
      v.d = static_cast<double>(v.u);
      break;
    case simdjson::dom::element_type::DOUBLE:
      v.kind = JsonKind::kDouble;
      v.d = e.get_double().value_unsafe();
      break;
    case simdjson::dom::element_type::STRING:
      v.kind = JsonKind::kString;
      v.s = e.get_string().value_unsafe();
      break;
    case simdjson::dom::element_type::ARRAY:
      v.kind = JsonKind::kArray;
      break;
    case simdjson::dom::element_type::OBJECT:
      v.kind = JsonKind::kObject;
      break;
  }
  return v;
}

}  // namespace

bool JsonObjectReader::Parse(std::string_view text, std::string* error) {
  simdjson::dom::element doc;
  auto err = impl_->parser.parse(text.data(), text.size(), false).get(doc);
  if (err) {
    *error = fmt::format("invalid JSON: {}", simdjson::error_message(err));
    return false;
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) {
    *error =
        fmt::format("invalid JSON: expected an object, found {}", JsonKindName(ToValue(doc).kind));
    return false;
  }
  for (JsonValue& v : values_) v.kind = JsonKind::kMissing;
  for (auto member : obj) {
    std::string_view key = member.key;
    for (size_t k = 0; k < names_.size(); ++k) {
      if (names_[k] == key) {
        values_[k] = ToValue(member.value);
        break;
      }
    }
  }
  return true;
}

}  // namespace sluice
