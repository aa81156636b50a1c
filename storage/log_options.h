// Options of an event log (storage/event_log.h), with the trade-off of each setting.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/types.h"

namespace sluice {

enum class SyncMode : uint8_t {
  kDefault,  // AppendOptions only: use LogOptions::sync
  kDurable,  // fsync before a commit returns: an acknowledged append survives power loss
  kNoSync,   // commits return without fsync: far faster, but a machine crash (not a process
             // crash) may lose the latest commits; EventLog::Flush() makes them durable
};

enum class LogCompression : uint8_t {
  kDefault,  // AppendOptions only: use LogOptions::compression
  kNone,     // batches are stored as encoded
  kZstd,     // batches of at least log::kMinCompressBytes are stored zstd-compressed when that
             // makes them smaller; readers inflate them (each batch records how it is stored)
};

struct LogOptions {
  // Size of the memory map when a log is created. Small logs stay small on disk either way (LMDB
  // grows the file as it writes); a larger map only reserves address space and avoids regrowth.
  uint64_t initial_map_size = uint64_t{64} << 20;
  // The map doubles when full, up to this size; then appends fail with IOError, whose message
  // ends with `map_full_advice` (what the owner of the environment lets its users change).
  uint64_t max_map_size = uint64_t{1} << 40;
  std::string map_full_advice = "Raise max_map_size or truncate old events";
  // Durability of commits; see SyncMode. kDurable costs one or two fsyncs per commit, which
  // group commit spreads over every event of the group.
  SyncMode sync = SyncMode::kDurable;
  // Compression of the batches this instance writes (a writer's choice: a log may hold batches
  // of both kinds). zstd shrinks record batches two- to fourfold and costs compression time on
  // appends and decompression time on every read; see docs/log.md for measured figures.
  LogCompression compression = LogCompression::kNone;
  // zstd level (kZstdMinLevel..kZstdMaxLevel in codecs/zstd_codec.h): higher is smaller and slower.
  int compression_level = 1;
  // Group commit: concurrent appends are merged into one write transaction up to these limits.
  // Larger groups mean fewer fsyncs per event but longer waits for the appenders of a group.
  uint32_t max_group_events = 64 * 1024;
  uint64_t max_group_bytes = uint64_t{16} << 20;
  // Opens an existing log for reading only (the directory must exist). Within one process prefer
  // EventLog::OpenShared, where a read-only instance cannot later serve a writer.
  bool read_only = false;
  // Creates the directory and an empty log when missing; otherwise a missing log is NotFound.
  bool create_if_missing = true;
  // Extra named databases the caller will open (OpenDatabase), beyond the log's own.
  uint32_t max_user_databases = 16;
  // LMDB reader slots: concurrent read transactions across all processes.
  uint32_t max_readers = 126;
  // Iterators read records of at least 16 KiB (batches) with pread into a reused buffer instead
  // of through LMDB's memory map. On virtual machines that trap the first touch of every mapped
  // page this makes scans several times faster; on bare metal it costs a copy (a few percent of a
  // scan). docs/log.md has the measurements.
  bool read_by_copy = true;
};

struct AppendOptions {
  // Optimistic concurrency: the stream's version (its number of events; 0 = empty) that the
  // append expects. A different version fails the append with Status::Conflict, writing nothing.
  std::optional<uint64_t> expected_version;
  SyncMode sync = SyncMode::kDefault;
  // kDefault: LogOptions::compression and compression_level; otherwise these, for this append.
  LogCompression compression = LogCompression::kDefault;
  int compression_level = 1;
};

struct ReadOptions {
  // Global position to start at (positions start at 1). Ignored when `stream` is set.
  uint64_t from_position = 1;
  // Read one stream only, from this version on (versions start at 1).
  std::string stream;
  uint64_t from_version = 1;
  // Only these event types (all when empty).
  std::vector<std::string> types;
  // Only events with event time >= this (a filter: the log is in append order, not time order).
  TimeUs min_event_time = kMinTime;
};

}  // namespace sluice
