#include "storage/event_log.h"

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "storage/log_internal.h"
#include "storage/log_keys.h"
#include "storage/log_record.h"

namespace sluice {

Status ReadFirstLivePosition(lmdb::Txn* txn, lmdb::Dbi meta_db, uint64_t* first) {
  std::string_view v;
  Status s = txn->Get(meta_db, log::kMetaFirstPosition, &v);
  *first = s.ok() ? std::max<uint64_t>(1, log::DecodePosition(v)) : 1;
  return s.IsNotFound() ? Status::OK() : s;
}

Status ReadIndexedStreamVersion(lmdb::Txn* txn, lmdb::Dbi streams_db, std::string_view stream,
                                uint64_t* version) {
  lmdb::Cursor c;
  SLUICE_RETURN_IF_ERROR(c.Open(txn, streams_db));
  std::string key;
  log::StreamKey(stream, UINT64_MAX, &key);
  bool found = c.Seek(key) ? c.Prev() : c.Last();
  SLUICE_RETURN_IF_ERROR(c.status());
  *version = found ? log::VersionOfStreamKey(c.key(), stream) : 0;
  uint64_t position;
  uint32_t count;
  if (*version > 0 && log::DecodeStreamValue(c.value(), &position, &count)) *version += count - 1;
  return Status::OK();
}

Status ReadStreamVersion(lmdb::Txn* txn, lmdb::Dbi streams_db, lmdb::Dbi meta_db,
                         std::string_view stream, uint64_t* version) {
  SLUICE_RETURN_IF_ERROR(ReadIndexedStreamVersion(txn, streams_db, stream, version));
  if (*version > 0) return Status::OK();
  std::string_view v;
  Status s = txn->Get(meta_db, log::LastVersionKey(stream), &v);
  if (s.IsNotFound()) return Status::OK();
  SLUICE_RETURN_IF_ERROR(s);
  *version = log::DecodePosition(v);
  return Status::OK();
}

EventLog::EventLog(const LogOptions& options, std::string dir)
    : options_(options),
      dir_(std::move(dir)),
      fbb_(std::make_unique<flatbuffers::FlatBufferBuilder>(1024)),
      zstd_(std::make_unique<ZstdCompressor>()) {}

Status CheckCompressionLevel(int level) {
  if (level < kZstdMinLevel || level > kZstdMaxLevel) {
    return Status::InvalidArgument(fmt::format("compression level {} is outside zstd's {}..{}",
                                               level, kZstdMinLevel, kZstdMaxLevel));
  }
  return Status::OK();
}

EventLog::~EventLog() = default;

Status EventLog::Open(const LogOptions& options, const std::string& dir,
                      std::unique_ptr<EventLog>* out) {
  if (options.initial_map_size == 0 || options.max_map_size < options.initial_map_size) {
    return Status::InvalidArgument("log map sizes: need 0 < initial_map_size <= max_map_size");
  }
  if (options.max_group_events == 0) return Status::InvalidArgument("max_group_events must be > 0");
  if (options.compression == LogCompression::kDefault) {
    return Status::InvalidArgument("LogOptions::compression: choose kNone or kZstd");
  }
  SLUICE_RETURN_IF_ERROR(CheckCompressionLevel(options.compression_level));
  if (options.read_only || !options.create_if_missing) {
    struct stat sb;
    if (::stat((dir + "/data.mdb").c_str(), &sb) != 0) {
      return Status::NotFound(fmt::format("no event log in '{}'", dir));
    }
  }
  std::unique_ptr<EventLog> log(new EventLog(options, dir));
  lmdb::EnvOptions eo;
  eo.map_size = options.initial_map_size;
  eo.max_dbs = 4 + options.max_user_databases;
  eo.max_readers = options.max_readers;
  eo.read_only = options.read_only;
  eo.no_sync = options.sync == SyncMode::kNoSync;
  log->no_sync_now_ = eo.no_sync;
  SLUICE_RETURN_IF_ERROR(lmdb::Env::Open(dir, eo, &log->env_));

  lmdb::Txn txn;
  const bool create = !options.read_only;
  SLUICE_RETURN_IF_ERROR(create ? log->env_->BeginWrite(&txn) : log->env_->BeginRead(&txn));
  auto open_db = [&](const char* name, lmdb::Dbi* dbi) -> Status {
    Status s = txn.OpenDbi(name, create, dbi);
    if (s.IsNotFound()) {
      return Status::NotFound(fmt::format("'{}' is not a sluice event log (no {})", dir, name));
    }
    return s;
  };
  SLUICE_RETURN_IF_ERROR(open_db(log::kMetaDb, &log->meta_db_));
  SLUICE_RETURN_IF_ERROR(open_db(log::kEventsDb, &log->events_db_));
  SLUICE_RETURN_IF_ERROR(open_db(log::kStreamsDb, &log->streams_db_));
  SLUICE_RETURN_IF_ERROR(open_db(log::kIdsDb, &log->ids_db_));
  std::string_view fv;
  Status s = txn.Get(log->meta_db_, log::kMetaFormatVersion, &fv);
  bool upgrade = false;
  if (s.IsNotFound() && create) {
    upgrade = true;
  } else if (!s.ok()) {
    return s;
  } else if (fv == std::to_string(log::kOldestFormatVersion)) {
    upgrade = create;  // format-1 records stay readable; new ones are batches
  } else if (fv != std::to_string(log::kFormatVersion)) {
    return Status::Corruption(
        fmt::format("log '{}' has format version '{}'; this sluice reads versions {} to {}", dir,
                    fv, log::kOldestFormatVersion, log::kFormatVersion));
  }
  uint64_t next = 1;
  SLUICE_RETURN_IF_ERROR(log->NextPosition(&txn, &next));
  if (upgrade) {
    SLUICE_RETURN_IF_ERROR(
        txn.Put(log->meta_db_, log::kMetaFormatVersion, std::to_string(log::kFormatVersion)));
    SLUICE_RETURN_IF_ERROR(
        txn.Put(log->meta_db_, log::kMetaNextPosition, BigEndianKey(next).view()));
  }
  log->last_position_.store(next - 1);
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  *out = std::move(log);
  return Status::OK();
}

Status EventLog::OpenShared(const LogOptions& options, const std::string& dir,
                            std::shared_ptr<EventLog>* out) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<EventLog>> open_logs;
  // Absolute first: weakly_canonical leaves a relative path that does not exist yet relative,
  // which would give one directory two keys before and after its creation.
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(dir, ec);
  if (!ec) p = std::filesystem::weakly_canonical(p, ec);
  std::string key = ec ? dir : p.string();
  std::lock_guard<std::mutex> l(mu);
  if (auto existing = open_logs[key].lock()) {
    if (existing->options().read_only && !options.read_only) {
      return Status::InvalidArgument(
          fmt::format("log '{}' is already open read-only in this process", dir));
    }
    *out = std::move(existing);
    return Status::OK();
  }
  std::unique_ptr<EventLog> log;
  SLUICE_RETURN_IF_ERROR(Open(options, dir, &log));
  std::shared_ptr<EventLog> shared(std::move(log));
  open_logs[key] = shared;
  *out = std::move(shared);
  return Status::OK();
}

