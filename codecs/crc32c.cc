#include "codecs/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace sluice::crc32c {
namespace {

constexpr uint32_t kPoly = 0x82f63b78u;  // reflected Castagnoli polynomial

using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

uint32_t ExtendPortable(uint32_t crc, const uint8_t* p, size_t n) {
  uint32_t c = ~crc;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    v ^= c;  // little-endian hosts only (x86-64, aarch64)
    c = kTables[7][v & 0xff] ^ kTables[6][(v >> 8) & 0xff] ^ kTables[5][(v >> 16) & 0xff] ^
        kTables[4][(v >> 24) & 0xff] ^ kTables[3][(v >> 32) & 0xff] ^ kTables[2][(v >> 40) & 0xff] ^
        kTables[1][(v >> 48) & 0xff] ^ kTables[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) c = kTables[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

#if defined(__x86_64__)
// The crc32 instruction has a latency of three cycles and a throughput of one, so one dependent
// chain uses a third of it. Long inputs run three chains over adjacent blocks of kBlock bytes and
// join them: with raw (uninverted) states, crc(s, A B) = Shift(crc(s, A)) ^ crc(0, B), where
// Shift(t) = crc(t, kBlock zero bytes) is linear in t and read from four byte tables.
constexpr size_t kBlock = 1024;

__attribute__((target("sse4.2"))) uint64_t RawSse42(uint64_t c, const uint8_t* p, size_t n) {
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

struct ShiftTables {
  uint32_t t[4][256];
  ShiftTables() {
    static const uint8_t zeros[kBlock] = {};
    uint32_t bit[32];
    for (int b = 0; b < 32; ++b) bit[b] = static_cast<uint32_t>(RawSse42(1u << b, zeros, kBlock));
    for (int j = 0; j < 4; ++j) {
      for (uint32_t v = 0; v < 256; ++v) {
        uint32_t x = 0;
        for (int k = 0; k < 8; ++k) {
          if (v & (1u << k)) x ^= bit[8 * j + k];
        }
        t[j][v] = x;
      }
    }
  }
  uint32_t Shift(uint32_t c) const {
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
  }
};

__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = ~crc;
  if (n >= 3 * kBlock) {
    static const ShiftTables shift;
    do {
      uint64_t c1 = 0, c2 = 0;
      for (size_t i = 0; i < kBlock; i += 8) {
        uint64_t v0, v1, v2;
        std::memcpy(&v0, p + i, 8);
        std::memcpy(&v1, p + kBlock + i, 8);
        std::memcpy(&v2, p + 2 * kBlock + i, 8);
        c = _mm_crc32_u64(c, v0);
        c1 = _mm_crc32_u64(c1, v1);
        c2 = _mm_crc32_u64(c2, v2);
      }
      const uint32_t joined = shift.Shift(static_cast<uint32_t>(c)) ^ static_cast<uint32_t>(c1);
      c = shift.Shift(joined) ^ static_cast<uint32_t>(c2);
      p += 3 * kBlock;
      n -= 3 * kBlock;
    } while (n >= 3 * kBlock);
  }
  return ~static_cast<uint32_t>(RawSse42(c, p, n));
}

bool DetectSse42() { return __builtin_cpu_supports("sse4.2"); }
#else
bool DetectSse42() { return false; }
#endif

const bool kHardware = DetectSse42();

}  // namespace

uint32_t Extend(uint32_t init_crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
#if defined(__x86_64__)
  if (kHardware) return ExtendSse42(init_crc, p, n);
#endif
  return ExtendPortable(init_crc, p, n);
}

bool HardwareAccelerated() { return kHardware; }

uint32_t internal::ExtendPortable(uint32_t init_crc, const char* data, size_t n) {
  return sluice::crc32c::ExtendPortable(init_crc, reinterpret_cast<const uint8_t*>(data), n);
}

}  // namespace sluice::crc32c
