// JsonlSink: writes rows as JSON lines to a file, committed by rename at Close()
// (operators/file_sink.h).
//
// One object per row, keys in schema order. Null is null; strings are escaped (control characters
// as \u00XX); doubles take their shortest round-trip form, NaN and infinities becoming null;
// timestamps are their raw integer, or an ISO-8601 string for TimeUnit::kIso.
// Driven by one thread at a time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "operators/file_sink.h"
#include "operators/record_parse.h"

namespace sluice {

// Encodes rows of one schema as JSON lines. Stateless after construction; thread-compatible.
class JsonlEncoder {
 public:
  // `stage`, when not empty, is written first in every object as "stage": <stage>. Fields
  // before `first_field` are left out (their columns are not read).
  explicit JsonlEncoder(Schema schema, std::string_view stage = {}, size_t first_field = 0);
  // Appends rows [begin, end) of `batch`, one line each. REQUIRES: batch columns match the schema.
  void AppendRows(const Batch& batch, size_t begin, size_t end, std::string* out) const;

 private:
  Schema schema_;
  size_t first_ = 0;
  std::vector<std::string> prefixes_;  // per written field: {"name": or ,"name":
  std::string open_;                   // what starts an object without fields
};

// The late-row file: JSON lines of rows that arrived after their window (or join partner) was
// gone. Rows of several stage inputs, each with its own fields, share the file; when there is
// more than one such input, every object starts with "stage": the stage's name.
class LateSink final : public FileSink {
 public:
  // Input i's rows are written with the fields of schemas[i] (a batch's leading columns).
  LateSink(std::string path, std::vector<Schema> schemas, std::vector<std::string> stages);
  // Writes `batch`, rows of input `input`.
  Status WriteFrom(size_t input, const Batch& batch);

 private:
  void SetSchema(const Schema&) override {}
  void AppendRows(const Batch& batch, size_t begin, size_t end, std::string* out) const override {
    encoders_[current_].AppendRows(batch, begin, end, out);
  }

  std::vector<JsonlEncoder> encoders_;
  size_t current_ = 0;
};

class JsonlSink final : public FileSink {
 public:
  explicit JsonlSink(std::string path) : FileSink(std::move(path)) {}

 private:
  void SetSchema(const Schema& schema) override { encoder_ = JsonlEncoder(schema); }
  void AppendRows(const Batch& batch, size_t begin, size_t end, std::string* out) const override {
    encoder_.AppendRows(batch, begin, end, out);
  }

  JsonlEncoder encoder_{Schema()};
};

}  // namespace sluice
