#include "runtime/sink_writer.h"

#include "base/time_util.h"

namespace sluice {

SinkWriter::SinkWriter(std::vector<Sink*> sinks, std::vector<int> sink_streams, LateSink* late_sink,
                       std::array<int, 2> part_late, DeadLetterWriter* dead_letters)
    : sinks_(std::move(sinks)),
      sink_streams_(std::move(sink_streams)),
      late_sink_(late_sink),
      part_late_(part_late),
      dead_letters_(dead_letters) {}

Status SinkWriter::Write(SeqResults& s) {
  if (!failed_.ok()) return failed_;
  uint64_t rows = 0;
  failed_ = WriteSeq(s, &rows);
  if (result_latency_ != nullptr && rows > 0 && failed_.ok()) {
    result_latency_->Observe(s.seq, rows, WallNowUs());
  }
  constexpr auto kRelaxed = std::memory_order_relaxed;
  if (totals_.records_out && !sinks_.empty()) {
    totals_.records_out->store(sinks_[0]->rows(), kRelaxed);
  }
  if (totals_.sink_rows) {
    for (size_t i = 0; i < sinks_.size(); ++i)
      totals_.sink_rows[i].store(sinks_[i]->rows(), kRelaxed);
  }
  if (totals_.late) totals_.late->store(late_, kRelaxed);
  if (totals_.dead_letters) totals_.dead_letters->store(dead_letters_->count(), kRelaxed);
  return failed_;
}

Status SinkWriter::WriteSeq(SeqResults& s, uint64_t* rows) {
  if (!s.dead.empty()) SLUICE_RETURN_IF_ERROR(dead_letters_->Write(s.dead));
  for (LateRows& late : s.earlier_late) {
    SLUICE_RETURN_IF_ERROR(WriteLate(late.input, late.rows.get()));
  }
  for (BatchPtr& part : s.parts) {
    if (!part) continue;
    if (part->size() > 0) {
      for (Sink* sink : sinks_) SLUICE_RETURN_IF_ERROR(sink->Write(*part));
      *rows += part->size();
      if (latency_ != nullptr) Observe(*part);
    }
    SLUICE_RETURN_IF_ERROR(WriteLate(part_late_[0], part->late.get()));
    SLUICE_RETURN_IF_ERROR(WriteLate(part_late_[1], part->late_right.get()));
  }
  if (s.frame) {
    for (size_t i = 0; i < sinks_.size(); ++i) {
      const Batch& b = *s.frame->streams[sink_streams_[i]];
      if (b.size() > 0) SLUICE_RETURN_IF_ERROR(sinks_[i]->Write(b));
      if (i == 0) *rows += b.size();
      if (i == 0 && latency_ != nullptr && b.size() > 0) Observe(b);
    }
  }
  if (s.barrier && s.barrier->have_source && on_barrier_) {
    SLUICE_RETURN_IF_ERROR(on_barrier_(*s.barrier));
  }
  return Status::OK();
}

void SinkWriter::Observe(const Batch& b) {
  const int64_t now = WallNowUs();
  // In the final batch, a result whose event time is past the input's last watermark (+ 1 us:
  // its newest event, with a bound of 0) was computed because the input ended, not by the
  // watermark: a window that had not closed when the input stopped. It has no latency to report.
  const TimeUs cutoff = b.last && b.watermark < kMaxTime ? b.watermark + 1 : kMaxTime;
  for (size_t r = 0; r < b.size(); ++r) {
    if (b.ts[r] > cutoff) {
      latency_->Unmeasured();
      continue;
    }
    latency_->Record(now - b.ts[r]);
  }
}

Status SinkWriter::WriteLate(int input, const Batch* late) {
  if (late == nullptr || late->size() == 0) return Status::OK();
  late_ += late->size();
  if (late_sink_ && input >= 0) SLUICE_RETURN_IF_ERROR(late_sink_->WriteFrom(input, *late));
  return Status::OK();
}

}  // namespace sluice