Status EventLog::NextPosition(lmdb::Txn* txn, uint64_t* next) {
  uint64_t n = 1;
  std::string_view v;
  Status s = txn->Get(meta_db_, log::kMetaNextPosition, &v);
  if (s.ok()) {
    n = log::DecodePosition(v);
  } else if (s.IsNotFound()) {
    // A format-1 log: one event per record.
    lmdb::Cursor c;
    SLUICE_RETURN_IF_ERROR(c.Open(txn, events_db_));
    if (c.Last()) n = log::DecodePosition(c.key()) + 1;
    SLUICE_RETURN_IF_ERROR(c.status());
  } else {
    return s;
  }
  uint64_t first = 1;
  SLUICE_RETURN_IF_ERROR(ReadFirstLivePosition(txn, meta_db_, &first));
  *next = std::max(n, first);
  return Status::OK();
}

Result<uint64_t> EventLog::StreamVersion(std::string_view stream) {
  lmdb::Txn txn;
  SLUICE_RETURN_IF_ERROR(env_->BeginRead(&txn));
  uint64_t v = 0;
  SLUICE_RETURN_IF_ERROR(ReadStreamVersion(&txn, streams_db_, meta_db_, stream, &v));
  return v;
}

Result<uint64_t> EventLog::LastPosition() {
  lmdb::Txn txn;
  SLUICE_RETURN_IF_ERROR(env_->BeginRead(&txn));
  uint64_t next = 1;
  SLUICE_RETURN_IF_ERROR(NextPosition(&txn, &next));
  return next - 1;
}

