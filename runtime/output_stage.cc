#include "runtime/output_stage.h"

namespace sluice {

OutputStage::OutputStage(uint32_t lanes, std::vector<Sink*> sinks, Sink* late_sink,
                         size_t late_fields, DeadLetterWriter* dead_letters)
    : lanes_(lanes),
      sinks_(std::move(sinks)),
      late_sink_(late_sink),
      late_fields_(late_fields),
      dead_letters_(dead_letters) {}

Result<size_t> OutputStage::Add(uint64_t seq, uint32_t lane, BatchPtr result,
                                std::vector<DeadLetter>* dead,
                                std::shared_ptr<const std::string> snapshot, const Batch* barrier,
                                EarlierStages* earlier) {
  Pending& p = pending_[seq];
  if (p.parts.empty()) p.parts.resize(lanes_);
  p.parts[lane] = std::move(result);
  if (dead && !dead->empty()) p.dead = std::move(*dead);
  if (earlier) p.earlier_late = std::move(earlier->late);
  if (snapshot || barrier) {
    if (!p.barrier) {
      p.barrier = std::make_unique<BarrierParts>();
      p.barrier->operators.resize(lanes_);
    }
    if (snapshot) p.barrier->operators[lane] = std::move(snapshot);
    if (barrier) {
      p.barrier->have_source = true;
      p.barrier->driver_state = barrier->checkpoint_state;
      p.barrier->last = barrier->last;
      p.barrier->watermark = barrier->last ? kMaxTime : barrier->watermark;
      if (earlier) p.barrier->earlier = std::move(earlier->snapshots);
    }
  }
  ++p.received;
  size_t completed = 0;
  for (auto it = pending_.find(next_seq_); it != pending_.end() && it->second.received == lanes_;
       it = pending_.find(next_seq_)) {
    SLUICE_RETURN_IF_ERROR(Write(it->second));
    pending_.erase(it);
    ++next_seq_;
    ++completed;
  }
  return completed;
}

Status OutputStage::Write(Pending& p) {
  if (!p.dead.empty()) SLUICE_RETURN_IF_ERROR(dead_letters_->Write(p.dead));
  for (auto& late : p.earlier_late) SLUICE_RETURN_IF_ERROR(WriteLate(late.get()));
  for (BatchPtr& part : p.parts) {
    if (!part) continue;
    if (part->size() > 0) {
      for (Sink* sink : sinks_) SLUICE_RETURN_IF_ERROR(sink->Write(*part));
    }
    SLUICE_RETURN_IF_ERROR(WriteLate(part->late.get()));
  }
  if (p.barrier && p.barrier->have_source && on_barrier_) {
    SLUICE_RETURN_IF_ERROR(on_barrier_(*p.barrier));
  }
  return Status::OK();
}

Status OutputStage::WriteLate(Batch* late) {
  if (late == nullptr || late->size() == 0) return Status::OK();
  late_ += late->size();
  if (late_sink_) {
    late->columns.resize(late_fields_);
    SLUICE_RETURN_IF_ERROR(late_sink_->Write(*late));
  }
  return Status::OK();
}

}  // namespace sluice
