// The answer of an SQLite query as text rows, for the SQL-checked CLI tests.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "../runtime/test_util.h"

namespace sluice::testing {

// Rows of `sql` on `db`, each "v1,v2,..." (null as an empty field), sorted.
inline std::vector<std::string> SortedQueryRows(sqlite3* db, const std::string& sql) {
  std::vector<std::string> rows;
  sqlite3_stmt* q = nullptr;
  INFO(sql << ": " << sqlite3_errmsg(db));
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr) == SQLITE_OK);
  while (sqlite3_step(q) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(q); ++c) {
      if (c) row += ',';
      const unsigned char* text = sqlite3_column_text(q, c);
      if (text != nullptr) row += reinterpret_cast<const char*>(text);
    }
    rows.push_back(row);
  }
  sqlite3_finalize(q);
  std::sort(rows.begin(), rows.end());
  return rows;
}

// True when `v` is a whole decimal number ("12", "-3.5"), which goes into SQL as a number.
inline bool IsNumber(const std::string& v) {
  size_t i = v[0] == '-' ? 1 : 0;
  if (i >= v.size() || !std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  for (; i < v.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(v[i])) && v[i] != '.') return false;
  }
  return true;
}

// Rows of `sql` (as SortedQueryRows) over tables loaded from `dir`/<name>.csv: each table is
// {name, column definitions}; every csv has a header line, commas only as separators, and
// values taken as numbers when they are whole decimal numbers, as strings otherwise, and as null
// when empty.
inline std::vector<std::string> QueryCsvTables(
    const std::string& dir, const std::vector<std::pair<std::string, std::string>>& tables,
    const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  auto exec = [&](const std::string& s) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, s.c_str(), nullptr, nullptr, &err);
    INFO(s << ": " << (err ? err : ""));
    REQUIRE(rc == SQLITE_OK);
  };
  for (const auto& [table, columns] : tables) {
    exec(fmt::format("CREATE TABLE {}({})", table, columns));
    const std::vector<std::string> lines = ReadLines(dir + "/" + table + ".csv");
    exec("BEGIN");
    for (size_t i = 1; i < lines.size(); ++i) {
      std::string values;
      size_t start = 0;
      for (size_t end = 0; end != std::string::npos; start = end + 1) {
        end = lines[i].find(',', start);
        const std::string v = lines[i].substr(start, end == std::string::npos ? end : end - start);
        if (!values.empty()) values += ',';
        if (v.empty()) {
          values += "NULL";
        } else {
          values += IsNumber(v) ? v : "'" + v + "'";
        }
      }
      exec(fmt::format("INSERT INTO {} VALUES ({})", table, values));
    }
    exec("COMMIT");
  }
  std::vector<std::string> rows = SortedQueryRows(db, sql);
  sqlite3_close(db);
  return rows;
}

}  // namespace sluice::testing
