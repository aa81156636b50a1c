#include "operators/file_sink.h"

#include "codecs/state_codec.h"

namespace sluice {
namespace {

// Output is written whenever this much has been encoded.
constexpr size_t kFlushBytes = 1 << 20;
// Rows encoded between checks of the buffer size.
constexpr size_t kRowsPerChunk = 1024;

}  // namespace

void EncodeFileCommit(uint64_t bytes, uint64_t rows, std::string* state) {
  StateWriter w(state);
  w.PutHeader(kStateFileSink, 1);
  w.PutVarint(bytes);
  w.PutVarint(rows);
}

Status DecodeFileCommit(std::string_view state, uint64_t* bytes, uint64_t* rows) {
  StateReader r(state, "file checkpoint");
  uint32_t version = 0;
  r.ReadHeader(kStateFileSink, 1, &version);
  *bytes = r.Varint();
  *rows = r.Varint();
  r.ExpectEnd();
  return r.status();
}

Status FileSink::Open(const Schema& schema) {
  SLUICE_RETURN_IF_ERROR(file_.Open());
  SetSchema(schema);
  buffer_.reserve(kFlushBytes + kFlushBytes / 4);
  AppendHeader(&buffer_);
  return Status::OK();
}

Status FileSink::FlushBuffer() {
  Status s = file_.Write(buffer_);
  buffer_.clear();
  return s;
}

Status FileSink::Write(const Batch& batch) {
  const size_t n = batch.size();
  for (size_t begin = 0; begin < n; begin += kRowsPerChunk) {
    AppendRows(batch, begin, std::min(n, begin + kRowsPerChunk), &buffer_);
    if (buffer_.size() >= kFlushBytes) SLUICE_RETURN_IF_ERROR(FlushBuffer());
  }
  rows_ += n;
  return Status::OK();
}

Status FileSink::Close() {
  if (!buffer_.empty()) {
    Status s = FlushBuffer();
    if (!s.ok()) {
      file_.Discard();
      return s;
    }
  }
  return file_.Commit();
}

void FileSink::Abort() {
  buffer_.clear();
  file_.Discard();
}

Status FileSink::PrepareCheckpoint(std::string* state) {
  if (!buffer_.empty()) SLUICE_RETURN_IF_ERROR(FlushBuffer());
  uint64_t bytes = 0;
  SLUICE_RETURN_IF_ERROR(file_.Sync(&bytes));
  EncodeFileCommit(bytes, rows_, state);
  return Status::OK();
}

Status FileSink::Resume(const Schema& schema, std::string_view state) {
  if (state.empty()) return Open(schema);
  uint64_t bytes = 0, rows = 0;
  SLUICE_RETURN_IF_ERROR(DecodeFileCommit(state, &bytes, &rows));
  SLUICE_RETURN_IF_ERROR(file_.Resume(bytes));
  SetSchema(schema);
  buffer_.reserve(kFlushBytes + kFlushBytes / 4);
  rows_ = rows;
  return Status::OK();
}

void FileSink::Detach() {
  buffer_.clear();
  file_.Detach();
}

}  // namespace sluice
