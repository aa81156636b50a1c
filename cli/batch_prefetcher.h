// BatchPrefetcher: reads the next batch of a Source on a thread of its own while the caller
// works on the one before, for `sluice log append`, whose durable commits leave the CPU idle
// while the disk syncs. One batch is read ahead at most.
//
// After construction the source belongs to the prefetcher's thread until the prefetcher is
// destroyed: the caller must not touch it. Destruction waits for the batch being read, so use it
// only with inputs whose reads end (files, not a terminal or a pipe that may stay open).
// Next() is called by one thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "base/batch.h"
#include "base/status.h"
#include "operators/source.h"

namespace sluice::cli {

class BatchPrefetcher {
 public:
  // `save_positions`: also take the source's position (Source::SavePosition) after each batch.
  BatchPrefetcher(Source* source, Schema schema, bool save_positions);
  ~BatchPrefetcher();
  BatchPrefetcher(const BatchPrefetcher&) = delete;
  BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

  // The next batch, the source's position after it, and whether it was the last, as
  // Source::Next gives them, in order. After an error or the last batch, nothing more is read.
  Status Next(Batch* out, std::string* position, bool* eof);

 private:
  void Read();

  Source* const source_;
  const Schema schema_;
  const bool save_positions_;
  std::mutex mu_;
  std::condition_variable cv_;
  // GUARDED_BY(mu_): the batch read ahead and what came with it; `ready` when it waits for Next().
  Batch batch_;
  std::string position_;
  Status status_;
  bool eof_ = false;
  bool ready_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sluice::cli
