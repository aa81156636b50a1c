#include "operators/csv_sink.h"

#include "codecs/csv.h"
#include "codecs/json.h"
#include "engine/time_util.h"

namespace sluice {
namespace {

// Output is written whenever this much has been encoded.
constexpr size_t kFlushBytes = 1 << 20;
// Rows encoded between checks of the buffer size.
constexpr size_t kRowsPerChunk = 1024;

}  // namespace

void CsvEncoder::AppendHeader(std::string* out) const {
  for (size_t c = 0; c < schema_.size(); ++c) {
    if (c > 0) out->push_back(delimiter_);
    AppendCsvField(schema_.field(c).name, delimiter_, out);
  }
  out->push_back('\n');
}

void CsvEncoder::AppendRows(const Batch& batch, size_t begin, size_t end, std::string* out) const {
  const size_t ncols = schema_.size();
  for (size_t r = begin; r < end; ++r) {
    for (size_t c = 0; c < ncols; ++c) {
      if (c > 0) out->push_back(delimiter_);
      const Column& col = batch.columns[c];
      if (!col.is_valid(r)) continue;
      switch (col.type) {
        case Type::kInt64:
          AppendInt64(col.i64[r], out);
          break;
        case Type::kDouble:
          AppendShortestDouble(col.f64[r], out);
          break;
        case Type::kBool:
          out->append(col.i64[r] ? "true" : "false");
          break;
        case Type::kString:
          AppendCsvField(col.str(r), delimiter_, out);
          break;
        case Type::kTimestamp:
          if (schema_.field(c).unit == TimeUnit::kIso) {
            out->append(FormatIso(col.i64[r]));
          } else {
            AppendInt64(col.i64[r], out);
          }
          break;
      }
    }
    out->push_back('\n');
  }
}

Status CsvSink::Open(const Schema& schema) {
  SLUICE_RETURN_IF_ERROR(file_.Open());
  encoder_ = CsvEncoder(schema);
  buffer_.reserve(kFlushBytes + kFlushBytes / 4);
  encoder_.AppendHeader(&buffer_);
  return Status::OK();
}

Status CsvSink::Write(const Batch& batch) {
  const size_t n = batch.size();
  for (size_t begin = 0; begin < n; begin += kRowsPerChunk) {
    encoder_.AppendRows(batch, begin, std::min(n, begin + kRowsPerChunk), &buffer_);
    if (buffer_.size() >= kFlushBytes) {
      SLUICE_RETURN_IF_ERROR(file_.Write(buffer_));
      buffer_.clear();
    }
  }
  rows_ += n;
  return Status::OK();
}

Status CsvSink::Close() {
  Status s = file_.Write(buffer_);
  buffer_.clear();
  if (!s.ok()) {
    file_.Discard();
    return s;
  }
  return file_.Commit();
}

void CsvSink::Abort() {
  buffer_.clear();
  file_.Discard();
}

}  // namespace sluice
