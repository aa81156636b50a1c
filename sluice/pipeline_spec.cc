#include "sluice/pipeline_spec.h"

#include <fmt/format.h>

#include "base/time_util.h"

namespace sluice {

std::string SourceLoc::Prefix() const {
  if (!known()) return file.empty() ? "" : file + ": ";
  if (column > 0) return fmt::format("{}:{}:{}: ", file, line, column);
  return fmt::format("{}:{}: ", file, line);
}

std::string SlidingRatioError(int64_t size, int64_t slide) {
  const int64_t windows = WindowsPerEvent(size, slide);
  if (windows <= kMaxWindowsPerEvent) return "";
  const int64_t min_slide = (size - 1) / kMaxWindowsPerEvent + 1;
  return fmt::format(
      "a sliding window of {} sliding by {} puts every event in {} windows, each emitting a row; "
      "the limit is {} (size/slide): use a slide of at least {}, or a tumbling window of {} and "
      "combine its rows downstream",
      FormatDuration(size), FormatDuration(slide), windows, kMaxWindowsPerEvent,
      FormatDuration(min_slide), FormatDuration(slide));
}

}  // namespace sluice
