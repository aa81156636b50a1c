// Source: reads records from outside and produces batches in input order.
//
// A Source is driven by one thread at a time (the graph's source node). It fills columns and the
// event time `ts` of each row; the runtime then assigns seq, `wm` and the batch watermark.
// Malformed records never stop it: each goes to batch->dead_letters with a reason and the raw text,
// and reading goes on.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/batch.h"
#include "sluice/pipeline_spec.h"

namespace sluice {

// The wall-clock start shared by the paced sources of one run (nexmark sources with a rate), so
// that the same event number has the same date_time in every table: the first to open sets it.
// Thread-safe.
struct PaceClock {
  std::once_flag once;
  std::chrono::steady_clock::time_point start;  // when event 0 is due
  int64_t base_ms = 0;                          // its wall-clock time, ms since the epoch
};

struct SourceOptions {
  Schema schema;              // fields to produce, in this order
  int event_time_index = -1;  // index in schema of the event-time field; -1 = none (ts = 0)
  size_t batch_size = 4096;   // rows per batch at most
  std::string name;           // for dead letters: the path or "generator"
  std::shared_ptr<PaceClock> pace;  // null: a paced source starts its own clock
};

class Source {
 public:
  virtual ~Source() = default;

  // Opens the input. A missing or unreadable file is an IOError naming the path.
  virtual Status Open() = 0;
  // Appends up to batch_size rows to *batch (REQUIRES: batch->reset(schema) was called) and sets
  // batch->source_position. Sets *eof when the input is exhausted (the batch may still hold rows).
  // A row whose event-time field is missing or malformed is a dead letter.
  virtual Status Next(Batch* batch, bool* eof) = 0;

  // Checkpoint support (docs/fault-tolerance.md). SavePosition appends to *out an encoding
  // (codecs/state_codec.h) of where reading stands after the last batch Next() produced: the
  // byte offset and next line number of a file, a log position, a generator's next event.
  // RestorePosition, called once after Open() and before any Next(), makes the source go on from
  // such a position, so that the rows (and dead letters, with their line numbers) that follow are
  // exactly those an uninterrupted source would have produced after it. A position that does not
  // fit the input (a file now shorter than the offset) is Corruption or InvalidArgument; a
  // source that cannot resume (standard input) returns InvalidArgument from both.
  virtual bool can_resume() const { return false; }
  virtual Status SavePosition(std::string* out) const;
  virtual Status RestorePosition(std::string_view in);
  // A short human description of a saved position ("byte 1024, line 17"), for messages and
  // `sluice query` freshness. Empty when unknown.
  virtual std::string DescribePosition(std::string_view saved) const { return ""; }
  // How far reading has come through an input whose size is known, for progress displays:
  // *done of *total in the source's own unit (events of a generator, bytes of a file, positions
  // of a log, as of Open()). False when the size is not known (standard input, a followed log).
  // Called by the thread that drives the source, after Next().
  virtual bool Progress(uint64_t* done, uint64_t* total) const { return false; }
  // For a source reading an event log: how many log positions lie after the last one it
  // consumed, as of its last Next() (a followed log: behind the head committed by any process).
  // False for other sources. Called by the thread that drives the source, after Next().
  virtual bool Behind(uint64_t* positions) const { return false; }
};

// Builds the source named by spec.type ("csv", "jsonl", "generator").
Result<std::unique_ptr<Source>> MakeSource(const SourceSpec& spec, const SourceOptions& options);

// The generator's fixed schema: key:int64, ts:timestamp_us, value:double.
Schema GeneratorSchema();

}  // namespace sluice
