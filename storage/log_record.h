// Framing of one log record value: [masked crc32c:4][type:1][body] (storage/log_format.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/log_format.h"

namespace sluice::log {

// Bytes before the body: kHeaderSize, or kBatchHeaderSize for a batch.
int HeaderSize(RecordType type);

// Writes header and body into dst, which has room for HeaderSize(type) + body.size() bytes.
void FrameRecord(RecordType type, std::string_view body, char* dst);

// Checks the frame of the record stored at `position` and sets *type and *body (a view into
// `value`). Corruption naming the position when the value is short, the CRC does not match or the
// type is unknown.
Status UnframeRecord(uint64_t position, std::string_view value, RecordType* type,
                     std::string_view* body);

}  // namespace sluice::log
