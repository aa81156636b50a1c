// LookupJoin and LoadLookupTable on hand-built batches and small table files, single-threaded.
#include "operators/lookup_join.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../runtime/test_util.h"

using namespace sluice;
using sluice::testing::ScratchDir;
using sluice::testing::WriteFile;

namespace {

Schema TableSchema() { return Schema({{"id", Type::kInt64}, {"name", Type::kString}}); }

LookupTableSpec Spec(const std::string& path, Schema schema = TableSchema()) {
  LookupTableSpec spec;
  spec.path = path;
  spec.schema = std::move(schema);
  return spec;
}

LookupTable Load(const LookupTableSpec& spec) {
  LookupTable t;
  const Status s = LoadLookupTable(spec, &t);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return t;
}

// Rows (k:int64, v:string) with ts 100+i, wm i and pos 10+i; k null where given as -1.
Batch StreamBatch(const std::vector<int64_t>& keys) {
  Batch b;
  b.reset(Schema({{"k", Type::kInt64}, {"v", Type::kString}}));
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] < 0) {
      b.columns[0].push_null();
    } else {
      b.columns[0].push_int(keys[i]);
    }
    b.columns[1].push_string("r" + std::to_string(i));
    b.ts.push_back(100 + static_cast<int64_t>(i));
    b.wm.push_back(static_cast<int64_t>(i));
    b.pos.push_back(10 + i);
  }
  return b;
}

// "v|name" per output row ("v|NULL" for a null name).
std::vector<std::string> Rows(const Batch& b) {
  std::vector<std::string> out;
  for (size_t r = 0; r < b.size(); ++r) {
    out.push_back(std::string(b.columns[1].str(r)) + "|" +
                  (b.columns[3].is_valid(r) ? std::string(b.columns[3].str(r)) : "NULL"));
  }
  return out;
}

}  // namespace

TEST_CASE("lookup join inner keeps matched rows with the table's fields and their metadata") {
  ScratchDir dir("lookup");
  WriteFile(dir.file("t.csv"), "id,name\n1,one\n2,two\n3,three\n");
  LookupJoin join(Load(Spec(dir.file("t.csv"))), {0}, {0}, JoinType::kInner);
  Batch b = StreamBatch({2, 5, 1, 2});
  REQUIRE(join.Apply(&b).ok());
  REQUIRE(b.columns.size() == 4);
  CHECK(Rows(b) == std::vector<std::string>{"r0|two", "r2|one", "r3|two"});
  CHECK(b.columns[2].i64 == std::vector<int64_t>{2, 1, 2});
  CHECK(b.ts == std::vector<int64_t>{100, 102, 103});
  CHECK(b.wm == std::vector<int64_t>{0, 2, 3});
  CHECK(b.pos == std::vector<uint64_t>{10, 12, 13});
}

TEST_CASE("lookup join left keeps unmatched rows once with the table's fields null") {
  ScratchDir dir("lookup");
  WriteFile(dir.file("t.csv"), "id,name\n1,one\n2,two\n");
  LookupJoin join(Load(Spec(dir.file("t.csv"))), {0}, {0}, JoinType::kLeft);
  Batch b = StreamBatch({2, 5, 1});
  REQUIRE(join.Apply(&b).ok());
  CHECK(Rows(b) == std::vector<std::string>{"r0|two", "r1|NULL", "r2|one"});
  CHECK_FALSE(b.columns[2].is_valid(1));
  CHECK(b.ts == std::vector<int64_t>{100, 101, 102});
}

TEST_CASE("lookup join: a key on several table lines gives one row per line, in table order") {
  ScratchDir dir("lookup");
  WriteFile(dir.file("t.csv"), "id,name\n1,a\n2,b\n1,c\n1,d\n");
  for (JoinType type : {JoinType::kInner, JoinType::kLeft}) {
    LookupJoin join(Load(Spec(dir.file("t.csv"))), {0}, {0}, type);
    Batch b = StreamBatch({1, 3, 2});
    REQUIRE(join.Apply(&b).ok());
    const std::vector<std::string> want =
        type == JoinType::kInner
            ? std::vector<std::string>{"r0|a", "r0|c", "r0|d", "r2|b"}
            : std::vector<std::string>{"r0|a", "r0|c", "r0|d", "r1|NULL", "r2|b"};
    CHECK(Rows(b) == want);
    // Expanded rows repeat their input row's time, watermark and position.
    if (type == JoinType::kInner) {
      CHECK(b.ts == std::vector<int64_t>{100, 100, 100, 102});
      CHECK(b.wm == std::vector<int64_t>{0, 0, 0, 2});
      CHECK(b.pos == std::vector<uint64_t>{10, 10, 10, 12});
    }
  }
}

TEST_CASE("lookup join: null keys match nothing, on either side") {
  ScratchDir dir("lookup");
  WriteFile(dir.file("t.csv"), "id,name\n,nokey\n0,zero\n");
  LookupJoin inner(Load(Spec(dir.file("t.csv"))), {0}, {0}, JoinType::kInner);
  CHECK(inner.indexed_rows() == 1);
  Batch b = StreamBatch({-1, 0});
  REQUIRE(inner.Apply(&b).ok());
  CHECK(Rows(b) == std::vector<std::string>{"r1|zero"});
  LookupJoin left(Load(Spec(dir.file("t.csv"))), {0}, {0}, JoinType::kLeft);
  Batch c = StreamBatch({-1, 0});
  REQUIRE(left.Apply(&c).ok());
  CHECK(Rows(c) == std::vector<std::string>{"r0|NULL", "r1|zero"});
}

