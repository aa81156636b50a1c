// DeadLetterWriter (declared in operators/sink.h).
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "codecs/json.h"
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
