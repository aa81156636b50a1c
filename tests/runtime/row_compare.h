// Comparing a run's rows with the expected ones, for the differential and SQL-checked tests.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "test_util.h"

namespace sluice::testing {

// Checks that `got` and `want` (both sorted) are equal; on a difference, reports the count and
// the first differing row rather than two long lists.
inline void CheckSameSortedRows(const std::vector<std::string>& got,
                                const std::vector<std::string>& want) {
  CHECK(got.size() == want.size());
  if (got == want) return;
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  CHECK_MESSAGE(false, "first difference at sorted row "
                           << i << ": got '" << (i < got.size() ? got[i] : "<none>")
                           << "' expected '" << (i < want.size() ? want[i] : "<none>") << "'");
}

// The data rows of a csv file (its header left out), sorted.
inline std::vector<std::string> SortedCsvRows(const std::string& path) {
  std::vector<std::string> lines = ReadLines(path);
  REQUIRE(!lines.empty());
  lines.erase(lines.begin());
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace sluice::testing
