// DeadLetterWriter (declared in operators/sink.h).
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "codecs/crc32c.h"
#include "codecs/json.h"
#include "operators/file_sink.h"
#include "operators/sink.h"

namespace sluice {

DeadLetterWriter::DeadLetterWriter(std::string path) : path_(std::move(path)) {}

DeadLetterWriter::~DeadLetterWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

Status DeadLetterWriter::Write(const std::vector<DeadLetter>& records) {
  if (records.empty()) return Status::OK();
  if (file_ == nullptr) {
    // The first record truncates a file left by an earlier run; after Close() we append.
    file_ = std::fopen(path_.c_str(), count_ == 0 ? "wb" : "ab");
    if (file_ == nullptr) {
      return Status::IOError(
          fmt::format("cannot create dead-letter file '{}': {}", path_, std::strerror(errno)));
    }
  }
  std::string out;
  for (const DeadLetter& d : records) {
    out.append("{\"source\":");
    AppendJsonString(d.source, &out);
    out.append(",\"line\":");
    AppendInt64(static_cast<int64_t>(d.line), &out);
    out.append(",\"reason\":");
    AppendJsonString(d.reason, &out);
    out.append(",\"raw\":");
    AppendJsonString(d.raw, &out);
    out.append("}\n");
  }
  if (std::fwrite(out.data(), 1, out.size(), file_) != out.size()) {
    return Status::IOError(
        fmt::format("cannot write dead-letter file '{}': {}", path_, std::strerror(errno)));
  }
  count_ += records.size();
  bytes_ += out.size();
  crc_ = crc32c::Extend(crc_, out.data(), out.size());
  return Status::OK();
}

Status DeadLetterWriter::Sync(std::string* state) {
  if (file_ != nullptr && (std::fflush(file_) != 0 || ::fdatasync(::fileno(file_)) != 0)) {
    return Status::IOError(
        fmt::format("cannot write dead-letter file '{}': {}", path_, std::strerror(errno)));
  }
  FileCommit commit;
  commit.bytes = bytes_;
  commit.rows = count_;
  commit.crc = crc_;
  EncodeFileCommit(commit, state);
  return Status::OK();
}

Status DeadLetterWriter::Resume(std::string_view state) {
  FileCommit commit;
  SLUICE_RETURN_IF_ERROR(DecodeFileCommit(state, &commit));
  const uint64_t bytes = commit.bytes, count = commit.rows;
  if (count == 0) return Status::OK();  // the next record starts the file afresh
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) < bytes) {
    return Status::Corruption(fmt::format(
        "cannot resume: dead-letter file '{}' is missing or shorter than the {} bytes its "
        "checkpoint committed",
        path_, bytes));
  }
  uint32_t crc = 0;
  SLUICE_RETURN_IF_ERROR(FileCrc(path_, bytes, &crc));
  if (commit.has_crc && crc != commit.crc) {
    return Status::Corruption(fmt::format(
        "cannot resume: the {} bytes of dead-letter file '{}' that the checkpoint committed were "
        "changed since (checksum {:08x}, the checkpoint recorded {:08x})",
        bytes, path_, crc, commit.crc));
  }
  if (::truncate(path_.c_str(), static_cast<off_t>(bytes)) != 0) {
    return Status::IOError(fmt::format("cannot truncate '{}': {}", path_, std::strerror(errno)));
  }
  count_ = count;
  bytes_ = bytes;
  crc_ = crc;
  return Status::OK();
}

Status DeadLetterWriter::Close() {
  if (file_ == nullptr) return Status::OK();
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) {
    return Status::IOError(
        fmt::format("cannot write dead-letter file '{}': {}", path_, std::strerror(errno)));
  }
  return Status::OK();
}

}  // namespace sluice
