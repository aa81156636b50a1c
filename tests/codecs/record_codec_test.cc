#include "codecs/record_codec.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace sluice {
namespace {

Schema WriterSchema() {
  return Schema({{"user", Type::kString, TimeUnit::kMicros},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis},
                 {"amount", Type::kDouble, TimeUnit::kMicros},
                 {"count", Type::kInt64, TimeUnit::kMicros},
                 {"vip", Type::kBool, TimeUnit::kMicros}});
}

Batch TwoRows(const Schema& s) {
  Batch b;
  b.reset(s);
  b.columns[0].push_string("alice \"quoted\"");
  b.columns[1].push_int(1714564800250);
  b.columns[2].push_double(12.5);
  b.columns[3].push_int(-3);
  b.columns[4].push_int(1);
  b.columns[0].push_string("");
  b.columns[1].push_null();
  b.columns[2].push_null();
  b.columns[3].push_int(7);
  b.columns[4].push_int(0);
  b.ts = {1, 2};
  return b;
}

TEST_CASE("record codec: rows round trip through payload bytes with nulls") {
  Schema s = WriterSchema();
  Batch in = TwoRows(s);
  RecordEncoder enc(s);
  RecordDecoder dec(s);
  Batch out;
  out.reset(s);
  for (size_t r = 0; r < in.size(); ++r) {
    std::string payload(enc.Encode(in, r));
    REQUIRE(dec.DecodeInto(payload, &out).ok());
  }
  REQUIRE(out.columns[0].size() == 2);
  for (size_t r = 0; r < 2; ++r) {
    std::vector<Value> a, b;
    for (size_t c = 0; c < s.size(); ++c) {
      a.push_back(in.columns[c].get(r));
      b.push_back(out.columns[c].get(r));
    }
    CHECK(a == b);
  }
  CHECK(out.ts.empty());  // the decoder leaves event time to its caller
}

TEST_CASE("record codec: a reader schema picks fields by name and converts time units") {
  Schema s = WriterSchema();
  Batch in = TwoRows(s);
  RecordEncoder enc(s);
  std::string payload(enc.Encode(in, 0));
  Schema reader({{"ts", Type::kTimestamp, TimeUnit::kSeconds},
                 {"count", Type::kDouble, TimeUnit::kMicros},  // int widens to double
                 {"missing", Type::kString, TimeUnit::kMicros}});
  RecordDecoder dec(reader);
  Batch out;
  out.reset(reader);
  REQUIRE(dec.DecodeInto(payload, &out).ok());
  CHECK(out.columns[0].i64[0] == 1714564800);
  CHECK(out.columns[1].f64[0] == -3.0);
  CHECK_FALSE(out.columns[2].is_valid(0));
}

TEST_CASE("record codec: a type mismatch names the field and appends nothing") {
  Schema s = WriterSchema();
  Batch in = TwoRows(s);
  RecordEncoder enc(s);
  std::string payload(enc.Encode(in, 0));
  Schema reader(
      {{"count", Type::kInt64, TimeUnit::kMicros}, {"user", Type::kInt64, TimeUnit::kMicros}});
  RecordDecoder dec(reader);
  Batch out;
  out.reset(reader);
  Status st = dec.DecodeInto(payload, &out);
  CHECK(st.IsInvalidArgument());
  CHECK(st.message().find("'user'") != std::string::npos);
  CHECK(out.columns[0].size() == 0);
  CHECK(out.columns[1].size() == 0);
}

TEST_CASE("record codec: bytes that are not a record are corruption") {
  Schema s = WriterSchema();
  RecordDecoder dec(s);
  Batch out;
  out.reset(s);
  CHECK(dec.DecodeInto("", &out).IsCorruption());
  CHECK(dec.DecodeInto("hello world", &out).IsCorruption());
  Batch in = TwoRows(s);
  RecordEncoder enc(s);
  std::string payload(enc.Encode(in, 0));
  for (size_t n = 0; n + 1 < payload.size(); ++n) {
    Status st = dec.DecodeInto(std::string_view(payload).substr(0, n), &out);
    CHECK_FALSE(st.ok());
  }
  CHECK(out.columns[0].size() == 0);
}

// A map {"abcde": 5} whose key has lost its terminator: every byte from the key to the end of
// the buffer is non-zero, so reading the key as a C string runs past the end. Placed at an odd
// address, which makes the decoder read from an aligned copy of exactly the payload's size.
TEST_CASE("record codec: a key without its terminator is corruption, not a read past the end") {
  flexbuffers::Builder fbb(64, flexbuffers::BUILDER_FLAG_NONE);
  fbb.Map([&] { fbb.Int("abcde", 5); });
  fbb.Finish();
  std::vector<uint8_t> bytes = fbb.GetBuffer();
  REQUIRE(bytes.size() % 8 == 0);
  REQUIRE(std::memcmp(bytes.data(), "abcde", 6) == 0);
  bytes[5] = 'x';
  REQUIRE(std::find(bytes.begin(), bytes.end(), 0) == bytes.end());
  std::vector<char> holder(bytes.size() + 1);
  std::memcpy(holder.data() + 1, bytes.data(), bytes.size());
  const std::string_view payload(holder.data() + 1, bytes.size());

  std::string json;
  CHECK(RecordToJson(payload, &json).IsCorruption());
  Schema s({{"abcde", Type::kInt64}});
  RecordDecoder dec(s);
  Batch out;
  out.reset(s);
  CHECK(dec.DecodeInto(payload, &out).IsCorruption());
  CHECK(out.columns[0].size() == 0);
}

TEST_CASE("record codec: payload as JSON") {
  Schema s = WriterSchema();
  Batch in = TwoRows(s);
  RecordEncoder enc(s);
  std::string json;
  REQUIRE(RecordToJson(enc.Encode(in, 0), &json).ok());
  CHECK(json ==
        "{\"amount\":12.5,\"count\":-3,\"ts\":1714564800250000,\"user\":\"alice \\\"quoted\\\"\","
        "\"vip\":true}");
  json.clear();
  REQUIRE(RecordToJson(enc.Encode(in, 1), &json).ok());
  CHECK(json == "{\"amount\":null,\"count\":7,\"ts\":null,\"user\":\"\",\"vip\":false}");
}

}  // namespace
}  // namespace sluice
