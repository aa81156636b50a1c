// EventLog: an append-only, LMDB-backed store of events, each wrapped in a FlatBuffers envelope.
//
// One log is one directory holding one LMDB environment with named databases (log_format.h):
// events by global position, a (stream, version) index, an event-id index and metadata. Callers
// may open more databases there (OpenDatabase) and write them in the same transaction as an
// append (Update), so checkpoints and projections commit atomically with the events they follow.
//
// Positions and versions: global positions start at 1 and only grow (truncation never reuses
// them); a stream's versions start at 1, and a stream's "version" is its number of events.
//
// Thread-safety: an EventLog is thread-safe. Concurrent appends are grouped into one write
// transaction (group commit). Several processes may open the same log: any number read while one
// writes; LMDB serializes writers across processes.
//
// Example:
//   std::unique_ptr<EventLog> log;
//   SLUICE_RETURN_IF_ERROR(EventLog::Open(LogOptions{}, "/var/lib/app/log", &log));
//   EventData e{.type = "OrderPlaced", .event_time = now, .payload = bytes};
//   SLUICE_RETURN_IF_ERROR(log->Append("order-17", {&e, 1}, {.expected_version = 0}));
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/envelope.h"
#include "codecs/event_batch.h"
#include "storage/lmdb_env.h"
#include "storage/log_options.h"

namespace flatbuffers {
class FlatBufferBuilder;
}  // namespace flatbuffers

namespace sluice {

// One event to append. The views must stay live until the append returns.
struct EventData {
  EventId id;  // empty = generated; a stored id makes the event a duplicate (not stored again)
  std::string_view type;
  uint32_t schema_version = 0;
  TimeUs event_time = 0;
  EventId correlation_id;
  EventId causation_id;
  std::string_view content_type;  // e.g. kRecordContentType; empty = opaque bytes
  std::string_view payload;
};

struct AppendResult {
  uint64_t stream_version = 0;  // the stream's version after the append
  uint64_t appended = 0;        // events stored
  uint64_t duplicates = 0;      // events whose id was already stored
  // Per event, in order: its global position and stream version (for a duplicate, those of the
  // event stored earlier under the same id), and whether it was a duplicate.
  std::vector<uint64_t> positions;
  std::vector<uint64_t> versions;
  std::vector<uint8_t> duplicate;
};

struct LogStats {
  uint64_t events = 0;
  uint64_t batches = 0;  // records: a batch of events each (one event each in format-1 logs)
  uint64_t streams = 0;
  uint64_t first_position = 0;                         // 0 when empty
  uint64_t last_position = 0;                          // 0 when empty
  uint64_t next_position = 1;                          // position the next append gets
  TimeUs first_append_time = 0, last_append_time = 0;  // of the first and last events
  TimeUs first_event_time = 0, last_event_time = 0;
  uint64_t compressed_batches = 0;  // batches stored zstd-compressed
  uint64_t record_bytes = 0;        // the events database's values as stored
  uint64_t inflated_bytes = 0;      // the same with every compressed body counted inflated
  uint64_t events_bytes = 0;        // pages of the events database
  uint64_t index_bytes = 0;         // pages of the stream and id indexes
  uint64_t used_bytes = 0;          // pages in use in the data file
  uint64_t file_bytes = 0;          // size of data.mdb
  uint64_t disk_bytes = 0;          // blocks allocated to data.mdb
  uint64_t map_size = 0;
};

class EventBatchView;
class StoredRecord;
class ZstdCompressor;

// Called for each problem found by Verify, with the position (0 when not tied to one).
using CorruptionReporter = std::function<void(uint64_t position, const Status& problem)>;

// A read cursor over the log (see EventLog::NewIterator). It reads a consistent snapshot: events
// appended after it was created (or last refreshed) are not seen until Refresh(). Holds an LMDB
// read transaction while it lives, so do not keep one idle for long (the file cannot reuse pages
// freed after the snapshot), and do not hold one in a thread that appends (map growth waits for
// this process's transactions to end). Not thread-safe.
class LogIterator {
 public:
  ~LogIterator();
  LogIterator(const LogIterator&) = delete;
  LogIterator& operator=(const LogIterator&) = delete;

  // True when positioned on an event. False at the end or after an error (see status()).
  bool Valid() const { return valid_; }
  void Next();
  // The current event: views into the mapped file, valid until the iterator moves or refreshes.
  // REQUIRES: Valid().
  const EnvelopeView& event() const { return event_; }
  uint64_t position() const { return event_.global_position; }
  // Corruption naming the position when a record fails its CRC or FlatBuffers verification.
  const Status& status() const { return status_; }
  // After a Corruption status: moves past the bad record (whose position failed_position() gives)
  // and goes on, so readers can dead-letter it instead of stopping.
  void SkipCorrupt();
  uint64_t failed_position() const { return failed_position_; }

