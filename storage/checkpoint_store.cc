#include "storage/checkpoint_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <iterator>

#include "codecs/state_codec.h"

namespace sluice {
namespace {

constexpr char kDbName[] = "checkpoints";
// Version 2 added the checksum trailer; version 3 keeps the snapshots per keyed stage, with the
// stage's name. Records of versions 1 (no checksum) and 2 still load.
constexpr uint32_t kFormatVersion = 3;

// Versions 1 and 2 kept the lane snapshots of every keyed stage in one list, stage after stage,
// and as `lanes` the length of that list (keyed stages times parallelism). The parallelism is
// then the definition's "lanes: N" line (runtime/definition.h), which a resume requires to be
// the pipeline's own; without that line, `lanes` is taken as the parallelism.
uint64_t LegacyParallelism(std::string_view definition, uint64_t lanes) {
  constexpr std::string_view kLine = "lanes: ";
  size_t at = definition.rfind("\nlanes: ");
  if (at != std::string_view::npos) {
    at += 1 + kLine.size();
  } else if (definition.starts_with(kLine)) {
    at = kLine.size();
  } else {
    return lanes;
  }
  const char* end = definition.data() + definition.size();
  uint64_t n = 0;
  auto [stop, ec] = std::from_chars(definition.data() + at, end, n);
  if (ec != std::errc() || (stop != end && *stop != '\n')) return lanes;
  return n;
}

// Splits the flat list of a version 1 or 2 record into stages of `parallelism` lanes; fails `r`
// when the list does not split evenly.
bool SplitLegacyStages(std::vector<std::string> flat, uint64_t parallelism, StateReader* r,
                       std::vector<StageState>* stages) {
  stages->clear();
  if (flat.empty()) return true;
  if (parallelism == 0 || parallelism > UINT32_MAX || flat.size() % parallelism != 0) {
    return r->Fail(
        fmt::format("holds {} lane snapshots, which do not split into keyed stages of {} lanes",
                    flat.size(), parallelism));
  }
  for (size_t i = 0; i < flat.size(); i += parallelism) {
    StageState& stage = stages->emplace_back();
    stage.lanes.assign(std::make_move_iterator(flat.begin() + i),
                       std::make_move_iterator(flat.begin() + i + parallelism));
  }
  return true;
}

}  // namespace

std::string EncodeCheckpoint(const CheckpointRecord& c) {
  std::string out;
  StateWriter w(&out);
  w.PutHeader(kStateCheckpoint, kFormatVersion);
  w.PutVarint(c.id);
  w.PutSigned(c.taken_at);
  w.PutBool(c.finished);
  w.PutBool(c.closed);
  w.PutString(c.definition);
  w.PutVarint(c.lanes);
  w.PutString(c.driver);
  w.PutString(c.position_text);
  w.PutSigned(c.watermark);
  w.PutVarint(c.stages.size());
  for (const StageState& stage : c.stages) {
    w.PutString(stage.name);
    w.PutVarint(stage.lanes.size());
    for (const std::string& s : stage.lanes) w.PutString(s);
  }
  w.PutVarint(c.sinks.size());
  for (const std::string& s : c.sinks) w.PutString(s);
  w.PutString(c.dead_letters);
  w.PutString(c.late);
  w.PutVarint(c.events_in);
  w.PutVarint(c.records_out);
  w.PutVarint(c.late_events);
  w.PutVarint(c.dead_letter_count);
  w.PutChecksum();
  return out;
}

Status DecodeCheckpoint(std::string_view bytes, CheckpointRecord* c) {
  StateReader r(bytes, "checkpoint record");
  uint32_t version = 0;
  if (r.ReadHeader(kStateCheckpoint, kFormatVersion, &version) && version >= 2) {
    r.VerifyChecksum();
  }
  c->id = r.Varint();
  c->taken_at = r.Signed();
  c->finished = r.Bool();
  c->closed = r.Bool();
  c->definition = std::string(r.String());
  const uint64_t lanes = r.Varint();
  c->driver = std::string(r.String());
  c->position_text = std::string(r.String());
  c->watermark = r.Signed();
  if (version >= 3) {
    c->lanes = static_cast<uint32_t>(lanes);
    c->stages.resize(r.Count(2));  // a name's length and a lane count at least
    for (StageState& stage : c->stages) {
      stage.name = std::string(r.String());
      stage.lanes.resize(r.Count());
      for (std::string& s : stage.lanes) s = std::string(r.String());
    }
  } else {
    std::vector<std::string> flat(r.Count());
    for (std::string& s : flat) s = std::string(r.String());
    const uint64_t parallelism = LegacyParallelism(c->definition, lanes);
    c->lanes = static_cast<uint32_t>(parallelism);
    SplitLegacyStages(std::move(flat), parallelism, &r, &c->stages);
  }
  c->sinks.resize(r.Count());
  for (std::string& s : c->sinks) s = std::string(r.String());
  c->dead_letters = std::string(r.String());
  c->late = std::string(r.String());
  c->events_in = r.Varint();
  c->records_out = r.Varint();
  c->late_events = r.Varint();
  c->dead_letter_count = r.Varint();
  r.ExpectEnd();
  return r.status();
}

Status CheckpointStore::Open(const std::string& dir, std::unique_ptr<CheckpointStore>* store,
                             uint64_t max_size) {
  LogOptions options;
  options.max_map_size = max_size;
  options.initial_map_size = std::min(options.initial_map_size, max_size);
  options.map_full_advice = fmt::format(
      "The latest committed checkpoint is intact: raise the pipeline's state_max_size (now {} "
      "bytes) and run the same command again to resume from it",
      max_size);
  std::shared_ptr<EventLog> env;
  Status s = EventLog::OpenShared(options, dir, &env);
  if (!s.ok()) return s.WithPrefix(fmt::format("state directory '{}'", dir));
  lmdb::Dbi db = 0;
  SLUICE_RETURN_IF_ERROR(env->OpenDatabase(kDbName, &db));
  store->reset(new CheckpointStore(dir, std::move(env), db));
  return Status::OK();
}

Status CheckpointStore::OpenReadOnly(const std::string& dir,
                                     std::unique_ptr<CheckpointStore>* store) {
  LogOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  std::shared_ptr<EventLog> env;
  Status s = EventLog::OpenShared(options, dir, &env);
  if (s.IsNotFound()) {
    return Status::NotFound(
        fmt::format("'{}' is not a state directory (no checkpoints there)", dir));
  }
  if (!s.ok()) return s.WithPrefix(fmt::format("state directory '{}'", dir));
  lmdb::Dbi db = 0;
  s = env->OpenDatabase(kDbName, &db);
  if (!s.ok()) return Status::NotFound(fmt::format("'{}' holds no checkpoints", dir));
  store->reset(new CheckpointStore(dir, std::move(env), db));
  return Status::OK();
}

CheckpointStore::~CheckpointStore() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Status CheckpointStore::Lock(const std::string& pipeline) {
  std::string name;
  for (char ch : pipeline) name.push_back(std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
  const std::string path = fmt::format("{}/{}.lock", dir_, name);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::IOError(fmt::format("cannot create lock '{}': {}", path, std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::Conflict(fmt::format(
        "pipeline '{}' is already running or replaying (lock '{}' is held by another process)",
        pipeline, path));
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = fd;
  return Status::OK();
}

Result<std::optional<CheckpointRecord>> CheckpointStore::Load(const std::string& pipeline) {
  std::optional<CheckpointRecord> out;
  Status s = env_->View([&](lmdb::Txn* t) -> Status {
    std::string_view v;
    Status g = t->Get(db_, pipeline, &v);
    if (g.IsNotFound()) return Status::OK();
    SLUICE_RETURN_IF_ERROR(g);
    CheckpointRecord rec;
    SLUICE_RETURN_IF_ERROR(DecodeCheckpoint(v, &rec));
    out = std::move(rec);
    return Status::OK();
  });
  if (!s.ok()) return s;
  return out;
}

Status CheckpointStore::Commit(const std::string& pipeline, const CheckpointRecord& record,
                               const std::function<Status(LogWriteTxn*)>& also) {
  const std::string bytes = EncodeCheckpoint(record);
  return env_->Update([&](LogWriteTxn* t) -> Status {
    SLUICE_RETURN_IF_ERROR(t->Put(db_, pipeline, bytes));
    if (also) SLUICE_RETURN_IF_ERROR(also(t));
    return Status::OK();
  });
}

Status CheckpointStore::Remove(const std::string& pipeline,
                               const std::function<Status(LogWriteTxn*)>& also) {
  return env_->Update([&](LogWriteTxn* t) -> Status {
    Status d = t->Delete(db_, pipeline);
    if (!d.ok() && !d.IsNotFound()) return d;
    if (also) SLUICE_RETURN_IF_ERROR(also(t));
    return Status::OK();
  });
}

Status CheckpointStore::List(std::vector<std::pair<std::string, CheckpointRecord>>* out) {
  out->clear();
  return env_->View([&](lmdb::Txn* t) -> Status {
    lmdb::Cursor c;
    SLUICE_RETURN_IF_ERROR(c.Open(t, db_));
    for (bool ok = c.First(); ok; ok = c.Next()) {
      CheckpointRecord rec;
      SLUICE_RETURN_IF_ERROR(DecodeCheckpoint(c.value(), &rec));
      out->emplace_back(std::string(c.key()), std::move(rec));
    }
    return c.status();
  });
}

}  // namespace sluice
