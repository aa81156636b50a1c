// The snapshot of a tumbling or sliding window (pane_window.cc, tumbling_window.cc), one format
// for both, so either operator restores what the other wrote:
//   snapshot := prologue panes:count pane* pending:count end:signed*  (increasing)
//   pane     := start:signed accs:count (key:string acc)*             (insertion order)
// A tumbling window's panes are its windows.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "operators/accumulators.h"

namespace sluice {

struct PaneSnapshot {
  struct Entry {
    std::string_view key;  // points into the snapshot
    Acc acc;
  };
  std::vector<std::pair<int64_t, std::vector<Entry>>> panes;  // by increasing start
  std::vector<int64_t> pending;                                // increasing
  uint64_t arrival = 0;
  uint64_t late = 0;
};

// A restored count, sum or avg state: the fields it has.
inline void AssignState(AggState* to, AggState&& from) { *to = std::move(from); }
inline void AssignState(SumState* to, AggState&& from) {
  to->n = from.n;
  to->isum = from.isum;
  to->dsum = from.dsum;
}

}  // namespace sluice
