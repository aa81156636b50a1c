// Report helpers for the benchmark programs of bench/ that write their figures as JSON and as the
// Markdown tables of docs/ (--json FILE, --markdown FILE): the machine, the date, JSON strings
// and whole-file writes. Header-only: each benchmark is one program.
#pragma once

#include <sys/utsname.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>

#include <fmt/format.h>

namespace sluice::bench {

// "CPU model (N hardware threads, kernel)".
inline std::string Machine() {
  std::string model = "unknown CPU";
  if (FILE* f = std::fopen("/proc/cpuinfo", "r")) {
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
      if (std::strncmp(line, "model name", 10) != 0) continue;
      if (const char* colon = std::strchr(line, ':')) {
        model = colon + 1;
        while (!model.empty() && model.front() == ' ') model.erase(0, 1);
        while (!model.empty() && (model.back() == '\n' || model.back() == ' ')) model.pop_back();
      }
      break;
    }
    std::fclose(f);
  }
  struct utsname u;
  const std::string kernel = uname(&u) == 0 ? fmt::format("{} {}", u.sysname, u.release) : "?";
  return fmt::format("{} ({} hardware threads, {})", model, std::thread::hardware_concurrency(),
                     kernel);
}

// Today's date (UTC), YYYY-MM-DD.
inline std::string Today() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

// `s` as a JSON string literal (the benchmarks' labels hold no control characters).
inline std::string JsonText(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Writes `text` to `path`, replacing it; false on any error.
inline bool WriteWholeFile(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace sluice::bench
