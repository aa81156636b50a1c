#include "engine/runtime/output_stage.h"

namespace sluice {

OutputStage::OutputStage(uint32_t lanes, Sink* sink, Sink* late_sink, size_t late_fields,
                         DeadLetterWriter* dead_letters)
    : lanes_(lanes),
      sink_(sink),
      late_sink_(late_sink),
      late_fields_(late_fields),
      dead_letters_(dead_letters) {}

Result<size_t> OutputStage::Add(uint64_t seq, uint32_t lane, BatchPtr result,
                                std::vector<DeadLetter>* dead) {
  Pending& p = pending_[seq];
  if (p.parts.empty()) p.parts.resize(lanes_);
  p.parts[lane] = std::move(result);
  if (dead && !dead->empty()) p.dead = std::move(*dead);
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
  for (BatchPtr& part : p.parts) {
    if (!part) continue;
    if (part->size() > 0) SLUICE_RETURN_IF_ERROR(sink_->Write(*part));
    if (part->late && part->late->size() > 0) {
      late_ += part->late->size();
      if (late_sink_) {
        part->late->columns.resize(late_fields_);
        SLUICE_RETURN_IF_ERROR(late_sink_->Write(*part->late));
      }
    }
  }
  return Status::OK();
}

}  // namespace sluice
