// Shared internals of storage/event_log*.cc. Not for use outside storage/.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <string>

#include "storage/event_log.h"
#include "storage/stored_record.h"

namespace sluice {

// State of one write transaction of the log (a commit group or an Update).
struct WriteContext {
  EventLog* log = nullptr;
  lmdb::Txn txn;
  uint64_t next_position = 1;
  TimeUs append_time = 0;
  flatbuffers::FlatBufferBuilder* fbb = nullptr;
  ZstdCompressor* zstd = nullptr;
  std::string compressed;           // scratch: a compressed batch body
  std::string key, value;           // scratch
  std::vector<EnvelopeView> batch;  // scratch: events of the batch being written
  StoredRecord record;              // scratch: a stored record read back
};

// The stream's version as seen by `txn`: that of its newest event, or, when truncation removed
// every event, the last version it had (kept in the metadata); 0 when it never had an event.
Status ReadStreamVersion(lmdb::Txn* txn, lmdb::Dbi streams_db, lmdb::Dbi meta_db,
                         std::string_view stream, uint64_t* version);
// Only the stream index: the version of the newest stored event (0 when none is stored).
Status ReadIndexedStreamVersion(lmdb::Txn* txn, lmdb::Dbi streams_db, std::string_view stream,
                                uint64_t* version);

// InvalidArgument unless kZstdMinLevel <= level <= kZstdMaxLevel.
Status CheckCompressionLevel(int level);

// The lowest live position (after truncation), 1 when nothing was truncated.
Status ReadFirstLivePosition(lmdb::Txn* txn, lmdb::Dbi meta_db, uint64_t* first);

}  // namespace sluice
