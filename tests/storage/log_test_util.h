// Helpers for event log tests: a temporary directory and small events.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "operators/log_sink.h"
#include "storage/event_log.h"

namespace sluice::testing {

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-log-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A log sink appending events of `type` to `stream` of the log in `dir`; not yet opened.
inline std::unique_ptr<Sink> NewLogSink(const std::string& dir, const std::string& stream,
                                        const std::string& type) {
  SinkSpec spec;
  spec.type = "log";
  spec.path = dir;
  spec.stream = stream;
  spec.event_type = type;
  auto sink = MakeLogSink(spec);
  REQUIRE(sink.ok());
  return std::move(sink).value();
}

// Damages every copy of `marker` in the bytes of a data file (pages that earlier transactions left
// behind hold older copies of a record) by flipping a bit of its fourth byte; returns how many.
inline size_t FlipEveryCopy(std::string* bytes, const std::string& marker) {
  size_t flipped = 0;
  for (size_t at = bytes->find(marker); at != std::string::npos; at = bytes->find(marker, at + 1)) {
    (*bytes)[at + 3] ^= 0x20;
    ++flipped;
  }
  return flipped;
}

inline std::unique_ptr<EventLog> OpenLog(const std::string& dir, LogOptions options = {}) {
  std::unique_ptr<EventLog> log;
  Status s = EventLog::Open(options, dir, &log);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return log;
}

// Events of one type with payloads "p<i>" (owned by the returned holder).
struct Events {
  std::vector<std::string> payloads;
  std::vector<EventData> data;
  Events(int n, std::string_view type, int start = 0, TimeUs t0 = 1000) {
    payloads.reserve(n);
    for (int i = 0; i < n; ++i) payloads.push_back("p" + std::to_string(start + i));
    for (int i = 0; i < n; ++i) {
      EventData e;
      e.type = type;
      e.event_time = t0 + start + i;
      e.payload = payloads[i];
      data.push_back(e);
    }
  }
};

// Reads every event matching `options`, returning payloads; fails the test on error.
inline std::vector<std::string> ReadPayloads(EventLog* log, const ReadOptions& options = {}) {
  std::unique_ptr<LogIterator> it;
  REQUIRE(log->NewIterator(options, &it).ok());
  std::vector<std::string> out;
  for (; it->Valid(); it->Next()) out.emplace_back(it->event().payload);
  INFO(it->status().ToString());
  REQUIRE(it->status().ok());
  return out;
}

}  // namespace sluice::testing
