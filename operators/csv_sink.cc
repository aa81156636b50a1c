#include "operators/csv_sink.h"

#include "codecs/csv.h"
#include "codecs/json.h"
#include "base/time_util.h"

namespace sluice {
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

}  // namespace sluice
