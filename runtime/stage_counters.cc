#include "runtime/stage_counters.h"

namespace sluice {

StageStats StageCounter::Read() const {
  StageStats s;
  s.name = name;
  s.rows_in = rows_in.load(std::memory_order_relaxed);
  s.rows_out = rows_out.load(std::memory_order_relaxed);
  s.filtered = filtered.load(std::memory_order_relaxed);
  s.late = late.load(std::memory_order_relaxed);
  s.dead_letters = dead_letters.load(std::memory_order_relaxed);
  return s;
}

std::vector<StageStats> StageCounters::Read() const {
  std::vector<StageStats> out;
  for (const auto& c : all) out.push_back(c->Read());
  return out;
}

}  // namespace sluice
