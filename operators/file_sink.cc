#include "operators/file_sink.h"

#include "codecs/crc32c.h"
#include "codecs/state_codec.h"

namespace sluice {
namespace {

// Output is written whenever this much has been encoded.
constexpr size_t kFlushBytes = 1 << 20;
// Rows encoded between checks of the buffer size.
constexpr size_t kRowsPerChunk = 1024;
// 2: the commit point records the checksum of the committed bytes.
constexpr uint32_t kFileCommitVersion = 2;

}  // namespace

void EncodeFileCommit(const FileCommit& commit, std::string* state) {
  StateWriter w(state);
  w.PutHeader(kStateFileSink, kFileCommitVersion);
  w.PutVarint(commit.bytes);
  w.PutVarint(commit.rows);
  w.PutVarint(crc32c::Mask(commit.crc));
}

Status DecodeFileCommit(std::string_view state, FileCommit* commit) {
  StateReader r(state, "file checkpoint");
  uint32_t version = 0;
  r.ReadHeader(kStateFileSink, kFileCommitVersion, &version);
  *commit = FileCommit();
  commit->bytes = r.Varint();
  commit->rows = r.Varint();
  if (r.ok() && version >= 2) {
    const uint64_t masked = r.Varint();
    if (masked > UINT32_MAX) r.Fail("has a checksum wider than 32 bits");
    commit->has_crc = true;
    commit->crc = crc32c::Unmask(static_cast<uint32_t>(masked));
  }
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
  FileCommit commit;
  SLUICE_RETURN_IF_ERROR(file_.Sync(&commit.bytes, &commit.crc));
  commit.rows = rows_;
  EncodeFileCommit(commit, state);
  return Status::OK();
}

Status FileSink::Resume(const Schema& schema, std::string_view state) {
  if (state.empty()) return Open(schema);
  FileCommit commit;
  SLUICE_RETURN_IF_ERROR(DecodeFileCommit(state, &commit));
  SLUICE_RETURN_IF_ERROR(file_.Resume(commit.bytes, commit.has_crc ? &commit.crc : nullptr));
  SetSchema(schema);
  buffer_.reserve(kFlushBytes + kFlushBytes / 4);
  rows_ = commit.rows;
  return Status::OK();
}

void FileSink::Detach() {
  buffer_.clear();
  file_.Detach();
}

}  // namespace sluice
