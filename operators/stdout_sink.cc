#include "operators/stdout_sink.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sluice {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

}  // namespace

Status StdoutSink::Open(const Schema& schema) {
  if (format_ == Format::kCsv) {
    csv_ = std::make_unique<CsvEncoder>(schema);
    csv_->AppendHeader(&buffer_);
  } else {
    jsonl_ = std::make_unique<JsonlEncoder>(schema);
  }
  return Status::OK();
}

Status StdoutSink::Write(const Batch& batch) {
  if (csv_) {
    csv_->AppendRows(batch, 0, batch.size(), &buffer_);
  } else {
    jsonl_->AppendRows(batch, 0, batch.size(), &buffer_);
  }
  rows_ += batch.size();
  if (buffer_.size() >= kFlushBytes) return Flush();
  return Status::OK();
}

Status StdoutSink::Flush() {
  if (!buffer_.empty() &&
      std::fwrite(buffer_.data(), 1, buffer_.size(), stdout) != buffer_.size()) {
    return Status::IOError(
        fmt::format("cannot write to standard output: {}", std::strerror(errno)));
  }
  buffer_.clear();
  return Status::OK();
}

Status StdoutSink::Close() {
  SLUICE_RETURN_IF_ERROR(Flush());
  if (std::fflush(stdout) != 0) {
    return Status::IOError(
        fmt::format("cannot write to standard output: {}", std::strerror(errno)));
  }
  return Status::OK();
}

}  // namespace sluice
