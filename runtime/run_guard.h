// RunGuard: how the steps of a running graph report to their run. A step never lets an error
// or exception escape: Guard runs it and turns a bad Status, or any exception, into the run's
// sticky error, which stops the source so that the graph drains. Thread-safe.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <exception>
#include <new>
#include <string_view>

#include "base/status.h"

namespace sluice {

class KeyedOperator;

class RunGuard {
 public:
  virtual ~RunGuard() = default;

  // True once the run failed or was asked to stop: steps then skip their work.
  virtual bool failed() const = 0;
  // Records the first error; later ones are dropped.
  virtual void Fail(const Status& s) = 0;
  // The error of a run that ran out of memory in `stage`, naming the keys `op` (if any) holds.
  // Frees the run's memory reserve first. Never throws.
  virtual Status OutOfMemory(std::string_view stage, const KeyedOperator* op) noexcept = 0;
  // Events read so far (for statistics while the run goes on).
  virtual void SetEventsIn(uint64_t n) = 0;
  // Progress through inputs of known size (InputDriver::Progress), once per batch read.
  virtual void SetInputProgress(uint64_t done, uint64_t total) {}
  virtual void SetLogBehind(uint64_t positions) {}

  // Runs fn() -> Status for `stage` (a lane's operator `op`, or null). Unwinding has freed what a
  // failed step held, so the message can usually be formatted after a bad_alloc; when even that
  // fails, the exception leaves the step and the graph's wait reports it.
  template <typename Fn>
  void Guard(std::string_view stage, const KeyedOperator* op, Fn&& fn) {
    try {
      Status s = fn();
      if (!s.ok()) Fail(s);
    } catch (const std::bad_alloc&) {
      Fail(OutOfMemory(stage, op));
    } catch (const std::exception& e) {
      Fail(Status::Internal(fmt::format("unexpected exception in {}: {}", stage, e.what())));
    } catch (...) {
      Fail(Status::Internal(fmt::format("unexpected exception in {}", stage)));
    }
  }
};

}  // namespace sluice
