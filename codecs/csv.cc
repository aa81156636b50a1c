#include "codecs/csv.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace sluice {
namespace {

constexpr std::string_view kUnterminated = "unterminated quoted field";
constexpr std::string_view kAfterQuote = "unexpected text after a closing quote";

// The record text ends at `end` (the LF, or the end of data); drops a CR before it.
std::string_view RawUpTo(std::string_view data, size_t end) {
  if (end > 0 && data[end - 1] == '\r') --end;
  return data.substr(0, end);
}

// Appends fields to a record reused across calls without a call per field: the vector is opened
// up to its capacity at the start and cut to the fields found at the end.
class FieldSink {
 public:
  explicit FieldSink(std::vector<CsvField>* fields) : fields_(fields) {
    fields_->resize(std::max<size_t>(fields_->capacity(), 8));
    slots_ = fields_->data();
    room_ = fields_->size();
  }
  ~FieldSink() { fields_->resize(count_); }
  __attribute__((always_inline)) void Add(std::string_view text, bool escaped) {
    if (__builtin_expect(count_ == room_, 0)) Grow();
    slots_[count_++] = CsvField{text, escaped};
  }

 private:
  void Grow() {
    fields_->resize(2 * room_);
    slots_ = fields_->data();
    room_ = fields_->size();
  }

  std::vector<CsvField>* fields_;
  CsvField* slots_;
  size_t room_;
  size_t count_ = 0;
};

uint32_t CountNewlines(std::string_view s) {
  return static_cast<uint32_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

CsvScan ScanCsvRecord(std::string_view data, char delim, bool at_eof, CsvRecord* record) {
  FieldSink fields(&record->fields);
  record->newlines = 0;
  record->error = {};
  const size_t n = data.size();
  if (n == 0) return at_eof ? CsvScan::kEnd : CsvScan::kNeedMore;
  const char* p = data.data();
  size_t i = 0;
  for (;;) {
    if (i < n && p[i] == '"') {
      // Quoted field: runs to a quote not followed by another quote.
      const size_t start = ++i;
      bool escaped = false;
      size_t close;
      for (;;) {
        const void* q = i < n ? std::memchr(p + i, '"', n - i) : nullptr;
        if (q == nullptr) {
          if (!at_eof) return CsvScan::kNeedMore;
          std::string_view text = data.substr(start);
          fields.Add(text, escaped);
          record->newlines += CountNewlines(text);
          record->error = kUnterminated;
          record->raw = data;
          record->consumed = n;
          return CsvScan::kRecord;
        }
        size_t qi = static_cast<const char*>(q) - p;
        if (qi + 1 >= n && !at_eof) return CsvScan::kNeedMore;  // "" or a closing quote?
        if (qi + 1 < n && p[qi + 1] == '"') {
          escaped = true;
          i = qi + 2;
          continue;
        }
        close = qi;
        break;
      }
      std::string_view text(p + start, close - start);
      fields.Add(text, escaped);
      record->newlines += CountNewlines(text);
      i = close + 1;
      if (i >= n) {  // at_eof here: a last record without terminator
        record->raw = data;
        record->consumed = n;
        return CsvScan::kRecord;
      }
      char c = p[i];
      if (c == delim) {
        ++i;
        continue;
      }
      if (c == '\n') {
        record->raw = std::string_view(p, i);
        record->consumed = i + 1;
        return CsvScan::kRecord;
      }
      if (c == '\r' && i + 1 >= n) {
        if (!at_eof) return CsvScan::kNeedMore;
        record->raw = std::string_view(p, i);
        record->consumed = n;
        return CsvScan::kRecord;
      }
      if (c == '\r' && p[i + 1] == '\n') {
        record->raw = std::string_view(p, i);
        record->consumed = i + 2;
        return CsvScan::kRecord;
      }
      // Text after the closing quote: the record is malformed up to the next line break.
      const void* nl = std::memchr(p + i, '\n', n - i);
      if (nl == nullptr && !at_eof) return CsvScan::kNeedMore;
      size_t end = nl ? static_cast<const char*>(nl) - p : n;
      record->error = kAfterQuote;
      record->raw = RawUpTo(data, end);
      record->consumed = nl ? end + 1 : n;
      return CsvScan::kRecord;
    }
    // Unquoted field: runs to the delimiter or the line end. A quote inside it is plain text.
    size_t j = i;
    while (j < n && p[j] != delim && p[j] != '\n') ++j;
    if (j < n && p[j] == delim) {
      fields.Add(std::string_view(p + i, j - i), false);
      i = j + 1;
      continue;
    }
    if (j >= n && !at_eof) return CsvScan::kNeedMore;
    size_t end = j;
    if (end > i && p[end - 1] == '\r') --end;
    fields.Add(std::string_view(p + i, end - i), false);
    record->raw = RawUpTo(data, j);
    record->consumed = j < n ? j + 1 : n;
    return CsvScan::kRecord;
  }
}

void AppendCsvUnescaped(std::string_view text, std::string* out) {
  size_t from = 0;
  for (;;) {
    size_t q = text.find("\"\"", from);
    if (q == std::string_view::npos) break;
    out->append(text.data() + from, q + 1 - from);
    from = q + 2;
  }
  out->append(text.data() + from, text.size() - from);
}

bool CsvNeedsQuotes(std::string_view s, char delim) {
  for (char c : s) {
    if (c == delim || c == '"' || c == '\n' || c == '\r') return true;
  }
  return false;
}

void AppendCsvField(std::string_view s, char delim, std::string* out) {
  if (!CsvNeedsQuotes(s, delim)) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendShortestDouble(double v, std::string* out) {
  char buf[32];
  auto end = fmt::format_to_n(buf, sizeof(buf), "{}", v).out;
  out->append(buf, end - buf);
}

}  // namespace sluice
