// The write path of EventLog: group commit (leveldb BuildBatchGroup style), appends inside a
// transaction, Update, OpenDatabase and Truncate.
#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include <cassert>
#include <condition_variable>
#include <map>
#include <optional>

#include "base/fault_injection.h"
#include "base/time_util.h"
#include "codecs/event_batch.h"
#include "codecs/record_codec.h"
#include "storage/event_log.h"
#include "storage/log_internal.h"
#include "storage/log_keys.h"
#include "storage/log_record.h"

namespace sluice {

// A queued write: an append or a transaction callback.
struct EventLog::Writer {
  std::string_view stream;
  std::span<const EventData> events;
  const RecordRows* records = nullptr;  // set for AppendRecords (then `events` is empty)
  AppendOptions options;
  AppendResult* result = nullptr;
  const std::function<Status(LogWriteTxn*)>* fn = nullptr;  // set for Update
  bool sync = true;
  uint64_t bytes = 0;
  bool done = false;
  Status status;
  std::condition_variable cv;

  uint64_t count() const { return records ? records->end - records->begin : events.size(); }
};

namespace {

// Writes `value` under `key`, trying MDB_APPEND first: keys of one stream usually arrive in
// order, and appending skips the B-tree search. Conflict when the key exists.
Status PutPreferAppend(lmdb::Txn* txn, lmdb::Dbi db, std::string_view key, std::string_view value) {
  Status s = txn->Put(db, key, value, lmdb::kPutAppend);
  if (s.IsConflict()) s = txn->Put(db, key, value, lmdb::kPutNoOverwrite);
  return s;
}

Status CheckStreamId(std::string_view stream) {
  if (stream.empty() || stream.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("stream id must be non-empty and free of NUL bytes");
  }
  return Status::OK();
}

// Conflict unless `e`, bound for `stream`, is the event already stored (at `where`) under its id.
Status CheckSameEvent(const EventData& e, std::string_view stream, std::string_view stored_stream,
                      std::string_view stored_payload, const std::string& where) {
  if (stored_stream != stream) {
    return Status::Conflict(fmt::format(
        "event id {} is already used by an event of stream '{}' ({}); the append to stream '{}' "
        "reuses it for another event",
        e.id.ToString(), stored_stream, where, stream));
  }
  if (stored_payload != e.payload) {
    return Status::Conflict(fmt::format(
        "event id {} is already used by an event of stream '{}' ({}) with another payload ({} "
        "bytes, this one {}); an id names one event",
        e.id.ToString(), stream, where, stored_payload.size(), e.payload.size()));
  }
  return Status::OK();
}

// When `id` is stored: Conflict unless it names the event at hand (bound for `stream`, with the
// payload payload_of() gives, asked only then); else event i of the append is recorded in
// *result as a duplicate of the stored one. Nothing happens when the id is new.
template <typename PayloadOf>
Status MarkIfStored(WriteContext* ctx, lmdb::Dbi ids_db, lmdb::Dbi events_db,
                    std::string_view stream, const EventId& id, const PayloadOf& payload_of,
                    size_t i, AppendResult* result) {
  std::string_view v;
  Status s = ctx->txn.Get(ids_db, log::IdKey(id).view(), &v);
  if (s.IsNotFound()) return Status::OK();
  SLUICE_RETURN_IF_ERROR(s);
  EnvelopeView stored;
  const uint64_t pos = log::DecodePosition(v);
  SLUICE_RETURN_IF_ERROR(ReadEventAt(&ctx->txn, events_db, pos, &ctx->record, &stored));
  EventData e;
  e.id = id;
  e.payload = payload_of();
  SLUICE_RETURN_IF_ERROR(
      CheckSameEvent(e, stream, stored.stream_id, stored.payload, fmt::format("position {}", pos)));
  result->positions[i] = pos;
  result->versions[i] = stored.stream_version;
  result->duplicate[i] = 1;
  ++result->duplicates;
  return Status::OK();
}

// Builds a batch record with `encode`, stores it under its first position and indexes it under
// (stream, first version).
Status CheckAppendCompression(const AppendOptions& options) {
  if (options.compression == LogCompression::kDefault) return Status::OK();
  return CheckCompressionLevel(options.compression_level);
}

// With compression, a batch whose zstd frame is smaller than its encoding is stored compressed.
template <typename Encode>
Status WriteBatchRecord(WriteContext* ctx, lmdb::Dbi events_db, lmdb::Dbi streams_db,
                        const AppendOptions& options, const EventBatchHeader& h, uint32_t count,
                        const Encode& encode) {
  encode(ctx->fbb);
  std::string_view body(reinterpret_cast<const char*>(ctx->fbb->GetBufferPointer()),
                        ctx->fbb->GetSize());
  const LogOptions& lo = ctx->log->options();
  const bool by_log = options.compression == LogCompression::kDefault;
  log::Compression compression = log::kUncompressed;
  if ((by_log ? lo.compression : options.compression) == LogCompression::kZstd &&
      body.size() >= log::kMinCompressBytes && body.size() <= log::kMaxInflatedBatchBytes) {
    SLUICE_RETURN_IF_ERROR(ctx->zstd->Compress(
        body, by_log ? lo.compression_level : options.compression_level, &ctx->compressed));
    if (ctx->compressed.size() < body.size()) {
      body = ctx->compressed;
      compression = log::kZstd;
    }
  }
  const BigEndianKey key(h.first_position);
  char* dst = nullptr;
  SLUICE_RETURN_IF_ERROR(ctx->txn.Reserve(
      events_db, key.view(), log::kBatchHeaderSize + body.size(), &dst, lmdb::kPutAppend));
  log::FrameRecord(log::kBatchType, body, dst, compression);
  log::StreamKey(h.stream_id, h.first_version, &ctx->key);
  log::StreamValue(h.first_position, count, &ctx->value);
  return PutPreferAppend(&ctx->txn, streams_db, ctx->key, ctx->value);
}

Status AppendInTxn(WriteContext* ctx, lmdb::Dbi events_db, lmdb::Dbi streams_db, lmdb::Dbi ids_db,
                   lmdb::Dbi meta_db, std::string_view stream, std::span<const EventData> events,
                   const AppendOptions& options, AppendResult* result) {
  SLUICE_RETURN_IF_ERROR(CheckStreamId(stream));
  SLUICE_RETURN_IF_ERROR(CheckAppendCompression(options));
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].type.empty()) {
      return Status::InvalidArgument(fmt::format("event {} of the append has no type", i));
    }
  }
  lmdb::Txn* txn = &ctx->txn;
  const size_t n = events.size();
  result->appended = result->duplicates = 0;
  result->positions.assign(n, 0);
  result->versions.assign(n, 0);
  result->duplicate.assign(n, 0);

  // Duplicates of events stored by earlier transactions (or earlier in this one). An id names one
  // event: the same id with another stream or payload is a conflict, found before any write.
  bool has_ids = false;
  for (size_t i = 0; i < n; ++i) {
    if (events[i].id.empty()) continue;
    has_ids = true;
    SLUICE_RETURN_IF_ERROR(MarkIfStored(
        ctx, ids_db, events_db, stream, events[i].id, [&] { return events[i].payload; }, i,
        result));
  }
  if (has_ids && n > 1) {
    absl::flat_hash_map<std::pair<uint64_t, uint64_t>, size_t> first_with_id;
    for (size_t i = 0; i < n; ++i) {
      if (events[i].id.empty() || result->duplicate[i]) continue;
      auto [it, added] = first_with_id.try_emplace({events[i].id.hi, events[i].id.lo}, i);
      if (added) continue;
      SLUICE_RETURN_IF_ERROR(CheckSameEvent(events[i], stream, stream, events[it->second].payload,
                                            fmt::format("event {} of this append", it->second)));
    }
  }
  uint64_t version = 0;
  SLUICE_RETURN_IF_ERROR(ReadStreamVersion(txn, streams_db, meta_db, stream, &version));
  if (n > 0 && result->duplicates == n) {
    result->stream_version = version;  // a retried append: nothing to do
    return Status::OK();
  }
  if (options.expected_version && *options.expected_version != version) {
    return Status::Conflict(fmt::format("stream '{}': expected version {}, found version {}",
                                        stream, *options.expected_version, version));
  }

  // Positions, versions and id index entries first; the events then go out in batch records.
  std::vector<EnvelopeView>& batch = ctx->batch;
  batch.clear();
  const uint64_t first_position = ctx->next_position;
  const uint64_t first_version = version + 1;
  for (size_t i = 0; i < n; ++i) {
    if (result->duplicate[i]) continue;
    const EventData& e = events[i];
    const uint64_t pos = ctx->next_position;
    // Only ids chosen by callers are indexed: a generated id is unique by construction and no
    // caller can retry with it, so indexing it would cost a B-tree insert per event for nothing.
    Status s;
    if (!e.id.empty()) {
      s = txn->Put(ids_db, log::IdKey(e.id).view(), BigEndianKey(pos).view(),
                   lmdb::kPutNoOverwrite);
    }
    if (s.IsConflict()) {  // the same id earlier in this append, or in this transaction
      size_t j = 0;
      while (j < i && !(events[j].id == e.id && !result->duplicate[j])) ++j;
      if (j < i) {
        result->positions[i] = result->positions[j];
        result->versions[i] = result->versions[j];
      } else {
        std::string_view v;
        SLUICE_RETURN_IF_ERROR(txn->Get(ids_db, log::IdKey(e.id).view(), &v));
        EnvelopeView stored;
        const uint64_t stored_pos = log::DecodePosition(v);
        SLUICE_RETURN_IF_ERROR(ReadEventAt(txn, events_db, stored_pos, &ctx->record, &stored));
        result->positions[i] = stored_pos;
        result->versions[i] = stored.stream_version;
      }
      result->duplicate[i] = 1;
      ++result->duplicates;
      continue;
    }
    SLUICE_RETURN_IF_ERROR(s);
    ++version;
    ++ctx->next_position;
    EnvelopeView env;
    env.event_id = e.id;
    env.event_type = e.type;
    env.schema_version = e.schema_version;
    env.event_time_us = e.event_time;
    env.correlation_id = e.correlation_id;
    env.causation_id = e.causation_id;
    env.content_type = e.content_type;
    env.payload = e.payload;
    batch.push_back(env);
    result->positions[i] = pos;
    result->versions[i] = version;
    ++result->appended;
  }
  // Batch records of at most kMaxBatchEvents events and about kMaxBatchBytes of payload.
  size_t begin = 0;
  while (begin < batch.size()) {
    size_t end = begin;
    uint64_t bytes = 0;
    while (end < batch.size() && end - begin < log::kMaxBatchEvents &&
           (end == begin || bytes + batch[end].payload.size() <= log::kMaxBatchBytes)) {
      bytes += batch[end].payload.size();
      ++end;
    }
    const uint32_t count = static_cast<uint32_t>(end - begin);
    EventBatchHeader h;
    h.first_position = first_position + begin;
    h.stream_id = stream;
    h.first_version = first_version + begin;
    h.append_time_us = ctx->append_time;
    h.id_base = EventId::GenerateBlock(count);
    SLUICE_RETURN_IF_ERROR(WriteBatchRecord(
        ctx, events_db, streams_db, options, h, count, [&](flatbuffers::FlatBufferBuilder* fbb) {
          EncodeEventBatch(h, std::span(batch).subspan(begin, count), fbb);
        }));
    begin = end;
  }
  result->stream_version = version;
  return Status::OK();
}

