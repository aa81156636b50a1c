#include "operators/log_sink.h"

#include <fmt/format.h>

#include <xxhash.h>

#include "codecs/state_codec.h"

namespace sluice {

Result<std::unique_ptr<Sink>> MakeLogSink(const SinkSpec& spec) {
  if (spec.path.empty())
    return Status::InvalidArgument("a log sink needs a path (the log directory)");
  if (spec.stream.empty()) return Status::InvalidArgument("a log sink needs a stream");
  if (spec.event_type.empty()) return Status::InvalidArgument("a log sink needs an event_type");
  return std::unique_ptr<Sink>(std::make_unique<LogSink>(spec));
}

Status LogSink::Open(const Schema& schema) {
  Status s = EventLog::OpenShared(LogOptions{}, spec_.path, &log_);
  if (!s.ok()) return s.WithPrefix(fmt::format("log sink '{}'", spec_.path));
  schema_ = schema;
  return Status::OK();
}

Status LogSink::Write(const Batch& batch) {
  if (!log_) return Status::Aborted("log sink is not open");
  const size_t n = batch.size();
  if (n == 0) return Status::OK();
  RecordAppend records;
  records.rows = &batch;
  records.schema = &schema_;
  records.end = n;
  records.type = spec_.event_type;
  if (run_id_ != 0) records.first_id = EventId{run_id_, rows_ + 1};
  SLUICE_RETURN_IF_ERROR(log_->AppendRecords(spec_.stream, records));
  rows_ += n;
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
    return Status::OK();
  }
  StateReader r(state, "log sink checkpoint");
  uint32_t version = 0;
  r.ReadHeader(kStateLogSink, 1, &version);
  run_id_ = r.Varint();
  rows_ = r.Varint();
  r.ExpectEnd();
  return r.status();
}

Status LogSink::Close() {
  if (!log_) return Status::OK();
  Status s = log_->Flush();
  log_.reset();
  return s;
}

}  // namespace sluice
