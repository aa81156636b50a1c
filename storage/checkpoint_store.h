// CheckpointStore: the checkpoints of the pipelines that keep their state in one directory.
//
// The directory holds one LMDB environment (opened through EventLog, so it grows its map and
// can be shared in-process); a checkpoint is one record under the pipeline's name in the
// "checkpoints" database, replaced by each newer one. Commit writes it in one write transaction
// together with whatever the caller adds (projection rows): either all of it is durable or none.
// See docs/fault-tolerance.md.
//
// Thread-safety: thread-safe (EventLog is); a pipeline commits from one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/types.h"
#include "storage/event_log.h"

namespace sluice {

// The state of one keyed stage in a checkpoint.
struct StageState {
  std::string name;                // as the plan names the stage ("operator #3 (window)");
                                   // "" in records older than format version 3 (unknown)
  std::vector<std::string> lanes;  // one operator snapshot per lane, lane 0 first
};

// What one checkpoint holds. Opaque parts are encoded by their owners (codecs/state_codec.h).
struct CheckpointRecord {
  uint64_t id = 0;            // 1, 2, ... within one run from scratch (resumes continue it)
  TimeUs taken_at = 0;        // wall clock, microseconds since the epoch
  bool finished = false;      // taken at the end of the input
  bool closed = false;        // after a finished checkpoint: every sink was finalized
  std::string definition;     // canonical text of the pipeline (runtime/definition.h)
  uint32_t lanes = 0;         // the parallelism of the keyed stages (0 when unkeyed)
  std::string driver;         // the source driver: watermark, counters and the source position
  std::string position_text;  // the source position, for people ("byte 1024, line 17")
  TimeUs watermark = kMinTime;
  std::vector<StageState> stages;  // one per keyed stage, in plan order
  std::vector<std::string> sinks;  // commit point per sink, in declaration order
  std::string dead_letters;        // commit point of the dead-letter file
  std::string late;                // commit point of the late-event sink ("" = none)
  uint64_t events_in = 0, records_out = 0, late_events = 0, dead_letter_count = 0;
};

// Writes format version 3. Decode reads versions 1 to 3; the older ones held the stages' lane
// snapshots as one list, stage after stage, and decode into stages without names. A damaged or
// truncated record is Corruption.
std::string EncodeCheckpoint(const CheckpointRecord& record);
Status DecodeCheckpoint(std::string_view bytes, CheckpointRecord* record);

class CheckpointStore {
 public:
  // Opens (creating) the store in `dir`, whose file may grow to `max_size` bytes (see
  // PipelineSpec::state_max_size; the first opener in a process sets it).
  static Status Open(const std::string& dir, std::unique_ptr<CheckpointStore>* store,
                     uint64_t max_size = uint64_t{1} << 40);
  // Opens an existing store for reading only (NotFound when there is none).
  static Status OpenReadOnly(const std::string& dir, std::unique_ptr<CheckpointStore>* store);
  ~CheckpointStore();

  // Takes the directory's lock for `pipeline` (a file lock held until the store is destroyed or
  // the process dies), so two processes never run the same pipeline on one state. Conflict
  // "pipeline 'x' is already running (lock '<file>' is held by another process)".
  Status Lock(const std::string& pipeline);

  // The latest checkpoint of `pipeline`, or nullopt.
  Result<std::optional<CheckpointRecord>> Load(const std::string& pipeline);
  // Replaces the checkpoint of `pipeline` by `record` and runs `also` in the same write
  // transaction (it may be empty). Durable when it returns OK.
  Status Commit(const std::string& pipeline, const CheckpointRecord& record,
                const std::function<Status(LogWriteTxn*)>& also = {});
  // Removes the checkpoint of `pipeline` (and runs `also`) in one transaction.
  Status Remove(const std::string& pipeline, const std::function<Status(LogWriteTxn*)>& also = {});
  // Every pipeline with a checkpoint here, by name.
  Status List(std::vector<std::pair<std::string, CheckpointRecord>>* out);

  EventLog* env() { return env_.get(); }
  const std::string& dir() const { return dir_; }

 private:
  CheckpointStore(std::string dir, std::shared_ptr<EventLog> env, lmdb::Dbi db)
      : dir_(std::move(dir)), env_(std::move(env)), db_(db) {}

  std::string dir_;
  std::shared_ptr<EventLog> env_;
  lmdb::Dbi db_;
  int lock_fd_ = -1;
};

}  // namespace sluice
