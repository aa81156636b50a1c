// StoredRecord: one checked value of the log's events database, a format-1 event or a format-2
// batch of events (storage/log_format.h), read through one interface. Internal to storage/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "codecs/envelope.h"
#include "codecs/event_batch.h"
#include "codecs/zstd_codec.h"
#include "storage/lmdb_env.h"

namespace sluice {

class StoredRecord {
 public:
  StoredRecord() = default;
  StoredRecord(const StoredRecord&) = delete;
  StoredRecord& operator=(const StoredRecord&) = delete;

  // Checks `value`, stored under key `position`: frame and CRC, FlatBuffers verification, the
  // batch's own rules, and that its (first) position is the key; a compressed batch is inflated
  // into a buffer the record keeps. Corruption naming the position. The record then refers to
  // `value`, which must stay mapped while it is used.
  Status Parse(uint64_t position, std::string_view value);
  bool ok() const { return count_ > 0; }
  void Reset() { count_ = 0; }

  uint64_t first_position() const { return first_position_; }
  uint32_t count() const { return count_; }
  uint64_t last_position() const { return first_position_ + count_ - 1; }
  std::string_view stream_id() const { return is_batch_ ? batch_.stream_id() : single_.stream_id; }
  uint64_t first_version() const {
    return is_batch_ ? batch_.first_version() : single_.stream_version;
  }
  // Whether event i's id may be in the id index (format-1 records do not say: true).
  bool may_index_id(uint32_t i) const { return !is_batch_ || batch_.has_chosen_id(i); }
  EventId event_id(uint32_t i) const { return is_batch_ ? batch_.event_id(i) : single_.event_id; }
  // Event i < count(). Views are valid while the value is and until the next call.
  void Event(uint32_t i, EnvelopeView* out);
  // The batch of a format-2 record; null for a format-1 one.
  const EventBatchView* batch() const { return is_batch_ ? &batch_ : nullptr; }
  // Whether the batch was stored compressed.
  bool compressed() const { return compressed_; }

 private:
  // Decompresses the zstd frame *body into inflated_ and points *body at the result.
  Status Inflate(uint64_t position, std::string_view* body);

  bool is_batch_ = false;
  bool compressed_ = false;
  uint32_t count_ = 0;
  uint64_t first_position_ = 0;
  EnvelopeView single_;
  EventBatchView batch_;
  std::string scratch_;
  std::unique_ptr<ZstdDecompressor> zstd_;  // made by the first compressed batch
  std::vector<uint64_t> inflated_;          // a compressed batch's EventBatch, 8-byte aligned
};

// Finds and checks the record holding `position` (NotFound when none does) and, when `event` is
// set, fills it with that event.
Status ReadEventAt(lmdb::Txn* txn, lmdb::Dbi events_db, uint64_t position, StoredRecord* record,
                   EnvelopeView* event = nullptr);

}  // namespace sluice
