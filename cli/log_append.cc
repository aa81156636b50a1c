#include "cli/log_append.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cli/batch_prefetcher.h"
#include "codecs/record_codec.h"
#include "codecs/state_codec.h"
#include "operators/schema_inference.h"
#include "operators/sink.h"
#include "operators/source.h"
#include "runtime/crash_point.h"
#include "storage/event_log.h"

namespace sluice::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr const char* kInputsDb = "append.inputs";
// Version 2 added the dead letters of the last committed batch and where they go.
constexpr uint32_t kInputRecordVersion = 2;

int Fail(const Status& s) {
  fmt::print(stderr, "sluice: {}\n", s.ToString());
  return s.IsInvalidArgument() ? kExitUsage : kExitFailure;
}

// "user:string, ts:timestamp_ms" -> Schema.
Result<Schema> ParseSchemaText(const std::string& text) {
  std::vector<Field> fields;
  size_t start = 0;
  auto trim = [](std::string s) {
    size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = trim(text.substr(start, end - start));
    size_t colon = item.find(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument(
          fmt::format("--schema: '{}' is not name:type (e.g. amount:double)", item));
    }
    SLUICE_ASSIGN_OR_RETURN(
        Field f, ParseFieldType(trim(item.substr(0, colon)), trim(item.substr(colon + 1))));
    fields.push_back(std::move(f));
    start = end + 1;
  }
  return Schema(std::move(fields));
}

// How far earlier runs appended one input (the value in kInputsDb).
struct InputRecord {
  uint64_t prefix_bytes = 0;  // bytes of the input read by the committed batches
  uint64_t prefix_hash = 0;   // XXH3-64 of those bytes
  uint64_t events = 0;        // appended from this input, over all runs
  std::string position;       // Source::SavePosition after the last committed batch
  // The dead letters of the last committed batch, as the dead-letter file's text, and that
  // file's size when the batch committed: they are written after the commit, so a run that
  // resumes writes those of them not found in the file past that size (exactly once).
  std::string dead_letters;
  uint64_t dead_letter_offset = 0;
};

std::string EncodeInputRecord(const InputRecord& r) {
  std::string out;
  StateWriter w(&out);
  w.PutHeader(kStateLogAppendInput, kInputRecordVersion);
  w.PutVarint(r.prefix_bytes);
  w.PutVarint(r.prefix_hash);
  w.PutVarint(r.events);
  w.PutString(r.position);
  w.PutString(r.dead_letters);
  w.PutVarint(r.dead_letter_offset);
  return out;
}

Status DecodeInputRecord(std::string_view in, InputRecord* r) {
  StateReader rd(in, "append input record");
  uint32_t version = 0;
  rd.ReadHeader(kStateLogAppendInput, kInputRecordVersion, &version);
  r->prefix_bytes = rd.Varint();
  r->prefix_hash = rd.Varint();
  r->events = rd.Varint();
  r->position = std::string(rd.String());
  if (version >= 2) {
    r->dead_letters = std::string(rd.String());
    r->dead_letter_offset = rd.Varint();
  }
  rd.ExpectEnd();
  return rd.status();
}

// A running hash of an input file's first bytes, read through its own descriptor.
class PrefixHash {
 public:
  PrefixHash() : state_(XXH3_createState()) { Reset(); }
  ~PrefixHash() {
    XXH3_freeState(state_);
    if (fd_ >= 0) ::close(fd_);
  }
  PrefixHash(const PrefixHash&) = delete;
  PrefixHash& operator=(const PrefixHash&) = delete;

