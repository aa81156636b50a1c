#include "pipelines/toml_text.h"

namespace sluice {
namespace {

constexpr size_t kNpos = std::string_view::npos;

// Length of the UTF-8 sequence that starts with `lead` (1 for bytes that do not start one).
size_t Utf8Length(char lead) {
  uint8_t b = static_cast<uint8_t>(lead);
  if (b >= 0xF0) return 4;
  if (b >= 0xE0) return 3;
  if (b >= 0xC0) return 2;
  return 1;
}

// Bytes that the code point written as `hex` takes in UTF-8.
size_t EncodedLength(std::string_view hex) {
  uint32_t cp = 0;
  for (char c : hex) {
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 0;
    cp = cp * 16 + static_cast<uint32_t>(v);
  }
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

}  // namespace

TomlText::TomlText(std::string_view doc) : doc_(doc) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < doc.size(); ++i) {
    if (doc[i] == '\n') line_starts_.push_back(i + 1);
  }
}

size_t TomlText::IndexOf(TextPosition pos) const {
  if (pos.line < 1 || static_cast<size_t>(pos.line) > line_starts_.size() || pos.column < 1) {
    return kNpos;
  }
  size_t i = line_starts_[pos.line - 1];
  for (int col = 1; col < pos.column; ++col) {
    if (i >= doc_.size() || doc_[i] == '\n') return kNpos;
    i += Utf8Length(doc_[i]);
  }
  return i < doc_.size() ? i : kNpos;
}

TextPosition TomlText::ValuePosition(TextPosition quote, size_t offset) const {
  size_t i = IndexOf(quote);
  if (i == kNpos || (doc_[i] != '"' && doc_[i] != '\'')) {
    return {quote.line, quote.column + 1 + static_cast<int>(offset)};
  }
  const bool basic = doc_[i] == '"';
  const bool multi = doc_.substr(i, 3) == (basic ? "\"\"\"" : "'''");
  TextPosition at{quote.line, quote.column + (multi ? 3 : 1)};
  i += multi ? 3 : 1;
  if (multi) {  // a newline right after the opening delimiter is not part of the value
    if (doc_.substr(i, 2) == "\r\n")
      i += 2, at = {at.line + 1, 1};
    else if (doc_.substr(i, 1) == "\n")
      i += 1, at = {at.line + 1, 1};
  }
  size_t consumed = 0;  // bytes of the decoded value passed so far
  while (i < doc_.size()) {
    const char c = doc_[i];
    const char next = i + 1 < doc_.size() ? doc_[i + 1] : '\0';
    // Written characters that decode to nothing: skipped even at the target offset.
    if (basic && multi && c == '\\' &&
        (next == ' ' || next == '\t' || next == '\r' || next == '\n')) {
      // Line-ending backslash: the whitespace and newlines after it vanish from the value.
      ++i, ++at.column;
      while (i < doc_.size() &&
             (doc_[i] == ' ' || doc_[i] == '\t' || doc_[i] == '\r' || doc_[i] == '\n')) {
        if (doc_[i] == '\n') at = {at.line + 1, 0};
        ++i, ++at.column;
      }
      continue;
    }
    if (c == '\r' && next == '\n') {  // CRLF reads as one newline
      ++i;
      continue;
    }
    if (consumed >= offset) break;
    if (basic && c == '\\' && next != '\0') {
      const size_t written = next == 'u' ? 6 : next == 'U' ? 10 : 2;
      consumed += written == 2 ? 1 : EncodedLength(doc_.substr(i + 2, written - 2));
      i += written;
      at.column += static_cast<int>(written);
    } else if (c == '\n') {
      ++consumed, ++i;
      at = {at.line + 1, 1};
    } else {
      const size_t n = Utf8Length(c);  // toml++ has already checked the encoding
      consumed += n;
      i += n;
      ++at.column;
    }
  }
  return at;
}

}  // namespace sluice
