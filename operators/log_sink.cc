#include "operators/log_sink.h"

#include <fmt/format.h>
#include <xxhash.h>

#include "codecs/coding.h"
#include "codecs/state_codec.h"
#include "codecs/zstd_codec.h"

namespace sluice {

Result<std::unique_ptr<Sink>> MakeLogSink(const SinkSpec& spec) {
  if (spec.path.empty())
    return Status::InvalidArgument("a log sink needs a path (the log directory)");
  if (spec.stream.empty()) return Status::InvalidArgument("a log sink needs a stream");
  if (spec.event_type.empty()) return Status::InvalidArgument("a log sink needs an event_type");
  if (!spec.sync.empty() && spec.sync != "batch" && spec.sync != "checkpoint") {
    return Status::InvalidArgument(
        fmt::format("log sink sync = '{}': use \"batch\" or \"checkpoint\"", spec.sync));
  }
  if (!spec.compression.empty() && spec.compression != "none" && spec.compression != "zstd") {
    return Status::InvalidArgument(
        fmt::format("log sink compression = '{}': use \"none\" or \"zstd\"", spec.compression));
  }
  if (spec.compression_level < kZstdMinLevel || spec.compression_level > kZstdMaxLevel) {
    return Status::InvalidArgument(fmt::format("log sink compression_level = {}: zstd takes {}..{}",
                                               spec.compression_level, kZstdMinLevel,
                                               kZstdMaxLevel));
  }
  return std::unique_ptr<Sink>(std::make_unique<LogSink>(spec));
}

Status LogSink::Open(const Schema& schema) {
  Status s = EventLog::OpenShared(LogOptions{}, spec_.path, &log_);
  if (s.ok()) s = log_->OpenDatabase(kProgressDb, &progress_db_);
  if (!s.ok()) return s.WithPrefix(fmt::format("log sink '{}'", spec_.path));
  schema_ = schema;
  return Status::OK();
}

Status LogSink::Write(const Batch& batch) {
  if (!log_) return Status::Aborted("log sink is not open");
  const size_t n = batch.size();
  if (n == 0) return Status::OK();
  RecordRows records;
  records.rows = &batch;
  records.schema = &schema_;
  records.end = n;
  records.event_type = spec_.event_type;
  AppendOptions options;
  options.sync = BatchSync();
  options.compression = spec_.compression == "zstd" ? LogCompression::kZstd : LogCompression::kNone;
  options.compression_level = spec_.compression_level;
  if (run_id_ == 0) {
    SLUICE_RETURN_IF_ERROR(log_->AppendRecords(spec_.stream, records, options));
  } else if (legacy_ids_) {
    records.first_id = EventId{run_id_, rows_ + 1};
    SLUICE_RETURN_IF_ERROR(log_->AppendRecords(spec_.stream, records, options));
  } else {
    // Rows up to stored_ were appended before a crash, after the checkpoint resumed from.
    records.begin =
        stored_ > rows_ ? static_cast<size_t>(std::min<uint64_t>(stored_ - rows_, n)) : 0;
    if (records.begin < n) {
      const BigEndianKey written(rows_ + n);
      SLUICE_RETURN_IF_ERROR(log_->Update(
          [&](LogWriteTxn* t) -> Status {
            SLUICE_RETURN_IF_ERROR(t->AppendRecords(spec_.stream, records, options));
            return t->Put(progress_db_, progress_key_, written.view());
          },
          BatchSync()));
    }
  }
  rows_ += n;
  stored_ = std::max(stored_, rows_);
  return Status::OK();
}

Status LogSink::PrepareCheckpoint(std::string* state) {
  if (!log_) return Status::Aborted("log sink is not open");
  SLUICE_RETURN_IF_ERROR(log_->Flush());
  StateWriter w(state);
  w.PutHeader(kStateLogSink, 1);
  w.PutVarint(run_id_);
  w.PutVarint(rows_);
  return Status::OK();
}

Status LogSink::Resume(const Schema& schema, std::string_view state) {
  SLUICE_RETURN_IF_ERROR(Open(schema));
  if (state.empty()) {
    // A fresh value per run (Generate's high half alone repeats within a millisecond).
    const EventId g = EventId::Generate();
    const uint64_t parts[2] = {g.hi, g.lo};
    run_id_ = XXH3_64bits(parts, sizeof(parts)) | 1;  // never 0
    SetProgressKey();
    const BigEndianKey zero(0);
    return log_->Update(
        [&](LogWriteTxn* t) { return t->Put(progress_db_, progress_key_, zero.view()); });
  }
  StateReader r(state, "log sink checkpoint");
  uint32_t version = 0;
  r.ReadHeader(kStateLogSink, 1, &version);
  run_id_ = r.Varint();
  rows_ = r.Varint();
  r.ExpectEnd();
  SLUICE_RETURN_IF_ERROR(r.status());
  SetProgressKey();
  stored_ = rows_;
  Status s = log_->View([&](lmdb::Txn* txn) -> Status {
    std::string_view v;
    Status g = txn->Get(progress_db_, progress_key_, &v);
    if (g.IsNotFound()) {
      legacy_ids_ = true;  // a run begun by a version that deduplicated by event id
      return Status::OK();
    }
    SLUICE_RETURN_IF_ERROR(g);
    if (v.size() != 8) return Status::Corruption("log sink progress record is not 8 bytes");
    stored_ = std::max(stored_, DecodeBigEndian64(v.data()));
    return Status::OK();
  });
  return s.WithPrefix(fmt::format("log sink '{}'", spec_.path));
}

SyncMode LogSink::BatchSync() const {
  // Durable at checkpoints only: the progress commits with the rows, so batches a system crash
  // loses after the last checkpoint are appended again when the run resumes from it.
  return spec_.sync == "checkpoint" ? SyncMode::kNoSync : SyncMode::kDefault;
}

void LogSink::SetProgressKey() {
  progress_key_.assign(spec_.stream);
  progress_key_.push_back('\0');
  PutBigEndian64(&progress_key_, run_id_);
}

Status LogSink::Close() {
  if (!log_) return Status::OK();
  Status s = log_->Flush();
  log_.reset();
  return s;
}

}  // namespace sluice
