// Event batch codec: many consecutive events of one stream in one FlatBuffers `EventBatch`
// (codecs/schema/event_batch.fbs), envelope fields stored column-wise and, for records, the payload
// fields as typed columns. It is the record body of the log's format 2 (docs/log_format.md).
//
// Encoding: EncodeEventBatch takes events with opaque payloads (any content type);
// EncodeRecordBatch takes the rows of an engine Batch, each row one event whose payload is a
// record (kRecordContentType). Both build into a caller-owned FlatBufferBuilder (reuse it).
//
// Decoding: EventBatchView::Parse verifies untrusted bytes before anything is read (FlatBuffers
// verifier, then every per-event vector's length, dictionary indices, payload and string offsets,
// column types), so every accessor of a parsed view is safe. The view refers to the parsed bytes,
// or to an aligned copy it keeps when they were misaligned; it is valid while those bytes are.
// A view is not thread-safe; parse one view per thread.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/batch.h"
#include "base/status.h"
#include "codecs/envelope.h"

namespace sluice {

namespace fb {
struct EventBatch;
struct RecordColumn;
}  // namespace fb

// What every event of a batch shares.
struct EventBatchHeader {
  uint64_t first_position = 1;  // event i is at first_position + i
  std::string_view stream_id;
  uint64_t first_version = 1;  // event i has stream version first_version + i
  TimeUs append_time_us = 0;
  EventId id_base;  // generated ids: event i's is {id_base.hi, id_base.lo + i}
};

// Clears *fbb and builds `events` (at least one) into it. Per event it reads event_id (empty =
// generated), event_type, schema_version, event_time_us, correlation_id, causation_id,
// content_type and payload; the positions and versions come from `header`.
void EncodeEventBatch(const EventBatchHeader& header, std::span<const EnvelopeView> events,
                      flatbuffers::FlatBufferBuilder* fbb);

// Rows of an engine batch as record events: rows [begin, end) of `rows`, whose columns follow
// `schema`. Event times are rows->ts. Ids: first_id empty = generated; else row begin + i gets
// {first_id.hi, first_id.lo + i}. Encoded here and appended by EventLog::AppendRecords.
struct RecordRows {
  const Batch* rows = nullptr;
  const Schema* schema = nullptr;
  size_t begin = 0, end = 0;
  std::string_view event_type;
  uint32_t schema_version = 0;
  EventId first_id;
};

// Clears *fbb and builds `rows` (at least one) into it.
void EncodeRecordBatch(const EventBatchHeader& header, const RecordRows& rows,
                       flatbuffers::FlatBufferBuilder* fbb);

class EventBatchView {
 public:
  EventBatchView() = default;
  EventBatchView(const EventBatchView&) = delete;
  EventBatchView& operator=(const EventBatchView&) = delete;

  // Verifies data[0, n) and makes the view read it. Corruption saying what is wrong (callers add
  // where). The bytes must outlive the view's use unless they were copied (misaligned input).
  Status Parse(const char* data, size_t n);

  uint32_t count() const { return count_; }
  uint64_t first_position() const { return first_position_; }
  uint64_t first_version() const { return first_version_; }
  std::string_view stream_id() const { return stream_id_; }
  TimeUs append_time_us() const { return append_time_us_; }
  // True when payloads are typed record columns (AppendRecords applies).
  bool has_record_columns() const { return columns_ != nullptr; }

  // Envelope fields of event i < count().
  std::string_view event_type(uint32_t i) const;
  std::string_view content_type(uint32_t i) const;
  uint32_t schema_version(uint32_t i) const;
  TimeUs event_time_us(uint32_t i) const;
  EventId event_id(uint32_t i) const;
  // True when event i's id was chosen by its appender (it is then indexed).
  bool has_chosen_id(uint32_t i) const;

  // Event i as an envelope. Views point into the batch, except the payload of a record-column
  // batch, which is the row encoded as a FlexBuffers record (codecs/record_codec.h) into *scratch.
  void Event(uint32_t i, EnvelopeView* out, std::string* scratch) const;

  // Record-column batches: appends events [begin, end) as rows of *out, whose columns follow
  // `reader` (fields matched by name, as RecordDecoder does: missing = null, int64 read as double,
  // a timestamp read as int64 gives µs, timestamps converted between units). Copies whole columns;
  // touches neither out->ts nor other row vectors. InvalidArgument naming the field when a stored
  // type does not fit the reader's (nothing is appended then).
  // REQUIRES: has_record_columns(), begin <= end <= count().
  Status AppendRecords(const Schema& reader, uint32_t begin, uint32_t end, Batch* out) const;

 private:
  const fb::RecordColumn* FindColumn(std::string_view name) const;

  const fb::EventBatch* batch_ = nullptr;
  const flatbuffers::Vector<flatbuffers::Offset<fb::RecordColumn>>* columns_ = nullptr;
  uint32_t count_ = 0;
  uint64_t first_position_ = 0, first_version_ = 0;
  TimeUs append_time_us_ = 0;
  std::string_view stream_id_;
  // Event times: event_times, or the column they were found in (in time_unit_).
  const int64_t* time_ints_ = nullptr;
  TimeUnit time_unit_ = TimeUnit::kMicros;
  std::vector<uint64_t> aligned_;  // copy of misaligned input
};

}  // namespace sluice
