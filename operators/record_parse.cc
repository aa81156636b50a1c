#include "operators/record_parse.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "base/fault_injection.h"
#include "base/write_error.h"
#include "codecs/crc32c.h"

namespace sluice {

bool EventMicros(const FieldValue& v, const Field& field, TimeUs* us, std::string* reason) {
  bool ok = false;
  std::string text;
  std::string_view unit = "us";
  if (field.type == Type::kDouble) {
    ok = std::isfinite(v.d) && v.d >= static_cast<double>(kMinEventTime) &&
         v.d <= static_cast<double>(kMaxEventTime);
    if (ok) *us = static_cast<TimeUs>(v.d);
    text = fmt::format("{}", v.d);
  } else if (field.type == Type::kTimestamp) {
    ok = EventTimeFromRaw(v.i, field.unit, us);
    if (field.unit == TimeUnit::kIso) {
      text = FormatIso(v.i);
      unit = "";
    } else {
      text = fmt::format("{}", v.i);
      unit = field.unit == TimeUnit::kSeconds ? "s" : field.unit == TimeUnit::kMillis ? "ms" : "us";
    }
  } else {
    *us = v.i;
    ok = InEventTimeRange(v.i);
    text = fmt::format("{}", v.i);
  }
  if (!ok) *reason = EventTimeRangeReason(field.name, text, unit);
  return ok;
}

// ---- BlockReader ----

BlockReader::BlockReader(std::string path) : path_(std::move(path)) {}

BlockReader::~BlockReader() {
  if (owns_fd_) ::close(fd_);
}

Status BlockReader::Open() {
  if (path_ == "-") {
    fd_ = STDIN_FILENO;
  } else {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      return Status::IOError(fmt::format("cannot open '{}': {}", path_, std::strerror(errno)));
    }
    owns_fd_ = true;
    struct stat st;
    if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) size_at_open_ = st.st_size;
  }
  buf_.resize(kBlockSize + kPadding);
  return Status::OK();
}

Status BlockReader::Fill() {
  if (eof_) return Status::OK();
  const size_t capacity = buf_.size() - kPadding;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  } else if (end_ == capacity) {
    buf_.resize(2 * capacity + kPadding);  // one record is larger than the buffer
  }
  const size_t room = buf_.size() - kPadding - end_;
  for (;;) {
    ssize_t n = ::read(fd_, buf_.data() + end_, room);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return Status::OK();
    }
    if (n == 0) {
      eof_ = true;
      return Status::OK();
    }
    if (errno != EINTR) {
      return Status::IOError(fmt::format("cannot read '{}': {}", path_, std::strerror(errno)));
    }
  }
}

Status BlockReader::Seek(uint64_t offset) {
  if (!owns_fd_) return Status::InvalidArgument(fmt::format("cannot seek in '{}'", path_));
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
    return Status::IOError(fmt::format("cannot seek in '{}': {}", path_, std::strerror(errno)));
  }
  begin_ = end_ = 0;
  eof_ = false;
  consumed_ = offset;
  return Status::OK();
}

Result<uint64_t> BlockReader::FileSize() const {
  if (!owns_fd_) return Status::InvalidArgument(fmt::format("'{}' has no size", path_));
  struct stat st;
  if (::fstat(fd_, &st) != 0) {
    return Status::IOError(fmt::format("cannot stat '{}': {}", path_, std::strerror(errno)));
  }
  return static_cast<uint64_t>(st.st_size);
}

Status BlockReader::SeekToLineStart(uint64_t offset, std::string_view what) {
  SLUICE_ASSIGN_OR_RETURN(uint64_t size, FileSize());
  if (size < offset) {
    return Status::Corruption(
        fmt::format("{} '{}' is shorter ({} bytes) than the checkpointed position ({} bytes)", what,
                    path_, size, offset));
  }
  if (offset == 0 || offset == size) return Seek(offset);
  SLUICE_RETURN_IF_ERROR(Seek(offset - 1));
  SLUICE_RETURN_IF_ERROR(Fill());
  if (data().empty() || data()[0] != '\n') {
    return Status::Corruption(fmt::format(
        "{} '{}' was rewritten: byte {} is not the start of a line", what, path_, offset));
  }
  Consume(1);
  return Status::OK();
}

