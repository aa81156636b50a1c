// Sink: writes result batches. Driven by one thread at a time, batches in order.
//
// Checkpointed runs (docs/fault-tolerance.md) drive a sink through a protocol on top of
// Open/Write/Close: at each checkpoint PrepareCheckpoint() makes everything written so far durable
// and returns the sink's commit point, which the runtime stores in the checkpoint; then the
// checkpoint transaction runs WriteInCheckpoint() (sinks whose output lives in the checkpoint
// store itself write there). A later process calls Resume() with the last committed point instead
// of Open(): whatever was written after it is discarded, so output is exactly-once-effective.
// A checkpointed run that starts afresh calls Resume() with an empty state.
// On failure or interruption the runtime calls Detach() (keep what is durable for a resume)
// instead of Abort().
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "base/batch.h"
#include "sluice/pipeline_spec.h"

namespace sluice {

class LogWriteTxn;

// What a checkpoint is, for sinks that record their freshness with it (projections).
struct CheckpointMark {
  std::string pipeline;
  uint64_t id = 0;
  bool finished = false;  // the final checkpoint, at the end of the input
  std::string position;   // the source position, for people
  TimeUs watermark = kMinTime;
  TimeUs taken_at = 0;  // wall clock, microseconds since the epoch
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Opens the output for `schema`. An unwritable path is an IOError naming it.
  virtual Status Open(const Schema& schema) = 0;
  virtual Status Write(const Batch& batch) = 0;
  // Flushes and closes. After an error elsewhere the runtime calls Abort() instead, and a file
  // sink removes what it wrote, so no partial output is presented as success.
  virtual Status Close() = 0;
  virtual void Abort() {}
  // Rows written so far (including, after Resume, those of earlier processes).
  virtual uint64_t rows() const = 0;

  // Checkpoint protocol. A sink that cannot take part (stdout) keeps these defaults:
  // exactly_once() false, PrepareCheckpoint records nothing, Resume opens afresh.
  virtual bool exactly_once() const { return false; }
  virtual Status PrepareCheckpoint(std::string* state) { return Status::OK(); }
  // Runs inside the checkpoint's write transaction; may run more than once for one checkpoint
  // (the transaction is retried when the map grows), so it must not change the sink's state.
  virtual Status WriteInCheckpoint(LogWriteTxn* txn, const CheckpointMark& mark) {
    return Status::OK();
  }
  // The checkpoint transaction committed.
  virtual void CheckpointCommitted() {}
  virtual Status Resume(const Schema& schema, std::string_view state) { return Open(schema); }
  virtual void Detach() { Abort(); }
};

// Builds the sink named by spec.type ("csv", "jsonl", "stdout", "null", "collector").
Result<std::unique_ptr<Sink>> MakeSink(const SinkSpec& spec);

// Appends dead letters to a JSON-lines file, one object per record:
//   {"source":"clicks.csv","line":17,"reason":"...","raw":"..."}
// The file is created on the first record only (no empty file when input is clean).
// kReplace (pipelines): the first record replaces a file left by an earlier run. Checkpointed
// runs: Sync() makes the records durable and appends the commit point (length, count and
// checksum) to *state; Resume() in a later process checks the committed bytes against the
// checksum and cuts the file back to such a point.
// kAppend (`sluice log append`): records are added after whatever the file holds, each Write in
// one write(2) to a file opened with O_APPEND, so concurrent writers never overwrite each other's
// records or split a line.
class DeadLetterWriter {
 public:
  enum class Mode { kReplace, kAppend };
  explicit DeadLetterWriter(std::string path, Mode mode = Mode::kReplace);
  ~DeadLetterWriter();
  Status Write(const std::vector<DeadLetter>& records);
  // The file's text for `records`: one JSON object per line (source, line, reason, raw).
  static std::string Format(const std::vector<DeadLetter>& records);
  // Writes text made by Format, holding `records` dead letters.
  Status WriteText(std::string_view text, uint64_t records);
  Status Close();
  Status Sync(std::string* state);
  Status Resume(std::string_view state);
  uint64_t count() const { return count_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  Mode mode_;
  int fd_ = -1;
  uint64_t count_ = 0;
  uint64_t bytes_ = 0;  // length of the file (kReplace)
  uint32_t crc_ = 0;    // crc32c of its bytes_ bytes (kReplace)
};

}  // namespace sluice
