// ProjectionSink: a read model (CQRS projection) kept in the pipeline's state directory
// (storage/projection_store.h): each result row is upserted under its key, so the table holds the
// latest row per key (running aggregates) or one row per key and window (windows).
//
// Rows are buffered between checkpoints (the latest per key) and written inside the checkpoint's
// own transaction, so the table always matches the source position and watermark recorded with
// it: a crash loses the buffered rows and the checkpoint together, and the resumed run writes them
// again. It therefore needs a checkpointed run (Resume); Open() alone is refused.
//
// A fresh run (Resume with no state) clears the table in its first checkpoint. With spec.into
// (`sluice replay --into NAME`) the rows go to table NAME while the name keeps serving its old
// table; the final checkpoint switches the name to NAME and drops the old table, atomically.
// With spec.keep_changes > 0 each checkpoint also records what it changed in the projection's
// change history (storage/projection_changes.h) and prunes sets older than keep_changes
// checkpoints; a fresh run records a reset, a replay's switch starts the history over.
// Driven by one thread at a time.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "operators/jsonl_sink.h"
#include "operators/sink.h"
#include "storage/projection_changes.h"
#include "storage/projection_store.h"

namespace sluice {

class ProjectionSink final : public Sink {
 public:
  explicit ProjectionSink(const SinkSpec& spec) : spec_(spec) {}

  Status Open(const Schema& schema) override;
  Status Write(const Batch& batch) override;
  Status Close() override { return Status::OK(); }
  void Abort() override { ClearPending(); }
  uint64_t rows() const override { return rows_; }

  bool exactly_once() const override { return true; }
  Status PrepareCheckpoint(std::string* state) override;
  Status WriteInCheckpoint(LogWriteTxn* txn, const CheckpointMark& mark) override;
  void CheckpointCommitted() override;
  Status Resume(const Schema& schema, std::string_view state) override;
  void Detach() override { ClearPending(); }

 private:
  void ClearPending();
  // This checkpoint's changes that took effect (a delete of an absent key does not), in the
  // order they were applied, pointing into pending_.
  using Applied = std::vector<std::pair<ChangeKind, const std::string*>>;
  // Records them in the change history (WriteInCheckpoint, after the rows are written).
  Status RecordChanges(LogWriteTxn* txn, const CheckpointMark& mark, const Applied& applied);
  // A replay writing another table than the one the name served.
  bool building() const { return physical_ != old_physical_; }

  const SinkSpec spec_;
  Schema schema_;
  std::vector<int> key_columns_;
  std::unique_ptr<JsonlEncoder> encoder_;
  std::shared_ptr<EventLog> env_;
  std::unique_ptr<ProjectionStore> store_;
  std::unique_ptr<ProjectionChanges> changes_;
  std::string physical_;       // the table written
  std::string old_physical_;   // replay: the table the name served when the run started
  bool clear_first_ = false;   // a fresh run: empty the table in the next checkpoint
  // Rows since the last checkpoint, the latest per key (`removed`: the key's row was removed, and
  // `json` is the row that left): memory is bounded by the keys written in one checkpoint
  // interval, however many updates they get.
  struct Pending {
    bool removed = false;
    std::string json;
  };
  absl::flat_hash_map<std::string, Pending> pending_;
  bool history_checked_ = false;  // the first checkpoint of this run dropped a disabled history
  // The rows are a changelog (a first field `op`, "+" or "-"): "+" upserts the row (without
  // `op`), "-" removes the key's row.
  bool changelog_ = false;
  std::string key_, line_;
  uint64_t rows_ = 0;
};

}  // namespace sluice
