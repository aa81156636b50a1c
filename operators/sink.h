// Sink: writes result batches. Driven by one thread at a time, batches in order.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "engine/batch.h"
#include "engine/pipeline_spec.h"

namespace sluice {

class Sink {
 public:
  virtual ~Sink() = default;
  // Opens the output for `schema`. An unwritable path is an IOError naming it.
  virtual Status Open(const Schema& schema) = 0;
  virtual Status Write(const Batch& batch) = 0;
  // Flushes and closes. After an error elsewhere the runtime calls Abort() instead, and a file
  // sink removes what it wrote, so no partial output is presented as success.
  virtual Status Close() = 0;
  virtual void Abort() {}
  // Rows written so far.
  virtual uint64_t rows() const = 0;
};

// Builds the sink named by spec.type ("csv", "jsonl", "stdout", "null", "collector").
Result<std::unique_ptr<Sink>> MakeSink(const SinkSpec& spec);

// Appends dead letters to a JSON-lines file, one object per record:
//   {"source":"clicks.csv","line":17,"reason":"...","raw":"..."}
// The file is created on the first record only (no empty file when input is clean).
class DeadLetterWriter {
 public:
  explicit DeadLetterWriter(std::string path);
  ~DeadLetterWriter();
  Status Write(const std::vector<DeadLetter>& records);
  Status Close();
  uint64_t count() const { return count_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t count_ = 0;
};

}  // namespace sluice
