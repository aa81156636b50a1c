// StdoutSink: writes rows to standard output as JSON lines (default) or CSV with a header, with
// the same encoders as the file sinks. Output is buffered and flushed at Close(); what was already
// written cannot be taken back by Abort(). Driven by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "operators/csv_sink.h"
#include "operators/jsonl_sink.h"

namespace sluice {

class StdoutSink final : public Sink {
 public:
  enum class Format { kJsonl, kCsv };
  explicit StdoutSink(Format format) : format_(format) {}

  Status Open(const Schema& schema) override;
  Status Write(const Batch& batch) override;
  Status Close() override;
  void Abort() override { buffer_.clear(); }
  uint64_t rows() const override { return rows_; }

 private:
  Status Flush();

  const Format format_;
  std::unique_ptr<CsvEncoder> csv_;
  std::unique_ptr<JsonlEncoder> jsonl_;
  std::string buffer_;
  uint64_t rows_ = 0;
};

}  // namespace sluice
