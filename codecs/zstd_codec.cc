#include "codecs/zstd_codec.h"

#include <fmt/format.h>
#include <zstd.h>

namespace sluice {

ZstdCompressor::ZstdCompressor() : cctx_(ZSTD_createCCtx()) {}
ZstdCompressor::~ZstdCompressor() { ZSTD_freeCCtx(cctx_); }

Status ZstdCompressor::Compress(std::string_view src, int level, std::string* dst) {
  if (cctx_ == nullptr) return Status::IOError("zstd: out of memory for a compression context");
  dst->resize(ZSTD_compressBound(src.size()));
  const size_t n =
      ZSTD_compressCCtx(cctx_, dst->data(), dst->size(), src.data(), src.size(), level);
  if (ZSTD_isError(n)) {
    return Status::IOError(fmt::format("zstd compression failed: {}", ZSTD_getErrorName(n)));
  }
  dst->resize(n);
  return Status::OK();
}

ZstdDecompressor::ZstdDecompressor() : dctx_(ZSTD_createDCtx()) {}
ZstdDecompressor::~ZstdDecompressor() { ZSTD_freeDCtx(dctx_); }

Status ZstdDecompressor::ContentSize(std::string_view src, uint64_t max_size, uint64_t* size) {
  const unsigned long long n = ZSTD_getFrameContentSize(src.data(), src.size());
  if (n == ZSTD_CONTENTSIZE_ERROR) return Status::Corruption("not a zstd frame");
  if (n == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Status::Corruption("zstd frame without a content size");
  }
  if (n > max_size) {
    return Status::Corruption(
        fmt::format("zstd frame declares {} bytes, more than the limit of {}", n, max_size));
  }
  *size = n;
  return Status::OK();
}

Status ZstdDecompressor::Decompress(std::string_view src, char* dst, size_t size) {
  if (dctx_ == nullptr) return Status::IOError("zstd: out of memory for a decompression context");
  const size_t n = ZSTD_decompressDCtx(dctx_, dst, size, src.data(), src.size());
  if (ZSTD_isError(n)) {
    return Status::Corruption(
        fmt::format("zstd frame does not decompress: {}", ZSTD_getErrorName(n)));
  }
  if (n != size) {
    return Status::Corruption(
        fmt::format("zstd frame decompresses to {} bytes, declared {}", n, size));
  }
  return Status::OK();
}

}  // namespace sluice
