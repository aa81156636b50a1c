#include "base/write_error.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace sluice {

Status WriteError(std::string_view what, const std::string& path, int err) {
  std::string cause;
  switch (err) {
    case ENOSPC:
      cause = "disk full (no space left on the device); free space and run again";
      break;
    case EDQUOT:
      cause = "disk full (the owner's disk quota is used up); free space or raise the quota and "
              "run again";
      break;
    case EFBIG:
      cause = "file size limit reached (ulimit -f); raise the limit and run again";
      break;
    default:
      cause = std::strerror(err);
  }
  return Status::IOError(fmt::format("cannot write {}'{}': {}", what, path, cause));
}

}  // namespace sluice
