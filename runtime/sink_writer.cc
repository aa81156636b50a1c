#include "runtime/sink_writer.h"

namespace sluice {

SinkWriter::SinkWriter(std::vector<Sink*> sinks, Sink* late_sink, size_t late_fields,
                       DeadLetterWriter* dead_letters)
    : sinks_(std::move(sinks)),
      late_sink_(late_sink),
      late_fields_(late_fields),
      dead_letters_(dead_letters) {}

Status SinkWriter::Write(SeqResults& s) {
  if (!failed_.ok()) return failed_;
  failed_ = WriteSeq(s);
  return failed_;
}

Status SinkWriter::WriteSeq(SeqResults& s) {
  if (!s.dead.empty()) SLUICE_RETURN_IF_ERROR(dead_letters_->Write(s.dead));
  for (auto& late : s.earlier_late) SLUICE_RETURN_IF_ERROR(WriteLate(late.get()));
  for (BatchPtr& part : s.parts) {
    if (!part) continue;
    if (part->size() > 0) {
      for (Sink* sink : sinks_) SLUICE_RETURN_IF_ERROR(sink->Write(*part));
    }
    SLUICE_RETURN_IF_ERROR(WriteLate(part->late.get()));
  }
  if (s.barrier && s.barrier->have_source && on_barrier_) {
    SLUICE_RETURN_IF_ERROR(on_barrier_(*s.barrier));
  }
  return Status::OK();
}

Status SinkWriter::WriteLate(Batch* late) {
  if (late == nullptr || late->size() == 0) return Status::OK();
  late_ += late->size();
  if (late_sink_) {
    late->columns.resize(late_fields_);
    SLUICE_RETURN_IF_ERROR(late_sink_->Write(*late));
  }
  return Status::OK();
}

}  // namespace sluice
