// The documentation's example of a registered scalar function, shared by the tests that use it:
// count_char(s, c), how many times the first byte of c occurs in s, row by row.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <string_view>

#include "sluice/scalar_function.h"

namespace sluice::testing {

inline void RegisterCountChar() {
  static const Status once = RegisterScalarFunction(
      ScalarFunction{"count_char",
                     {Type::kString, Type::kString},
                     Type::kInt64,
                     [](const ScalarArgs& args, size_t row, ScalarResult* out) {
                       const std::string_view s = args.str(0, row), c = args.str(1, row);
                       out->set_i64(row, c.empty() ? 0 : std::count(s.begin(), s.end(), c[0]));
                     },
                     nullptr});
  REQUIRE_MESSAGE(once.ok(), once.ToString());
}

}  // namespace sluice::testing