Status AppendRecordsInTxn(WriteContext* ctx, lmdb::Dbi events_db, lmdb::Dbi streams_db,
                          lmdb::Dbi ids_db, lmdb::Dbi meta_db, std::string_view stream,
                          const RecordRows& records, const AppendOptions& options,
                          AppendResult* result) {
  SLUICE_RETURN_IF_ERROR(CheckStreamId(stream));
  SLUICE_RETURN_IF_ERROR(CheckAppendCompression(options));
  if (records.event_type.empty())
    return Status::InvalidArgument("the record append has no event type");
  if (records.rows == nullptr || records.schema == nullptr || records.begin > records.end ||
      records.end > records.rows->size() ||
      records.rows->columns.size() != records.schema->size()) {
    return Status::InvalidArgument("the record append's rows do not match its schema");
  }
  lmdb::Txn* txn = &ctx->txn;
  const size_t n = records.end - records.begin;
  result->appended = result->duplicates = 0;
  result->positions.assign(n, 0);
  result->versions.assign(n, 0);
  result->duplicate.assign(n, 0);
  const bool chosen = !records.first_id.empty();
  auto id_of = [&](size_t i) { return EventId{records.first_id.hi, records.first_id.lo + i}; };

  // Duplicates: rows whose id is stored. Ids of one append are distinct by construction.
  std::optional<RecordEncoder> encoder;  // only to compare a duplicate with its stored event
  auto payload_of = [&](size_t i) {
    if (!encoder) encoder.emplace(*records.schema);
    return encoder->Encode(*records.rows, records.begin + i);
  };
  for (size_t i = 0; chosen && i < n; ++i) {
    SLUICE_RETURN_IF_ERROR(MarkIfStored(
        ctx, ids_db, events_db, stream, id_of(i), [&] { return payload_of(i); }, i, result));
  }
  uint64_t version = 0;
  SLUICE_RETURN_IF_ERROR(ReadStreamVersion(txn, streams_db, meta_db, stream, &version));
  if (n > 0 && result->duplicates == n) {
    result->stream_version = version;
    return Status::OK();
  }
  if (options.expected_version && *options.expected_version != version) {
    return Status::Conflict(fmt::format("stream '{}': expected version {}, found version {}",
                                        stream, *options.expected_version, version));
  }
  // Runs of rows that are not duplicates, in batch records of at most kMaxBatchEvents rows.
  size_t begin = 0;
  while (begin < n) {
    if (result->duplicate[begin]) {
      ++begin;
      continue;
    }
    size_t end = begin;
    while (end < n && !result->duplicate[end] && end - begin < log::kMaxBatchEvents) {
      const uint64_t pos = ctx->next_position++;
      if (chosen) {
        SLUICE_RETURN_IF_ERROR(txn->Put(ids_db, log::IdKey(id_of(end)).view(),
                                        BigEndianKey(pos).view(), lmdb::kPutNoOverwrite));
      }
      result->positions[end] = pos;
      result->versions[end] = ++version;
      ++result->appended;
      ++end;
    }
    const uint32_t count = static_cast<uint32_t>(end - begin);
    EventBatchHeader h;
    h.first_position = result->positions[begin];
    h.stream_id = stream;
    h.first_version = result->versions[begin];
    h.append_time_us = ctx->append_time;
    if (!chosen) h.id_base = EventId::GenerateBlock(count);
    RecordRows rows = records;
    rows.begin = records.begin + begin;
    rows.end = records.begin + end;
    if (chosen) rows.first_id = id_of(begin);
    SLUICE_RETURN_IF_ERROR(WriteBatchRecord(
        ctx, events_db, streams_db, options, h, count,
        [&](flatbuffers::FlatBufferBuilder* fbb) { EncodeRecordBatch(h, rows, fbb); }));
    begin = end;
  }
  result->stream_version = version;
  return Status::OK();
}

}  // namespace