  // For readers that take whole columns (EventBatchView::AppendRecords). REQUIRES: Valid().
  // The batch of record columns holding the current event (as its index there), or nullptr when
  // the current record is not one.
  const EventBatchView* record_batch() const;
  uint32_t record_index() const { return index_; }
  // How many events, from the current one on and at most `max`, the read passes in a row inside
  // the current record batch (0 when record_batch() is nullptr).
  uint32_t PassingRun(uint32_t max) const;
  // Consumes n events from the current one, as n calls of Next() would.
  // REQUIRES: 0 < n <= PassingRun(n).
  void Advance(uint32_t n);

  // Takes a new snapshot and continues from the current event, or after the last one passed by
  // Next() (or from the start).
  Status Refresh();
  // Ends the snapshot without moving; Refresh() resumes. Use while waiting.
  void Release();

 private:
  friend class EventLog;
  explicit LogIterator(class EventLog* log, const ReadOptions& options);
  Status Seek(uint64_t from_position, uint64_t from_version);
  // Settles on the first event at or after index_ of the current record (then of the records
  // after it) that passes the filters.
  void Load();
  // Parses the record under the cursor into record_ (the stream cursor: the record its entry
  // names). `passed`: the read started inside it, so it was consumed up to there; a corrupt one
  // was reported then and is skipped now.
  void LoadCurrent(bool passed);
  void NextRecord();
  // Parses `value`, stored under `position`, into record_ (by copy when large enough), or takes
  // kept_ when it is that record.
  Status ParseRecord(uint64_t position, std::string_view value);

  EventLog* log_;
  ReadOptions options_;
  lmdb::Txn txn_;
  lmdb::Cursor events_;
  lmdb::Cursor streams_;
  std::string stream_prefix_;
  bool valid_ = false;
  EnvelopeView event_;
  std::unique_ptr<StoredRecord> record_;  // the record under the cursor; !ok() at the end
  std::vector<uint64_t> copy_;            // the record's value when read by copy
  // Whether record_ refers to no mapped page (its value was copied, or it was inflated). Such a
  // record is kept (kept_, kept_copy_) across Release(): records never change once written, so
  // the read that goes on after Refresh() takes it instead of parsing the record again.
  bool record_owned_ = false;
  std::unique_ptr<StoredRecord> kept_;
  std::vector<uint64_t> kept_copy_;
  uint32_t index_ = 0;           // the event of record_ at hand
  uint64_t first_live_ = 1;      // events before it were truncated away
  uint64_t failed_version_ = 0;  // stream reads: last version of the corrupt record
  uint64_t last_position_ = 0;   // last event consumed: passed by Next() or filtered out
  uint64_t last_version_ = 0;    // its stream version (stream reads)
  uint64_t failed_position_ = 0;
  Status status_;
};

// The transaction handed to EventLog::Update. Valid only during the callback.
class LogWriteTxn {
 public:
  // Appends as EventLog::Append does, inside this transaction.
  Status Append(std::string_view stream, std::span<const EventData> events,
                const AppendOptions& options = {}, AppendResult* result = nullptr);
  // Access to databases opened with EventLog::OpenDatabase.
  Status Put(lmdb::Dbi db, std::string_view key, std::string_view value);
  // NotFound when absent; the view is valid until the next write or the end of the callback.
  Status Get(lmdb::Dbi db, std::string_view key, std::string_view* value);
  Status Delete(lmdb::Dbi db, std::string_view key);
  // Appends as EventLog::AppendRecords does, inside this transaction.
  Status AppendRecords(std::string_view stream, const RecordRows& records,
                       const AppendOptions& options = {}, AppendResult* result = nullptr);
  // The raw transaction, for cursors over user databases.
  lmdb::Txn* txn();

