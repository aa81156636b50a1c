// CSV text (RFC 4180): splitting records into fields, and quoting fields for output.
//
// Splitting works in place on a buffer holding one or more records, or the start of one: fields
// are views into that buffer, so nothing is copied unless a quoted field holds doubled quotes.
// Quoted fields may contain the delimiter and line breaks; records end with LF or CRLF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// One field of a split record.
struct CsvField {
  std::string_view text;  // points into the scanned buffer; surrounding quotes removed
  bool escaped = false;   // text still holds doubled quotes ("") to collapse: AppendCsvUnescaped
};

// A record split by ScanCsvRecord. Reused from record to record to keep `fields`' capacity.
struct CsvRecord {
  std::vector<CsvField> fields;
  std::string_view raw;    // the record's text without its line terminator
  size_t consumed = 0;     // bytes of the buffer used, terminator included
  uint32_t newlines = 0;   // line breaks inside quoted fields
  std::string_view error;  // non-empty (a static string) when the record is malformed
};

enum class CsvScan {
  kRecord,    // *record holds the first record of the buffer
  kNeedMore,  // the buffer holds no complete record; scan again with more input after it
  kEnd,       // the buffer is empty and the input is at its end
};

// Splits the record at the start of `data` at `delim`. With at_eof, the end of `data` is the end
// of the input: a last record without terminator is complete, and a quoted field still open there
// makes the record malformed (error "unterminated quoted field"). Text after a closing quote other
// than a delimiter or line end is malformed too; the record then runs to the next line break.
// A blank line is a record whose raw text is empty. The views in *record point into `data`.
CsvScan ScanCsvRecord(std::string_view data, char delim, bool at_eof, CsvRecord* record);

// Appends `text` to *out with each doubled quote collapsed to one.
void AppendCsvUnescaped(std::string_view text, std::string* out);

// True when `s` must be quoted: it holds the delimiter, a quote, CR or LF.
bool CsvNeedsQuotes(std::string_view s, char delim);
// Appends `s` as one CSV field, quoted (with quotes doubled) when CsvNeedsQuotes says so.
void AppendCsvField(std::string_view s, char delim, std::string* out);
// Appends the shortest text that reads back as `v`: "0.1", "1e+300", "nan", "inf", "-inf".
void AppendShortestDouble(double v, std::string* out);

}  // namespace sluice
