// Shared internals of storage/event_log*.cc. Not for use outside storage/.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <string>

#include "storage/event_log.h"

namespace sluice {

// State of one write transaction of the log (a commit group or an Update).
struct WriteContext {
  EventLog* log = nullptr;
  lmdb::Txn txn;
  uint64_t next_position = 1;
  TimeUs append_time = 0;
  flatbuffers::FlatBufferBuilder* fbb = nullptr;
  std::string key;  // scratch
};

// The stream's version as seen by `txn`: that of its newest event, or, when truncation removed
// every event, the last version it had (kept in the metadata); 0 when it never had an event.
Status ReadStreamVersion(lmdb::Txn* txn, lmdb::Dbi streams_db, lmdb::Dbi meta_db,
                         std::string_view stream, uint64_t* version);
// Only the stream index: the version of the newest stored event (0 when none is stored).
Status ReadIndexedStreamVersion(lmdb::Txn* txn, lmdb::Dbi streams_db, std::string_view stream,
                                uint64_t* version);

// Reads and checks the event at `position`: frame CRC, FlatBuffers verification and the
// position stored inside. NotFound when absent; Corruption naming the position otherwise.
Status ReadEventAt(lmdb::Txn* txn, lmdb::Dbi events_db, uint64_t position, EnvelopeView* out);

// Checks one record's frame and envelope (the value stored under `position`).
Status DecodeRecord(uint64_t position, std::string_view value, EnvelopeView* out);

}  // namespace sluice
