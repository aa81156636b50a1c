// Runs the real `sluice` binary for the CLI tests.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace sluice::testing {

struct Outcome {
  int code = -1;
  std::string output;  // stdout and stderr together (or stdout alone, see Sluice)
};

// Runs `sluice ARGS` in `cwd` with `env` (assignments such as "A=1 B=2") before it; stderr goes
// with stdout unless `stdout_only`.
inline Outcome Sluice(const std::string& args, const std::string& cwd = ".",
                      const std::string& env = "", bool stdout_only = false) {
  std::string cmd = "cd '" + cwd + "' && " + env + " '" SLUICE_BINARY_DIR "/bin/sluice' " + args +
                    (stdout_only ? " 2>/dev/null" : " 2>&1");
  Outcome o;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) o.output.append(buf, n);
  int status = pclose(p);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

}  // namespace sluice::testing
