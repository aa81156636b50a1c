#include "operators/log_source.h"

#include <fmt/format.h>

#include <charconv>

#include "engine/time_util.h"

namespace sluice {
namespace {

constexpr int kFollowWaitMs = 200;  // longest wait for an append before returning an empty batch

Status ParseFrom(const std::string& from, ReadOptions* read) {
  if (from.empty() || from == "beginning") return Status::OK();
  uint64_t pos = 0;
  auto [p, ec] = std::from_chars(from.data(), from.data() + from.size(), pos);
  if (ec == std::errc() && p == from.data() + from.size()) {
    read->from_position = pos;
    return Status::OK();
  }
  int64_t us = 0;
  if (ParseTimestamp(from, TimeUnit::kIso, &us)) {
    read->min_event_time = us;
    return Status::OK();
  }
  return Status::InvalidArgument(fmt::format(
      "log source: from = '{}' is neither \"beginning\", a position nor an ISO-8601 time", from));
}

}  // namespace

Result<std::unique_ptr<Source>> MakeLogSource(const SourceSpec& spec,
                                              const SourceOptions& options) {
  if (spec.path.empty())
    return Status::InvalidArgument("a log source needs a path (the log directory)");
  ReadOptions read;
  SLUICE_RETURN_IF_ERROR(ParseFrom(spec.from, &read));
  read.stream = spec.stream;
  read.types = spec.types;
  if (!spec.stream.empty() && read.from_position > 1) {
    return Status::InvalidArgument("log source: from = <position> cannot be combined with stream");
  }
  return std::unique_ptr<Source>(std::make_unique<LogSource>(spec, options, std::move(read)));
}

LogSource::LogSource(const SourceSpec& spec, SourceOptions options, ReadOptions read)
    : spec_(spec),
      options_(std::move(options)),
      read_(std::move(read)),
      decoder_(options_.schema) {}

Status LogSource::Open() {
  // Not read-only: a log sink in this process may share the instance (EventLog::OpenShared).
  LogOptions lo;
  lo.create_if_missing = false;
  Status s = EventLog::OpenShared(lo, spec_.path, &log_);
  if (!s.ok()) return s.WithPrefix(fmt::format("log source '{}'", spec_.path));
  return log_->NewIterator(read_, &it_);
}

void LogSource::AddEvent(const EnvelopeView& e, Batch* b) {
  const std::string& name = options_.name.empty() ? spec_.path : options_.name;
  if (e.content_type != kRecordContentType) {
    b->dead_letters.push_back(
        {name, e.global_position,
         fmt::format("event type '{}' in stream '{}' has content type '{}', not a record",
                     e.event_type, e.stream_id, e.content_type),
         std::string(e.payload.substr(0, 256))});
    return;
  }
  const size_t row = b->size();
  Status s = decoder_.DecodeInto(e.payload, b);
  if (!s.ok()) {
    raw_.clear();
    if (!RecordToJson(e.payload, &raw_).ok()) raw_.assign(e.payload.substr(0, 256));
    b->dead_letters.push_back({name, e.global_position, s.message(), raw_});
    return;
  }
  TimeUs ts = e.event_time_us;
  const int et = options_.event_time_index;
  if (et >= 0) {
    Column& c = b->columns[et];
    const TimeUnit unit = options_.schema.field(et).unit;
    if (c.is_valid(row)) {
      ts = RawToMicros(c.i64[row], unit);
    } else {
      c.i64[row] = MicrosToRaw(e.event_time_us, unit);
      c.valid[row] = 1;
    }
  }
  b->ts.push_back(ts);
}

Status LogSource::Next(Batch* b, bool* eof) {
  *eof = false;
  SLUICE_RETURN_IF_ERROR(it_->Refresh());
  size_t consumed = 0;
  for (;;) {
    while (it_->Valid() && consumed < options_.batch_size) {
      last_position_ = it_->position();
      AddEvent(it_->event(), b);
      ++consumed;
      it_->Next();
    }
    if (it_->status().IsCorruption()) {
      uint64_t pos = it_->failed_position();
      b->dead_letters.push_back(
          {options_.name.empty() ? spec_.path : options_.name, pos, it_->status().message(), ""});
      last_position_ = std::max(last_position_, pos);
      it_->SkipCorrupt();
      if (++consumed < options_.batch_size) continue;
    }
    break;
  }
  Status s = it_->status();
  const bool exhausted = !it_->Valid();
  it_->Release();  // hold no snapshot between calls
  SLUICE_RETURN_IF_ERROR(s);
  b->source_position = last_position_;
  if (exhausted && consumed == 0 && spec_.follow) {
    Result<uint64_t> last = log_->LastPosition();
    log_->WaitForAppend(last.ok() ? *last : last_position_, kFollowWaitMs);
  }
  *eof = exhausted && !spec_.follow;
  return Status::OK();
}

}  // namespace sluice
