// The process-wide registry of keyed process functions (sluice/process_function.h), holding the
// built-in ones (operators/builtin_process_functions.h) from its first use.
#include <fmt/format.h>

#include <map>
#include <mutex>

#include "operators/builtin_process_functions.h"
#include "sluice/process_function.h"

namespace sluice {
namespace {

bool IsName(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_';
    if (!ok) return false;
  }
  return true;
}

struct Registry {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const ProcessFunction>, std::less<>>
      functions;  // GUARDED_BY(mu)

  Registry() {
    for (ProcessFunction& f : BuiltinProcessFunctions()) {
      const std::string name = f.name;
      functions.emplace(name, std::make_shared<const ProcessFunction>(std::move(f)));
    }
  }
};

Registry& GetRegistry() {
  static Registry registry;
  return registry;
}

}  // namespace

Status RegisterProcessFunction(ProcessFunction f) {
  if (!IsName(f.name)) {
    return Status::InvalidArgument(fmt::format(
        "process function name '{}' is not an identifier (letters, digits and _, not starting "
        "with a digit)",
        f.name));
  }
  if (!f.setup) {
    return Status::InvalidArgument(fmt::format("process function '{}' has no setup", f.name));
  }
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  const std::string name = f.name;
  if (!r.functions.emplace(name, std::make_shared<const ProcessFunction>(std::move(f))).second) {
    return Status::InvalidArgument(
        fmt::format("process function '{}' is registered already", name));
  }
  return Status::OK();
}

std::shared_ptr<const ProcessFunction> FindProcessFunction(std::string_view name) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.functions.find(name);
  return it == r.functions.end() ? nullptr : it->second;
}

std::vector<std::string> ProcessFunctionNames() {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> out;
  for (const auto& [name, f] : r.functions) out.push_back(name);
  return out;
}

}  // namespace sluice
