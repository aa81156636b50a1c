// Keys of the log's LMDB databases (storage/log_format.h). Internal to storage/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "codecs/coding.h"
#include "codecs/envelope.h"
#include "storage/log_format.h"

namespace sluice::log {

// Stream index key: stream id, 0x00, version (big-endian), so one stream's keys are contiguous
// and ordered by version.
inline void StreamKey(std::string_view stream, uint64_t version, std::string* key) {
  key->assign(stream);
  key->push_back('\0');
  PutBigEndian64(key, version);
}

// The version in a stream index key of `stream`, or 0 when the key belongs to another stream.
inline uint64_t VersionOfStreamKey(std::string_view key, std::string_view stream) {
  if (key.size() != stream.size() + 9 || key.substr(0, stream.size()) != stream ||
      key[stream.size()] != '\0') {
    return 0;
  }
  return DecodeBigEndian64(key.data() + stream.size() + 1);
}

// Metadata key keeping the last version of a stream that truncation emptied.
inline std::string LastVersionKey(std::string_view stream) {
  std::string key = kMetaLastVersionPrefix;
  key.append(stream);
  return key;
}

struct IdKey {
  char bytes[16];
  explicit IdKey(const EventId& id) {
    EncodeBigEndian64(bytes, id.hi);
    EncodeBigEndian64(bytes + 8, id.lo);
  }
  std::string_view view() const { return std::string_view(bytes, 16); }
};

// Stream index value: the position of a record and, when it holds more than one event, their
// count (format-1 records hold one event and store the position alone).
inline void StreamValue(uint64_t position, uint32_t count, std::string* value) {
  value->clear();
  PutBigEndian64(value, position);
  if (count > 1) {
    char c[4] = {static_cast<char>(count >> 24), static_cast<char>(count >> 16),
                 static_cast<char>(count >> 8), static_cast<char>(count)};
    value->append(c, 4);
  }
}
// False when the value has neither form.
inline bool DecodeStreamValue(std::string_view v, uint64_t* position, uint32_t* count) {
  if (v.size() != 8 && v.size() != 12) return false;
  *position = DecodeBigEndian64(v.data());
  *count = 1;
  if (v.size() == 12) {
    const auto* b = reinterpret_cast<const uint8_t*>(v.data() + 8);
    *count = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  }
  return *position > 0 && *count > 0;
}

// Decodes an 8-byte big-endian value (a position); 0 when the size is wrong.
inline uint64_t DecodePosition(std::string_view v) {
  return v.size() == 8 ? DecodeBigEndian64(v.data()) : 0;
}

}  // namespace sluice::log
