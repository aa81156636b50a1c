#include "operators/generator_source.h"

#include <algorithm>

namespace sluice {

GeneratorSource::GeneratorSource(uint64_t events, uint64_t keys, SourceOptions options)
    : events_(events), keys_(keys), options_(std::move(options)) {}

Status GeneratorSource::Next(Batch* batch, bool* eof) {
  const uint64_t n = std::min<uint64_t>(options_.batch_size, events_ - next_);
  const size_t base = batch->size();
  // resize() zero-fills; one memset pass is cheaper than a capacity check per push_back.
  batch->columns[0].i64.resize(base + n);
  batch->columns[1].i64.resize(base + n);
  batch->columns[2].f64.resize(base + n);
  batch->ts.resize(base + n);
  int64_t* key = batch->columns[0].i64.data() + base;
  int64_t* ts = batch->columns[1].i64.data() + base;
  double* value = batch->columns[2].f64.data() + base;
  int64_t* event_time = batch->ts.data() + base;
  const FastMod64 keys = keys_;
  const uint64_t first = next_;
  const bool has_time = options_.event_time_index == 1;
  for (uint64_t j = 0; j < n; ++j) {
    const uint64_t i = first + j;
    key[j] = static_cast<int64_t>(keys.Mod(SplitMix64(i)));
    ts[j] = GeneratorTime(i);
    value[j] = GeneratorValue(i);
    event_time[j] = has_time ? GeneratorTime(i) : 0;
  }
  next_ += n;
  batch->source_position = next_;
  *eof = next_ >= events_;
  return Status::OK();
}

}  // namespace sluice
