// Framing of one log record value: [masked crc32c:4][type:1][body], or for a batch
// [masked crc32c:4][type:1][compression:1][zero:2][body] (storage/log_format.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/log_format.h"

namespace sluice::log {

// Bytes before the body: kHeaderSize, or kBatchHeaderSize for a batch.
int HeaderSize(RecordType type);

// A framed value's parts. `body` is as stored: a zstd frame when compression is kZstd.
struct RecordFrame {
  RecordType type = kZeroType;
  Compression compression = kUncompressed;
  std::string_view body;
};

// Writes header and body into dst, which has room for HeaderSize(type) + body.size() bytes.
// REQUIRES: compression == kUncompressed unless type == kBatchType.
void FrameRecord(RecordType type, std::string_view body, char* dst,
                 Compression compression = kUncompressed);

// Checks the frame of the record stored at `position` and sets *frame (its body a view into
// `value`). Corruption naming the position when the value is short, the CRC does not match or the
// type or compression is unknown.
Status UnframeRecord(uint64_t position, std::string_view value, RecordFrame* frame);

// Reads the header without checking the CRC (for statistics; readers use UnframeRecord).
// False when the value is too short or the type or compression is unknown.
bool PeekFrame(std::string_view value, RecordFrame* frame);

}  // namespace sluice::log
