#include "operators/generator_source.h"

#include <algorithm>

namespace sluice {

GeneratorSource::GeneratorSource(uint64_t events, uint64_t keys, SourceOptions options)
    : events_(events), keys_(keys), options_(std::move(options)) {}

Status GeneratorSource::Next(Batch* batch, bool* eof) {
  const uint64_t n = std::min<uint64_t>(options_.batch_size, events_ - next_);
  std::vector<int64_t>& key = batch->columns[0].i64;
  std::vector<int64_t>& ts = batch->columns[1].i64;
  std::vector<double>& value = batch->columns[2].f64;
  std::vector<int64_t>& event_time = batch->ts;
  // reserve + push_back: no zero-fill of memory about to be overwritten.
  key.reserve(key.size() + n);
  ts.reserve(ts.size() + n);
  value.reserve(value.size() + n);
  event_time.reserve(event_time.size() + n);
  const FastMod64 keys = keys_;
  const uint64_t first = next_;
  const bool has_time = options_.event_time_index == 1;
  for (uint64_t i = first; i < first + n; ++i) {
    key.push_back(static_cast<int64_t>(keys.Mod(SplitMix64(i))));
    ts.push_back(GeneratorTime(i));
    value.push_back(GeneratorValue(i));
    event_time.push_back(has_time ? GeneratorTime(i) : 0);
  }
  next_ += n;
  batch->source_position = next_;
  *eof = next_ >= events_;
  return Status::OK();
}

}  // namespace sluice