  Status Open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      return Status::IOError(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    }
    return Status::OK();
  }
  void Reset() {
    XXH3_64bits_reset(state_);
    hashed_ = 0;
  }
  // Hashes on up to byte `end`; false when the file ends before it.
  Result<bool> ExtendTo(uint64_t end) {
    char buf[1 << 16];
    while (hashed_ < end) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof(buf), end - hashed_));
      const ssize_t n = ::pread(fd_, buf, want, static_cast<off_t>(hashed_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        return Status::IOError(fmt::format("cannot read '{}': {}", path_, std::strerror(errno)));
      }
      if (n == 0) return false;
      XXH3_64bits_update(state_, buf, static_cast<size_t>(n));
      hashed_ += static_cast<uint64_t>(n);
    }
    return true;
  }
  uint64_t digest() const { return XXH3_64bits_digest(state_); }

 private:
  XXH3_state_t* state_;
  std::string path_;
  int fd_ = -1;
  uint64_t hashed_ = 0;
};

// The resumption state of one run over a file input (see log_append.h).
class InputProgress {
 public:
  InputProgress(EventLog* log, const AppendArgs& a, Source* source)
      : log_(log), args_(a), source_(source) {}

  // Finds what earlier runs recorded and moves the source past it when the input still starts
  // with the bytes they read. *note (may be empty) tells the user what the run does.
  Status Start(std::string* note) {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::absolute(args_.input, ec);
    if (!ec) p = std::filesystem::weakly_canonical(p, ec);
    key_ = args_.stream + '\0' + args_.type + '\0' + (ec ? args_.input : p.string());
    SLUICE_RETURN_IF_ERROR(hash_.Open(args_.input));
    SLUICE_RETURN_IF_ERROR(log_->OpenDatabase(kInputsDb, &db_));
    SLUICE_RETURN_IF_ERROR(log_->View([&](lmdb::Txn* txn) {
      std::string_view v;
      Status s = txn->Get(db_, key_, &v);
      if (s.ok()) stored_ = std::string(v);
      return s.IsNotFound() ? Status::OK() : s;
    }));
    if (stored_.empty() || args_.from_scratch) return Status::OK();
    InputRecord earlier;
    SLUICE_RETURN_IF_ERROR(DecodeInputRecord(stored_, &earlier));
    const std::string where = source_->DescribePosition(earlier.position);
    SLUICE_ASSIGN_OR_RETURN(bool long_enough, hash_.ExtendTo(earlier.prefix_bytes));
    if (!long_enough || hash_.digest() != earlier.prefix_hash) {
      // Another file under the same name: it is a new input, appended whole.
      hash_.Reset();
      *note = fmt::format(
          "'{}' does not start with the {} bytes earlier appends to stream '{}' read from it "
          "(up to {}): appending it whole, as a new input",
          args_.input, earlier.prefix_bytes, args_.stream, where);
      return Status::OK();
    }
    Status s = source_->RestorePosition(earlier.position);
    if (!s.ok()) {
      return s.WithPrefix(fmt::format(
          "cannot go on from {}, where an earlier append of '{}' to stream '{}' stopped (add "
          "--from-scratch to append the whole file again)",
          where, args_.input, args_.stream));
    }
    *note = fmt::format("going on after {} of '{}', where earlier runs stopped ({} events)", where,
                        args_.input, earlier.events);
    record_ = std::move(earlier);
    resumed_ = true;
    return Status::OK();
  }

  // Appends `events` and records the source's position after them (`consumed` bytes of the
  // input), in one transaction. Conflict when another run of the same input committed meanwhile
  // (nothing is written then).
  // `position`: the source's saved position after the events (Source::SavePosition).
  Status Commit(const RecordRows& events, uint64_t consumed, std::string_view position,
                std::string_view dead_letters, uint64_t dead_letter_offset, AppendResult* result) {
    InputRecord next = record_;
    next.events += events.end - events.begin;
    next.dead_letters = std::string(dead_letters);
    next.dead_letter_offset = dead_letter_offset;
    next.position = std::string(position);
    SLUICE_ASSIGN_OR_RETURN(bool read, hash_.ExtendTo(consumed));
    if (!read) {
      return Status::IOError(
          fmt::format("input '{}' became shorter while it was being appended", args_.input));
    }
    next.prefix_bytes = consumed;
    next.prefix_hash = hash_.digest();
    std::string value = EncodeInputRecord(next);
    SLUICE_RETURN_IF_ERROR(log_->Update([&](LogWriteTxn* t) -> Status {
      std::string_view now;
      Status s = t->Get(db_, key_, &now);
      if (!s.ok() && !s.IsNotFound()) return s;
      if (s.IsNotFound() ? !stored_.empty() : now != stored_) {
        return Status::Conflict(fmt::format(
            "another `sluice log append` of '{}' to stream '{}' committed while this one ran; "
            "nothing of this batch was stored. Run the command again to go on from where the "
            "input stands now",
            args_.input, args_.stream));
      }
      if (events.end > events.begin) {
        SLUICE_RETURN_IF_ERROR(t->AppendRecords(args_.stream, events, {}, result));
      }
      return t->Put(db_, key_, value);
    }));
    record_ = std::move(next);
    stored_ = std::move(value);
    return Status::OK();
  }

