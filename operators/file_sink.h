// FileSink: what the csv and jsonl sinks share. Rows are encoded into a buffer, written to
// "<path>.inprogress" a megabyte at a time and renamed over <path> by Close(); a failed run
// leaves no file under the final name.
//
// Exactly-once protocol (operators/sink.h): PrepareCheckpoint flushes and fsyncs the in-progress
// part and records its length, row count and checksum; Resume checks the checksum of the part's
// committed bytes, cuts the part back to that length in a later process and appends after it, so
// rows written after the last checkpoint are written once more, never twice. Driven by one
// thread at a time.
#pragma once

#include <string>
#include <string_view>

#include "operators/record_parse.h"
#include "operators/sink.h"

namespace sluice {

// The commit point of an append-only output file: its committed length, rows (or records) and
// the CRC-32C of its committed bytes. Version 2; version 1 had no checksum.
struct FileCommit {
  uint64_t bytes = 0;
  uint64_t rows = 0;
  bool has_crc = false;  // false for a version-1 commit point
  uint32_t crc = 0;      // crc32c of the first `bytes` bytes of the file
};
void EncodeFileCommit(const FileCommit& commit, std::string* state);
Status DecodeFileCommit(std::string_view state, FileCommit* commit);

class FileSink : public Sink {
 public:
  explicit FileSink(std::string path) : file_(std::move(path)) {}

  // IOError "cannot create '<path>': <reason>" when the output cannot be created.
  Status Open(const Schema& schema) final;
  Status Write(const Batch& batch) final;
  Status Close() final;
  void Abort() final;
  uint64_t rows() const final { return rows_; }

  bool exactly_once() const final { return true; }
  Status PrepareCheckpoint(std::string* state) final;
  Status Resume(const Schema& schema, std::string_view state) final;
  void Detach() final;

 protected:
  // Sets up the encoder for `schema`.
  virtual void SetSchema(const Schema& schema) = 0;
  // Appends what starts the file (a header line), if anything.
  virtual void AppendHeader(std::string* out) const {}
  // Appends rows [begin, end) of `batch`.
  virtual void AppendRows(const Batch& batch, size_t begin, size_t end, std::string* out) const = 0;

 private:
  Status FlushBuffer();

  PendingFile file_;
  std::string buffer_;
  uint64_t rows_ = 0;
};

}  // namespace sluice
