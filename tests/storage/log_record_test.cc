#include "storage/log_record.h"

#include <doctest/doctest.h>

#include <string>

#include "codecs/crc32c.h"

namespace sluice {
namespace {

std::string Frame(std::string_view body) {
  std::string v(log::kHeaderSize + body.size(), '\0');
  log::FrameRecord(log::kEventType, body, v.data());
  return v;
}

TEST_CASE("crc32c: standard test vectors") {
  std::string buf(32, '\0');
  CHECK(crc32c::Value(buf.data(), buf.size()) == 0x8a9136aau);
  buf.assign(32, '\xff');
  CHECK(crc32c::Value(buf.data(), buf.size()) == 0x62a8ab43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(i);
  CHECK(crc32c::Value(buf.data(), buf.size()) == 0x46dd794eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(31 - i);
  CHECK(crc32c::Value(buf.data(), buf.size()) == 0x113fdb5cu);
}

TEST_CASE("crc32c: extend equals value of the concatenation on both code paths") {
  std::string s = "hello world, this string is longer than eight bytes";
  uint32_t whole = crc32c::Value(s.data(), s.size());
  CHECK(crc32c::Extend(crc32c::Value(s.data(), 5), s.data() + 5, s.size() - 5) == whole);
  CHECK(crc32c::internal::ExtendPortable(0, s.data(), s.size()) == whole);
  CHECK(crc32c::internal::ExtendPortable(0, s.data(), 3) == crc32c::Value(s.data(), 3));
}

TEST_CASE("crc32c: long inputs (three interleaved chains) agree with the table path") {
  std::string s(40000, '\0');
  uint64_t x = 88172645463325252ull;
  for (char& c : s) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  for (size_t n : {3071, 3072, 3073, 6144, 9000, 20001, 40000}) {
    CAPTURE(n);
    const uint32_t portable = crc32c::internal::ExtendPortable(0, s.data(), n);
    CHECK(crc32c::Value(s.data(), n) == portable);
    // Split at odd places: the second part starts from a non-zero state.
    const uint32_t first = crc32c::Value(s.data(), 5);
    CHECK(crc32c::Extend(first, s.data() + 5, n - 5) == portable);
  }
}

TEST_CASE("crc32c: mask is reversible and differs from the crc") {
  uint32_t crc = crc32c::Value("foo", 3);
  CHECK(crc32c::Mask(crc) != crc);
  CHECK(crc32c::Mask(crc32c::Mask(crc)) != crc);
  CHECK(crc32c::Unmask(crc32c::Mask(crc)) == crc);
  CHECK(crc32c::Unmask(crc32c::Unmask(crc32c::Mask(crc32c::Mask(crc)))) == crc);
}

TEST_CASE("log record: frame round trip") {
  std::string v = Frame("body bytes");
  log::RecordFrame f;
  REQUIRE(log::UnframeRecord(3, v, &f).ok());
  CHECK(f.type == log::kEventType);
  CHECK(f.compression == log::kUncompressed);
  CHECK(f.body == "body bytes");
}

TEST_CASE("log record: batch frames record their compression, covered by the checksum") {
  const std::string_view body = "a zstd frame, say";
  for (log::Compression c : {log::kUncompressed, log::kZstd}) {
    std::string v(log::kBatchHeaderSize + body.size(), '\0');
    log::FrameRecord(log::kBatchType, body, v.data(), c);
    log::RecordFrame f;
    REQUIRE(log::UnframeRecord(4, v, &f).ok());
    CHECK(f.type == log::kBatchType);
    CHECK(f.compression == c);
    CHECK(f.body == body);
    log::RecordFrame peeked;
    REQUIRE(log::PeekFrame(v, &peeked));
    CHECK(peeked.compression == c);
    // Another compression byte breaks the checksum.
    std::string other = v;
    other[log::kCompressionOffset] = static_cast<char>(c == log::kZstd ? 0 : 1);
    CHECK(log::UnframeRecord(4, other, &f).IsCorruption());
  }
  // An unknown compression under a valid checksum is refused by name.
  std::string v(log::kBatchHeaderSize + body.size(), '\0');
  log::FrameRecord(log::kBatchType, body, v.data(), static_cast<log::Compression>(7));
  log::RecordFrame f;
  Status s = log::UnframeRecord(4, v, &f);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("unknown compression 7") != std::string::npos);
  CHECK_FALSE(log::PeekFrame(v, &f));
}

TEST_CASE("log record: truncated or bit-flipped or unknown-type records are corruption") {
  log::RecordFrame f;
  std::string v = Frame("body bytes");
  Status s = log::UnframeRecord(9, std::string_view(v).substr(0, 3), &f);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("position 9") != std::string::npos);
  CHECK(log::UnframeRecord(9, std::string_view(v).substr(0, v.size() - 1), &f).IsCorruption());
  for (size_t i = 0; i < v.size(); ++i) {
    std::string flipped = v;
    flipped[i] ^= 0x01;
    CHECK(log::UnframeRecord(9, flipped, &f).IsCorruption());
  }
  std::string zero(12, '\0');
  CHECK(log::UnframeRecord(9, zero, &f).IsCorruption());
}

}  // namespace
}  // namespace sluice
