// InputDriver: the pipeline's sources as one input. Produces frames (runtime/frame.h) of one
// merged sequence: a dense sequence number, the watermark before each row and after the frame,
// the final `last` frame and checkpoint barriers.
//
// One source: exactly SourceDriver (its batches, watermarks and saved state).
// Several sources: a deterministic serial merge. The next row is always the one with the
// smallest event time among the sources' next rows (ties: the earlier declared source), so the
// merged order depends on the inputs alone, never on batching or thread timing. Each source's
// watermark is its own (largest event time taken from it - its bound - 1us); the watermark
// before a row is the minimum over the sources that have not ended (nor gone idle: see
// Input::idle_timeout). For each source set given to TrackSubsets, the frame also carries the
// same minimum over that set alone (Frame::subsets): the watermark of a stage that reads only
// those sources. A frame holds at most
// batch_size rows, each source's in its own batch (stream i), in merged order.
//
// Checkpoints: the saved state holds, per source, the source's position before the batch being
// taken from, how many of that batch's rows were taken, its largest event time and event
// count. Restore reads that batch again (same batch size, so the same rows), skips the rows
// taken and drops its dead letters (already written before the checkpoint).
//
// Not thread-safe: driven by the graph's (serial) source node.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "runtime/frame.h"
#include "runtime/source_driver.h"

namespace sluice {

class InputDriver {
 public:
  struct Input {
    std::unique_ptr<Source> source;
    Schema schema;
    int64_t max_out_of_orderness = 0;
    std::string name;  // for messages
    // Once the source has produced nothing for this long (processing time; 0 = never), it is
    // idle: the merge goes on without it and its watermark stops holding the others back
    // until it produces again. Only a source that can run dry without ending (a log source
    // with `follow`) becomes idle; while it is, the merged order depends on timing.
    std::chrono::microseconds idle_timeout{0};
  };
  // `positions`: fill Batch::pos (a plan with a union). `batch_size`: rows per frame at most.
  InputDriver(std::vector<Input> inputs, size_t batch_size, bool positions);

  size_t sources() const { return single_.empty() ? inputs_.size() : 1; }
  Status Open();
  // True when every source can be read again from a saved position.
  bool can_resume() const;
  std::string first_unresumable() const;
  void EnableCheckpoints(std::chrono::microseconds interval);
  // Source sets (bit i: source i) whose own watermarks each frame carries; several sources
  // only. Positions must be on.
  void TrackSubsets(std::vector<uint64_t> subsets) { subsets_ = std::move(subsets); }
  // Produces the next frame (streams 0..sources()-1). After the frame flagged `last` has been
  // produced, sets *done and produces nothing more.
  Status Next(Frame* out, bool* done);

  Status SaveState(std::string* out) const;
  Status Restore(std::string_view state);
  std::string DescribeState(std::string_view state) const;
  uint64_t EventsOf(std::string_view state) const;
  uint64_t events() const;
  // Progress through inputs of known size (Source::Progress), summed over the sources; false
  // when any source's size is unknown.
  bool Progress(uint64_t* done, uint64_t* total) const;
  // Log positions behind the logs' heads (Source::Behind), summed over the sources that read a
  // log; false when none does.
  bool Behind(uint64_t* positions) const;
  // The largest event time any source produced so far (kMinTime before the first).
  TimeUs newest_event_time() const;

 private:
  struct Merged {
    Input in;
    Batch buf;            // the batch rows are taken from
    size_t next = 0;      // its next row
    bool eof = false;     // the source has no more batches after buf
    std::string buf_pos;  // the source's position before buf was read
    TimeUs max_ts = kMinTime;
    uint64_t taken = 0;
    bool idle = false;
    std::chrono::steady_clock::time_point last_rows;  // when it last produced rows
    bool ended() const { return eof && next == buf.size(); }
  };
  struct Saved {
    TimeUs max_ts = kMinTime;
    uint64_t taken = 0;
    std::string_view buf_pos;
    uint64_t next = 0;
  };
  static Status Parse(std::string_view state, size_t n, std::vector<Saved>* out);
  // When source m's buffer is used up and it has not ended, reads its next batch (which may be
  // empty: a followed log with nothing new, a batch of dead letters only; then the merge waits
  // for it, unless it has gone idle); appends the batch's dead letters to *dead (when not
  // null).
  Status Refill(Merged* m, std::vector<DeadLetter>* dead);
  TimeUs WatermarkOf(const Merged& m) const;
  // The minimum over the sources of `sources` (bit i: source i) that have not ended, idle ones
  // left out unless all of them are idle; +infinity once all have ended.
  TimeUs Watermark(uint64_t sources = ~uint64_t{0}) const;
  // The watermark over `sources` after a frame: as Watermark, but after the last frame the
  // watermark after its rows (`last` then stands for +infinity).
  TimeUs EndWatermark(uint64_t sources, bool last) const;
  Status NextMerged(Frame* out, bool* done);

  std::vector<std::unique_ptr<SourceDriver>> single_;  // one source
  std::vector<Merged> inputs_;                          // several sources
  std::vector<uint64_t> subsets_;
  size_t batch_size_;
  bool positions_;
  uint64_t next_seq_ = 0;
  bool finished_ = false;
  std::atomic<uint64_t> events_{0};
  bool checkpoints_ = false;
  std::chrono::microseconds interval_{0};
  std::chrono::steady_clock::time_point last_barrier_;
};

}  // namespace sluice
