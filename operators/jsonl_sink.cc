#include "operators/jsonl_sink.h"

#include "codecs/json.h"
#include "engine/time_util.h"

namespace sluice {
namespace {

// Output is written whenever this much has been encoded.
constexpr size_t kFlushBytes = 1 << 20;
// Rows encoded between checks of the buffer size.
constexpr size_t kRowsPerChunk = 1024;

}  // namespace

JsonlEncoder::JsonlEncoder(Schema schema) : schema_(std::move(schema)) {
  for (size_t c = 0; c < schema_.size(); ++c) {
    std::string prefix = c == 0 ? "{" : ",";
    AppendJsonString(schema_.field(c).name, &prefix);
    prefix.push_back(':');
    prefixes_.push_back(std::move(prefix));
  }
}

void JsonlEncoder::AppendRows(const Batch& batch, size_t begin, size_t end,
                              std::string* out) const {
  const size_t ncols = schema_.size();
  for (size_t r = begin; r < end; ++r) {
    if (ncols == 0) out->push_back('{');
    for (size_t c = 0; c < ncols; ++c) {
      out->append(prefixes_[c]);
      const Column& col = batch.columns[c];
      if (!col.is_valid(r)) {
        out->append("null");
        continue;
      }
      switch (col.type) {
        case Type::kInt64:
          AppendInt64(col.i64[r], out);
          break;
        case Type::kDouble:
          AppendJsonDouble(col.f64[r], out);
          break;
        case Type::kBool:
          out->append(col.i64[r] ? "true" : "false");
          break;
        case Type::kString:
          AppendJsonString(col.str(r), out);
          break;
        case Type::kTimestamp:
          if (schema_.field(c).unit == TimeUnit::kIso) {
            out->push_back('"');
            out->append(FormatIso(col.i64[r]));
            out->push_back('"');
          } else {
            AppendInt64(col.i64[r], out);
          }
          break;
      }
    }
    out->append("}\n");
  }
}

Status JsonlSink::Open(const Schema& schema) {
  SLUICE_RETURN_IF_ERROR(file_.Open());
  encoder_ = JsonlEncoder(schema);
  buffer_.reserve(kFlushBytes + kFlushBytes / 4);
  return Status::OK();
}

Status JsonlSink::Write(const Batch& batch) {
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

Status JsonlSink::Close() {
  Status s = file_.Write(buffer_);
  buffer_.clear();
  if (!s.ok()) {
    file_.Discard();
    return s;
  }
  return file_.Commit();
}

void JsonlSink::Abort() {
  buffer_.clear();
  file_.Discard();
}

}  // namespace sluice
