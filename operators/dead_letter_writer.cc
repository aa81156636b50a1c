// DeadLetterWriter (declared in operators/sink.h).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/fault_injection.h"
#include "base/write_error.h"
#include "codecs/crc32c.h"
#include "codecs/json.h"
#include "operators/file_sink.h"
#include "operators/sink.h"

namespace sluice {

DeadLetterWriter::DeadLetterWriter(std::string path, Mode mode)
    : path_(std::move(path)), mode_(mode) {}

DeadLetterWriter::~DeadLetterWriter() {
  if (fd_ >= 0) ::close(fd_);
}

std::string DeadLetterWriter::Format(const std::vector<DeadLetter>& records) {
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
  return out;
}

Status DeadLetterWriter::Write(const std::vector<DeadLetter>& records) {
  if (records.empty()) return Status::OK();
  return WriteText(Format(records), records.size());
}

Status DeadLetterWriter::WriteText(std::string_view text, uint64_t records) {
  if (text.empty()) return Status::OK();
  if (fd_ < 0) {
    // kReplace: the first record truncates a file left by an earlier run; after Close() (or a
    // Resume) we append.
    const bool replace = mode_ == Mode::kReplace && count_ == 0;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (replace ? O_TRUNC : O_APPEND),
                 0644);
    if (fd_ < 0) {
      return Status::IOError(
          fmt::format("cannot create dead-letter file '{}': {}", path_, std::strerror(errno)));
    }
  }
  if (InjectedFailure("file-write")) {
    [[maybe_unused]] ssize_t torn = ::write(fd_, text.data(), text.size() / 2);
    return InjectedWriteError("dead-letter file ", path_, "file-write");
  }
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return WriteError("dead-letter file ", path_, errno);
    }
    done += static_cast<size_t>(n);
  }
  count_ += records;
  bytes_ += text.size();
  crc_ = crc32c::Extend(crc_, text.data(), text.size());
  return Status::OK();
}

Status DeadLetterWriter::Sync(std::string* state) {
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) {
    return WriteError("dead-letter file ", path_, errno);
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
  if (fd_ < 0) return Status::OK();
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) {
    return WriteError("dead-letter file ", path_, errno);
  }
  return Status::OK();
}

}  // namespace sluice
