#include "storage/log_record.h"

#include <fmt/format.h>

#include <cstring>

#include "codecs/coding.h"
#include "codecs/crc32c.h"

namespace sluice::log {
namespace {

// The CRC of each type's header bytes after the checksum, computed once (leveldb's type_crc_).
struct TypeCrcs {
  uint32_t crc[kMaxRecordType + 1];
  TypeCrcs() {
    for (int t = 0; t <= kMaxRecordType; ++t) {
      char header[kBatchHeaderSize - kCrcSize] = {static_cast<char>(t), 0, 0, 0};
      crc[t] = crc32c::Value(header, HeaderSize(static_cast<RecordType>(t)) - kCrcSize);
    }
  }
};
const TypeCrcs& Crcs() {
  static const TypeCrcs crcs;
  return crcs;
}

}  // namespace

int HeaderSize(RecordType type) { return type == kBatchType ? kBatchHeaderSize : kHeaderSize; }

void FrameRecord(RecordType type, std::string_view body, char* dst) {
  const int header = HeaderSize(type);
  uint32_t crc = crc32c::Extend(Crcs().crc[type], body.data(), body.size());
  EncodeFixed32(dst, crc32c::Mask(crc));
  std::memset(dst + kCrcSize, 0, header - kCrcSize);
  dst[kCrcSize] = static_cast<char>(type);
  std::memcpy(dst + header, body.data(), body.size());
}

Status UnframeRecord(uint64_t position, std::string_view value, RecordType* type,
                     std::string_view* body) {
  if (value.size() < static_cast<size_t>(kHeaderSize)) {
    return Status::Corruption(
        fmt::format("record at position {} is truncated ({} bytes)", position, value.size()));
  }
  uint32_t expected = crc32c::Unmask(DecodeFixed32(value.data()));
  uint32_t actual = crc32c::Value(value.data() + kCrcSize, value.size() - kCrcSize);
  if (actual != expected) {
    return Status::Corruption(fmt::format("record at position {}: checksum mismatch", position));
  }
  uint8_t t = static_cast<uint8_t>(value[kCrcSize]);
  if (t == kZeroType || t > kMaxRecordType) {
    return Status::Corruption(
        fmt::format("record at position {} has unknown type {}", position, t));
  }
  *type = static_cast<RecordType>(t);
  const size_t header = static_cast<size_t>(HeaderSize(*type));
  if (value.size() < header) {
    return Status::Corruption(
        fmt::format("record at position {} is truncated ({} bytes)", position, value.size()));
  }
  *body = value.substr(header);
  return Status::OK();
}

}  // namespace sluice::log
