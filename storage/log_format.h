// Log record format. See docs/log_format.md.
//
// Each record of the "events" database holds one event (format 1) or a batch of consecutive events
// of one stream (format 2):
//   key   = global position of its (first) event, uint64 big-endian (8 bytes); positions start at
//           1 and only grow, so records are written with MDB_APPEND
//   value = [masked crc32c : 4, little-endian][type : 1][body]                 (type 1)
//         | [masked crc32c : 4, little-endian][type : 1][compression : 1][zero : 2][body] (type 2)
// The CRC covers everything after it; it is masked as in leveldb (codecs/crc32c.h). Type 2 pads
// its header to 8 bytes so that a batch in LMDB's overflow pages (page-aligned, 16-byte header)
// is read in place, 8-byte aligned. A compressed batch's body is one zstd frame holding the
// EventBatch; the frame records its content size.
#pragma once

#include <cstdint>

namespace sluice::log {

enum RecordType : uint8_t {
  kZeroType = 0,   // reserved: never written, so zeroed memory is not a valid record
  kEventType = 1,  // body = Envelope flatbuffer (codecs/schema/envelope.fbs); format 1 only
  kBatchType = 2,  // body = EventBatch flatbuffer (codecs/schema/event_batch.fbs)
};
constexpr uint8_t kMaxRecordType = kBatchType;

constexpr int kCrcSize = 4;
constexpr int kHeaderSize = kCrcSize + 1;  // crc, type
constexpr int kBatchHeaderSize = 8;        // crc, type, compression, two zero bytes
constexpr int kCompressionOffset = 5;      // of the compression byte in a type-2 header

enum Compression : uint8_t {
  kUncompressed = 0,  // written by every log before compression existed
  kZstd = 1,          // body = one zstd frame (codecs/zstd_codec.h) with its content size
};
constexpr uint8_t kMaxCompression = kZstd;
// Readers refuse a compressed batch that declares a larger EventBatch (writers never compress
// one that large: a batch holds at most kMaxBatchEvents events or about kMaxBatchBytes).
constexpr uint64_t kMaxInflatedBatchBytes = uint64_t{256} << 20;
// Writers store smaller batches uncompressed (a frame would save next to nothing).
constexpr uint64_t kMinCompressBytes = 512;

// Events per batch record: appends and log sinks split larger writes into batches of at most this
// many events or about kMaxBatchBytes of payload.
constexpr uint32_t kMaxBatchEvents = 4096;
constexpr uint64_t kMaxBatchBytes = uint64_t{1} << 20;

// Named LMDB databases of one log environment.
constexpr const char* kEventsDb = "sluice.events";  // position -> record
// stream id, 0x00, first version of a record (BE64) -> its position (BE64) [, events (BE32) when
// more than one]
constexpr const char* kStreamsDb = "sluice.streams";
constexpr const char* kIdsDb = "sluice.ids";    // caller-chosen event id (hi, lo BE64) -> position
constexpr const char* kMetaDb = "sluice.meta";  // name -> value
constexpr const char* kReservedPrefix = "sluice.";  // user databases may not start with this

constexpr const char* kMetaFormatVersion = "format_version";  // "2" ("1": no batch records)
constexpr const char* kMetaFirstPosition = "first_position";  // BE64: lowest live position
// BE64: the position the next append gets (written by every commit that appends; a format-1 log
// without it has one event per record, so its next position is the last key + 1)
constexpr const char* kMetaNextPosition = "next_position";
// + stream id -> BE64: the last version of a stream whose events truncation removed, all of them
constexpr const char* kMetaLastVersionPrefix = "last_version:";
// Format 2 added batch records; a format-1 log is read as it is and becomes format 2 when opened
// for writing (its records stay as they are).
constexpr uint32_t kFormatVersion = 2;
constexpr uint32_t kOldestFormatVersion = 1;

}  // namespace sluice::log
