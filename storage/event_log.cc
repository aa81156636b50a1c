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

Status DecodeRecord(uint64_t position, std::string_view value, EnvelopeView* out) {
  log::RecordType type;
  std::string_view body;
  SLUICE_RETURN_IF_ERROR(log::UnframeRecord(position, value, &type, &body));
  Status s = DecodeEnvelope(body.data(), body.size(), out);
  if (!s.ok())
    return Status::Corruption(fmt::format("record at position {}: {}", position, s.message()));
  if (out->global_position != position) {
    return Status::Corruption(
        fmt::format("record at position {} claims position {}", position, out->global_position));
  }
  return Status::OK();
}

Status ReadEventAt(lmdb::Txn* txn, lmdb::Dbi events_db, uint64_t position, EnvelopeView* out) {
  std::string_view value;
  Status s = txn->Get(events_db, BigEndianKey(position).view(), &value);
  if (s.IsNotFound()) return Status::NotFound(fmt::format("no event at position {}", position));
  SLUICE_RETURN_IF_ERROR(s);
  return DecodeRecord(position, value, out);
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
      fbb_(std::make_unique<flatbuffers::FlatBufferBuilder>(1024)) {}

EventLog::~EventLog() = default;

Status EventLog::Open(const LogOptions& options, const std::string& dir,
                      std::unique_ptr<EventLog>* out) {
  if (options.initial_map_size == 0 || options.max_map_size < options.initial_map_size) {
    return Status::InvalidArgument("log map sizes: need 0 < initial_map_size <= max_map_size");
  }
  if (options.max_group_events == 0) return Status::InvalidArgument("max_group_events must be > 0");
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
  if (s.IsNotFound() && create) {
    SLUICE_RETURN_IF_ERROR(
        txn.Put(log->meta_db_, log::kMetaFormatVersion, std::to_string(log::kFormatVersion)));
  } else if (!s.ok()) {
    return s;
  } else if (fv != std::to_string(log::kFormatVersion)) {
    return Status::Corruption(
        fmt::format("log '{}' has format version '{}', expected {}", dir, fv, log::kFormatVersion));
  }
  uint64_t next = 1;
  SLUICE_RETURN_IF_ERROR(log->NextPosition(&txn, &next));
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
  {
    lmdb::Cursor c;
    SLUICE_RETURN_IF_ERROR(c.Open(txn, events_db_));
    if (c.Last()) n = log::DecodePosition(c.key()) + 1;
    SLUICE_RETURN_IF_ERROR(c.status());
  }
  std::string_view v;
  if (txn->Get(meta_db_, log::kMetaFirstPosition, &v).ok()) n = std::max(n, log::DecodePosition(v));
  *next = n;
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
  st->events = ev.entries;
  st->events_bytes = ev.pages * page;
  st->index_bytes = (sv.pages + iv.pages) * page;
  SLUICE_RETURN_IF_ERROR(NextPosition(&txn, &st->next_position));
  {
    lmdb::Cursor c;
    SLUICE_RETURN_IF_ERROR(c.Open(&txn, events_db_));
    EnvelopeView e;
    if (c.First()) {
      st->first_position = log::DecodePosition(c.key());
      if (DecodeRecord(st->first_position, c.value(), &e).ok()) {
        st->first_append_time = e.append_time_us;
        st->first_event_time = e.event_time_us;
      }
    }
    if (c.Last()) {
      st->last_position = log::DecodePosition(c.key());
      if (DecodeRecord(st->last_position, c.value(), &e).ok()) {
        st->last_append_time = e.append_time_us;
        st->last_event_time = e.event_time_us;
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

Status EventLog::Verify(const CorruptionReporter& reporter, uint64_t* checked) {
  lmdb::Txn txn;
  SLUICE_RETURN_IF_ERROR(env_->BeginRead(&txn));
  uint64_t problems = 0, count = 0, first_bad = 0;
  auto report = [&](uint64_t pos, const Status& s) {
    if (problems++ == 0) first_bad = pos;
    if (reporter) reporter(pos, s);
  };
  lmdb::Cursor c;
  SLUICE_RETURN_IF_ERROR(c.Open(&txn, events_db_));
  std::string key;
  for (bool ok = c.First(); ok; ok = c.Next()) {
    ++count;
    if (c.key().size() != 8) {
      report(0, Status::Corruption(fmt::format("events key of {} bytes", c.key().size())));
      continue;
    }
    uint64_t pos = log::DecodePosition(c.key());
    EnvelopeView e;
    Status s = DecodeRecord(pos, c.value(), &e);
    if (!s.ok()) {
      report(pos, s);
      continue;
    }
    std::string_view v;
    log::StreamKey(e.stream_id, e.stream_version, &key);
    if (!txn.Get(streams_db_, key, &v).ok() || log::DecodePosition(v) != pos) {
      report(pos, Status::Corruption(fmt::format(
                      "event at position {} is missing from the index of stream '{}' (version {})",
                      pos, e.stream_id, e.stream_version)));
    }
    // Generated ids are not indexed; an indexed id must point back here.
    if (txn.Get(ids_db_, log::IdKey(e.event_id).view(), &v).ok() && log::DecodePosition(v) != pos) {
      report(pos, Status::Corruption(
                      fmt::format("the id index maps event {} at position {} to position {}",
                                  e.event_id.ToString(), pos, log::DecodePosition(v))));
    }
  }
  Status cs = c.status();
  c.Close();
  if (checked) *checked = count;
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
