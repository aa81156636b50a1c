#include "operators/pane_snapshot.h"

#include <absl/container/flat_hash_set.h>

#include "operators/keyed_stage_base.h"

namespace sluice {

Status KeyedBase::ReadPaneSnapshot(std::string_view in, int64_t pane, PaneSnapshot* out) const {
  StateReader r(in, "pane window snapshot");
  ReadPrologue(&r, kStatePaneWindow, &out->arrival, &out->late);
  const size_t n_aggs = def_.aggregates.size();
  auto& panes = out->panes;
  panes.resize(r.Count(2));
  absl::flat_hash_set<std::string_view> seen;
  for (size_t i = 0; i < panes.size() && r.ok(); ++i) {
    auto& [start, entries] = panes[i];
    start = r.Signed();
    if (r.ok() && (start % pane != 0 || (i > 0 && start <= panes[i - 1].first))) {
      r.Fail("has panes out of order or not aligned to the pane width");
    }
    entries.resize(r.Count(kMinKeyBytes + MinAccBytes(n_aggs)));
    seen.clear();
    for (size_t j = 0; j < entries.size() && r.ok(); ++j) {
      entries[j].key = ReadKey(&r);
      ReadAcc(&r, n_aggs, &entries[j].acc);
      if (r.ok() && !seen.insert(entries[j].key).second) r.Fail("has a key twice in a pane");
    }
  }
  auto& pending = out->pending;
  pending.resize(r.Count(1));
  for (size_t i = 0; i < pending.size() && r.ok(); ++i) {
    pending[i] = r.Signed();
    if (r.ok() && i > 0 && pending[i] <= pending[i - 1]) r.Fail("has pending windows out of order");
  }
  if (!r.ExpectEnd()) return r.status();
  return Status::OK();
}

}  // namespace sluice