Status EventLog::AppendRecords(std::string_view stream, const RecordRows& records,
                               const AppendOptions& options, AppendResult* result) {
  if (options_.read_only) return Status::InvalidArgument("the log is open read-only");
  AppendResult scratch;
  Writer w;
  w.stream = stream;
  w.records = &records;
  w.options = options;
  w.result = result ? result : &scratch;
  SyncMode mode = options.sync == SyncMode::kDefault ? options_.sync : options.sync;
  w.sync = mode == SyncMode::kDurable;
  if (records.rows != nullptr && records.end > records.begin) {
    const uint64_t n = records.end - records.begin;
    w.bytes = n * (16 + 8 * static_cast<uint64_t>(records.rows->columns.size()));
  }
  return Write(&w);
}

Status EventLog::Append(std::string_view stream, std::span<const EventData> events,
                        const AppendOptions& options, AppendResult* result) {
  if (options_.read_only) return Status::InvalidArgument("the log is open read-only");
  AppendResult scratch;
  Writer w;
  w.stream = stream;
  w.events = events;
  w.options = options;
  w.result = result ? result : &scratch;
  SyncMode mode = options.sync == SyncMode::kDefault ? options_.sync : options.sync;
  w.sync = mode == SyncMode::kDurable;
  for (const EventData& e : events) w.bytes += e.payload.size() + e.type.size() + 96;
  return Write(&w);
}

