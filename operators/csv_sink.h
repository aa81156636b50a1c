// CsvSink: writes rows as CSV to a file, committed by rename at Close() (operators/file_sink.h).
//
// The first line is the header (field names). Fields holding the delimiter, a quote, CR or LF are
// quoted; null is an empty field; doubles take their shortest round-trip form; bools are
// true/false; timestamps are their raw integer, or ISO-8601 text for TimeUnit::kIso.
// Driven by one thread at a time.
#pragma once

#include <string>

#include "operators/file_sink.h"
#include "operators/record_parse.h"

namespace sluice {

// Encodes rows of one schema as CSV text. Stateless after construction; thread-compatible.
class CsvEncoder {
 public:
  explicit CsvEncoder(Schema schema, char delimiter = ',')
      : schema_(std::move(schema)), delimiter_(delimiter) {}
  // Appends the header line.
  void AppendHeader(std::string* out) const;
  // Appends rows [begin, end) of `batch`, one line each. REQUIRES: batch columns match the schema.
  void AppendRows(const Batch& batch, size_t begin, size_t end, std::string* out) const;

 private:
  Schema schema_;
  char delimiter_;
};

class CsvSink final : public FileSink {
 public:
  explicit CsvSink(std::string path) : FileSink(std::move(path)) {}

 private:
  void SetSchema(const Schema& schema) override { encoder_ = CsvEncoder(schema); }
  void AppendHeader(std::string* out) const override { encoder_.AppendHeader(out); }
  void AppendRows(const Batch& batch, size_t begin, size_t end, std::string* out) const override {
    encoder_.AppendRows(batch, begin, end, out);
  }

  CsvEncoder encoder_{Schema()};
};

}  // namespace sluice
