// WriteError: the Status of a failed write to a file, naming the file and the cause in words a
// person can act on (disk full, quota, file-size limit), as the LMDB stores do
// (storage/lmdb_env.h, DescribeWriteError).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice {

// IOError "cannot write '<path>': <cause>" for errno value `err`. ENOSPC, EDQUOT and EFBIG say
// what ran out and how to go on; other errors are strerror's text.
Status WriteError(std::string_view what, const std::string& path, int err);

}  // namespace sluice
