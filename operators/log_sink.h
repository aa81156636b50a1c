// LogSink: appends each result row as an event to a sluice event log, so pipelines can chain
// through logs (a LogSource reads what it wrote).
//
// Writes to log spec.path (created when missing), stream spec.stream, event type
// spec.event_type. Each row becomes one event: payload = the row as a record (stored as typed
// columns, EventLog::AppendRecords), event time = the row's ts, a generated event id. Every batch
// is one append (one transaction; durable when it returns). Appends cannot be taken back: Abort()
// stops writing but keeps what earlier batches appended. Driven by one thread at a time.
//
// In checkpointed runs (Resume) each batch is appended in one transaction with the sink's
// progress: in the log's database "log_sink.progress", key = stream, 0x00, run id (BE64), value =
// rows appended by that run (BE64). The run id is a per-run value kept in the checkpoint with the
// rows written up to it. A process resuming after a crash sends the rows that followed the
// checkpoint again; those the progress says were appended are skipped: exactly-once-effective,
// with no per-event id index. A checkpoint without a progress record (taken by a version that
// deduplicated by event id) resumes with ids {run id, row ordinal} instead.
//
// spec.sync = "checkpoint" (checkpointed runs): batches commit without fsync and PrepareCheckpoint
// flushes them, so durability follows the checkpoints. A process crash loses nothing; a system
// crash may lose the batches after the last checkpoint (the resumed run appends them again), and
// leaves the log intact only on a filesystem that keeps write order (LMDB's MDB_NOSYNC terms).
//
// spec.compression = "zstd": batches are stored zstd-compressed at spec.compression_level
// (readers inflate them whatever wrote them).
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
  void SetProgressKey();
  SyncMode BatchSync() const;

  static constexpr const char* kProgressDb = "log_sink.progress";

  Schema schema_;
  lmdb::Dbi progress_db_ = 0;
  std::string progress_key_;
  uint64_t stored_ = 0;      // rows of this run the log holds (>= rows_)
  bool legacy_ids_ = false;  // deduplicate by event id (a run begun by an older version)
  uint64_t rows_ = 0;
  uint64_t run_id_ = 0;  // this run's id in the progress database; 0 = not checkpointed
};

}  // namespace sluice
