#include <fmt/format.h>

#include <algorithm>

#include "storage/event_log.h"
#include "storage/log_internal.h"
#include "storage/log_keys.h"

namespace sluice {

LogIterator::LogIterator(EventLog* log, const ReadOptions& options) : log_(log), options_(options) {
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
  valid_ = false;
}

Status LogIterator::Seek(uint64_t from_position, uint64_t from_version) {
  Release();
  status_ = Status::OK();
  SLUICE_RETURN_IF_ERROR(log_->env_->BeginRead(&txn_));
  SLUICE_RETURN_IF_ERROR(events_.Open(&txn_, log_->events_db_));
  if (stream_prefix_.empty()) {
    events_.Seek(BigEndianKey(std::max<uint64_t>(from_position, 1)).view());
    if (!events_.status().ok()) status_ = events_.status();
  } else {
    SLUICE_RETURN_IF_ERROR(streams_.Open(&txn_, log_->streams_db_));
    std::string key;
    log::StreamKey(options_.stream, std::max<uint64_t>(from_version, 1), &key);
    streams_.Seek(key);
    if (!streams_.status().ok()) status_ = streams_.status();
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

void LogIterator::SkipCorrupt() {
  if (!status_.IsCorruption()) return;
  status_ = Status::OK();
  lmdb::Cursor& c = stream_prefix_.empty() ? events_ : streams_;
  if (!c.valid()) return;
  if (!stream_prefix_.empty()) {
    last_version_ = DecodeBigEndian64(c.key().data() + stream_prefix_.size());
  }
  last_position_ = failed_position_;
  c.Next();
  if (!c.status().ok()) status_ = c.status();
  Load();
}

void LogIterator::Next() {
  if (!valid_) return;
  last_position_ = event_.global_position;  // consumed
  last_version_ = event_.stream_version;
  if (stream_prefix_.empty()) {
    events_.Next();
    if (!events_.status().ok()) status_ = events_.status();
  } else {
    streams_.Next();
    if (!streams_.status().ok()) status_ = streams_.status();
  }
  Load();
}

// Settles on the first record at or after the cursor that passes the filters.
void LogIterator::Load() {
  valid_ = false;
  if (!status_.ok()) return;
  for (;;) {
    uint64_t pos;
    if (stream_prefix_.empty()) {
      if (!events_.valid()) return;
      pos = log::DecodePosition(events_.key());
      status_ = DecodeRecord(pos, events_.value(), &event_);
    } else {
      if (!streams_.valid()) return;
      std::string_view k = streams_.key();
      if (k.size() != stream_prefix_.size() + 8 ||
          k.substr(0, stream_prefix_.size()) != stream_prefix_) {
        return;  // past the stream
      }
      pos = log::DecodePosition(streams_.value());
      status_ = ReadEventAt(&txn_, log_->events_db_, pos, &event_);
    }
    if (!status_.ok()) {
      failed_position_ = pos;
      return;
    }
    bool pass = event_.event_time_us >= options_.min_event_time;
    if (pass && !options_.types.empty()) {
      pass = std::find(options_.types.begin(), options_.types.end(), event_.event_type) !=
             options_.types.end();
    }
    if (pass) {
      valid_ = true;
      return;
    }
    last_position_ = pos;  // filtered out: consumed
    last_version_ = event_.stream_version;
    lmdb::Cursor& c = stream_prefix_.empty() ? events_ : streams_;
    c.Next();
    if (!c.status().ok()) {
      status_ = c.status();
      return;
    }
  }
}

}  // namespace sluice
