#include "runtime/source_driver.h"

#include "codecs/state_codec.h"

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
  out->start_watermark = WatermarkFor(max_ts);
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
  if (checkpoints_) {
    const auto now = std::chrono::steady_clock::now();
    if (eof || now - last_barrier_ >= interval_) {
      last_barrier_ = now;
      out->checkpoint = true;
      SLUICE_RETURN_IF_ERROR(SaveState(&out->checkpoint_state));
    }
  }
  return Status::OK();
}

Status SourceDriver::SaveState(std::string* out) const {
  StateWriter w(out);
  w.PutHeader(kStateSourceDriver, 1);
  w.PutSigned(max_ts_);
  w.PutVarint(events());
  std::string position;
  SLUICE_RETURN_IF_ERROR(source_->SavePosition(&position));
  w.PutString(position);
  return Status::OK();
}

Status SourceDriver::Parse(std::string_view state, Saved* out) {
  StateReader r(state, "source driver checkpoint");
  uint32_t version = 0;
  r.ReadHeader(kStateSourceDriver, 1, &version);
  out->max_ts = r.Signed();
  out->events = r.Varint();
  out->position = r.String();
  r.ExpectEnd();
  return r.status();
}

Status SourceDriver::Restore(std::string_view state) {
  Saved saved;
  SLUICE_RETURN_IF_ERROR(Parse(state, &saved));
  SLUICE_RETURN_IF_ERROR(source_->RestorePosition(saved.position));
  max_ts_ = saved.max_ts;
  events_.store(saved.events);
  return Status::OK();
}

std::string SourceDriver::DescribeState(std::string_view state) const {
  Saved saved;
  return Parse(state, &saved).ok() ? source_->DescribePosition(saved.position) : "";
}

uint64_t SourceDriver::EventsOf(std::string_view state) const {
  Saved saved;
  return Parse(state, &saved).ok() ? saved.events : 0;
}

}  // namespace sluice
