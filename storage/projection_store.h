// ProjectionStore: read models (CQRS projections) materialized in a pipeline's state directory,
// beside its checkpoints, so a projection's rows commit in the same transaction as the checkpoint
// that covers them (docs/fault-tolerance.md).
//
// Two databases:
//   "projections"      logical name -> ProjectionInfo (which physical table serves it, its key
//                      and columns, and its freshness: the checkpoint, source position and
//                      watermark its rows reflect)
//   "projection_rows"  physical name, 0x00, encoded key -> the row as one JSON object, then the
//                      masked CRC32C of the JSON (4 bytes, little-endian)
// A name is served by one physical table at a time; `sluice replay --into` builds another and
// switches the name over in one transaction (blue-green).
//
// Keys are encoded so that byte order is value order, field by field (EncodeKeyValue), which
// makes "every row whose first key fields are ..." a range scan.
//
// Thread-safety: the free functions are pure; ProjectionStore's reads are thread-safe, its writes
// belong to one writer at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/batch.h"
#include "storage/event_log.h"

namespace sluice {

struct ProjectionInfo {
  std::string name;            // logical name (the sink's `name`)
  std::string physical;        // table holding the rows
  std::string pipeline;        // pipeline that writes it
  std::vector<Field> key;      // key fields, in key order
  std::vector<Field> columns;  // every column of a row
  // Freshness: what the rows reflect.
  uint64_t checkpoint_id = 0;
  std::string position;  // source position, for people
  TimeUs watermark = kMinTime;
  uint64_t rows = 0;      // rows stored
  TimeUs updated_at = 0;  // wall clock of the commit, microseconds since the epoch
};

std::string EncodeProjectionInfo(const ProjectionInfo& info);
Status DecodeProjectionInfo(std::string_view bytes, ProjectionInfo* info);

// Appends the order-preserving encoding of row r of `column` (one key field) to *out:
//   null: 0x00;  int64/timestamp/bool: 0x01 + 8 bytes big-endian with the sign bit flipped;
//   double: 0x01 + 8 bytes (sign-flipped IEEE bits);  string: 0x01 + bytes with 0x00 written as
//   0x00 0xFF, then 0x00 0x01.
void EncodeKeyColumn(const Column& column, size_t r, std::string* out);
// The same for a boxed value.
void EncodeKeyValue(const Value& v, std::string* out);

// The JSON of a stored row, after checking its checksum (Corruption naming the key if it fails).
Status CheckRow(std::string_view key, std::string_view stored, std::string_view* json);

class ProjectionStore {
 public:
  // `env` must outlive the store.
  static Status Open(EventLog* env, std::unique_ptr<ProjectionStore>* store);

  // Info of logical `name`: NotFound when absent.
  Status GetInfo(lmdb::Txn* txn, const std::string& name, ProjectionInfo* info);
  Status GetInfo(const std::string& name, ProjectionInfo* info);
  Status PutInfo(LogWriteTxn* txn, const ProjectionInfo& info);
  Status RemoveInfo(LogWriteTxn* txn, const std::string& name);
  Status List(std::vector<ProjectionInfo>* out);

  // Upserts a row inside a transaction; *inserted (optional) tells whether the key was new.
  // Not thread-safe (reuses a key buffer): one writer at a time.
  Status PutRow(LogWriteTxn* txn, const std::string& physical, std::string_view key,
                std::string_view json, bool* inserted = nullptr);
  // Removes the row of `key`; *removed (optional) tells whether there was one.
  Status DeleteRow(LogWriteTxn* txn, const std::string& physical, std::string_view key,
                   bool* removed = nullptr);
  // Removes every row of `physical`; *removed (optional) counts them.
  Status Clear(LogWriteTxn* txn, const std::string& physical, uint64_t* removed = nullptr);

  // Calls fn(key, json) for each row (Corruption when a row fails its checksum) of `physical` whose key starts with `key_prefix`, in key
  // order, in one read snapshot; fn returns false to stop.
  Status Scan(const std::string& physical, std::string_view key_prefix,
              const std::function<bool(std::string_view key, std::string_view json)>& fn);
  // The same inside a read (or write) transaction.
  Status Scan(lmdb::Txn* txn, const std::string& physical, std::string_view key_prefix,
              const std::function<bool(std::string_view key, std::string_view json)>& fn);

 private:
  ProjectionStore(EventLog* env, lmdb::Dbi info, lmdb::Dbi rows)
      : env_(env), info_db_(info), rows_db_(rows) {}

  EventLog* env_;
  lmdb::Dbi info_db_, rows_db_;
  std::string key_, row_;  // PutRow's buffers
};

}  // namespace sluice
