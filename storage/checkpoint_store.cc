#include "storage/checkpoint_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "codecs/state_codec.h"

namespace sluice {
namespace {

constexpr char kDbName[] = "checkpoints";
// Version 2 added the checksum trailer; version 1 records (no checksum) still load.
constexpr uint32_t kFormatVersion = 2;

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
  w.PutVarint(c.operators.size());
  for (const std::string& s : c.operators) w.PutString(s);
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
  c->lanes = static_cast<uint32_t>(r.Varint());
  c->driver = std::string(r.String());
  c->position_text = std::string(r.String());
  c->watermark = r.Signed();
  c->operators.resize(r.Count());
  for (std::string& s : c->operators) s = std::string(r.String());
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

Status CheckpointStore::Open(const std::string& dir, std::unique_ptr<CheckpointStore>* store) {
  std::shared_ptr<EventLog> env;
  Status s = EventLog::OpenShared(LogOptions{}, dir, &env);
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
