// Log record format. See docs/log_format.md.
//
// Each event is one LMDB record in the "events" database:
//   key   = global position, uint64 big-endian (8 bytes); positions start at 1 and only grow,
//           so records are written with MDB_APPEND
//   value = [masked crc32c : 4, little-endian][type : 1][body]
// The CRC covers the type byte and the body; it is masked as in leveldb (codecs/crc32c.h).
#pragma once

#include <cstdint>

namespace sluice::log {

enum RecordType : uint8_t {
  kZeroType = 0,   // reserved: never written, so zeroed memory is not a valid record
  kEventType = 1,  // body = Envelope flatbuffer (codecs/schema/envelope.fbs)
};
constexpr uint8_t kMaxRecordType = kEventType;

constexpr int kCrcSize = 4;
constexpr int kHeaderSize = kCrcSize + 1;  // crc, type

// Named LMDB databases of one log environment.
constexpr const char* kEventsDb = "sluice.events";    // position -> record
constexpr const char* kStreamsDb = "sluice.streams";  // stream id, 0x00, version (BE64) -> position
constexpr const char* kIdsDb = "sluice.ids";    // caller-chosen event id (hi, lo BE64) -> position
constexpr const char* kMetaDb = "sluice.meta";  // name -> value
constexpr const char* kReservedPrefix = "sluice.";  // user databases may not start with this

constexpr const char* kMetaFormatVersion = "format_version";  // "1"
constexpr const char* kMetaFirstPosition = "first_position";  // BE64: lowest live position
// + stream id -> BE64: the last version of a stream whose events truncation removed, all of them
constexpr const char* kMetaLastVersionPrefix = "last_version:";
constexpr uint32_t kFormatVersion = 1;

}  // namespace sluice::log