 private:
  friend class EventLog;
  explicit LogWriteTxn(struct WriteContext* ctx) : ctx_(ctx) {}
  struct WriteContext* ctx_;
};

class EventLog {
 public:
  // Opens the log in `dir`, creating it unless options.read_only. On success *log is set.
  static Status Open(const LogOptions& options, const std::string& dir,
                     std::unique_ptr<EventLog>* log);
  // Like Open, but shares one EventLog per directory within the process (LMDB forbids opening one
  // environment twice in a process). A later caller gets the instance already open, with the
  // first caller's options, unless it needs writes and that one is read-only (InvalidArgument).
  static Status OpenShared(const LogOptions& options, const std::string& dir,
                           std::shared_ptr<EventLog>* log);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends `events` to `stream` (non-empty, no NUL byte), in order, in one transaction.
  //  - Duplicates: an event whose id is already stored is skipped and reported in *result. When
  //    every event is a duplicate (a retried append), the append succeeds without checking the
  //    expected version.
  //  - options.expected_version: Conflict naming both versions when the stream is elsewhere;
  //    nothing is written.
  // May share its transaction with concurrent appends; a durable append returns after fsync.
  Status Append(std::string_view stream, std::span<const EventData> events,
                const AppendOptions& options = {}, AppendResult* result = nullptr);
  // Appends rows as record events (content type kRecordContentType), stored as typed columns:
  // whole columns copied, no per-row payload encoding; the batch must stay live until it returns.
  // Append's rules for duplicates, expected versions and grouping apply; chosen ids
  // (records.first_id) are indexed like any other. An event read back has the payload RecordEncoder
  // gives its row. A duplicate whose stored event has another stream or payload is a Conflict.
  Status AppendRecords(std::string_view stream, const RecordRows& records,
                       const AppendOptions& options = {}, AppendResult* result = nullptr);

  // Runs fn in one write transaction and commits it when fn returns OK (else nothing of it is
  // written). fn may be run again when the map had to grow, so it must be safe to retry and
  // leave side effects outside the transaction to after Update returns.
  Status Update(const std::function<Status(LogWriteTxn*)>& fn, SyncMode sync = SyncMode::kDefault);

  // Runs fn in one read transaction (a consistent snapshot; works on read-only logs). Views read
  // through it are valid only during fn.
  Status View(const std::function<Status(lmdb::Txn*)>& fn);

  // Opens (creating) a caller database in the log's environment. Names starting with "sluice."
  // are reserved. The handle stays valid while the log is open.
  Status OpenDatabase(const std::string& name, lmdb::Dbi* db);

  // A cursor positioned on the first event matching `options`.
  Status NewIterator(const ReadOptions& options, std::unique_ptr<LogIterator>* it);

  // The stream's current version (0 when it has no events).
  Result<uint64_t> StreamVersion(std::string_view stream);
  // Position of the newest event (0 when empty), as committed now by any process.
  Result<uint64_t> LastPosition();
  // Waits until an event with position > after exists or timeout_ms passes; returns whether it
  // does. Appends in this process wake it at once; appends by other processes are polled.
  bool WaitForAppend(uint64_t after, int timeout_ms);

  // Makes no-sync commits durable.
  Status Flush();
  // Removes every event with position < before, with its index entries (retention). Positions are
  // not reused. *removed (optional) counts removed events.
  Status Truncate(uint64_t before, uint64_t* removed = nullptr);
  Status GetStats(LogStats* stats);
  // Checks every record (CRC, FlatBuffers verification, position, index entries), reporting each
  // problem. Returns Corruption summarizing the count, or OK. *checked (optional) counts records,
  // *checked_events the events of the records that parsed.
  Status Verify(const CorruptionReporter& reporter, uint64_t* checked = nullptr,
                uint64_t* checked_events = nullptr);

  const std::string& dir() const { return dir_; }
  const LogOptions& options() const { return options_; }
  lmdb::Env* env() { return env_.get(); }

 private:
  friend class LogIterator;
  friend class LogWriteTxn;
  struct Writer;

  EventLog(const LogOptions& options, std::string dir);
  Status Write(Writer* w);
  void BuildGroup(std::vector<Writer*>* group);
  Status CommitGroup(const std::vector<Writer*>& group);
  Status Grow();
  // The position the next append in `txn` gets.
  Status NextPosition(lmdb::Txn* txn, uint64_t* next);

  const LogOptions options_;
  const std::string dir_;
  std::unique_ptr<lmdb::Env> env_;
  lmdb::Dbi events_db_ = 0, streams_db_ = 0, ids_db_ = 0, meta_db_ = 0;

  std::mutex mu_;
  std::deque<Writer*> writers_;  // GUARDED_BY(mu_)
  // Leader-only state: used by the writer at the head of writers_, one at a time.
  std::unique_ptr<flatbuffers::FlatBufferBuilder> fbb_;
  std::unique_ptr<ZstdCompressor> zstd_;  // used by the writer of the moment, like fbb_
  bool no_sync_now_ = false;

  std::mutex append_mu_;
  std::condition_variable append_cv_;
  std::atomic<uint64_t> last_position_{0};  // newest position committed by this process
};

}  // namespace sluice
