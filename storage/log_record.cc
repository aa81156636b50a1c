#include "storage/log_record.h"

#include <fmt/format.h>

#include <cstring>

#include "codecs/coding.h"
#include "codecs/crc32c.h"

namespace sluice::log {
int HeaderSize(RecordType type) { return type == kBatchType ? kBatchHeaderSize : kHeaderSize; }

void FrameRecord(RecordType type, std::string_view body, char* dst, Compression compression) {
  const int header = HeaderSize(type);
  std::memset(dst + kCrcSize, 0, header - kCrcSize);
  dst[kCrcSize] = static_cast<char>(type);
  if (type == kBatchType) dst[kCompressionOffset] = static_cast<char>(compression);
  std::memcpy(dst + header, body.data(), body.size());
  const uint32_t crc = crc32c::Value(dst + kCrcSize, header - kCrcSize + body.size());
  EncodeFixed32(dst, crc32c::Mask(crc));
}

bool PeekFrame(std::string_view value, RecordFrame* frame) {
  if (value.size() < static_cast<size_t>(kHeaderSize)) return false;
  const uint8_t t = static_cast<uint8_t>(value[kCrcSize]);
  if (t == kZeroType || t > kMaxRecordType) return false;
  frame->type = static_cast<RecordType>(t);
  const size_t header = static_cast<size_t>(HeaderSize(frame->type));
  if (value.size() < header) return false;
  frame->compression = kUncompressed;
  if (frame->type == kBatchType) {
    const uint8_t c = static_cast<uint8_t>(value[kCompressionOffset]);
    if (c > kMaxCompression) return false;
    frame->compression = static_cast<Compression>(c);
  }
  frame->body = value.substr(header);
  return true;
}

Status UnframeRecord(uint64_t position, std::string_view value, RecordFrame* frame) {
  if (value.size() < static_cast<size_t>(kHeaderSize)) {
    return Status::Corruption(
        fmt::format("record at position {} is truncated ({} bytes)", position, value.size()));
  }
  uint32_t expected = crc32c::Unmask(DecodeFixed32(value.data()));
  uint32_t actual = crc32c::Value(value.data() + kCrcSize, value.size() - kCrcSize);
  if (actual != expected) {
    return Status::Corruption(fmt::format("record at position {}: checksum mismatch", position));
  }
  if (!PeekFrame(value, frame)) {
    const uint8_t t = static_cast<uint8_t>(value[kCrcSize]);
    if (t == kZeroType || t > kMaxRecordType) {
      return Status::Corruption(
          fmt::format("record at position {} has unknown type {}", position, t));
    }
    if (value.size() < static_cast<size_t>(HeaderSize(static_cast<RecordType>(t)))) {
      return Status::Corruption(
          fmt::format("record at position {} is truncated ({} bytes)", position, value.size()));
    }
    return Status::Corruption(fmt::format("record at position {} has unknown compression {}",
                                          position,
                                          static_cast<uint8_t>(value[kCompressionOffset])));
  }
  return Status::OK();
}

}  // namespace sluice::log
