// Sizes in bytes as people write them in pipeline files: "64MiB", "1 GiB", "500MB", "4096".
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace sluice {

// Parses a non-negative integer followed by an optional unit (B, KiB, MiB, GiB, TiB: powers of
// 1024; KB, MB, GB, TB: powers of 1000), with optional spaces between. InvalidArgument naming
// the accepted forms when `text` is anything else or the size overflows 64 bits.
Result<uint64_t> ParseByteSize(std::string_view text);

}  // namespace sluice
