#include "operators/schema_inference.h"

#include <doctest/doctest.h>

#include <string>

namespace sluice {
namespace {

std::string Types(const Schema& s) { return s.ToString(); }

TEST_CASE("schema inference: CSV columns get the narrowest type every value fits") {
  const std::string csv =
      "id,price,ok,when,name,mixed,empty,flag01\n"
      "1,2,true,2024-05-01T12:00:00Z,alice,1,,1\n"
      "2,2.5,FALSE,2024-05-01 13:00:00.5+02:00,\"bob, jr\",x,,0\n"
      "-3, 7 ,True,2024-05-02,carol,2.5,,1\n";
  auto r = InferCsvSchema(csv, true, 1000);
  REQUIRE(r.ok());
  CHECK(r->records == 3);
  CHECK(Types(r->schema) ==
        "id:int64, price:double, ok:bool, when:timestamp, name:string, mixed:string, "
        "empty:string, flag01:int64");
}

TEST_CASE("schema inference: only the sample counts, and a cut last line is ignored") {
  const std::string csv = "a,b\n1,x\n2,y\n3.5,z\n";
  auto two = InferCsvSchema(csv, true, 2);
  REQUIRE(two.ok());
  CHECK(Types(two->schema) == "a:int64, b:string");
  auto all = InferCsvSchema(csv, true, 100);
  REQUIRE(all.ok());
  CHECK(Types(all->schema) == "a:double, b:string");
  // Without at_eof, "3.5,z" has no line end yet: it may be cut ("3.5,z" could go on), so skipped.
  auto cut = InferCsvSchema("a,b\n1,x\n3.5,z", false, 100);
  REQUIRE(cut.ok());
  CHECK(cut->records == 1);
  CHECK(Types(cut->schema) == "a:int64, b:string");
}

TEST_CASE("schema inference: a CSV header must name every column once") {
  CHECK(InferCsvSchema("", true, 10).status().IsInvalidArgument());
  auto twice = InferCsvSchema("a,b,a\n1,2,3\n", true, 10);
  CHECK(twice.status().IsInvalidArgument());
  CHECK(twice.status().message().find("'a' twice") != std::string::npos);
  CHECK(InferCsvSchema("a,,c\n", true, 10).status().IsInvalidArgument());
  // Malformed rows and rows of the wrong width are skipped, not taken as strings.
  auto skip = InferCsvSchema("a,b\n1,2\n\"x,3\n4,5,6\n", true, 10);
  REQUIRE(skip.ok());
  CHECK(Types(skip->schema) == "a:int64, b:int64");
}

TEST_CASE("schema inference: JSON lines fields in order of first appearance") {
  const std::string jsonl =
      "{\"id\":1,\"user\":\"a\",\"amount\":3}\n"
      "\n"
      "{\"id\":2,\"amount\":4.5,\"at\":\"2024-05-01T00:00:00Z\",\"vip\":true,\"tags\":[1]}\n"
      "not json\n"
      "{\"id\":null,\"user\":\"b\",\"vip\":false,\"big\":18446744073709551615}\n";
  auto r = InferJsonlSchema(jsonl, true, 100);
  REQUIRE(r.ok());
  CHECK(r->records == 4);
  CHECK(Types(r->schema) ==
        "id:int64, user:string, amount:double, at:timestamp, vip:bool, tags:string, big:double");
  CHECK(InferJsonlSchema("[1,2]\n", true, 10).status().IsInvalidArgument());
}

}  // namespace
}  // namespace sluice