Status EventLog::Update(const std::function<Status(LogWriteTxn*)>& fn, SyncMode sync) {
  if (options_.read_only) return Status::InvalidArgument("the log is open read-only");
  Writer w;
  w.fn = &fn;
  SyncMode mode = sync == SyncMode::kDefault ? options_.sync : sync;
  w.sync = mode == SyncMode::kDurable;
  return Write(&w);
}

Status EventLog::Write(Writer* w) {
  std::unique_lock<std::mutex> l(mu_);
  writers_.push_back(w);
  while (!w->done && w != writers_.front()) w->cv.wait(l);
  if (w->done) return w->status;

  // This writer leads: it commits a group of queued writers, itself first.
  std::vector<Writer*> group;
  BuildGroup(&group);
  l.unlock();
  CommitGroup(group);
  l.lock();
  for (Writer* x : group) {
    assert(writers_.front() == x);
    writers_.pop_front();
    if (x != w) {
      x->done = true;
      x->cv.notify_one();
    }
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  return w->status;
}

// REQUIRES: mu_ held; writers_ not empty.
void EventLog::BuildGroup(std::vector<Writer*>* group) {
  Writer* first = writers_.front();
  group->push_back(first);
  if (first->fn) return;  // an Update runs alone, so its failure aborts only itself
  uint64_t events = first->count();
  uint64_t bytes = first->bytes;
  for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
    Writer* w = *it;
    if (w->fn) break;
    if (w->sync && !first->sync) break;  // never merge a sync write into a non-sync group
    if (events + w->count() > options_.max_group_events ||
        bytes + w->bytes > options_.max_group_bytes) {
      break;
    }
    events += w->count();
    bytes += w->bytes;
    group->push_back(w);
  }
}

