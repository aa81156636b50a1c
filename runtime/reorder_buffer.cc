#include "runtime/reorder_buffer.h"

namespace sluice {

void ReorderBuffer::Add(LaneResult r, std::vector<SeqResults>* done) {
  Pending& p = pending_[r.seq];
  SeqResults& s = p.results;
  if (s.parts.empty()) {
    s.seq = r.seq;
    s.parts.resize(lanes_);
  }
  s.parts[r.lane] = std::move(r.result);
  if (r.frame) s.frame = std::move(r.frame);
  if (r.dead && !r.dead->empty()) s.dead = std::move(*r.dead);
  if (r.earlier) s.earlier_late = std::move(r.earlier->late);
  if (r.snapshot || r.barrier) {
    if (!s.barrier) {
      s.barrier = std::make_unique<BarrierParts>();
      s.barrier->operators.resize(lanes_);
    }
    if (r.snapshot) s.barrier->operators[r.lane] = std::move(r.snapshot);
    if (r.barrier) {
      s.barrier->have_source = true;
      s.barrier->driver_state = r.barrier->checkpoint_state;
      s.barrier->last = r.barrier->last;
      s.barrier->watermark = r.barrier->last ? kMaxTime : r.barrier->watermark;
      if (r.earlier) s.barrier->earlier = std::move(r.earlier->snapshots);
    }
  }
  ++p.received;
  for (auto it = pending_.find(next_seq_); it != pending_.end() && it->second.received == lanes_;
       it = pending_.find(next_seq_)) {
    done->push_back(std::move(it->second.results));
    pending_.erase(it);
    ++next_seq_;
  }
}

}  // namespace sluice
