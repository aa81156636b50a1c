// CRC-32C (Castagnoli), as used by leveldb and iSCSI. Uses the SSE4.2 crc32 instruction when the
// CPU has it, a slicing-by-8 table otherwise. Thread-safe; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::crc32c {

// The crc32c of concat(A, data[0,n-1]) where init_crc is the crc32c of some string A.
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);

// The crc32c of data[0,n-1].
inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }

// A masked CRC is what gets stored: computing the CRC of a string that contains embedded CRCs is
// problematic, so stored CRCs are rotated and offset (leveldb's mask).
constexpr uint32_t kMaskDelta = 0xa282ead8ul;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return ((rot >> 17) | (rot << 15));
}

// True when the hardware path is in use (for benchmarks and docs).
bool HardwareAccelerated();

namespace internal {
// The table-driven path, exposed so tests can compare it with the hardware path.
uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n);
}  // namespace internal

}  // namespace sluice::crc32c