Status EventLog::Grow() {
  uint64_t now = env_->map_size();
  if (now >= options_.max_map_size) {
    return Status::IOError(fmt::format(
        "map size limit reached: '{}/data.mdb' fills its map of {} bytes; nothing of the failed "
        "transaction was committed. {}",
        dir_, options_.max_map_size, options_.map_full_advice));
  }
  uint64_t next = std::min(options_.max_map_size, now * 2);
  return env_->SetMapSize(next);
}

// Runs the group's writers in one write transaction. Each writer's status is set: its own
// Conflict/InvalidArgument, or the transaction's error, which fails every writer of the group.
Status EventLog::CommitGroup(const std::vector<Writer*>& group) {
  const bool sync = group.front()->sync;
  auto fail_all = [&](const Status& s) {
    for (Writer* w : group) w->status = s;
    return s;
  };
  for (;;) {
    if (no_sync_now_ == sync) {
      Status s = env_->SetNoSync(!sync);
      if (!s.ok()) return fail_all(s);
      no_sync_now_ = !sync;
    }
    WriteContext ctx;
    ctx.log = this;
    ctx.fbb = fbb_.get();
    ctx.zstd = zstd_.get();
    ctx.append_time = WallNowUs();
    Status s = env_->BeginWrite(&ctx.txn);
    if (s.ok()) s = NextPosition(&ctx.txn, &ctx.next_position);
    if (!s.ok()) return fail_all(s);
    const uint64_t first_position = ctx.next_position;

    Status group_status;
    for (Writer* w : group) {
      if (w->fn) {
        LogWriteTxn t(&ctx);
        w->status = (*w->fn)(&t);
        if (!w->status.ok()) group_status = w->status;
      } else {
        w->status = w->records
                        ? AppendRecordsInTxn(&ctx, events_db_, streams_db_, ids_db_, meta_db_,
                                             w->stream, *w->records, w->options, w->result)
                        : AppendInTxn(&ctx, events_db_, streams_db_, ids_db_, meta_db_, w->stream,
                                      w->events, w->options, w->result);
        if (!w->status.ok() && !w->status.IsConflict() && !w->status.IsInvalidArgument()) {
          group_status = w->status;
        }
      }
      if (!group_status.ok()) break;
    }
    if (!group_status.ok() && !ctx.txn.map_full()) {
      ctx.txn.Abort();
      if (group.front()->fn) return group_status;  // the callback's own error
      return fail_all(group_status);
    }
    if (group_status.ok() && !ctx.txn.map_full() && ctx.next_position > first_position) {
      s = ctx.txn.Put(meta_db_, log::kMetaNextPosition, BigEndianKey(ctx.next_position).view());
      if (!s.ok() && !ctx.txn.map_full()) {
        ctx.txn.Abort();
        return fail_all(s);
      }
    }
    if (!ctx.txn.map_full() && InjectedFailure("lmdb-commit")) {
      ctx.txn.Abort();
      return fail_all(InjectedWriteError("", dir_ + "/data.mdb", "lmdb-commit"));
    }
    if (!ctx.txn.map_full()) s = ctx.txn.Commit();
    if (ctx.txn.map_full() || (!s.ok() && ctx.txn.map_full())) {
      ctx.txn.Abort();
      Status g = Grow();
      if (!g.ok()) return fail_all(g);
      continue;  // retry the whole group in a larger map
    }
    if (!s.ok()) return fail_all(s);
    if (ctx.next_position > first_position) {
      {
        std::lock_guard<std::mutex> l(append_mu_);
        uint64_t last = ctx.next_position - 1;
        if (last > last_position_.load()) last_position_.store(last);
      }
      append_cv_.notify_all();
    }
    return Status::OK();
  }
}

