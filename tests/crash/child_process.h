// Child processes for the crash test: start a program with its standard streams redirected to
// files, wait for it with a deadline, kill it with SIGKILL. posix_spawn, not system(): the test
// needs the child's own pid to kill and its own exit status to judge.
//
// Not thread-safe: one test thread drives a ChildProcess.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace sluice::testing {

struct SpawnOptions {
  std::string cwd = ".";               // the child's working directory
  std::string out_path = "/dev/null";  // its stdout (truncated); stdin is always /dev/null
  std::string err_path = "/dev/null";  // its stderr (truncated)
  std::string crash_at;  // SLUICE_CRASH_AT for the child; empty: unset, whatever ours is
};

// How a child ended: exited with `code`, or killed by `signal`.
struct ExitStatus {
  bool exited = false;
  int code = -1;
  int signal = 0;
  std::string error;  // why the program could not be started

  bool Success() const { return exited && code == 0; }
  bool KilledBy(int sig) const { return !exited && signal == sig; }
  std::string ToString() const {
    std::string s = exited ? "exit " + std::to_string(code) : "signal " + std::to_string(signal);
    return error.empty() ? s : s + " (" + error + ")";
  }
};

class ChildProcess {
 public:
  // Starts argv[0] (a path, not searched in PATH). REQUIRES: argv is not empty.
  ChildProcess(const std::vector<std::string>& argv, const SpawnOptions& options) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, options.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&fa, 2, options.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addchdir_np(&fa, options.cwd.c_str());
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "SLUICE_CRASH_AT=", 16) != 0) env.emplace_back(*e);
    }
    if (!options.crash_at.empty()) env.push_back("SLUICE_CRASH_AT=" + options.crash_at);
    std::vector<char*> cargv, cenv;
    for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    for (const std::string& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
    cargv.push_back(nullptr);
    cenv.push_back(nullptr);
    const int err = posix_spawn(&pid_, argv[0].c_str(), &fa, nullptr, cargv.data(), cenv.data());
    if (err != 0) {
      pid_ = -1;
      status_.error = std::string("cannot start ") + argv[0] + ": " + std::strerror(err);
      status_.exited = true;
      status_.code = 127;  // as a shell reports a program it cannot start
    }
    posix_spawn_file_actions_destroy(&fa);
  }
  ~ChildProcess() { Kill(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // False when the program could not be started (status() then says "exit 127" and why).
  bool started() const { return pid_ > 0; }
  bool ended() const { return !started() || reaped_; }

  // Waits until the child ends or `timeout` has passed; true when it has ended.
  bool WaitFor(std::chrono::microseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!Poll()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  // Sends SIGKILL to a child still running and reaps it. True only when the kill is what ended
  // it: a child that had already exited (or exits in the same instant) is not counted.
  bool Kill() {
    if (Poll()) return false;
    ::kill(pid_, SIGKILL);
    Reap(0);
    return status_.KilledBy(SIGKILL);
  }

  // REQUIRES: ended().
  const ExitStatus& status() const { return status_; }

 private:
  // True when the child has ended (reaping it if it just did).
  bool Poll() { return ended() || Reap(WNOHANG); }

  bool Reap(int flags) {
    int ws = 0;
    pid_t r;
    do {
      r = ::waitpid(pid_, &ws, flags);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return false;
    reaped_ = true;
    if (r > 0 && WIFEXITED(ws)) {
      status_.exited = true;
      status_.code = WEXITSTATUS(ws);
    } else if (r > 0 && WIFSIGNALED(ws)) {
      status_.signal = WTERMSIG(ws);
    }
    return true;
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  ExitStatus status_;
};

// Runs a program to its end; a child still running after `timeout` is killed (a hang guard, not
// a timing check: the status then says "signal 9").
inline ExitStatus RunToEnd(const std::vector<std::string>& argv, const SpawnOptions& options,
                           std::chrono::microseconds timeout = std::chrono::minutes(5)) {
  ChildProcess child(argv, options);
  if (!child.WaitFor(timeout)) child.Kill();
  return child.status();
}

}  // namespace sluice::testing
