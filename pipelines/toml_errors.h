// Wording shared by the pipeline-file loader's error messages.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// What a value is, for "found ..." in messages: `string "two"`, `integer 0`, `float 1.5`,
// `boolean true`, `an array`, `a table`, `a date`.
std::string DescribeNode(const toml::node& node);

// The name in `candidates` closest to `name` by edit distance, or "" when none is close enough
// to be a likely typo (distance at most 2, and less than the name's length).
std::string ClosestName(std::string_view name, const std::vector<std::string>& candidates);

// "a, b, c".
std::string JoinNames(const std::vector<std::string>& names);

}  // namespace sluice