  bool resumed() const { return resumed_; }
  // What the run resumed from (meaningful when resumed()).
  const InputRecord& record() const { return record_; }

 private:
  EventLog* log_;
  const AppendArgs& args_;
  Source* source_;
  PrefixHash hash_;  // of the bytes the source consumed
  lmdb::Dbi db_ = 0;
  std::string key_;
  std::string stored_;  // the record as last read or written; empty when none
  InputRecord record_;  // what this input's committed batches read, as of the last commit
  bool resumed_ = false;
};

// The size of file `path`, 0 when there is none.
Result<uint64_t> FileSize(const std::string& path) {
  std::error_code ec;
  const uint64_t n = std::filesystem::file_size(path, ec);
  if (!ec) return n;
  if (ec == std::errc::no_such_file_or_directory) return uint64_t{0};
  return Status::IOError(fmt::format("cannot read '{}': {}", path, ec.message()));
}

// Of `text` (dead-letter lines, DeadLetterWriter::Format) that a run committed before it
// stopped, the lines that dead-letter file `path` does not hold past byte `offset` (its size
// at that commit): the run writes them after committing, so it may have written all, some or
// none. Other appenders may have added lines there too; a line is found at most once. When
// the file ends in a line cut short by the stop, the result starts with a newline ending it.
Result<std::string> UnwrittenDeadLetters(const std::string& path, uint64_t offset,
                                         std::string_view text, uint64_t* lines) {
  std::string tail;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT) {
    return Status::IOError(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  }
  if (fd >= 0) {
    char buf[1 << 16];
    for (off_t at = static_cast<off_t>(offset);;) {
      const ssize_t n = ::pread(fd, buf, sizeof(buf), at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      tail.append(buf, static_cast<size_t>(n));
      at += n;
    }
    ::close(fd);
  }
  std::vector<std::string_view> found;  // complete lines, with their newline
  size_t start = 0;
  for (size_t nl; (nl = tail.find('\n', start)) != std::string::npos; start = nl + 1) {
    found.push_back(std::string_view(tail).substr(start, nl + 1 - start));
  }
  const std::string_view torn = std::string_view(tail).substr(start);
  std::sort(found.begin(), found.end());
  std::vector<bool> used(found.size(), false);
  std::string out;
  *lines = 0;
  bool ends_torn = false;
  start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string_view::npos; start = nl + 1) {
    const std::string_view line = text.substr(start, nl + 1 - start);
    ends_torn = ends_torn || (!torn.empty() && line.substr(0, torn.size()) == torn);
    auto it = std::lower_bound(found.begin(), found.end(), line);
    while (it != found.end() && *it == line && used[it - found.begin()]) ++it;
    if (it != found.end() && *it == line) {
      used[it - found.begin()] = true;
      continue;
    }
    out.append(line);
    ++*lines;
  }
  if (ends_torn) out.insert(out.begin(), '\n');
  return out;
}

