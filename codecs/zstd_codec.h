// Zstandard (libzstd) compression of whole buffers, for the log's compressed batch records
// (docs/log_format.md). Each compressed buffer is one zstd frame that records its content size.
//
// Thread-safety: a ZstdCompressor or ZstdDecompressor is used by one thread at a time; each keeps
// its zstd context between calls so repeated calls allocate nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace sluice {

// zstd's fastest standard level is 1, its default 3, its strongest 19 (22 with more memory);
// negative levels trade ratio for more speed.
constexpr int kZstdMinLevel = -7;
constexpr int kZstdMaxLevel = 19;

class ZstdCompressor {
 public:
  ZstdCompressor();
  ~ZstdCompressor();
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  // Compresses `src` at `level` (kZstdMinLevel..kZstdMaxLevel) into *dst, replacing its contents.
  Status Compress(std::string_view src, int level, std::string* dst);

 private:
  ZSTD_CCtx_s* cctx_ = nullptr;
};

class ZstdDecompressor {
 public:
  ZstdDecompressor();
  ~ZstdDecompressor();
  ZstdDecompressor(const ZstdDecompressor&) = delete;
  ZstdDecompressor& operator=(const ZstdDecompressor&) = delete;

  // The content size the frame `src` declares. Corruption when it is not a zstd frame, does not
  // declare its size, or declares more than max_size bytes.
  static Status ContentSize(std::string_view src, uint64_t max_size, uint64_t* size);

  // Decompresses the frame `src` into dst[0, size), where `size` is its ContentSize. Corruption
  // when the frame is damaged or does not decompress to exactly `size` bytes.
  Status Decompress(std::string_view src, char* dst, size_t size);

 private:
  ZSTD_DCtx_s* dctx_ = nullptr;
};

}  // namespace sluice
