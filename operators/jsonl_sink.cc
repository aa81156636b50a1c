#include "operators/jsonl_sink.h"

#include "codecs/json.h"
#include "base/time_util.h"

namespace sluice {
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

}  // namespace sluice