bool EventLog::WaitForAppend(uint64_t after, int timeout_ms) {
  constexpr auto kPoll = std::chrono::milliseconds(5);  // other processes cannot signal us
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (last_position_.load() > after) return true;
    Result<uint64_t> last = LastPosition();
    if (last.ok() && *last > after) return true;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    std::unique_lock<std::mutex> l(append_mu_);
    append_cv_.wait_for(l, std::min<std::chrono::steady_clock::duration>(kPoll, deadline - now),
                        [&] { return last_position_.load() > after; });
  }
}

Status EventLog::Flush() { return options_.read_only ? Status::OK() : env_->Sync(); }

Status EventLog::GetStats(LogStats* st) {
  *st = LogStats();
  lmdb::Txn txn;
  SLUICE_RETURN_IF_ERROR(env_->BeginRead(&txn));
  lmdb::DbStat ev, sv, iv;
  SLUICE_RETURN_IF_ERROR(txn.Stat(events_db_, &ev));
  SLUICE_RETURN_IF_ERROR(txn.Stat(streams_db_, &sv));
  SLUICE_RETURN_IF_ERROR(txn.Stat(ids_db_, &iv));
  const uint64_t page = env_->page_size();
  st->batches = ev.entries;
  st->events_bytes = ev.pages * page;
  st->index_bytes = (sv.pages + iv.pages) * page;
  SLUICE_RETURN_IF_ERROR(NextPosition(&txn, &st->next_position));
  if (ev.entries > 0) {
    // Positions are contiguous from the first live one to the last appended.
    lmdb::Cursor c;
    SLUICE_RETURN_IF_ERROR(c.Open(&txn, events_db_));
    uint64_t first_live = 1;
    SLUICE_RETURN_IF_ERROR(ReadFirstLivePosition(&txn, meta_db_, &first_live));
    if (c.First()) st->first_position = std::max(log::DecodePosition(c.key()), first_live);
    SLUICE_RETURN_IF_ERROR(c.status());
    st->last_position = st->next_position - 1;
    if (st->last_position >= st->first_position && st->first_position > 0) {
      st->events = st->last_position - st->first_position + 1;
    }
    StoredRecord rec;
    EnvelopeView e;
    if (ReadEventAt(&txn, events_db_, st->first_position, &rec, &e).ok()) {
      st->first_append_time = e.append_time_us;
      st->first_event_time = e.event_time_us;
    }
    if (ReadEventAt(&txn, events_db_, st->last_position, &rec, &e).ok()) {
      st->last_append_time = e.append_time_us;
      st->last_event_time = e.event_time_us;
    }
  }
  {
    // Sizes of the records as stored and inflated: headers only, no checks (Verify checks).
    lmdb::Cursor c;
    SLUICE_RETURN_IF_ERROR(c.Open(&txn, events_db_));
    log::RecordFrame frame;
    for (bool ok = c.First(); ok; ok = c.Next()) {
      const std::string_view v = c.value();
      st->record_bytes += v.size();
      uint64_t inflated = 0;
      if (log::PeekFrame(v, &frame) && frame.compression == log::kZstd &&
          ZstdDecompressor::ContentSize(frame.body, log::kMaxInflatedBatchBytes, &inflated).ok()) {
        ++st->compressed_batches;
        st->inflated_bytes += v.size() - frame.body.size() + inflated;
      } else {
        st->inflated_bytes += v.size();
      }
    }
    SLUICE_RETURN_IF_ERROR(c.status());
  }
  {
    // Streams: jump from each stream's first key past its last one.
    lmdb::Cursor c;
    SLUICE_RETURN_IF_ERROR(c.Open(&txn, streams_db_));
    std::string key;
    for (bool ok = c.First(); ok;) {
      ++st->streams;
      std::string_view k = c.key();
      if (k.size() < 9) break;
      log::StreamKey(k.substr(0, k.size() - 9), UINT64_MAX, &key);
      ok = c.Seek(key);
    }
    SLUICE_RETURN_IF_ERROR(c.status());
  }
  st->used_bytes = env_->used_bytes();
  st->map_size = env_->map_size();
  struct stat sb;
  std::string file = dir_ + "/data.mdb";
  if (::stat(file.c_str(), &sb) == 0) {
    st->file_bytes = static_cast<uint64_t>(sb.st_size);
    st->disk_bytes = static_cast<uint64_t>(sb.st_blocks) * 512;
  }
  return txn.Commit();
}

