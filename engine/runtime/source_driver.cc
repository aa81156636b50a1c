#include "engine/runtime/source_driver.h"

namespace sluice {

SourceDriver::SourceDriver(std::unique_ptr<Source> source, Schema schema,
                           int64_t max_out_of_orderness)
    : source_(std::move(source)), schema_(std::move(schema)), bound_(max_out_of_orderness) {}

Status SourceDriver::Next(Batch* out, bool* done) {
  *done = false;
  if (finished_) {
    *done = true;
    return Status::OK();
  }
  out->reset(schema_);
  bool eof = false;
  SLUICE_RETURN_IF_ERROR(source_->Next(out, &eof));
  const size_t n = out->size();
  out->wm.clear();
  out->wm.reserve(n);
  TimeUs max_ts = max_ts_;
  for (size_t r = 0; r < n; ++r) {
    out->wm.push_back(WatermarkFor(max_ts));
    max_ts = std::max(max_ts, out->ts[r]);
  }
  max_ts_ = max_ts;
  out->watermark = WatermarkFor(max_ts);
  out->seq = next_seq_++;
  out->last = eof;
  if (eof) finished_ = true;
  events_.fetch_add(n, std::memory_order_relaxed);
  return Status::OK();
}

}  // namespace sluice