TEST_CASE("lookup join: an empty batch gets the table's columns") {
  ScratchDir dir("lookup");
  WriteFile(dir.file("t.csv"), "id,name\n1,one\n");
  LookupJoin join(Load(Spec(dir.file("t.csv"))), {0}, {0}, JoinType::kInner);
  Batch b = StreamBatch({});
  REQUIRE(join.Apply(&b).ok());
  CHECK(b.columns.size() == 4);
  CHECK(b.size() == 0);
}

TEST_CASE("lookup join: several key fields of several types, and unicode strings, from jsonl") {
  ScratchDir dir("lookup");
  WriteFile(dir.file("t.jsonl"),
            "{\"city\":\"Zürich\",\"n\":1,\"label\":\"größer 🚀\"}\n"
            "{\"city\":\"東京\",\"n\":1,\"label\":\"大きい\"}\n"
            "{\"city\":\"Zürich\",\"n\":2,\"label\":\"zwei\"}\n");
  LookupTableSpec spec =
      Spec(dir.file("t.jsonl"),
           Schema({{"city", Type::kString}, {"n", Type::kInt64}, {"label", Type::kString}}));
  LookupJoin join(Load(spec), {1, 2}, {0, 1}, JoinType::kLeft);
  Batch b;
  b.reset(Schema({{"x", Type::kInt64}, {"c", Type::kString}, {"m", Type::kInt64}}));
  const std::vector<std::pair<std::string, int64_t>> rows = {
      {"東京", 1}, {"Zürich", 2}, {"Zurich", 2}, {"Zürich", 1}};
  for (const auto& [c, m] : rows) {
    b.columns[0].push_int(0);
    b.columns[1].push_string(c);
    b.columns[2].push_int(m);
    b.ts.push_back(0);
    b.wm.push_back(0);
  }
  REQUIRE(join.Apply(&b).ok());
  REQUIRE(b.size() == 4);
  REQUIRE(b.columns.size() == 6);
  CHECK(b.columns[5].str(0) == "大きい");
  CHECK(b.columns[5].str(1) == "zwei");
  CHECK_FALSE(b.columns[5].is_valid(2));
  CHECK(b.columns[5].str(3) == "größer 🚀");
  CHECK(b.columns[3].str(3) == "Zürich");
}

TEST_CASE("lookup table: a missing file is an IOError naming it") {
  ScratchDir dir("lookup");
  LookupTable t;
  const Status s = LoadLookupTable(Spec(dir.file("none.csv")), &t);
  CHECK(s.IsIOError());
  CHECK(s.message().find("cannot open '" + dir.file("none.csv") + "'") != std::string::npos);
}

TEST_CASE("lookup table: a malformed line is refused with its file and line") {
  ScratchDir dir("lookup");
  WriteFile(dir.file("t.csv"), "id,name\n1,one\n\nx2,two\n");
  LookupTable t;
  Status s = LoadLookupTable(Spec(dir.file("t.csv")), &t);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == dir.file("t.csv") + ":4: field 'id': 'x2' is not an int64");
  WriteFile(dir.file("t.jsonl"), "{\"id\":1,\"name\":\"one\"}\n[1]\n");
  s = LoadLookupTable(Spec(dir.file("t.jsonl")), &t);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().rfind(dir.file("t.jsonl") + ":2: ", 0) == 0);
  WriteFile(dir.file("t.csv"), "id,name\n1,one,extra\n");
  s = LoadLookupTable(Spec(dir.file("t.csv")), &t);
  CHECK(s.message().rfind(dir.file("t.csv") + ":2: ", 0) == 0);
}

TEST_CASE("lookup table: format from the extension or given; standard input refused") {
  ScratchDir dir("lookup");
  LookupTableSpec spec = Spec(dir.file("t.txt"));
  CHECK(LookupTableFormat(spec).status().message().find("set format") != std::string::npos);
  spec.format = "jsonl";
  CHECK(LookupTableFormat(spec).value() == "jsonl");
  CHECK(LookupTableFormat(Spec("a.ndjson")).value() == "jsonl");
  CHECK(LookupTableFormat(Spec("a.csv")).value() == "csv");
  LookupTable t;
  CHECK(LoadLookupTable(Spec("-"), &t).message().find("standard input") != std::string::npos);
  LookupTableSpec dev = Spec("/dev/zero");
  dev.format = "csv";
  CHECK(LoadLookupTable(dev, &t).message().find("not a regular file") != std::string::npos);
}

TEST_CASE("lookup table: the digest follows the content") {
  ScratchDir dir("lookup");
  WriteFile(dir.file("t.csv"), "id,name\n1,one\n");
  const std::string a = Load(Spec(dir.file("t.csv"))).digest;
  CHECK(a.size() == 16);
  CHECK(Load(Spec(dir.file("t.csv"))).digest == a);
  WriteFile(dir.file("t.csv"), "id,name\n1,uno\n");
  CHECK(Load(Spec(dir.file("t.csv"))).digest != a);
}
