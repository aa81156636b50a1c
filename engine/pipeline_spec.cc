#include "engine/pipeline_spec.h"

#include <fmt/format.h>

namespace sluice {

std::string SourceLoc::Prefix() const {
  if (!known()) return file.empty() ? "" : file + ": ";
  if (column > 0) return fmt::format("{}:{}:{}: ", file, line, column);
  return fmt::format("{}:{}: ", file, line);
}

}  // namespace sluice