// The schema of `input` guessed from its start (operators/schema_inference.h).
Result<Schema> InferSchema(const std::string& input, const std::string& format) {
  constexpr size_t kSampleBytes = size_t{4} << 20;
  constexpr size_t kSampleRecords = 10'000;
  if (input == "-") {
    return Status::InvalidArgument(
        "reading standard input needs --schema (fields are inferred from files only)");
  }
  const int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::IOError(fmt::format("cannot open '{}': {}", input, std::strerror(errno)));
  }
  std::string sample(kSampleBytes, '\0');
  size_t got = 0;
  while (got < sample.size()) {
    const ssize_t n = ::read(fd, sample.data() + got, sample.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  const bool whole = got < sample.size();
  sample.resize(got);
  Result<InferredSchema> inferred = format == "csv"
                                        ? InferCsvSchema(sample, whole, kSampleRecords)
                                        : InferJsonlSchema(sample, whole, kSampleRecords);
  if (!inferred.ok()) {
    return inferred.status().WithPrefix(
        fmt::format("cannot infer the fields of '{}' (give --schema)", input));
  }
  fmt::print(stderr, "schema inferred from {} record(s) of '{}': {} (--schema overrides)\n",
             inferred->records, input, inferred->schema.ToString());
  return inferred->schema;
}

}  // namespace

