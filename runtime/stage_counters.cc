#include "runtime/stage_counters.h"

#include <algorithm>
#include <chrono>

namespace sluice {
namespace {

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

StageStats ReadOne(const StageCounter& c) {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  StageStats s;
  s.name = c.name;
  s.rows_in = c.rows_in.load(kRelaxed);
  s.rows_out = c.rows_out.load(kRelaxed);
  s.filtered = c.filtered.load(kRelaxed);
  s.late = c.late.load(kRelaxed);
  s.dead_letters = c.dead_letters.load(kRelaxed);
  s.batches_in = c.batches_in.load(kRelaxed);
  s.batches_out = c.batches_out.load(kRelaxed);
  s.busy_s = c.busy_ns.load(kRelaxed) / 1e9;
  s.state_keys = c.state_keys.load(kRelaxed);
  s.state_bytes = c.state_bytes.load(kRelaxed);
  s.watermark = c.watermark.load(kRelaxed);
  return s;
}

}  // namespace

StageStats StageCounter::Read() const {
  StageStats s = ReadOne(*this);
  if (lanes.empty()) return s;
  TimeUs wm = kMaxTime;
  for (size_t i = 0; i < lanes.size(); ++i) {
    StageStats l = ReadOne(*lanes[i]);
    l.lane = static_cast<int>(i);
    s.rows_in += l.rows_in;
    s.rows_out += l.rows_out;
    s.filtered += l.filtered;
    s.late += l.late;
    s.dead_letters += l.dead_letters;
    s.batches_in += l.batches_in;
    s.batches_out += l.batches_out;
    s.busy_s += l.busy_s;
    s.state_keys += l.state_keys;
    s.state_bytes += l.state_bytes;
    wm = std::min(wm, l.watermark);
    s.lanes.push_back(std::move(l));
  }
  s.watermark = wm;
  return s;
}

std::vector<StageStats> StageCounters::Read() const {
  std::vector<StageStats> out;
  for (const auto& c : all) out.push_back(c->Read());
  return out;
}

BusyTimer::BusyTimer(StageCounter* counter) : counter_(counter), start_ns_(SteadyNs()) {}

BusyTimer::~BusyTimer() {
  counter_->busy_ns.fetch_add(static_cast<uint64_t>(SteadyNs() - start_ns_),
                              std::memory_order_relaxed);
}

}  // namespace sluice
