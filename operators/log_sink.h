// LogSink: appends each result row as an event to a sluice event log, so pipelines can chain
// through logs (a LogSource reads what it wrote).
//
// Writes to log spec.path (created when missing), stream spec.stream, event type
// spec.event_type. Each row becomes one event: payload = the row as a record (stored as typed
// columns, EventLog::AppendRecords), event time = the row's ts, a generated event id. Every batch
// is one append (one transaction; durable when it returns). Appends cannot be taken back: Abort() stops
// writing but keeps what earlier batches appended. Driven by one thread at a time.
//
// In checkpointed runs (Resume) event ids are deterministic instead: a per-run value (kept in the
// checkpoint) in the high half, the row's ordinal in the sink's output in the low half. A process
// resuming after a crash re-appends the rows that followed the last checkpoint with the same ids,
// and the log stores each only once (duplicate ids are skipped): exactly-once-effective.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codecs/record_codec.h"
#include "operators/sink.h"
#include "storage/event_log.h"

namespace sluice {

Result<std::unique_ptr<Sink>> MakeLogSink(const SinkSpec& spec);

class LogSink final : public Sink {
 public:
  explicit LogSink(const SinkSpec& spec) : spec_(spec) {}

  Status Open(const Schema& schema) override;
  Status Write(const Batch& batch) override;
  Status Close() override;
  void Abort() override { log_.reset(); }
  uint64_t rows() const override { return rows_; }
  bool exactly_once() const override { return true; }
  Status PrepareCheckpoint(std::string* state) override;
  Status Resume(const Schema& schema, std::string_view state) override;

 private:
  const SinkSpec spec_;
  std::shared_ptr<EventLog> log_;
  Schema schema_;
  uint64_t rows_ = 0;
  uint64_t run_id_ = 0;  // high half of deterministic ids; 0 = generated ids
};

}  // namespace sluice
