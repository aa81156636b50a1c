// Positions of expression text inside TOML strings: TomlText on its own, and the locations the
// loader records for where, set and aggregates written with escapes, literal and multi-line
// strings.
#include <doctest/doctest.h>

#include <string>

#include "pipelines/toml_loader.h"
#include "pipelines/toml_text.h"

using namespace sluice;

namespace {

// Position of byte `offset` of the string value whose opening quote is at line 1, column `col`.
TextPosition At(std::string_view doc, int line, int col, size_t offset) {
  return TomlText(doc).ValuePosition({line, col}, offset);
}

PipelineSpec Load(const std::string& operators) {
  auto r = LoadPipelineString(
      "[source]\ntype = \"generator\"\n" + operators + "\n[sink]\ntype = \"null\"\n", "p.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

}  // namespace

TEST_CASE("TomlText: plain basic and literal strings map offsets one to one") {
  TextPosition p = At("w = \"abc\"", 1, 5, 0);
  CHECK(p.line == 1);
  CHECK(p.column == 6);
  p = At("w = \"abc\"", 1, 5, 2);
  CHECK(p.column == 8);
  p = At("w = 'a\\tb'", 1, 5, 3);  // literal: the backslash is a character
  CHECK(p.column == 9);
}

TEST_CASE("TomlText: escapes take their written width") {
  // Value "a\tb": offset 2 ('b') is written at column 5 + 1 + 1 + 2 = 9.
  TextPosition p = At("w = \"a\\tb\"", 1, 5, 2);
  CHECK(p.column == 9);
  // "\u00e9" is 6 characters written, 2 bytes decoded: offset 2 is 'x'.
  p = At("w = \"\\u00e9x\"", 1, 5, 2);
  CHECK(p.column == 12);
  // "\U0001F600" is 10 characters written, 4 bytes decoded.
  p = At("w = \"\\U0001F600x\"", 1, 5, 4);
  CHECK(p.column == 16);
}

TEST_CASE("TomlText: columns count code points, as toml++ does") {
  // "é" is two bytes but one column; offset 3 is 'x' after "é ".
  TextPosition p = At("w = \"\xC3\xA9 x\"", 1, 5, 3);
  CHECK(p.column == 8);
  // A quote preceded by a multi-byte character on its line.
  p = At("\xC3\xA9 = \"ab\"", 1, 5, 1);
  CHECK(p.column == 7);
}

TEST_CASE("TomlText: multi-line strings skip the first newline and follow later lines") {
  const std::string doc = "x = 1\nw = \"\"\"\nab\n  cd\"\"\"\n";
  TextPosition p = At(doc, 2, 5, 0);
  CHECK(p.line == 3);
  CHECK(p.column == 1);
  p = At(doc, 2, 5, 5);  // value "ab\n  cd": offset 5 is 'c'
  CHECK(p.line == 4);
  CHECK(p.column == 3);
  p = At("w = '''x\ny'''", 1, 5, 2);  // literal multi-line without a leading newline
  CHECK(p.line == 2);
  CHECK(p.column == 1);
}

TEST_CASE("TomlText: a line-ending backslash removes the newline and indentation") {
  // Value of """a \<newline>    b""" is "a b": offset 2 is 'b' on line 2, column 5.
  TextPosition p = At("w = \"\"\"a \\\n    b\"\"\"", 1, 5, 2);
  CHECK(p.line == 2);
  CHECK(p.column == 5);
}

TEST_CASE("TomlText: a position that is not a quote falls back to column + 1 + offset") {
  TextPosition p = At("w = 3", 1, 5, 2);
  CHECK(p.line == 1);
  CHECK(p.column == 8);
  p = At("w = 3", 9, 5, 0);  // beyond the document
  CHECK(p.line == 9);
  CHECK(p.column == 6);
}

TEST_CASE("filter loc is the first character of where, for every string form") {
  PipelineSpec p = Load(
      "[[operator]]\ntype = \"filter\"\nwhere = 'value > 1'\n"
      "[[operator]]\ntype = \"filter\"\nwhere = \"\"\"\n  value < 9\"\"\"\n"
      "[[operator]]\ntype = \"filter\"\n  where   =   \"key != 0\"\n");
  REQUIRE(p.operators.size() == 3);
  CHECK(p.operators[0].loc.line == 5);
  CHECK(p.operators[0].loc.column == 10);
  CHECK(p.operators[1].where == "  value < 9");
  CHECK(p.operators[1].loc.line == 9);  // after the newline that opens the string
  CHECK(p.operators[1].loc.column == 1);
  CHECK(p.operators[2].loc.line == 12);
  CHECK(p.operators[2].loc.column == 16);
  CHECK(p.operators[2].loc.file == "p.toml");
}

TEST_CASE("set assignment loc is the first character of the expression") {
  PipelineSpec p = Load(
      "[[operator]]\ntype = \"map\"\nset = [\n  \"total = value * 2\",\n"
      "  'k2=key',\n  \"tab\\t= key\",\n]\n");
  const auto& set = p.operators[0].set;
  REQUIRE(set.size() == 3);
  CHECK(set[0].loc.line == 6);
  CHECK(set[0].loc.column == 12);  // quote at 3, "total = " is 8 characters
  CHECK(set[1].loc.line == 7);
  CHECK(set[1].loc.column == 7);
  CHECK(set[2].field == "tab");
  CHECK(set[2].expr == "key");
  CHECK(set[2].loc.line == 8);
  CHECK(set[2].loc.column == 11);       // the "\t" escape is two characters in the file
  CHECK(p.operators[0].loc.line == 3);  // a map's own loc is its [[operator]] header
  CHECK(p.operators[0].loc.column == 1);
}

TEST_CASE("aggregate loc is the first character of each aggregate text across lines") {
  PipelineSpec p = Load(
      "[[operator]]\ntype = \"key_by\"\nfields = [\"key\"]\n"
      "[[operator]]\ntype = \"aggregate\"\naggregates = [\n"
      "    \"sum(value) as s\",\n\t'max(value) as m'\n]\n");
  const auto& aggs = p.operators[1].aggregates;
  REQUIRE(aggs.size() == 2);
  CHECK(aggs[0].loc.line == 9);
  CHECK(aggs[0].loc.column == 6);
  CHECK(aggs[1].loc.line == 10);
  CHECK(aggs[1].loc.column == 3);  // a tab is one column
  CHECK(p.operators[1].loc.line == 6);
}
