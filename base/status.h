// Status and Result<T>: how every module boundary reports errors.
//
// A Status is OK (no allocation) or carries a code and a message. Result<T> holds a value or a
// non-OK Status. Neither throws. Thread-compatible: distinct objects may be used concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace sluice {

class Status {
 public:
  enum class Code : int {
    kOk = 0,
    kInvalidArgument = 1,  // bad pipeline, bad expression, bad option: the user can fix it
    kNotFound = 2,
    kIOError = 3,
    kCorruption = 4,
    kConflict = 5,  // optimistic concurrency failure
    kAborted = 6,   // stopped on purpose (Stop(), an earlier error)
    kInternal = 7,
    kResourceExhausted = 8,  // out of memory
    kOutOfRange = 9,         // a value computed from the data does not fit its type
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status Conflict(std::string msg) { return Status(Code::kConflict, std::move(msg)); }
  static Status Aborted(std::string msg) { return Status(Code::kAborted, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }
  static Status ResourceExhausted(std::string msg) {
    return Status(Code::kResourceExhausted, std::move(msg));
  }
  static Status OutOfRange(std::string msg) { return Status(Code::kOutOfRange, std::move(msg)); }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  const std::string& message() const;
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsIOError() const { return code() == Code::kIOError; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsConflict() const { return code() == Code::kConflict; }
  bool IsResourceExhausted() const { return code() == Code::kResourceExhausted; }
  bool IsOutOfRange() const { return code() == Code::kOutOfRange; }

  // "Invalid argument: <message>" etc.; "OK" for success.
  std::string ToString() const;
  // The same status with "prefix: " put before the message.
  Status WithPrefix(std::string_view prefix) const;

 private:
  struct State {
    Code code;
    std::string message;
  };
  Status(Code code, std::string msg) : state_(std::make_shared<State>(State{code, std::move(msg)})) {}
  std::shared_ptr<const State> state_;  // null means OK
};

// A value or an error. REQUIRES: a Result built from a Status is built from a non-OK one.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(Status status) : status_(std::move(status)) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace sluice

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define SLUICE_RETURN_IF_ERROR(expr)              \
  do {                                            \
    ::sluice::Status _st = (expr);                \
    if (!_st.ok()) return _st;                    \
  } while (0)

// `lhs = value of rexpr` (a Result<T>), or returns its Status from the enclosing function.
#define SLUICE_ASSIGN_OR_RETURN(lhs, rexpr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(_res_, __LINE__), lhs, rexpr)
#define SLUICE_ASSIGN_OR_RETURN_IMPL(res, lhs, rexpr) \
  auto res = (rexpr);                                 \
  if (!res.ok()) return res.status();                 \
  lhs = std::move(res).value()
