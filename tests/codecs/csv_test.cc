// CSV splitting and quoting (codecs/csv.h).
#include "codecs/csv.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace sluice;

namespace {

// Splits every record of `text` (at end of input); each record as its unescaped fields.
std::vector<std::vector<std::string>> SplitAll(std::string_view text, char delim = ',') {
  std::vector<std::vector<std::string>> out;
  CsvRecord rec;
  while (ScanCsvRecord(text, delim, true, &rec) == CsvScan::kRecord) {
    std::vector<std::string> fields;
    for (const CsvField& f : rec.fields) {
      std::string s;
      AppendCsvUnescaped(f.text, &s);
      fields.push_back(s);
    }
    out.push_back(fields);
    text.remove_prefix(rec.consumed);
  }
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

}  // namespace

TEST_CASE("csv scan splits plain fields and keeps empty ones") {
  CHECK(SplitAll("a,b,c\n") == Rows{{"a", "b", "c"}});
  CHECK(SplitAll("a,,c\n,\n") == Rows{{"a", "", "c"}, {"", ""}});
}

TEST_CASE("csv scan accepts CRLF and a last line without terminator") {
  CHECK(SplitAll("a,b\r\nc,d") == Rows{{"a", "b"}, {"c", "d"}});
  CHECK(SplitAll("a,\r\n") == Rows{{"a", ""}});
  CsvRecord rec;
  REQUIRE(ScanCsvRecord("x,y\r\nz", ',', true, &rec) == CsvScan::kRecord);
  CHECK(rec.raw == "x,y");
  CHECK(rec.consumed == 5);
}

TEST_CASE("csv scan unquotes fields with delimiters, doubled quotes and line breaks") {
  CsvRecord rec;
  REQUIRE(ScanCsvRecord("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\nnext", ',', true, &rec) ==
          CsvScan::kRecord);
  REQUIRE(rec.fields.size() == 3);
  CHECK(rec.fields[0].text == "a,b");
  CHECK_FALSE(rec.fields[0].escaped);
  CHECK(rec.fields[1].escaped);
  std::string s;
  AppendCsvUnescaped(rec.fields[1].text, &s);
  CHECK(s == "say \"hi\"");
  CHECK(rec.fields[2].text == "two\nlines");
  CHECK(rec.newlines == 1);
  CHECK(rec.raw == "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"");
  CHECK(rec.error.empty());
}

TEST_CASE("csv scan treats a quote inside an unquoted field as text") {
  CHECK(SplitAll("ab\"c,d\n") == Rows{{"ab\"c", "d"}});
}

TEST_CASE("csv scan asks for more input until a record is complete") {
  CsvRecord rec;
  CHECK(ScanCsvRecord("", ',', false, &rec) == CsvScan::kNeedMore);
  CHECK(ScanCsvRecord("", ',', true, &rec) == CsvScan::kEnd);
  CHECK(ScanCsvRecord("a,b", ',', false, &rec) == CsvScan::kNeedMore);
  CHECK(ScanCsvRecord("a,\"b\nc", ',', false, &rec) == CsvScan::kNeedMore);
  // A quote at the very end could open a doubled quote: wait for the next byte.
  CHECK(ScanCsvRecord("\"b\"", ',', false, &rec) == CsvScan::kNeedMore);
  CHECK(ScanCsvRecord("\"b\"\r", ',', false, &rec) == CsvScan::kNeedMore);
  REQUIRE(ScanCsvRecord("\"b\"\n", ',', false, &rec) == CsvScan::kRecord);
  CHECK(rec.fields[0].text == "b");
}

TEST_CASE("csv scan reports an unterminated quote and text after a closing quote") {
  CsvRecord rec;
  REQUIRE(ScanCsvRecord("a,\"open\nmore", ',', true, &rec) == CsvScan::kRecord);
  CHECK(rec.error == "unterminated quoted field");
  CHECK(rec.raw == "a,\"open\nmore");
  CHECK(rec.newlines == 1);
  REQUIRE(ScanCsvRecord("\"ab\"c,d\nnext\n", ',', true, &rec) == CsvScan::kRecord);
  CHECK(rec.error == "unexpected text after a closing quote");
  CHECK(rec.raw == "\"ab\"c,d");
  CHECK(rec.consumed == 8);
}

TEST_CASE("csv scan marks a blank line by empty raw text") {
  CsvRecord rec;
  REQUIRE(ScanCsvRecord("\r\na\n", ',', true, &rec) == CsvScan::kRecord);
  CHECK(rec.raw.empty());
  CHECK(rec.consumed == 2);
}

TEST_CASE("csv scan splits at another delimiter") {
  CHECK(SplitAll("a;b,c;\"d;e\"\n", ';') == Rows{{"a", "b,c", "d;e"}});
}

TEST_CASE("csv field quoting doubles quotes and quotes only when needed") {
  std::string out;
  AppendCsvField("plain", ',', &out);
  CHECK(out == "plain");
  out.clear();
  AppendCsvField("a,\"b\"", ',', &out);
  CHECK(out == "\"a,\"\"b\"\"\"");
  out.clear();
  AppendCsvField("cr\r", ',', &out);
  CHECK(out == "\"cr\r\"");
  CHECK_FALSE(CsvNeedsQuotes("a,b", ';'));
  CHECK(CsvNeedsQuotes("a;b", ';'));
  CHECK(CsvNeedsQuotes("line\n", ';'));
}

TEST_CASE("csv shortest double text reads back exactly") {
  std::string out;
  AppendShortestDouble(0.1, &out);
  out += ' ';
  AppendShortestDouble(1e300, &out);
  out += ' ';
  AppendShortestDouble(-2.0, &out);
  out += ' ';
  AppendShortestDouble(1.0 / 3, &out);
  CHECK(out == "0.1 1e+300 -2 0.3333333333333333");
}
