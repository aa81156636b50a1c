// ChangeStream: follows one projection's change history (storage/projection_changes.h) for
// GET /projections/NAME/changes, as server-sent events (text/event-stream):
//
//   data: {"id":N,"checkpoint":C,"op":"+","row":{...}}      a row stored under its key
//   data: {"id":N,"checkpoint":C,"op":"-","row":{...}}      the row removed
//   data: {"id":N,"checkpoint":C,"op":"reset"}              drop every row held: the table
//                                                           started over; its rows follow as "+"
//
// N is the change set (one per checkpoint that changed the projection; the checkpoint's id C
// unless a run started over); the last event of each set carries `id: N`, so a client's
// Last-Event-ID is always a set it has whole. A client resuming after N gets every later set;
// one whose N is no longer in the history (pruned after keep_changes checkpoints, a replay
// switched tables, or a state directory made anew) gets a reset and the table as it is, then
// the sets after it. Applying the events in order reproduces the table at every set.
//
// Not thread-safe: one per connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "serve/projection_query.h"
#include "storage/projection_changes.h"

namespace sluice::serve {

class ChangeStream {
 public:
  // `after`: the last set the client has (its Last-Event-ID; 0: none, send everything).
  ChangeStream(std::string state_dir, std::string name, uint64_t after)
      : state_dir_(std::move(state_dir)), name_(std::move(name)), last_(after) {}

  // Appends to *out the events of the sets committed since the last call (whole sets; stops
  // after the set that brings *out past `max_bytes`). NotFound when the projection does not
  // exist or keeps no history.
  Status Poll(std::string* out, size_t max_bytes = size_t{4} << 20);

  // The last set delivered.
  uint64_t last() const { return last_; }

 private:
  Status Open();
  // The reset and every row of the table, as set `id`.
  Status Snapshot(lmdb::Txn* txn, const ProjectionInfo& info, uint64_t id, std::string* out);

  const std::string state_dir_, name_;
  uint64_t last_;
  ProjectionReader reader_;
  std::unique_ptr<ProjectionChanges> changes_;
};

}  // namespace sluice::serve
