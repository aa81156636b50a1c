#include "operators/jsonl_sink.h"

#include "codecs/json.h"
#include "base/time_util.h"

namespace sluice {
JsonlEncoder::JsonlEncoder(Schema schema, std::string_view stage, size_t first_field)
    : schema_(std::move(schema)), first_(first_field) {
  open_ = "{";
  if (!stage.empty()) {
    open_.append("\"stage\":");
    AppendJsonString(stage, &open_);
  }
  for (size_t c = first_; c < schema_.size(); ++c) {
    std::string prefix = c > first_ ? "," : stage.empty() ? open_ : open_ + ",";
    AppendJsonString(schema_.field(c).name, &prefix);
    prefix.push_back(':');
    prefixes_.push_back(std::move(prefix));
  }
}

void JsonlEncoder::AppendRows(const Batch& batch, size_t begin, size_t end,
                              std::string* out) const {
  const size_t ncols = schema_.size();
  for (size_t r = begin; r < end; ++r) {
    if (ncols == first_) out->append(open_);
    for (size_t c = first_; c < ncols; ++c) {
      out->append(prefixes_[c - first_]);
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

}  // namespace sluice

namespace sluice {

LateSink::LateSink(std::string path, std::vector<Schema> schemas,
                   std::vector<std::string> stages)
    : FileSink(std::move(path)) {
  for (size_t i = 0; i < schemas.size(); ++i) {
    encoders_.emplace_back(schemas[i], schemas.size() > 1 ? std::string_view(stages[i]) : "");
  }
}

Status LateSink::WriteFrom(size_t input, const Batch& batch) {
  current_ = input;
  return Write(batch);
}

}  // namespace sluice
