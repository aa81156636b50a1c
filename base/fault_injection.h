// Fault injection for the fault and crash tests. An environment variable names a point and an
// occurrence, "<point>[:<n>]" (n >= 1, default 1); the n-th time the process reaches that point,
// the point fires. Two variables use it:
//   SLUICE_FAIL_AT   the write at the point fails as an I/O error would (InjectedFailure below)
//   SLUICE_CRASH_AT  the process kills itself with SIGKILL (runtime/crash_point.h)
// A name that is not one of the variable's points is refused when the program starts: it prints
// what is known and exits with status 2, so that a renamed point fails a test instead of never
// firing. Unset (the normal case), a check costs one relaxed load.
//
// Thread-safety: thread-safe; exactly one call fires.
#pragma once

#include <atomic>
#include <initializer_list>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice {

// The point and occurrence named by one environment variable.
class PointTrigger {
 public:
  // Reads `variable`; exits the process with status 2 when it names a point not in `known`.
  PointTrigger(const char* variable, std::initializer_list<const char*> known);
  // True exactly once: on the n-th call with the named point.
  bool Fires(const char* point);

 private:
  std::atomic<bool> enabled_{false};
  std::string point_;
  long n_ = 1;
  std::atomic<long> hits_{0};
};

// SLUICE_FAIL_AT points:
//   lmdb-commit  a write transaction of an LMDB store (event log, checkpoint store, projections)
//                fails instead of committing: nothing of it is written
//   file-write   a write to an output file (file sinks, dead letters, late rows) stores the first
//                half of its bytes, then fails (EIO), as a torn write would
// True when the caller must fail as if the write had failed with EIO.
bool InjectedFailure(const char* point);
// The error of a write failed by InjectedFailure(point): WriteError(what, path, EIO)
// (base/write_error.h) marked as injected.
Status InjectedWriteError(std::string_view what, const std::string& path, const char* point);

}  // namespace sluice
