// Sinks: csv, jsonl, stdout, null, collector; and the dead-letter writer.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "engine/time_util.h"
#include "operators/sink.h"

namespace sluice {
namespace {

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(*out), "\\u{:04x}", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendCsvField(std::string_view s, std::string* out) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

// Appends the text of one value; `json` selects JSON rendering (quotes, null).
void AppendValue(const Column& c, const Field& f, size_t r, bool json, std::string* out) {
  if (!c.is_valid(r)) {
    if (json) out->append("null");
    return;
  }
  switch (c.type) {
    case Type::kInt64: fmt::format_to(std::back_inserter(*out), "{}", c.i64[r]); break;
    case Type::kBool: out->append(c.i64[r] ? "true" : "false"); break;
    case Type::kDouble:
      if (json && !std::isfinite(c.f64[r])) {
        out->append("null");
      } else {
        fmt::format_to(std::back_inserter(*out), "{}", c.f64[r]);
      }
      break;
    case Type::kString:
      if (json) {
        AppendJsonString(c.str(r), out);
      } else {
        AppendCsvField(c.str(r), out);
      }
      break;
    case Type::kTimestamp:
      if (f.unit == TimeUnit::kIso) {
        if (json) out->push_back('"');
        out->append(FormatIso(c.i64[r]));
        if (json) out->push_back('"');
      } else {
        fmt::format_to(std::back_inserter(*out), "{}", c.i64[r]);
      }
      break;
  }
}

class TextSink : public Sink {
 public:
  enum class Format { kCsv, kJsonl };
  // path empty = stdout.
  TextSink(Format format, std::string path) : format_(format), path_(std::move(path)) {}
  ~TextSink() override {
    if (file_ && file_ != stdout) {
      std::fclose(file_);
      std::remove(tmp_.c_str());
    }
  }

  Status Open(const Schema& schema) override {
    schema_ = schema;
    if (path_.empty()) {
      file_ = stdout;
    } else {
      tmp_ = path_ + ".inprogress";
      file_ = std::fopen(tmp_.c_str(), "wb");
      if (!file_) {
        return Status::IOError(fmt::format("cannot create '{}': {}", path_, std::strerror(errno)));
      }
    }
    if (format_ == Format::kCsv) {
      for (size_t i = 0; i < schema.size(); ++i) {
        if (i) buf_.push_back(',');
        AppendCsvField(schema.field(i).name, &buf_);
      }
      buf_.push_back('\n');
    }
    return Status::OK();
  }

  Status Write(const Batch& batch) override {
    const size_t n = batch.size();
    for (size_t r = 0; r < n; ++r) {
      if (format_ == Format::kCsv) {
        for (size_t c = 0; c < schema_.size(); ++c) {
          if (c) buf_.push_back(',');
          AppendValue(batch.columns[c], schema_.field(c), r, false, &buf_);
        }
      } else {
        buf_.push_back('{');
        for (size_t c = 0; c < schema_.size(); ++c) {
          if (c) buf_.push_back(',');
          AppendJsonString(schema_.field(c).name, &buf_);
          buf_.push_back(':');
          AppendValue(batch.columns[c], schema_.field(c), r, true, &buf_);
        }
        buf_.push_back('}');
      }
      buf_.push_back('\n');
      if (buf_.size() > (1 << 20)) SLUICE_RETURN_IF_ERROR(Flush());
    }
    rows_ += n;
    return Status::OK();
  }

  Status Close() override {
    SLUICE_RETURN_IF_ERROR(Flush());
    if (file_ == stdout) {
      std::fflush(stdout);
      return Status::OK();
    }
    int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) return Status::IOError(fmt::format("cannot write '{}'", path_));
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      return Status::IOError(fmt::format("cannot rename '{}' to '{}': {}", tmp_, path_,
                                         std::strerror(errno)));
    }
    return Status::OK();
  }

  void Abort() override {
    if (file_ && file_ != stdout) {
      std::fclose(file_);
      std::remove(tmp_.c_str());
    }
    file_ = nullptr;
  }

