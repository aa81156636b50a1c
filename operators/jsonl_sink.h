// JsonlSink: writes rows as JSON lines to a file, committed by rename at Close()
// (operators/file_sink.h).
//
// One object per row, keys in schema order. Null is null; strings are escaped (control characters
// as \u00XX); doubles take their shortest round-trip form, NaN and infinities becoming null;
// timestamps are their raw integer, or an ISO-8601 string for TimeUnit::kIso.
// Driven by one thread at a time.
#pragma once

#include <string>
#include <vector>

#include "operators/file_sink.h"
#include "operators/record_parse.h"

namespace sluice {

// Encodes rows of one schema as JSON lines. Stateless after construction; thread-compatible.
class JsonlEncoder {
 public:
  explicit JsonlEncoder(Schema schema);
  // Appends rows [begin, end) of `batch`, one line each. REQUIRES: batch columns match the schema.
  void AppendRows(const Batch& batch, size_t begin, size_t end, std::string* out) const;

 private:
  Schema schema_;
  std::vector<std::string> prefixes_;  // per field: {"name": or ,"name":
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
