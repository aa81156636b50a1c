// Fixed-width integer encoding (leveldb util/coding.h style). Header-only; no allocation.
//
// Little-endian helpers frame record headers; big-endian helpers build LMDB keys, whose byte order
// must match numeric order so that cursors walk positions in sequence.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice {

inline void EncodeFixed32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>(v >> (8 * i));
}
inline void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  EncodeFixed32(buf, v);
  dst->append(buf, 4);
}
inline uint32_t DecodeFixed32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return uint32_t{u[0]} | (uint32_t{u[1]} << 8) | (uint32_t{u[2]} << 16) | (uint32_t{u[3]} << 24);
}

inline void PutBigEndian32(std::string* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst->push_back(static_cast<char>(v >> (24 - 8 * i)));
}
inline uint32_t DecodeBigEndian32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

inline void EncodeBigEndian64(char* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>(v >> (56 - 8 * i));
}
inline uint64_t DecodeBigEndian64(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | u[i];
  return v;
}
inline void PutBigEndian64(std::string* dst, uint64_t v) {
  char buf[8];
  EncodeBigEndian64(buf, v);
  dst->append(buf, 8);
}

// An 8-byte big-endian key held by value, so callers need no buffer of their own.
struct BigEndianKey {
  char bytes[8];
  explicit BigEndianKey(uint64_t v) { EncodeBigEndian64(bytes, v); }
  std::string_view view() const { return std::string_view(bytes, 8); }
};

}  // namespace sluice
