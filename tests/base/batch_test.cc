#include <doctest/doctest.h>

#include "base/batch.h"
#include "base/key.h"

using namespace sluice;

TEST_CASE("Column handles nulls appearing after valid rows") {
  Column c(Type::kString);
  c.push_string("a");
  c.push_null();
  c.push_string("bc");
  REQUIRE(c.size() == 3);
  CHECK(c.is_valid(0));
  CHECK_FALSE(c.is_valid(1));
  CHECK(c.str(2) == "bc");
}

TEST_CASE("Batch::compact keeps selected rows of every column in order") {
  Schema s({{"k", Type::kString}, {"v", Type::kDouble}});
  Batch b;
  b.reset(s);
  for (int i = 0; i < 6; ++i) {
    b.columns[0].push_string(std::string(i, 'x'));
    b.columns[1].push_double(i);
    b.ts.push_back(i);
    b.wm.push_back(i - 1);
  }
  uint8_t sel[] = {0, 1, 0, 1, 1, 0};
  b.compact(sel);
  REQUIRE(b.size() == 3);
  CHECK(b.columns[0].str(0) == "x");
  CHECK(b.columns[0].str(1) == "xxx");
  CHECK(b.columns[0].str(2) == "xxxx");
  CHECK(b.columns[1].f64[2] == 4);
  CHECK(b.ts[1] == 3);
}

TEST_CASE("key encoding distinguishes values and round-trips") {
  Schema s({{"a", Type::kString}, {"b", Type::kInt64}});
  Batch b;
  b.reset(s);
  b.columns[0].push_string("ab");
  b.columns[1].push_int(1);
  b.columns[0].push_string("a");
  b.columns[1].push_int(1);
  b.columns[0].push_null();
  b.columns[1].push_int(1);
  b.ts = {0, 0, 0};
  EncodeKeys({0, 1}, &b);
  CHECK(b.keys.str(0) != b.keys.str(1));
  CHECK(b.keys.str(1) != b.keys.str(2));
  Column a(Type::kString), n(Type::kInt64);
  std::vector<Column*> out{&a, &n};
  DecodeKeyInto(b.keys.str(0), {Type::kString, Type::kInt64}, out);
  DecodeKeyInto(b.keys.str(2), {Type::kString, Type::kInt64}, out);
  CHECK(a.str(0) == "ab");
  CHECK(n.i64[0] == 1);
  CHECK_FALSE(a.is_valid(1));
}

TEST_CASE("int64 key fast path encodes like the general path") {
  Schema s({{"k", Type::kInt64}});
  Batch b;
  b.reset(s);
  b.columns[0].push_int(42);
  b.ts = {0};
  EncodeKeys({0}, &b);
  std::string general;
  EncodeKeyRow(b.columns, {0}, 0, &general);
  CHECK(b.keys.str(0) == general);
  CHECK(b.key_hash[0] == HashKey(general));
  CHECK(LaneOf(b.key_hash[0], 1) == 0);
}
