// CsvSource: reads a CSV file (or standard input) whose header names the columns.
//
// Schema fields are matched to header columns by name; other columns are ignored. Quoting follows
// RFC 4180; LF and CRLF line ends are accepted and blank lines skipped. An empty field is null,
// except in the event-time field, where it makes the record a dead letter. Driven by one thread
// at a time.
#pragma once

#include <string>
#include <vector>

#include "codecs/csv.h"
#include "operators/record_parse.h"
#include "operators/source.h"

namespace sluice {

class CsvSource final : public Source {
 public:
  // Reads spec.path with spec.delimiter.
  CsvSource(const SourceSpec& spec, SourceOptions options);

  // Also reads the header: a schema field missing from it is InvalidArgument
  // "csv file '<path>' has no column '<name>' (header: a, b, c)". An empty file is not an error.
  Status Open() override;
  Status Next(Batch* batch, bool* eof) override;

  // A file (not standard input) can resume. The position (codecs/state_codec.h) is
  //   csv-position := header(kStateCsvSource, 1) offset:varint next_line:varint
  //                   header_fields:varint empty:bool
  // offset = bytes consumed (a record boundary), next_line = physical line of the next record,
  // header_fields = the header's field count, empty = the file had no header. Restoring checks
  // them against the file as Open() found it: a file now shorter than offset, one whose byte
  // before offset ends no line, or a different header field count is Corruption.
  bool can_resume() const override { return path_ != "-"; }
  Status SavePosition(std::string* out) const override;
  Status RestorePosition(std::string_view in) override;
  // "byte <offset>, line <next_line>" ("empty file" for a file without header).
  std::string DescribePosition(std::string_view saved) const override;
  // Bytes of the file.
  bool Progress(uint64_t* done, uint64_t* total) const override {
    return reader_.Progress(done, total);
  }

 private:
  // Scans the next non-blank record into record_ (line_ is its first line). False at the end.
  Result<bool> NextRecord(uint64_t* line);
  // Appends record_ to *batch as a row, or a dead letter to batch->dead_letters. True for a row.
  bool AddRow(uint64_t line, Batch* batch);
  void Reject(uint64_t line, std::string reason, Batch* batch) const;

  const std::string path_;
  const char delimiter_;
  const SourceOptions options_;
  BlockReader reader_;
  CsvRecord record_;
  uint64_t next_line_ = 1;          // physical line where the next record starts
  size_t header_fields_ = 0;        // fields per record
  std::vector<size_t> column_;      // header column of each schema field
  bool empty_ = false;              // the input had no header
  std::vector<FieldValue> values_;  // the row being parsed, one per schema field
  std::string scratch_;             // unescaped text of a quoted field
};

}  // namespace sluice
