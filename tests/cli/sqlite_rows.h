// The answer of an SQLite query as text rows, for the SQL-checked CLI tests.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

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

}  // namespace sluice::testing
