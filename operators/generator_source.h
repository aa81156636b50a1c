// GeneratorSource: synthetic events for tests and benchmarks.
//
// Event i (i = 0 .. events-1) has key = SplitMix64(i) mod K, ts = i microseconds and
// value = i mod 100, in the fixed schema key:int64, ts:timestamp_us, value:double
// (GeneratorSchema()). The per-event formula is inline below so benchmarks can write the same loop
// by hand.
#pragma once

#include <cstdint>

#include "operators/source.h"

namespace sluice {

// Vigna's splitmix64: the first output of a generator whose state is `i`.
inline uint64_t SplitMix64(uint64_t i) {
  uint64_t z = i + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// REQUIRES: keys > 0.
inline uint64_t GeneratorKey(uint64_t i, uint64_t keys) { return SplitMix64(i) % keys; }
inline int64_t GeneratorTime(uint64_t i) { return static_cast<int64_t>(i); }
inline double GeneratorValue(uint64_t i) { return static_cast<double>(i % 100); }

// x mod d without a division (Lemire, Kaser and Kurz, "Faster remainder by direct computation",
// 2019): exact for every 64-bit x and d > 0. Mod(x) == x % d.
class FastMod64 {
 public:
  explicit FastMod64(uint64_t d) : d_(d), m_(~static_cast<unsigned __int128>(0) / d + 1) {}
  uint64_t Mod(uint64_t x) const {
    unsigned __int128 low = m_ * x;
    unsigned __int128 bottom =
        (static_cast<unsigned __int128>(static_cast<uint64_t>(low)) * d_) >> 64;
    unsigned __int128 top = static_cast<unsigned __int128>(static_cast<uint64_t>(low >> 64)) * d_;
    return static_cast<uint64_t>((bottom + top) >> 64);
  }

 private:
  uint64_t d_;
  unsigned __int128 m_;
};

class GeneratorSource final : public Source {
 public:
  // REQUIRES: keys > 0; options.schema is GeneratorSchema().
  GeneratorSource(uint64_t events, uint64_t keys, SourceOptions options);

  Status Open() override { return Status::OK(); }
  // Appends the next min(batch_size, events left) events; source_position = events produced.
  Status Next(Batch* batch, bool* eof) override;

  // The position (codecs/state_codec.h) is
  //   generator-position := header(kStateGeneratorSource, 1) next_event:varint
  // the index of the next event to produce (= events produced). Restoring a position past
  // `events` is InvalidArgument.
  bool can_resume() const override { return true; }
  Status SavePosition(std::string* out) const override;
  Status RestorePosition(std::string_view in) override;
  // "event <next_event>".
  std::string DescribePosition(std::string_view saved) const override;
  bool Progress(uint64_t* done, uint64_t* total) const override {
    *done = next_;
    *total = events_;
    return true;
  }

 private:
  const uint64_t events_;
  const FastMod64 keys_;
  const SourceOptions options_;
  uint64_t next_ = 0;
};

}  // namespace sluice
