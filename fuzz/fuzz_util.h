// Helpers shared by the fuzz targets.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::fuzz {

// The fuzz input as text.
inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// An in-memory file (memfd) that a source opens by path, rewritten for each input.
// One per process; not thread-safe.
class MemoryFile {
 public:
  MemoryFile() : fd_(memfd_create("sluice-fuzz", 0)) {
    if (fd_ < 0) std::abort();
  }
  ~MemoryFile() { close(fd_); }
  // Replaces the file's contents by `bytes`; returns the path that opens it.
  std::string Write(std::string_view bytes) {
    if (ftruncate(fd_, 0) != 0) std::abort();
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = pwrite(fd_, bytes.data() + done, bytes.size() - done, done);
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    return "/proc/self/fd/" + std::to_string(fd_);
  }

 private:
  int fd_;
};

// Aborts when `ok` is false: a property of the code under test was broken.
inline void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace sluice::fuzz
