#include "base/fault_injection.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "base/write_error.h"

namespace sluice {

PointTrigger::PointTrigger(const char* variable, std::initializer_list<const char*> known) {
  const char* v = std::getenv(variable);
  if (v == nullptr || *v == '\0') return;
  const std::string s(v);
  const size_t colon = s.find(':');
  point_ = s.substr(0, colon);
  if (colon != std::string::npos) {
    n_ = std::max(1L, std::strtol(s.c_str() + colon + 1, nullptr, 10));
  }
  if (std::none_of(known.begin(), known.end(), [&](const char* p) { return point_ == p; })) {
    std::string names;
    for (const char* p : known) names += std::string(names.empty() ? "" : ", ") + p;
    std::fprintf(stderr, "sluice: %s names no known point: '%s' (known: %s)\n", variable,
                 point_.c_str(), names.c_str());
    std::fflush(stderr);
    ::_exit(2);
  }
  enabled_.store(true, std::memory_order_relaxed);
}

bool PointTrigger::Fires(const char* point) {
  if (!enabled_.load(std::memory_order_relaxed) || point_ != point) return false;
  return hits_.fetch_add(1) + 1 == n_;
}

namespace {

PointTrigger& FailTrigger() {
  static PointTrigger trigger("SLUICE_FAIL_AT", {"lmdb-commit", "file-write"});
  return trigger;
}

// Checks SLUICE_FAIL_AT when the program starts, not when a point is first reached.
[[maybe_unused]] const bool kChecked = (FailTrigger(), true);

}  // namespace

bool InjectedFailure(const char* point) { return FailTrigger().Fires(point); }

Status InjectedWriteError(std::string_view what, const std::string& path, const char* point) {
  Status s = WriteError(what, path, EIO);
  return Status::IOError(fmt::format("{} (injected: SLUICE_FAIL_AT={})", s.message(), point));
}

}  // namespace sluice