// ---- Field parsing ----

namespace {

// Drops a '+' sign that std::from_chars would refuse.
std::string_view DropPlus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  return s;
}

}  // namespace

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool ParseInt64Text(std::string_view text, int64_t* out) {
  text = DropPlus(text);
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && p == text.data() + text.size() && !text.empty();
}

bool ParseDoubleText(std::string_view text, double* out) {
  text = DropPlus(text);
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (p != text.data() + text.size()) return false;
  if (ec == std::errc()) return true;
  if (ec != std::errc::result_out_of_range || text.size() >= 64) return false;
  // Out of range: accept gradual underflow (tiny values), refuse overflow.
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  double v = std::strtod(buf, nullptr);
  if (std::isinf(v)) return false;
  *out = v;
  return true;
}

bool ParseBoolText(std::string_view text, bool* out) {
  if (text == "1" || EqualsNoCase(text, "true")) {
    *out = true;
    return true;
  }
  if (text == "0" || EqualsNoCase(text, "false")) {
    *out = false;
    return true;
  }
  return false;
}

std::string NotATypeReason(const Field& field, std::string_view text) {
  std::string type = TypeName(field);
  const char* article = type == "int64" ? "an" : "a";
  return fmt::format("field '{}': '{}' is not {} {}", field.name, text, article, type);
}

bool ParseFieldText(std::string_view text, const Field& field, FieldValue* out,
                    std::string* reason) {
  out->null = false;
  if (field.type == Type::kString) {
    out->s = text;
    return true;
  }
  std::string_view t = TrimSpaces(text);
  bool ok = false;
  switch (field.type) {
    case Type::kInt64:
      ok = ParseInt64Text(t, &out->i);
      break;
    case Type::kDouble:
      ok = ParseDoubleText(t, &out->d);
      break;
    case Type::kBool: {
      bool b = false;
      ok = ParseBoolText(t, &b);
      out->i = b;
      break;
    }
    case Type::kTimestamp:
      ok = ParseTimestamp(t, field.unit, &out->i);
      break;
    case Type::kString:
      break;
  }
  if (!ok) *reason = NotATypeReason(field, text);
  return ok;
}

// ---- PendingFile ----

PendingFile::PendingFile(std::string path) : path_(std::move(path)), temp_(path_ + ".inprogress") {}

PendingFile::~PendingFile() { Discard(); }

Status PendingFile::Open() {
  file_ = std::fopen(temp_.c_str(), "wb");
  if (file_ == nullptr) {
    return Status::IOError(fmt::format("cannot create '{}': {}", path_, std::strerror(errno)));
  }
  bytes_ = 0;
  crc_ = 0;
  committed_ = false;
  return Status::OK();
}

Status FileCrc(const std::string& path, uint64_t bytes, uint32_t* crc) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Status::IOError(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  }
  uint32_t c = 0;
  std::string buf(1 << 16, '\0');
  uint64_t left = bytes;
  while (left > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
    const size_t got = std::fread(buf.data(), 1, want, f);
    if (got == 0) break;
    c = crc32c::Extend(c, buf.data(), got);
    left -= got;
  }
  const bool failed = std::ferror(f) != 0 || left > 0;
  const int err = errno;
  std::fclose(f);
  if (failed) {
    return Status::IOError(fmt::format("cannot read '{}': {}", path,
                                       left > 0 ? "shorter than expected" : std::strerror(err)));
  }
  *crc = c;
  return Status::OK();
}

namespace {

// Checks that the first `bytes` bytes of `file` (the part of `path` a checkpoint committed) have
// checksum *want (when given); *crc receives their checksum.
Status CheckCommitted(const std::string& path, const std::string& file, uint64_t bytes,
                      const uint32_t* want, uint32_t* crc) {
  SLUICE_RETURN_IF_ERROR(FileCrc(file, bytes, crc));
  if (want != nullptr && *want != *crc) {
    return Status::Corruption(fmt::format(
        "cannot resume '{}': the {} bytes of '{}' that the checkpoint committed were changed "
        "since (checksum {:08x}, the checkpoint recorded {:08x})",
        path, bytes, file, *crc, *want));
  }
  return Status::OK();
}

}  // namespace

