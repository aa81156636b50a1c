// Positions inside TOML string values, for pointing errors at the text of an expression.
//
// toml++ reports where a string value begins (its opening quote). Expressions live inside such
// strings, and the planner reports expression errors as a column offset into the value, so the
// loader needs the file position of a given byte of the value. Escapes ("\t", "\u00e9"),
// multi-line strings ("""...""", '''...''') and line-ending backslashes make that more than
// "column + 1", which is what this class works out.
//
// Columns count Unicode code points, as toml++ does. Thread-compatible; the document text must
// remain live while the TomlText is used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice {

struct TextPosition {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in code points
};

class TomlText {
 public:
  explicit TomlText(std::string_view doc);

  // Position in the document of byte `offset` of the decoded value of the string whose opening
  // quote is at `quote` (as toml++ reports a string node's source().begin). When `quote` does not
  // point at a quote, returns the position `offset + 1` code points to the right of it.
  TextPosition ValuePosition(TextPosition quote, size_t offset) const;

 private:
  // Byte index of `pos` in the document, or npos when it is outside the document.
  size_t IndexOf(TextPosition pos) const;

  std::string_view doc_;
  std::vector<size_t> line_starts_;  // line_starts_[i] = byte index where line i + 1 begins
};

}  // namespace sluice
