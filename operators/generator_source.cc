#include "operators/generator_source.h"

#include <fmt/format.h>

#include <algorithm>

#include "codecs/state_codec.h"

namespace sluice {
namespace {

constexpr uint32_t kPositionVersion = 1;

Status DecodePosition(std::string_view in, uint64_t* next) {
  StateReader r(in, "generator source position");
  uint32_t version = 0;
  r.ReadHeader(kStateGeneratorSource, kPositionVersion, &version);
  *next = r.Varint();
  r.ExpectEnd();
  return r.status();
}

}  // namespace

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

Status GeneratorSource::SavePosition(std::string* out) const {
  StateWriter w(out);
  w.PutHeader(kStateGeneratorSource, kPositionVersion);
  w.PutVarint(next_);
  return Status::OK();
}

Status GeneratorSource::RestorePosition(std::string_view in) {
  uint64_t next = 0;
  SLUICE_RETURN_IF_ERROR(DecodePosition(in, &next));
  if (next > events_) {
    return Status::InvalidArgument(
        fmt::format("generator source: the checkpointed position (event {}) is past its {} events",
                    next, events_));
  }
  next_ = next;
  return Status::OK();
}

std::string GeneratorSource::DescribePosition(std::string_view saved) const {
  uint64_t next = 0;
  if (!DecodePosition(saved, &next).ok()) return "";
  return fmt::format("event {}", next);
}

}  // namespace sluice