int RunAppend(const AppendArgs& a) {
  std::string format = a.format;
  if (format.empty()) {
    format = a.input.size() > 4 && a.input.substr(a.input.size() - 4) == ".csv" ? "csv" : "jsonl";
  }
  if (format != "csv" && format != "jsonl") {
    return Fail(
        Status::InvalidArgument(fmt::format("--format must be csv or jsonl, not '{}'", format)));
  }
  Result<Schema> schema =
      a.schema.empty() ? InferSchema(a.input, format) : ParseSchemaText(a.schema);
  if (!schema.ok()) return Fail(schema.status());
  SourceSpec spec;
  spec.type = format;
  spec.path = a.input;
  spec.schema = *schema;
  spec.event_time = a.event_time;
  SourceOptions so;
  so.schema = *schema;
  so.name = a.input;
  so.batch_size = a.batch_size;  // rows per commit; stored as records of at most 4096 events
  if (!a.event_time.empty()) {
    so.event_time_index = schema->IndexOf(a.event_time);
    if (so.event_time_index < 0 || schema->field(so.event_time_index).type != Type::kTimestamp) {
      if (a.schema.empty()) {
        return Fail(Status::InvalidArgument(fmt::format(
            "--event-time '{}' is not a timestamp field of the inferred schema ({}); epoch numbers "
            "need --schema with a timestamp_s, timestamp_ms or timestamp_us field",
            a.event_time, schema->ToString())));
      }
      return Fail(Status::InvalidArgument(
          fmt::format("--event-time '{}' is not a timestamp field of --schema", a.event_time)));
    }
  }
  auto made = MakeSource(spec, so);
  if (!made.ok()) return Fail(made.status());
  std::unique_ptr<Source> source = std::move(made).value();
  Status s = source->Open();
  if (!s.ok()) return Fail(s);
  LogOptions lo;
  lo.compression = a.compression == "zstd" ? LogCompression::kZstd : LogCompression::kNone;
  lo.compression_level = a.compression_level;
  std::unique_ptr<EventLog> log;
  s = EventLog::Open(lo, a.log, &log);
  if (!s.ok()) return Fail(s);

  const bool resumable = source->can_resume();
  InputProgress progress(log.get(), a, source.get());
  if (resumable) {
    std::string note;
    s = progress.Start(&note);
    if (!s.ok()) return Fail(s);
    if (!note.empty()) fmt::print(stderr, "{}\n", note);
  }

  // Appended to, never replaced: earlier runs' and concurrent appenders' dead letters stay.
  DeadLetterWriter dlq(a.dead_letter.empty() ? a.log + ".dlq.jsonl" : a.dead_letter,
                       DeadLetterWriter::Mode::kAppend);
  if (progress.resumed() && !progress.record().dead_letters.empty()) {
    const InputRecord& earlier = progress.record();
    uint64_t lines = 0;
    Result<std::string> rest =
        UnwrittenDeadLetters(dlq.path(), earlier.dead_letter_offset, earlier.dead_letters, &lines);
    if (!rest.ok()) return Fail(rest.status());
    s = dlq.WriteText(*rest, lines);
    if (!s.ok()) return Fail(s);
  }
  uint64_t appended = 0, first = 0, last = 0, committed_bytes = 0;
  // A failure after some batches committed says what is stored and how to go on.
  auto fail = [&](const Status& error) {
    int code = Fail(error);
    if (appended == 0) {
      fmt::print(stderr, "no events of this run were committed\n");
    } else if (resumable) {
      fmt::print(stderr,
                 "{} events of this run were committed (positions {}..{}); running the same "
                 "command again appends the rest\n",
                 appended, first, last);
    } else {
      fmt::print(stderr,
                 "{} events of this run were committed (positions {}..{}), from the first {} "
                 "bytes of standard input, which cannot be resumed\n",
                 appended, first, last, committed_bytes);
    }
    return code;
  };
  // A file's next batch is read while the one before commits (the commit's fsyncs leave the CPU
  // idle); standard input is read here, between commits: a read from it may never end.
  std::unique_ptr<BatchPrefetcher> prefetcher;
  if (resumable) prefetcher = std::make_unique<BatchPrefetcher>(source.get(), *schema, true);
  Batch batch;
  std::string position;
  for (bool eof = false; !eof;) {
    if (prefetcher) {
      s = prefetcher->Next(&batch, &position, &eof);
    } else {
      batch.reset(*schema);
      s = source->Next(&batch, &eof);
    }
    if (!s.ok()) return fail(s);
    // A file input records its batch's dead letters with the batch and writes them after the
    // commit (a resumed run writes those the file lacks); standard input, which cannot resume,
    // writes them before the commit, so that a stop in between loses none.
    const std::string dead = DeadLetterWriter::Format(batch.dead_letters);
    uint64_t dead_offset = 0;
    if (!resumable) {
      s = dlq.WriteText(dead, batch.dead_letters.size());
      if (!s.ok()) return fail(s);
    } else if (!dead.empty()) {
      Result<uint64_t> size = FileSize(dlq.path());
      if (!size.ok()) return fail(size.status());
      dead_offset = *size;
    }
    const size_t n = batch.size();
    if (n == 0 && !resumable) continue;
    RecordRows events;
    events.rows = &batch;
    events.schema = &*schema;
    events.end = n;
    events.event_type = a.type;
    AppendResult result;
    CrashPoint("log-append-before-commit");
    s = resumable
            ? progress.Commit(events, batch.source_position, position, dead, dead_offset, &result)
        : n == 0 ? Status::OK()
                 : log->AppendRecords(a.stream, events, {}, &result);
    if (!s.ok()) return fail(s);
    CrashPoint("log-append-after-commit");
    if (resumable && !dead.empty()) {
      s = dlq.WriteText(dead, batch.dead_letters.size());
      if (!s.ok()) return fail(s);
      CrashPoint("log-append-after-dead-letters");
    }
    if (n == 0) continue;
    if (first == 0) first = result.positions.front();
    last = result.positions.back();
    appended += result.appended;
    committed_bytes = batch.source_position;
  }
  s = dlq.Close();
  if (!s.ok()) return fail(s);
  if (appended > 0) {
    fmt::print(stderr, "appended {} events to stream '{}' (positions {}..{})\n", appended, a.stream,
               first, last);
  } else if (progress.resumed()) {
    fmt::print(stderr,
               "appended no events: earlier runs appended all of '{}' (add --from-scratch to "
               "append it again)\n",
               a.input);
  } else {
    fmt::print(stderr, "appended no events\n");
  }
  if (dlq.count() > 0) {
    fmt::print(stderr, "{} malformed records written to {}\n", dlq.count(), dlq.path());
  }
  return 0;
}

}  // namespace sluice::cli
