// The window of a reference configuration (reference_engine.h) added to a PipelineBuilder.
#pragma once

#include <string>
#include <vector>

#include "base/time_util.h"
#include "reference_engine.h"
#include "sluice/pipeline_builder.h"

namespace sluice::testing {

inline void AddReferenceWindow(PipelineBuilder& g, const RefConfig& c,
                               const std::vector<std::string>& aggregates) {
  const std::string lateness = FormatDuration(c.lateness);
  switch (c.kind) {
    case RefWindow::kTumbling:
      g.tumbling(FormatDuration(c.size), aggregates, lateness);
      break;
    case RefWindow::kSliding:
      g.sliding(FormatDuration(c.size), FormatDuration(c.slide), aggregates, lateness);
      break;
    case RefWindow::kSession:
      g.session(FormatDuration(c.gap), aggregates, lateness);
      break;
  }
}

}  // namespace sluice::testing