Status EventLog::Verify(const CorruptionReporter& reporter, uint64_t* checked,
                        uint64_t* checked_events) {
  lmdb::Txn txn;
  SLUICE_RETURN_IF_ERROR(env_->BeginRead(&txn));
  uint64_t problems = 0, count = 0, events = 0, first_bad = 0;
  auto report = [&](uint64_t pos, const Status& s) {
    if (problems++ == 0) first_bad = pos;
    if (reporter) reporter(pos, s);
  };
  uint64_t first_live = 1;
  SLUICE_RETURN_IF_ERROR(ReadFirstLivePosition(&txn, meta_db_, &first_live));
  lmdb::Cursor c;
  SLUICE_RETURN_IF_ERROR(c.Open(&txn, events_db_));
  std::string key;
  StoredRecord rec;
  uint64_t expected = 0;  // the position the next record must start at; 0 = any
  // A record that failed to parse is reported once the next key tells which positions it held.
  uint64_t damaged = 0;
  Status damage;
  auto report_damaged = [&](uint64_t next) {
    if (damaged == 0) return;
    report(damaged, next > damaged + 1
                        ? Status::Corruption(fmt::format("{} (the record held positions {}-{})",
                                                         damage.message(), damaged, next - 1))
                        : damage);
    damaged = 0;
  };
  for (bool ok = c.First(); ok; ok = c.Next()) {
    ++count;
    if (c.key().size() != 8) {
      report(0, Status::Corruption(fmt::format("events key of {} bytes", c.key().size())));
      continue;
    }
    uint64_t pos = log::DecodePosition(c.key());
    report_damaged(pos);
    if (expected != 0 && pos != expected) {
      report(pos, Status::Corruption(
                      fmt::format("positions jump from {} to {}: the events between are missing",
                                  expected - 1, pos)));
    }
    Status s = rec.Parse(pos, c.value());
    if (!s.ok()) {
      damaged = pos;
      damage = s;
      expected = 0;
      continue;
    }
    events += rec.count();
    expected = rec.last_position() + 1;
    std::string_view v;
    uint64_t indexed = 0;
    uint32_t indexed_count = 0;
    log::StreamKey(rec.stream_id(), rec.first_version(), &key);
    if (!txn.Get(streams_db_, key, &v).ok() ||
        !log::DecodeStreamValue(v, &indexed, &indexed_count) || indexed != pos ||
        indexed_count != rec.count()) {
      report(pos, Status::Corruption(fmt::format(
                      "record at position {} is missing from the index of stream '{}' (version {})",
                      pos, rec.stream_id(), rec.first_version())));
    }
    // Generated ids are not indexed; an indexed id must point back to its event, and a batch's
    // chosen ids must all be indexed (events hidden by truncation excepted).
    for (uint32_t i = 0; i < rec.count(); ++i) {
      const uint64_t p = pos + i;
      if (p < first_live || !rec.may_index_id(i)) continue;
      const EventId id = rec.event_id(i);
      const bool found = txn.Get(ids_db_, log::IdKey(id).view(), &v).ok();
      if (found && log::DecodePosition(v) != p) {
        report(p, Status::Corruption(
                      fmt::format("the id index maps event {} at position {} to position {}",
                                  id.ToString(), p, log::DecodePosition(v))));
      } else if (!found && rec.batch() != nullptr) {
        report(p, Status::Corruption(fmt::format(
                      "event {} at position {} is missing from the id index", id.ToString(), p)));
      }
    }
  }
  Status cs = c.status();
  c.Close();
  if (damaged != 0) {
    uint64_t next = 0;
    report_damaged(NextPosition(&txn, &next).ok() ? next : 0);
  }
  if (checked) *checked = count;
  if (checked_events) *checked_events = events;
  SLUICE_RETURN_IF_ERROR(cs);
  if (problems > 0) {
    return Status::Corruption(fmt::format("{} problem(s) in {} record(s); first at position {}",
                                          problems, count, first_bad));
  }
  return Status::OK();
}

Status EventLog::NewIterator(const ReadOptions& options, std::unique_ptr<LogIterator>* it) {
  std::unique_ptr<LogIterator> iter(new LogIterator(this, options));
  SLUICE_RETURN_IF_ERROR(iter->Seek(options.from_position, options.from_version));
  *it = std::move(iter);
  return Status::OK();
}

}  // namespace sluice
