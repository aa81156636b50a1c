#include "base/status.h"

namespace sluice {

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  const char* name = "Error";
  switch (state_->code) {
    case Code::kOk: name = "OK"; break;
    case Code::kInvalidArgument: name = "Invalid argument"; break;
    case Code::kNotFound: name = "Not found"; break;
    case Code::kIOError: name = "IO error"; break;
    case Code::kCorruption: name = "Corruption"; break;
    case Code::kConflict: name = "Conflict"; break;
    case Code::kAborted: name = "Aborted"; break;
    case Code::kInternal: name = "Internal error"; break;
    case Code::kResourceExhausted: name = "Resource exhausted"; break;
    case Code::kOutOfRange: name = "Out of range"; break;
  }
  return fmt::format("{}: {}", name, state_->message);
}

Status Status::WithPrefix(std::string_view prefix) const {
  if (ok()) return *this;
  return Status(state_->code, fmt::format("{}: {}", prefix, state_->message));
}

}  // namespace sluice