Status EventLog::View(const std::function<Status(lmdb::Txn*)>& fn) {
  lmdb::Txn txn;
  SLUICE_RETURN_IF_ERROR(env_->BeginRead(&txn));
  Status s = fn(&txn);
  txn.Abort();
  return s;
}

Status EventLog::OpenDatabase(const std::string& name, lmdb::Dbi* db) {
  if (name.empty() || name.rfind(log::kReservedPrefix, 0) == 0) {
    return Status::InvalidArgument(fmt::format(
        "database name '{}' is empty or reserved (prefix '{}')", name, log::kReservedPrefix));
  }
  if (options_.read_only) {
    lmdb::Txn txn;
    SLUICE_RETURN_IF_ERROR(env_->BeginRead(&txn));
    SLUICE_RETURN_IF_ERROR(txn.OpenDbi(name.c_str(), false, db));
    return txn.Commit();
  }
  return Update([&](LogWriteTxn* t) { return t->txn()->OpenDbi(name.c_str(), true, db); });
}

Status EventLog::Truncate(uint64_t before, uint64_t* removed) {
  if (options_.read_only) return Status::InvalidArgument("the log is open read-only");
  constexpr uint64_t kChunk = 50000;  // records per transaction, to bound dirty pages
  uint64_t total = 0;
  for (;;) {
    uint64_t count = 0, records = 0;
    bool more = false;
    Status s = Update([&](LogWriteTxn* t) -> Status {
      count = records = 0;
      more = false;
      lmdb::Txn* txn = t->txn();
      std::map<std::string, uint64_t> removed_versions;  // stream -> last version removed
      const uint64_t limit = std::min(before, t->ctx_->next_position);
      uint64_t first_live = 1;
      SLUICE_RETURN_IF_ERROR(ReadFirstLivePosition(txn, meta_db_, &first_live));
      {
        // Whole records before the limit are removed; a batch the limit cuts stays, and readers
        // skip its events before the limit (the new first live position).
        lmdb::Cursor c;
        SLUICE_RETURN_IF_ERROR(c.Open(txn, events_db_));
        std::string key;
        StoredRecord& rec = t->ctx_->record;
        auto del = [&](lmdb::Dbi db, std::string_view k) {
          Status d = txn->Del(db, k);
          return d.IsNotFound() ? Status::OK() : d;
        };
        for (bool ok = c.First(); ok;) {
          const uint64_t pos = log::DecodePosition(c.key());
          if (pos >= limit) break;
          if (records == kChunk) {
            more = true;
            break;
          }
          ++records;
          uint64_t last = 0;  // the record's last position; 0 when unknown (corrupt)
          if (rec.Parse(pos, c.value()).ok()) {
            last = rec.last_position();
            const uint64_t upto = std::min(last + 1, limit);  // removed or hidden: [pos, upto)
            for (uint64_t p = std::max(pos, first_live); p < upto; ++p) {
              const uint32_t i = static_cast<uint32_t>(p - pos);
              if (rec.may_index_id(i)) {
                SLUICE_RETURN_IF_ERROR(del(ids_db_, log::IdKey(rec.event_id(i)).view()));
              }
              ++count;
            }
            if (last >= limit) break;  // cut inside: it stays
            uint64_t& v = removed_versions[std::string(rec.stream_id())];
            v = std::max(v, rec.first_version() + rec.count() - 1);
            log::StreamKey(rec.stream_id(), rec.first_version(), &key);
            SLUICE_RETURN_IF_ERROR(del(streams_db_, key));
          } else {
            // A corrupt record ends where the next one starts; removed when that is before the
            // limit (its index entries cannot be found and stay).
            lmdb::Cursor next;
            SLUICE_RETURN_IF_ERROR(next.Open(txn, events_db_));
            if (!next.Seek(BigEndianKey(pos + 1).view()) ||
                log::DecodePosition(next.key()) > limit) {
              break;
            }
            count += log::DecodePosition(next.key()) - std::max(pos, first_live);
          }
          SLUICE_RETURN_IF_ERROR(c.Del());
          ok = c.Next();
        }
        SLUICE_RETURN_IF_ERROR(c.status());
      }
      // Versions, like positions, are never reused: a stream left without events keeps its last
      // version in the metadata, and its next append continues from there.
      for (const auto& [stream, last] : removed_versions) {
        uint64_t left = 0;
        SLUICE_RETURN_IF_ERROR(ReadIndexedStreamVersion(txn, streams_db_, stream, &left));
        if (left == 0) {
          SLUICE_RETURN_IF_ERROR(
              txn->Put(meta_db_, log::LastVersionKey(stream), BigEndianKey(last).view()));
        }
      }
      std::string_view cur;
      uint64_t first = 1;
      if (txn->Get(meta_db_, log::kMetaFirstPosition, &cur).ok()) first = log::DecodePosition(cur);
      if (!more && limit > first) {  // counted above from the old value, so set it last
        SLUICE_RETURN_IF_ERROR(
            txn->Put(meta_db_, log::kMetaFirstPosition, BigEndianKey(limit).view()));
      }
      return Status::OK();
    });
    SLUICE_RETURN_IF_ERROR(s);
    total += count;
    if (!more) break;
  }
  if (removed) *removed = total;
  return Status::OK();
}

