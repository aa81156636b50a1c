// LogSource: reads events from a sluice event log (storage/event_log.h) as records.
//
// Reads spec.path (a log directory) in global-position order, or one stream (spec.stream) in
// version order; keeps events whose type is in spec.types (all when empty); starts at spec.from:
// "beginning", a global position (digits), or an ISO-8601 time (then only events whose event time
// is at or after it are read). With spec.follow it never reaches end of input: it waits for new
// appends and returns empty batches meanwhile.
//
// Payload fields become the record's fields by name (options.schema; codecs/record_codec.h):
// missing ones are null. The event time of a row is its event-time field when the schema has
// one and the payload sets it; otherwise the envelope's event time, which then also fills that
// field. A payload that is not a record, a field of the wrong type and a corrupt stored record
// each become a dead letter whose `line` is the event's global position. source_position is the
// last global position read. Driven by one thread at a time.
#pragma once

#include <algorithm>
#include <memory>

#include "codecs/record_codec.h"
#include "operators/source.h"
#include "storage/event_log.h"

namespace sluice {

Result<std::unique_ptr<Source>> MakeLogSource(const SourceSpec& spec, const SourceOptions& options);

class LogSource final : public Source {
 public:
  LogSource(const SourceSpec& spec, SourceOptions options, ReadOptions read);

  Status Open() override;
  Status Next(Batch* batch, bool* eof) override;

  // The position (codecs/state_codec.h) is
  //   log-position := header(kStateLogSource, 1) last_position:varint stream:string
  //                   last_version:varint
  // last_position = the last global position consumed (read, dead-lettered or skipped as corrupt;
  // 0 = none), stream = spec.stream (empty for a read in global order) and last_version = the
  // stream version of the last event read (stream reads; 0 otherwise). A read in global order
  // resumes at last_position + 1; a stream read at version last_version + 1, passing over events
  // (and corrupt records) at positions up to last_position. spec.types and the `from` time filter
  // apply as before. A different stream is InvalidArgument; a log that now ends before
  // last_position is Corruption.
  bool can_resume() const override { return true; }
  Status SavePosition(std::string* out) const override;
  Status RestorePosition(std::string_view in) override;
  // "log position <p>", or "stream '<s>' version <v> (log position <p>)".
  std::string DescribePosition(std::string_view saved) const override;
  // Log positions, up to the log's last position at Open(); none for a followed log.
  bool Progress(uint64_t* done, uint64_t* total) const override {
    if (head_at_open_ == 0) return false;
    *done = std::min(last_position_, head_at_open_);
    *total = head_at_open_;
    return true;
  }
  bool Behind(uint64_t* positions) const override {
    const uint64_t head = spec_.follow ? head_seen_ : head_at_open_;
    *positions = head > last_position_ ? head - last_position_ : 0;
    return true;
  }

 private:
  // Appends the current event as a row or a dead letter.
  void AddEvent(const EnvelopeView& e, Batch* batch);
  // Appends the iterator's next `run` events (a PassingRun of a record batch) as rows by whole
  // columns and advances past them. False, with nothing appended and the iterator unmoved, when a
  // row needs the per-event path (a type that does not fit, an event time out of range).
  bool AddRecords(uint32_t run, Batch* batch);

  const SourceSpec spec_;
  const SourceOptions options_;
  const ReadOptions read_;
  std::shared_ptr<EventLog> log_;
  std::unique_ptr<LogIterator> it_;
  RecordDecoder decoder_;
  uint64_t last_position_ = 0;  // last global position consumed
  uint64_t last_version_ = 0;   // stream version of the last event read (stream reads)
  uint64_t skip_through_ = 0;
  uint64_t slow_through_ = 0;  // positions up to it take the per-event path (AddRecords failed)
  uint64_t head_seen_ = 0;     // followed: the log's last position at the end of Next()
  uint64_t head_at_open_ = 0;  // the log's last position at Open(); 0 when followed or empty   //
                               // after a restore: positions up to this one were consumed
  std::string raw_;
};

}  // namespace sluice