Status PendingFile::Resume(uint64_t bytes, const uint32_t* crc) {
  struct stat st;
  if (::stat(temp_.c_str(), &st) != 0) {
    if (errno == ENOENT && ::stat(path_.c_str(), &st) == 0 &&
        static_cast<uint64_t>(st.st_size) == bytes) {
      SLUICE_RETURN_IF_ERROR(CheckCommitted(path_, path_, bytes, crc, &crc_));
      committed_ = true;
      bytes_ = bytes;
      return Status::OK();
    }
    return Status::Corruption(
        fmt::format("cannot resume '{}': its in-progress part '{}' is missing ({})", path_, temp_,
                    std::strerror(errno)));
  }
  if (static_cast<uint64_t>(st.st_size) < bytes) {
    return Status::Corruption(fmt::format(
        "cannot resume '{}': its in-progress part holds {} bytes, fewer than the {} the "
        "checkpoint committed",
        path_, st.st_size, bytes));
  }
  SLUICE_RETURN_IF_ERROR(CheckCommitted(path_, temp_, bytes, crc, &crc_));
  if (::truncate(temp_.c_str(), static_cast<off_t>(bytes)) != 0) {
    return Status::IOError(fmt::format("cannot truncate '{}': {}", temp_, std::strerror(errno)));
  }
  file_ = std::fopen(temp_.c_str(), "ab");
  if (file_ == nullptr) {
    return Status::IOError(fmt::format("cannot open '{}': {}", temp_, std::strerror(errno)));
  }
  bytes_ = bytes;
  committed_ = false;
  return Status::OK();
}

Status PendingFile::Write(std::string_view data) {
  if (file_ == nullptr) return Status::IOError(fmt::format("'{}' is not open", path_));
  if (InjectedFailure("file-write")) {
    const size_t half = data.size() / 2;
    if (std::fwrite(data.data(), 1, half, file_) == half) {
      bytes_ += half;
      crc_ = crc32c::Extend(crc_, data.data(), half);
    }
    return InjectedWriteError("", path_, "file-write");
  }
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
    return WriteError("", path_, errno);
  }
  bytes_ += data.size();
  crc_ = crc32c::Extend(crc_, data.data(), data.size());
  return Status::OK();
}

Status PendingFile::Sync(uint64_t* bytes, uint32_t* crc) {
  *crc = crc_;
  if (committed_) {
    *bytes = bytes_;
    return Status::OK();
  }
  if (file_ == nullptr) return Status::IOError(fmt::format("'{}' is not open", path_));
  if (std::fflush(file_) != 0 || ::fdatasync(::fileno(file_)) != 0) {
    return WriteError("", path_, errno);
  }
  *bytes = bytes_;
  return Status::OK();
}

Status PendingFile::Commit() {
  if (committed_) return Status::OK();
  if (file_ == nullptr) return Status::IOError(fmt::format("'{}' is not open", path_));
  int rc = std::fflush(file_);
  if (rc == 0) rc = ::fdatasync(::fileno(file_));
  int err = errno;
  if (std::fclose(file_) != 0 && rc == 0) {
    rc = -1;
    err = errno;
  }
  file_ = nullptr;
  if (rc != 0) {
    std::remove(temp_.c_str());
    return WriteError("", path_, err);
  }
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    err = errno;
    std::remove(temp_.c_str());
    return Status::IOError(
        fmt::format("cannot rename '{}' to '{}': {}", temp_, path_, std::strerror(err)));
  }
  committed_ = true;
  return Status::OK();
}

void PendingFile::Discard() {
  if (file_ == nullptr) return;
  std::fclose(file_);
  file_ = nullptr;
  std::remove(temp_.c_str());
}

void PendingFile::Detach() {
  if (file_ == nullptr) return;
  std::fclose(file_);
  file_ = nullptr;
}

}  // namespace sluice
