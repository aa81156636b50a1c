// ProjectionChanges: the change history of projections (storage/projection_store.h), so that a
// reader can follow a read model as checkpoints commit (GET /projections/NAME/changes) and, after
// a disconnect, resume where it stopped without missing a change.
//
// Changes are grouped in change sets, one per checkpoint that changed the projection, numbered
// by an id that never goes back: the checkpoint's id, or one more than the last set's id when a
// run started over or a replay switched tables (checkpoint ids then restart).
//
// Database "projection_changes":
//   name, 0x00, 0x00                            -> meta: horizon, last (varints), checksum
//   name, 0x00, 0x01, set id (8 bytes BE), index (4 bytes BE)
//                                               -> kind, checkpoint id (varint), row JSON,
//                                                  masked CRC32C of what precedes it
// `horizon`: the history holds every change set with an id >= horizon (older ones were pruned,
// or predate the history); `last`: the newest set id (0: none yet). A reader that has seen sets
// up to L can continue from the history when L + 1 >= horizon and L <= last; otherwise it must
// start over from the table (a reset).
//
// Thread-safety: reads are thread-safe; writes belong to the projection's one writer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/event_log.h"

namespace sluice {

enum class ChangeKind : char {
  kUpsert = '+',  // the row now stored under its key
  kDelete = '-',  // the row removed
  kReset = 'R',   // the table was emptied (a run started over); no row
};

struct ProjectionChange {
  uint64_t id = 0;          // change set
  uint32_t index = 0;       // position in the set
  uint64_t checkpoint = 0;  // the checkpoint that committed it
  ChangeKind kind = ChangeKind::kUpsert;
  std::string_view row;     // JSON object; empty for kReset. Valid during the callback.
};

struct ChangeMeta {
  uint64_t horizon = 0;
  uint64_t last = 0;
};

class ProjectionChanges {
 public:
  // `env` must outlive the object. On a read-only environment whose history database does not
  // exist (written by a run that kept none), NotFound.
  static Status Open(EventLog* env, std::unique_ptr<ProjectionChanges>* out);

  // NotFound when projection `name` keeps no history.
  Status GetMeta(lmdb::Txn* txn, const std::string& name, ChangeMeta* meta);
  Status PutMeta(LogWriteTxn* txn, const std::string& name, const ChangeMeta& meta);
  Status Put(LogWriteTxn* txn, const std::string& name, const ProjectionChange& change);
  // Removes the change sets with ids < `before` (not the meta).
  Status Prune(LogWriteTxn* txn, const std::string& name, uint64_t before);
  // Removes the whole history of `name`, meta included.
  Status Clear(LogWriteTxn* txn, const std::string& name);
  // Calls fn for each change of a set with id > after, in (id, index) order, until fn returns
  // false. Corruption when a record fails its checksum or does not decode.
  Status Scan(lmdb::Txn* txn, const std::string& name, uint64_t after,
              const std::function<bool(const ProjectionChange&)>& fn);

 private:
  ProjectionChanges(lmdb::Dbi db) : db_(db) {}
  lmdb::Dbi db_;
  std::string key_, value_;  // Put's buffers
};

}  // namespace sluice
