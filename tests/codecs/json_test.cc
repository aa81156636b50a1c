// JSON output helpers and the object reader (codecs/json.h).
#include "codecs/json.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace sluice;

namespace {

// Copies `text` into storage with the padding the reader needs.
struct Padded {
  explicit Padded(std::string_view text) : buf(text) {
    buf.append(kJsonPadding, ' ');
    n = text.size();
  }
  std::string_view view() const { return std::string_view(buf.data(), n); }
  std::string buf;
  size_t n;
};

}  // namespace

TEST_CASE("json strings escape quotes, backslashes and control characters") {
  std::string out;
  AppendJsonString("a\"b\\c\nd\re\tf\x01g\x1f\b\f", &out);
  CHECK(out == "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001f\\b\\f\"");
  out.clear();
  AppendJsonString("caf\xc3\xa9", &out);  // UTF-8 passes through
  CHECK(out == "\"caf\xc3\xa9\"");
}

TEST_CASE("json strings replace each ill-formed UTF-8 subsequence with one U+FFFD") {
  const std::string r = "\xEF\xBF\xBD";
  auto json = [](std::string_view in) {
    std::string out;
    AppendJsonString(in, &out);
    return out;
  };
  CHECK(json("a\xffz") == "\"a" + r + "z\"");                  // never a lead byte
  CHECK(json("\x80\xbf") == "\"" + r + r + "\"");               // stray continuation bytes
  CHECK(json("\xc0\xaf") == "\"" + r + r + "\"");               // overlong '/'
  CHECK(json("\xe0\x80\xaf") == "\"" + r + r + r + "\"");       // overlong three-byte form
  CHECK(json("\xed\xa0\x80") == "\"" + r + r + r + "\"");       // a surrogate
  CHECK(json("\xf4\x90\x80\x80") == "\"" + r + r + r + r + "\"");  // above U+10FFFF
  CHECK(json("\xe2\x82x") == "\"" + r + "x\"");                 // truncated, then ASCII
  CHECK(json("caf\xc3") == "\"caf" + r + "\"");                 // truncated at the end
  CHECK(json("\xf0\x9f\x98\x80\xf0\x9f\x98") == "\"\xf0\x9f\x98\x80" + r + "\"");
  CHECK(json("\xe2\x82\xac\xed\x9f\xbf\xf4\x8f\xbf\xbf") ==
        "\"\xe2\x82\xac\xed\x9f\xbf\xf4\x8f\xbf\xbf\"");  // the edges that are valid
}

TEST_CASE("json strings of arbitrary bytes always parse as JSON") {
  JsonObjectReader reader({"s"});
  for (int seed = 0; seed < 2000; ++seed) {
    std::string bytes;
    uint32_t x = static_cast<uint32_t>(seed) * 2654435761u + 1;
    for (int k = 0; k < 1 + seed % 13; ++k) {
      x = x * 1664525u + 1013904223u;
      bytes.push_back(static_cast<char>(x >> 24));
    }
    std::string text = "{\"s\":";
    AppendJsonString(bytes, &text);
    text += "}";
    Padded p(text);
    std::string error;
    CHECK_MESSAGE(reader.Parse(p.view(), &error), error);
  }
}

TEST_CASE("json doubles are shortest round trip and non-finite ones are null") {
  std::string out;
  AppendJsonDouble(0.1, &out);
  out += ',';
  AppendJsonDouble(std::nan(""), &out);
  out += ',';
  AppendJsonDouble(-std::numeric_limits<double>::infinity(), &out);
  out += ',';
  AppendJsonDouble(12, &out);
  out += ',';
  AppendInt64(std::numeric_limits<int64_t>::min(), &out);
  CHECK(out == "0.1,null,null,12,-9223372036854775808");
}

TEST_CASE("json object reader picks members by name") {
  JsonObjectReader r({"a", "b", "c", "d", "e", "f"});
  std::string error;
  Padded text(R"({"b":"x\ny","a":-5,"z":[1],"c":1.5,"d":true,"e":null,"a":7})");
  REQUIRE(r.Parse(text.view(), &error));
  const auto& v = r.values();
  CHECK(v[0].kind == JsonKind::kInt64);
  CHECK(v[0].i == 7);  // the last of repeated members
  CHECK(v[1].kind == JsonKind::kString);
  CHECK(v[1].s == "x\ny");
  CHECK(v[2].kind == JsonKind::kDouble);
  CHECK(v[2].d == 1.5);
  CHECK(v[3].kind == JsonKind::kBool);
  CHECK(v[3].b);
  CHECK(v[4].kind == JsonKind::kNull);
  CHECK(v[5].kind == JsonKind::kMissing);
  // Values reset between lines.
  Padded second(R"({"f":18446744073709551615})");
  REQUIRE(r.Parse(second.view(), &error));
  CHECK(r.values()[0].kind == JsonKind::kMissing);
  CHECK(r.values()[5].kind == JsonKind::kUint64);
}

TEST_CASE("json object reader rejects invalid JSON and non-objects") {
  JsonObjectReader r({"a"});
  std::string error;
  Padded bad("{\"a\":1");
  CHECK_FALSE(r.Parse(bad.view(), &error));
  CHECK(error.rfind("invalid JSON: ", 0) == 0);
  CHECK(error.size() > 14);
  Padded array("[1,2]");
  CHECK_FALSE(r.Parse(array.view(), &error));
  CHECK(error == "invalid JSON: expected an object, found array");
  Padded number("42");
  CHECK_FALSE(r.Parse(number.view(), &error));
  CHECK(error == "invalid JSON: expected an object, found integer");
}

TEST_CASE("json kind names") {
  CHECK(JsonKindName(JsonKind::kString) == "string");
  CHECK(JsonKindName(JsonKind::kDouble) == "number");
  CHECK(JsonKindName(JsonKind::kInt64) == "integer");
  CHECK(JsonKindName(JsonKind::kObject) == "object");
}
