// Tunables of a pipeline run. Each field's comment gives its trade-off.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice {

class LatencyHistogram;  // base/latency_histogram.h

struct PipelineOptions {
  // Rows per batch read from the source. Larger batches amortize per-batch costs (task spawn,
  // sequencing, message passing) over more events; smaller ones lower latency and memory.
  // PipelineSpec::batch_size, when set, wins.
  size_t batch_size = 4096;

  // Source batches in flight at once (read but not yet written by the sink). Bounds memory:
  // about max_in_flight * batch_size events are buffered at most. Too small starves lanes.
  // 0 = 4 * parallelism + 4.
  size_t max_in_flight = 0;

  // Lanes for keyed stages and worker threads. 0 = PipelineSpec::parallelism, and when that is 0
  // too, the machine's hardware threads.
  uint32_t parallelism = 0;

  // Where dead letters go when the spec names no path: "<name>.dlq.jsonl" in this directory.
  const char* default_dead_letter_dir = ".";

  // Checkpointed pipelines (PipelineSpec::state_dir): ignore and discard the latest checkpoint
  // and start from the beginning of the input, instead of resuming from it.
  bool from_scratch = false;
  // The key of the pipeline's checkpoints in its state directory; empty = the pipeline's name.
  // Two runs with one key never run at once (the second is refused), and the second of two
  // consecutive runs resumes the first.
  std::string checkpoint_name;

  // When set, each row the (first) sink writes records the wall-clock time (us since the epoch)
  // minus the row's event time: its latency when event times are the wall-clock times events
  // were due (a nexmark source with a rate; `sluice bench --rate`). Must outlive the run; read
  // it after Run returns.
  LatencyHistogram* latency = nullptr;
};

}  // namespace sluice
