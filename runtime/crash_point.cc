#include "runtime/crash_point.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sluice {
namespace {

// Every point that CrashPoint is called with (crash_point.h).
constexpr const char* kPoints[] = {
    "checkpoint-before-sync",   "checkpoint-before-commit", "checkpoint-after-commit",
    "finish-before-close",      "finish-before-mark",       "log-append-before-commit",
    "log-append-after-commit",  "log-append-after-dead-letters"};

struct Target {
  bool enabled = false;
  std::string point;
  long n = 1;
  std::atomic<long> hits{0};

  Target() {
    const char* v = std::getenv("SLUICE_CRASH_AT");
    if (v == nullptr || *v == '\0') return;
    enabled = true;
    const std::string s(v);
    const size_t colon = s.find(':');
    point = s.substr(0, colon);
    if (colon != std::string::npos)
      n = std::max(1L, std::strtol(s.c_str() + colon + 1, nullptr, 10));
    if (std::none_of(std::begin(kPoints), std::end(kPoints),
                     [&](const char* p) { return point == p; })) {
      std::string known;
      for (const char* p : kPoints) known += std::string(known.empty() ? "" : ", ") + p;
      std::fprintf(stderr, "sluice: SLUICE_CRASH_AT names no crash point: '%s' (known: %s)\n",
                   point.c_str(), known.c_str());
      std::fflush(stderr);
      ::_exit(2);
    }
  }
};

Target& TheTarget() {
  static Target target;
  return target;
}

// Checks SLUICE_CRASH_AT when the program starts, not when a point is first reached.
[[maybe_unused]] const bool kChecked = (TheTarget(), true);

}  // namespace

void CrashPoint(const char* point) {
  Target& target = TheTarget();
  if (!target.enabled || target.point != point) return;
  if (target.hits.fetch_add(1) + 1 == target.n) {
    ::kill(::getpid(), SIGKILL);
    ::_exit(137);  // not reached
  }
}

}  // namespace sluice
