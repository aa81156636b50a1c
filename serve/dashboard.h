// The dashboard page served at GET / (docs/operations.md, "Dashboard"): plain HTML, CSS and
// JavaScript embedded in the binary, no build step and no network fetches. It polls /status once
// a second and shows the pipeline's graph with per-stage rows and rates, throughput and
// watermark-lag charts, result latency percentiles, checkpoints, late and dead-letter counts.
// With a token, open it as /?token=T: the page sends T as the bearer token of its requests.
#pragma once

#include <string>

namespace sluice::serve {

const std::string& DashboardHtml();

}  // namespace sluice::serve