  uint64_t rows() const override { return rows_; }

 private:
  Status Flush() {
    if (buf_.empty()) return Status::OK();
    if (std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) {
      return Status::IOError(fmt::format("cannot write '{}': {}", path_.empty() ? "stdout" : path_,
                                         std::strerror(errno)));
    }
    buf_.clear();
    return Status::OK();
  }

  Format format_;
  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  std::string buf_;
  Schema schema_;
  uint64_t rows_ = 0;
};

class NullSink : public Sink {
 public:
  Status Open(const Schema&) override { return Status::OK(); }
  Status Write(const Batch& b) override {
    rows_ += b.size();
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  uint64_t rows() const override { return rows_; }

 private:
  uint64_t rows_ = 0;
};

class CollectorSink : public Sink {
 public:
  explicit CollectorSink(std::shared_ptr<Collector> c) : c_(std::move(c)) {}
  Status Open(const Schema& s) override {
    c_->SetSchema(s);
    return Status::OK();
  }
  Status Write(const Batch& b) override {
    c_->Append(b);
    rows_ += b.size();
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  uint64_t rows() const override { return rows_; }

 private:
  std::shared_ptr<Collector> c_;
  uint64_t rows_ = 0;
};

}  // namespace

Result<std::unique_ptr<Sink>> MakeSink(const SinkSpec& spec) {
  if (spec.type == "csv") return std::unique_ptr<Sink>(new TextSink(TextSink::Format::kCsv, spec.path));
  if (spec.type == "jsonl") {
    return std::unique_ptr<Sink>(new TextSink(TextSink::Format::kJsonl, spec.path));
  }
  if (spec.type == "stdout") {
    if (!spec.format.empty() && spec.format != "jsonl" && spec.format != "csv") {
      return Status::InvalidArgument(
          fmt::format("unknown stdout format '{}' (expected jsonl or csv)", spec.format));
    }
    return std::unique_ptr<Sink>(new TextSink(
        spec.format == "csv" ? TextSink::Format::kCsv : TextSink::Format::kJsonl, ""));
  }
  if (spec.type == "null") return std::unique_ptr<Sink>(new NullSink());
  if (spec.type == "collector") {
    if (!spec.collector) return Status::InvalidArgument("a collector sink needs a Collector");
    return std::unique_ptr<Sink>(new CollectorSink(spec.collector));
  }
  return Status::InvalidArgument(fmt::format(
      "unknown sink type '{}' (expected csv, jsonl, stdout, null, collector)", spec.type));
}

DeadLetterWriter::DeadLetterWriter(std::string path) : path_(std::move(path)) {}

DeadLetterWriter::~DeadLetterWriter() {
  if (file_) std::fclose(file_);
}

Status DeadLetterWriter::Write(const std::vector<DeadLetter>& records) {
  if (records.empty()) return Status::OK();
  if (!file_) {
    file_ = std::fopen(path_.c_str(), "wb");
    if (!file_) {
      return Status::IOError(
          fmt::format("cannot create dead-letter file '{}': {}", path_, std::strerror(errno)));
    }
  }
  std::string out;
  for (const DeadLetter& d : records) {
    out.append("{\"source\":");
    AppendJsonString(d.source, &out);
    fmt::format_to(std::back_inserter(out), ",\"line\":{},\"reason\":", d.line);
    AppendJsonString(d.reason, &out);
    out.append(",\"raw\":");
    AppendJsonString(d.raw, &out);
    out.append("}\n");
  }
  if (std::fwrite(out.data(), 1, out.size(), file_) != out.size()) {
    return Status::IOError(fmt::format("cannot write '{}'", path_));
  }
  count_ += records.size();
  return Status::OK();
}

Status DeadLetterWriter::Close() {
  if (!file_) return Status::OK();
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) return Status::IOError(fmt::format("cannot write '{}'", path_));
  return Status::OK();
}

}  // namespace sluice
