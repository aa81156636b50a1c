#include "operators/record_parse.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace sluice {

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

// ---- Field parsing ----

namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Drops a '+' sign that std::from_chars would refuse.
std::string_view DropPlus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
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

}  // namespace

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
  return Status::OK();
}

Status PendingFile::Write(std::string_view data) {
  if (file_ == nullptr) return Status::IOError(fmt::format("'{}' is not open", path_));
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
    return Status::IOError(fmt::format("cannot write '{}': {}", path_, std::strerror(errno)));
  }
  return Status::OK();
}

Status PendingFile::Commit() {
  if (file_ == nullptr) return Status::IOError(fmt::format("'{}' is not open", path_));
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) {
    int err = errno;
    std::remove(temp_.c_str());
    return Status::IOError(fmt::format("cannot write '{}': {}", path_, std::strerror(err)));
  }
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    std::remove(temp_.c_str());
    return Status::IOError(
        fmt::format("cannot rename '{}' to '{}': {}", temp_, path_, std::strerror(err)));
  }
  return Status::OK();
}

void PendingFile::Discard() {
  if (file_ == nullptr) return;
  std::fclose(file_);
  file_ = nullptr;
  std::remove(temp_.c_str());
}

}  // namespace sluice
