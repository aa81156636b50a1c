// Filter and Map on hand-built batches, single-threaded.
#include <doctest/doctest.h>

#include "expr/expr.h"
#include "operators/filter.h"
#include "operators/map.h"

using namespace sluice;

namespace {

Schema TestSchema() {
  return Schema({{"k", Type::kString}, {"v", Type::kDouble}, {"q", Type::kInt64}});
}

Batch TestBatch() {
  Batch b;
  b.reset(TestSchema());
  const char* keys[] = {"a", "b", "c", "d"};
  for (int i = 0; i < 4; ++i) {
    b.columns[0].push_string(keys[i]);
    if (i == 2) b.columns[1].push_null(); else b.columns[1].push_double(i * 10.0);
    b.columns[2].push_int(i);
    b.ts.push_back(100 + i);
    b.wm.push_back(i);
  }
  return b;
}

}  // namespace

TEST_CASE("filter keeps true rows in order and drops null and false ones") {
  Batch b = TestBatch();
  Filter f(CompileExpr("v >= 10", TestSchema()).value());
  REQUIRE(f.Apply(&b).ok());
  REQUIRE(b.size() == 2);
  CHECK(b.columns[0].str(0) == "b");
  CHECK(b.columns[0].str(1) == "d");
  CHECK(b.ts == std::vector<int64_t>{101, 103});
  CHECK(b.wm == std::vector<int64_t>{1, 3});
}

TEST_CASE("filter with a C++ predicate sees the same rows") {
  Batch b = TestBatch();
  Schema s = TestSchema();
  Filter f([](const RowView& r) { return r.i64("q") % 2 == 0; }, s);
  REQUIRE(f.Apply(&b).ok());
  REQUIRE(b.size() == 2);
  CHECK(b.columns[0].str(1) == "c");
  CHECK_FALSE(b.columns[1].is_valid(1));
}

TEST_CASE("map replaces and appends fields in order then keeps a projection") {
  Batch b = TestBatch();
  Schema s = TestSchema();
  std::vector<Map::Step> steps;
  Map::Step replace;
  replace.expr = CompileExpr("q * 2", s).value();
  replace.target = 2;
  steps.push_back(std::move(replace));
  Map::Step append;
  append.expr = CompileExpr("upper(k)", s).value();
  append.target = 3;
  steps.push_back(std::move(append));
  Map m(std::move(steps), {3, 2});
  REQUIRE(m.Apply(&b).ok());
  REQUIRE(b.columns.size() == 2);
  CHECK(b.columns[0].str(3) == "D");
  CHECK(b.columns[1].i64[3] == 6);
  CHECK(b.size() == 4);
}

TEST_CASE("map with a C++ function computes a typed column") {
  Batch b = TestBatch();
  std::vector<Map::Step> steps;
  Map::Step fn;
  fn.fn.type = Type::kString;
  fn.fn.string_fn = [](const RowView& r) { return std::string(r.str("k")) + "!"; };
  fn.input = TestSchema();
  fn.target = 3;
  steps.push_back(std::move(fn));
  Map m(std::move(steps), {});
  REQUIRE(m.Apply(&b).ok());
  CHECK(b.columns[3].str(0) == "a!");
}
