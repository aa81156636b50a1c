// NexmarkSource: one table (person, auction or bid) of the Nexmark generator's events
// (operators/nexmark.h), as a pipeline source of type "nexmark".
//
// It produces the rows of `table` among events 0 .. events-1 of the generator seeded with `seed`,
// in event order, with event time = date_time. Sources of the three tables with the same seed
// and events interleave in event time exactly as one generator's stream does. (When the source's
// `dir` is set, the factory reads DIR/<table>.csv with a CsvSource instead; see
// MakeNexmarkSource.)
//
// Rate mode (rate > 0, for latency measurements): event n is due at wall-clock time
// start + n / rate s, where start is when the source is opened, and its date_time is that time
// in ms (event 0 is due at the first whole millisecond of the wall clock after Open). Next()
// waits until rows are due and returns them once batch_size rows are due or the first due row
// has waited max_batch_delay_us (kNexmarkMaxBatchDelayUs unless given), so that a row leaves
// the source at most that long after it is due.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "operators/nexmark.h"
#include "operators/source.h"

namespace sluice {

// Events a nexmark source covers when its table does not say: one million (100 s of event time).
constexpr uint64_t kNexmarkDefaultEvents = 1'000'000;
// Rate mode: the longest a due row waits in the source for its batch to fill, by default.
constexpr int64_t kNexmarkMaxBatchDelayUs = 1000;

class NexmarkSource final : public Source {
 public:
  // REQUIRES: options.schema is NexmarkSchema(table). `rate` > 0 paces the events (rate mode;
  // config.base_time_ms and config.rate are then set at Open).
  NexmarkSource(NexmarkTable table, uint64_t events, const NexmarkConfig& config,
                SourceOptions options, uint64_t rate = 0,
                int64_t max_batch_delay_us = kNexmarkMaxBatchDelayUs);

  Status Open() override;
  // Appends the next batch_size rows at most; source_position = the next event number. In rate
  // mode, waits for rows to be due first (see above).
  Status Next(Batch* batch, bool* eof) override;

  // The position (codecs/state_codec.h) is
  //   nexmark-position := header(kStateNexmarkSource, 1) next_event:varint
  // Restoring a position past `events` is InvalidArgument.
  bool can_resume() const override { return true; }
  Status SavePosition(std::string* out) const override;
  Status RestorePosition(std::string_view in) override;
  // "event <next_event>".
  std::string DescribePosition(std::string_view saved) const override;

 private:
  // Rate mode: waits until rows are due and returns the end of the events to produce now.
  uint64_t WaitForDue() const;

  const NexmarkTable table_;
  const uint64_t events_;
  const NexmarkConfig config_;
  std::unique_ptr<NexmarkGenerator> generator_;  // built by the constructor, again by Open in
                                                 // rate mode (with the start as base time)
  const SourceOptions options_;
  const uint64_t rate_;
  const int64_t max_batch_delay_us_;
  std::chrono::steady_clock::time_point start_;  // rate mode: when event 0 is due
  uint64_t next_ = 0;                            // the next event number to consider
};

// The factory of type "nexmark": a CsvSource over <spec.path>/<table>.csv when spec.path is set,
// else a NexmarkSource (paced when spec.rate > 0). An unknown table, a schema other than the
// table's, or a rate with a path is InvalidArgument.
Result<std::unique_ptr<Source>> MakeNexmarkSource(const SourceSpec& spec,
                                                  const SourceOptions& options);

}  // namespace sluice
