#include <fmt/format.h>

#include <algorithm>

#include "codecs/event_batch.h"
#include "storage/event_log.h"
#include "storage/log_internal.h"
#include "storage/log_keys.h"

namespace sluice {
namespace {

// Records at least this large are read by copy when LogOptions::read_by_copy is set.
constexpr size_t kMinCopyReadBytes = size_t{16} << 10;

}  // namespace

LogIterator::LogIterator(EventLog* log, const ReadOptions& options)
    : log_(log),
      options_(options),
      record_(std::make_unique<StoredRecord>()),
      kept_(std::make_unique<StoredRecord>()) {
  if (!options_.stream.empty()) {
    stream_prefix_ = options_.stream;
    stream_prefix_.push_back('\0');
  }
}

LogIterator::~LogIterator() { Release(); }

void LogIterator::Release() {
  events_.Close();
  streams_.Close();
  txn_.Abort();
  if (record_owned_ && record_->ok()) {
    std::swap(record_, kept_);
    std::swap(copy_, kept_copy_);
  }
  record_->Reset();
  record_owned_ = false;
  valid_ = false;
}

Status LogIterator::Seek(uint64_t from_position, uint64_t from_version) {
  Release();
  status_ = Status::OK();
  index_ = 0;
  SLUICE_RETURN_IF_ERROR(log_->env_->BeginRead(&txn_));
  SLUICE_RETURN_IF_ERROR(ReadFirstLivePosition(&txn_, log_->meta_db_, &first_live_));
  SLUICE_RETURN_IF_ERROR(events_.Open(&txn_, log_->events_db_));
  if (stream_prefix_.empty()) {
    // The record holding `target` is the last one starting at or before it.
    const uint64_t target = std::max({from_position, first_live_, uint64_t{1}});
    const BigEndianKey key(target);
    bool found = events_.Seek(key.view());
    if (!found) {
      found = events_.Last();
    } else if (log::DecodePosition(events_.key()) != target && !events_.Prev()) {
      found = events_.Seek(key.view());
    }
    if (!events_.status().ok()) status_ = events_.status();
    if (!status_.ok() || !found) return Status::OK();
    const uint64_t first = log::DecodePosition(events_.key());
    LoadCurrent(first < target);
    if (record_->ok() && record_->first_position() == first && first < target) {
      index_ = static_cast<uint32_t>(std::min<uint64_t>(target - first, record_->count()));
    }
  } else {
    // The index entry holding version v is the last one of the stream at or before it.
    const uint64_t v = std::max<uint64_t>(from_version, 1);
    SLUICE_RETURN_IF_ERROR(streams_.Open(&txn_, log_->streams_db_));
    std::string key;
    log::StreamKey(options_.stream, v, &key);
    uint64_t first_version = 0;
    bool found =
        streams_.Seek(key) && log::VersionOfStreamKey(streams_.key(), options_.stream) == v;
    if (!found) {
      const bool before = streams_.valid() ? streams_.Prev() : streams_.Last();
      uint64_t pos = 0;
      uint32_t count = 0;
      first_version = before ? log::VersionOfStreamKey(streams_.key(), options_.stream) : 0;
      found = first_version > 0 && log::DecodeStreamValue(streams_.value(), &pos, &count) &&
              first_version + count > v;
      if (!found) {
        first_version = 0;
        streams_.Seek(key);
      }
    }
    if (!streams_.status().ok()) status_ = streams_.status();
    if (!status_.ok()) return Status::OK();
    LoadCurrent(first_version > 0 && first_version < v);
    if (record_->ok() && first_version > 0 && record_->first_version() == first_version) {
      index_ = static_cast<uint32_t>(std::min<uint64_t>(v - first_version, record_->count()));
    }
  }
  Load();
  return Status::OK();
}

Status LogIterator::Refresh() {
  if (!status_.ok()) return status_;
  if (stream_prefix_.empty()) {
    return Seek(last_position_ ? last_position_ + 1 : options_.from_position, 0);
  }
  return Seek(0, last_version_ ? last_version_ + 1 : options_.from_version);
}

void LogIterator::LoadCurrent(bool passed) {
  record_->Reset();
  index_ = 0;
  uint64_t position;
  std::string_view value;
  if (stream_prefix_.empty()) {
    if (!events_.valid()) return;
    position = log::DecodePosition(events_.key());
    value = events_.value();
  } else {
    if (!streams_.valid()) return;
    const std::string_view k = streams_.key();
    if (k.size() != stream_prefix_.size() + 8 ||
        k.substr(0, stream_prefix_.size()) != stream_prefix_) {
      return;  // past the stream
    }
    uint32_t count = 1;
    const uint64_t first_version = DecodeBigEndian64(k.data() + stream_prefix_.size());
    if (!log::DecodeStreamValue(streams_.value(), &position, &count)) {
      status_ =
          Status::Corruption(fmt::format("the index entry of stream '{}' version {} is malformed",
                                         options_.stream, first_version));
      failed_position_ = last_position_ + 1;
      failed_version_ = first_version;
      return;
    }
    failed_version_ = first_version + count - 1;
    Status s = txn_.Get(log_->events_db_, BigEndianKey(position).view(), &value);
    if (!s.ok()) {
      status_ = s.IsNotFound() ? Status::Corruption(fmt::format(
                                     "stream '{}' version {} points to position {}, which holds "
                                     "no record",
                                     options_.stream, first_version, position))
                               : s;
      failed_position_ = position;
      return;
    }
  }
  Status s = ParseRecord(position, value);
  if (s.ok()) return;
  record_->Reset();
  if (passed) {  // reported when the read first met it
    NextRecord();
    return;
  }
  // Name every position the record held: a damaged batch loses all of its events.
  uint64_t last = position;
  if (!stream_prefix_.empty()) {
    last = position +
           (failed_version_ - DecodeBigEndian64(streams_.key().data() + stream_prefix_.size()));
  } else if (events_.Next()) {
    last = log::DecodePosition(events_.key()) - 1;
    events_.Seek(BigEndianKey(position).view());
  } else {
    events_.Seek(BigEndianKey(position).view());
    uint64_t next = 0;
    if (log_->NextPosition(&txn_, &next).ok() && next > position) last = next - 1;
  }
  status_ = last > position
                ? Status::Corruption(fmt::format("{} (the record held positions {}-{}, all lost)",
                                                 s.message(), position, last))
                : s;
  failed_position_ = position;
}

Status LogIterator::ParseRecord(uint64_t position, std::string_view value) {
  if (kept_->ok() && kept_->first_position() == position) {
    std::swap(record_, kept_);
    std::swap(copy_, kept_copy_);
    kept_->Reset();
    record_owned_ = true;
    return Status::OK();
  }
  kept_->Reset();
  const char* mapped = value.data();
  if (value.size() >= kMinCopyReadBytes && log_->options().read_by_copy) {
    value = txn_.CopyValue(value, &copy_);
  }
  Status s = record_->Parse(position, value);
  record_owned_ = value.data() != mapped || record_->compressed();
  return s;
}

void LogIterator::NextRecord() {
  lmdb::Cursor& c = stream_prefix_.empty() ? events_ : streams_;
  record_->Reset();
  index_ = 0;
  c.Next();
  if (!c.status().ok()) {
    status_ = c.status();
    return;
  }
  LoadCurrent(false);
}

void LogIterator::SkipCorrupt() {
  if (!status_.IsCorruption()) return;
  status_ = Status::OK();
  last_position_ = std::max(last_position_, failed_position_);
  if (!stream_prefix_.empty()) last_version_ = std::max(last_version_, failed_version_);
  NextRecord();
  Load();
}

const EventBatchView* LogIterator::record_batch() const {
  const EventBatchView* b = record_->batch();
  return b != nullptr && b->has_record_columns() ? b : nullptr;
}

uint32_t LogIterator::PassingRun(uint32_t max) const {
  const EventBatchView* b = record_batch();
  if (b == nullptr) return 0;
  const uint32_t end =
      static_cast<uint32_t>(std::min<uint64_t>(b->count(), uint64_t{index_} + max));
  uint32_t i = index_;
  for (; i < end; ++i) {
    if (b->event_time_us(i) < options_.min_event_time) break;
    if (!options_.types.empty() && std::find(options_.types.begin(), options_.types.end(),
                                             b->event_type(i)) == options_.types.end()) {
      break;
    }
  }
  return i - index_;
}

void LogIterator::Advance(uint32_t n) {
  if (!valid_ || n == 0) return;
  last_position_ = event_.global_position + n - 1;
  last_version_ = event_.stream_version + n - 1;
  index_ += n;
  Load();
}

void LogIterator::Next() {
  if (!valid_) return;
  last_position_ = event_.global_position;  // consumed
  last_version_ = event_.stream_version;
  ++index_;
  Load();
}

void LogIterator::Load() {
  valid_ = false;
  while (status_.ok() && record_->ok()) {
    for (; index_ < record_->count(); ++index_) {
      if (record_->first_position() + index_ < first_live_) continue;  // truncated away
      record_->Event(index_, &event_);
      bool pass = event_.event_time_us >= options_.min_event_time;
      if (pass && !options_.types.empty()) {
        pass = std::find(options_.types.begin(), options_.types.end(), event_.event_type) !=
               options_.types.end();
      }
      if (pass) {
        valid_ = true;
        return;
      }
      last_position_ = event_.global_position;  // filtered out: consumed
      last_version_ = event_.stream_version;
    }
    NextRecord();
  }
}

}  // namespace sluice
