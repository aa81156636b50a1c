// Frame: everything one sequence number (one merged source batch) has produced so far: a batch
// per stream of the plan (runtime/plan.h), null until its producer ran. Source i's batch is
// streams[i]; streams[0] also carries the seq-wide fields (seq, watermarks, `last`, the
// checkpoint barrier and every source's dead letters).
//
// A frame travels with its seq through the graph; steps of one seq run one after another, so
// it needs no lock (a lane only reads the batches routed to it).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/batch.h"

namespace sluice {

// The watermark of a stage that reads only some of several sources (Plan::watermark_subsets):
// the minimum over those sources alone, before each row of the frame and around it.
struct SubsetWatermark {
  uint64_t sources = 0;  // bit i: source i
  TimeUs start = kMinTime;
  TimeUs end = kMinTime;
  std::vector<TimeUs> before;  // [p]: before the row at merged position first_pos + p
};

struct Frame {
  std::vector<BatchPtr> streams;
  uint64_t first_pos = 0;  // merged position of the seq's first row (Batch::pos)
  std::vector<SubsetWatermark> subsets;

  // The watermark over `sources` for subset tracking, or null when it is not tracked.
  const SubsetWatermark* subset(uint64_t sources) const {
    for (const SubsetWatermark& w : subsets) {
      if (w.sources == sources) return &w;
    }
    return nullptr;
  }
};
using FramePtr = std::shared_ptr<Frame>;

}  // namespace sluice
