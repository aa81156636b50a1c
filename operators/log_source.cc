#include "operators/log_source.h"

#include <fmt/format.h>

#include <charconv>

#include "base/time_util.h"
#include "codecs/event_batch.h"
#include "codecs/state_codec.h"

namespace sluice {
namespace {

constexpr int kFollowWaitMs = 200;  // longest wait for an append before returning an empty batch
constexpr uint32_t kPositionVersion = 1;

struct LogPosition {
  uint64_t last_position = 0;
  std::string_view stream;  // points into the decoded input
  uint64_t last_version = 0;
};

Status DecodePosition(std::string_view in, LogPosition* p) {
  StateReader r(in, "log source position");
  uint32_t version = 0;
  r.ReadHeader(kStateLogSource, kPositionVersion, &version);
  p->last_position = r.Varint();
  p->stream = r.String();
  p->last_version = r.Varint();
  r.ExpectEnd();
  return r.status();
}

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
  if (!spec_.follow) {
    auto head = log_->LastPosition();
    if (head.ok()) head_at_open_ = *head;
  }
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
  bool in_range = InEventTimeRange(ts);
  const int et = options_.event_time_index;
  if (et >= 0) {
    Column& c = b->columns[et];
    const Field& field = options_.schema.field(et);
    if (c.is_valid(row)) {
      const TimeUnit unit = field.type == Type::kTimestamp ? field.unit : TimeUnit::kMicros;
      in_range = EventTimeFromRaw(c.i64[row], unit, &ts);
    } else if (in_range) {
      c.i64[row] = MicrosToRaw(e.event_time_us, field.unit);
      c.valid[row] = 1;
    }
  }
  if (!in_range) {
    for (Column& c : b->columns) c.truncate(row);
    raw_.clear();
    if (!RecordToJson(e.payload, &raw_).ok()) raw_.assign(e.payload.substr(0, 256));
    const std::string& field = et >= 0 ? options_.schema.field(et).name : "event_time";
    b->dead_letters.push_back(
        {name, e.global_position,
         fmt::format("event time '{}' is out of range (0001-01-01 to 9999-12-31 UTC)", field),
         raw_});
    return;
  }
  b->ts.push_back(ts);
}

bool LogSource::AddRecords(uint32_t run, Batch* b) {
  const EventBatchView* v = it_->record_batch();
  const uint32_t first = it_->record_index();
  const size_t row0 = b->size();
  if (!v->AppendRecords(options_.schema, first, first + run, b).ok()) return false;
  const int et = options_.event_time_index;
  Column* c = et >= 0 ? &b->columns[et] : nullptr;
  const Field* field = et >= 0 ? &options_.schema.field(et) : nullptr;
  b->ts.resize(row0 + run);
  for (uint32_t k = 0; k < run; ++k) {
    const size_t row = row0 + k;
    TimeUs ts = v->event_time_us(first + k);
    bool in_range = InEventTimeRange(ts);
    if (c != nullptr) {  // as AddEvent
      if (c->is_valid(row)) {
        const TimeUnit unit = field->type == Type::kTimestamp ? field->unit : TimeUnit::kMicros;
        in_range = EventTimeFromRaw(c->i64[row], unit, &ts);
      } else if (in_range) {
        c->i64[row] = MicrosToRaw(ts, field->unit);
        c->valid[row] = 1;
      }
    }
    if (!in_range) {
      for (Column& col : b->columns) col.truncate(row0);
      b->ts.resize(row0);
      return false;
    }
    b->ts[row] = ts;
  }
  last_position_ = it_->position() + run - 1;
  last_version_ = it_->event().stream_version + run - 1;
  it_->Advance(run);
  return true;
}

Status LogSource::Next(Batch* b, bool* eof) {
  *eof = false;
  // A Corruption status here comes from a new iterator (Open, RestorePosition) that stopped on a
  // bad record; it still holds its snapshot, and Refresh() would refuse it. The loop below
  // dead-letters the record. Next() itself never leaves a Corruption behind.
  if (!it_->status().IsCorruption()) SLUICE_RETURN_IF_ERROR(it_->Refresh());
  size_t consumed = 0;
  for (;;) {
    while (it_->Valid() && consumed < options_.batch_size) {
      if (it_->position() <= skip_through_) {  // read before the checkpoint
        it_->Next();
        continue;
      }
      const uint32_t run = it_->PassingRun(
          static_cast<uint32_t>(std::min<size_t>(options_.batch_size - consumed, UINT32_MAX)));
      if (run > 1 && it_->position() > slow_through_) {
        if (AddRecords(run, b)) {
          consumed += run;
          continue;
        }
        slow_through_ = it_->position() + run - 1;  // these events go one by one
      }
      last_position_ = it_->position();
      last_version_ = it_->event().stream_version;
      AddEvent(it_->event(), b);
      ++consumed;
      it_->Next();
    }
    if (it_->status().IsCorruption()) {
      uint64_t pos = it_->failed_position();
      if (pos <= skip_through_) {  // dead-lettered before the checkpoint
        it_->SkipCorrupt();
        continue;
      }
      b->dead_letters.push_back(
          {options_.name.empty() ? spec_.path : options_.name, pos, it_->status().message(), ""});
      last_position_ = std::max(last_position_, pos);
      it_->SkipCorrupt();
      // A bad record right after is handled now: it could not be carried to the next call.
      if (++consumed < options_.batch_size || it_->status().IsCorruption()) continue;
    }
    break;
  }
  Status s = it_->status();
  const bool exhausted = !it_->Valid();
  it_->Release();  // hold no snapshot between calls
  SLUICE_RETURN_IF_ERROR(s);
  b->source_position = last_position_;
  if (spec_.follow) {
    Result<uint64_t> last = log_->LastPosition();
    head_seen_ = last.ok() ? *last : last_position_;
    if (exhausted && consumed == 0) log_->WaitForAppend(head_seen_, kFollowWaitMs);
  }
  *eof = exhausted && !spec_.follow;
  return Status::OK();
}

Status LogSource::SavePosition(std::string* out) const {
  StateWriter w(out);
  w.PutHeader(kStateLogSource, kPositionVersion);
  w.PutVarint(last_position_);
  w.PutString(read_.stream);
  w.PutVarint(read_.stream.empty() ? 0 : last_version_);
  return Status::OK();
}

Status LogSource::RestorePosition(std::string_view in) {
  LogPosition p;
  SLUICE_RETURN_IF_ERROR(DecodePosition(in, &p));
  if (p.stream != read_.stream) {
    return Status::InvalidArgument(fmt::format(
        "log source '{}': the checkpoint was taken reading {}, this source reads {}", spec_.path,
        p.stream.empty() ? "all streams" : fmt::format("stream '{}'", p.stream),
        read_.stream.empty() ? "all streams" : fmt::format("stream '{}'", read_.stream)));
  }
  if (p.last_position == 0) return Status::OK();  // nothing was consumed
  SLUICE_ASSIGN_OR_RETURN(uint64_t last, log_->LastPosition());
  if (last < p.last_position) {
    return Status::Corruption(
        fmt::format("log '{}' ends at position {}, before the checkpointed position {}", spec_.path,
                    last, p.last_position));
  }
  ReadOptions read = read_;  // keeps the type and event-time filters
  if (read.stream.empty()) {
    read.from_position = p.last_position + 1;
  } else {
    if (p.last_version > 0) read.from_version = p.last_version + 1;
    skip_through_ = p.last_position;
  }
  it_.reset();
  SLUICE_RETURN_IF_ERROR(log_->NewIterator(read, &it_));
  last_position_ = p.last_position;
  last_version_ = p.last_version;
  return Status::OK();
}

std::string LogSource::DescribePosition(std::string_view saved) const {
  LogPosition p;
  if (!DecodePosition(saved, &p).ok()) return "";
  if (p.stream.empty()) return fmt::format("log position {}", p.last_position);
  return fmt::format("stream '{}' version {} (log position {})", p.stream, p.last_version,
                     p.last_position);
}

}  // namespace sluice
