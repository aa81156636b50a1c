#include "runtime/crash_point.h"

#include <unistd.h>

#include <csignal>

#include "base/fault_injection.h"

namespace sluice {
namespace {

PointTrigger& CrashTrigger() {
  // Every point that CrashPoint is called with (crash_point.h).
  static PointTrigger trigger(
      "SLUICE_CRASH_AT",
      {"checkpoint-before-sync", "checkpoint-before-commit", "checkpoint-after-commit",
       "finish-before-close", "finish-before-mark", "log-append-before-commit",
       "log-append-after-commit", "log-append-after-dead-letters"});
  return trigger;
}

// Checks SLUICE_CRASH_AT when the program starts, not when a point is first reached.
[[maybe_unused]] const bool kChecked = (CrashTrigger(), true);

}  // namespace

void CrashPoint(const char* point) {
  if (CrashTrigger().Fires(point)) {
    ::kill(::getpid(), SIGKILL);
    ::_exit(137);  // not reached
  }
}

}  // namespace sluice
