// The Nexmark input files: what `sluice generate nexmark` writes and a nexmark source with a
// `dir` reads (docs/pipelines.md, "nexmark source").
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "operators/nexmark.h"

namespace sluice {

// Writes DIR/person.csv, DIR/auction.csv and DIR/bid.csv, the events 0 .. events-1 of the
// generator configured by `config`, and DIR/side_input.csv (key,value for key 0..9999; value
// NexmarkSideInputValue). Each file has a header line (the table's field names), is comma
// separated without quoting (no value holds a comma, quote or newline), has timestamps as integer
// epoch milliseconds and is sorted by date_time. Creates DIR if needed; existing files are
// replaced. `progress`, when set, is called now and then with the events written so far.
// Failures are IOError naming the file.
Status WriteNexmarkFiles(const std::string& dir, uint64_t events, const NexmarkConfig& config,
                         const std::function<void(uint64_t)>& progress = nullptr);

}  // namespace sluice