// ---- LogWriteTxn ----

Status LogWriteTxn::Append(std::string_view stream, std::span<const EventData> events,
                           const AppendOptions& options, AppendResult* result) {
  AppendResult scratch;
  EventLog* log = ctx_->log;
  return AppendInTxn(ctx_, log->events_db_, log->streams_db_, log->ids_db_, log->meta_db_, stream,
                     events, options, result ? result : &scratch);
}

Status LogWriteTxn::AppendRecords(std::string_view stream, const RecordRows& records,
                                  const AppendOptions& options, AppendResult* result) {
  AppendResult scratch;
  EventLog* log = ctx_->log;
  return AppendRecordsInTxn(ctx_, log->events_db_, log->streams_db_, log->ids_db_, log->meta_db_,
                            stream, records, options, result ? result : &scratch);
}

Status LogWriteTxn::Put(lmdb::Dbi db, std::string_view key, std::string_view value) {
  return ctx_->txn.Put(db, key, value);
}

Status LogWriteTxn::Get(lmdb::Dbi db, std::string_view key, std::string_view* value) {
  return ctx_->txn.Get(db, key, value);
}

Status LogWriteTxn::Delete(lmdb::Dbi db, std::string_view key) { return ctx_->txn.Del(db, key); }

lmdb::Txn* LogWriteTxn::txn() { return &ctx_->txn; }

}  // namespace sluice
