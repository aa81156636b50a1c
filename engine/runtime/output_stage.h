// OutputStage: the last node of every pipeline. It receives each source batch's results from
// every lane, in any order, and writes them in source order (seq), lanes in index order: the
// output file is the same on every run with the same parallelism. It also writes dead letters and
// late events, and tells the source that a batch has left the pipeline (backpressure).
//
// Not thread-safe: driven by one serial graph node.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "engine/batch.h"
#include "operators/sink.h"

namespace sluice {

class OutputStage {
 public:
  // `lanes`: results expected per seq. Sinks are owned by the caller and must outlive this.
  // `late_sink` may be null (late events are then only counted); `late_fields` is how many
  // leading columns of a late batch are user-visible.
  OutputStage(uint32_t lanes, Sink* sink, Sink* late_sink, size_t late_fields,
              DeadLetterWriter* dead_letters);

  // Takes lane `lane`'s result for source batch `seq`; `dead` are that seq's dead letters (pass
  // them with exactly one lane's result). Writes every seq that became complete and in order;
  // returns how many completed (each frees one in-flight slot).
  Result<size_t> Add(uint64_t seq, uint32_t lane, BatchPtr result,
                     std::vector<DeadLetter>* dead);

  uint64_t late() const { return late_; }

 private:
  struct Pending {
    std::vector<BatchPtr> parts;
    std::vector<DeadLetter> dead;
    uint32_t received = 0;
  };
  Status Write(Pending& p);

  const uint32_t lanes_;
  Sink* sink_;
  Sink* late_sink_;
  size_t late_fields_;
  DeadLetterWriter* dead_letters_;
  uint64_t next_seq_ = 0;
  std::map<uint64_t, Pending> pending_;
  uint64_t late_ = 0;
};

}  // namespace sluice
