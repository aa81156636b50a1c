#include "storage/projection_changes.h"

#include <fmt/format.h>

#include "codecs/coding.h"
#include "codecs/state_codec.h"

namespace sluice {
namespace {

constexpr uint8_t kMetaTag = 51;
constexpr uint8_t kChangeTag = 52;

std::string MetaKey(const std::string& name) {
  std::string k = name;
  k.push_back('\0');
  k.push_back('\0');
  return k;
}

std::string SetPrefix(const std::string& name) {
  std::string k = name;
  k.push_back('\0');
  k.push_back('\x01');
  return k;
}

std::string SetKey(const std::string& name, uint64_t id) {
  std::string k = SetPrefix(name);
  PutBigEndian64(&k, id);
  return k;
}

// Deletes every record whose key starts with `prefix` and, when `end` is not empty, sorts
// before `end`.
Status DeletePrefix(LogWriteTxn* txn, lmdb::Dbi db, std::string_view prefix,
                    std::string_view end) {
  lmdb::Cursor c;
  SLUICE_RETURN_IF_ERROR(c.Open(txn->txn(), db));
  while (c.Seek(prefix) && c.key().substr(0, prefix.size()) == prefix &&
         (end.empty() || c.key() < end)) {
    SLUICE_RETURN_IF_ERROR(c.Del());
  }
  return c.status();
}

bool IsKind(uint8_t k) {
  return k == static_cast<uint8_t>(ChangeKind::kUpsert) ||
         k == static_cast<uint8_t>(ChangeKind::kDelete) ||
         k == static_cast<uint8_t>(ChangeKind::kReset);
}

}  // namespace

Status ProjectionChanges::Open(EventLog* env, std::unique_ptr<ProjectionChanges>* out) {
  lmdb::Dbi db = 0;
  SLUICE_RETURN_IF_ERROR(env->OpenDatabase("projection_changes", &db));
  out->reset(new ProjectionChanges(db));
  return Status::OK();
}

Status ProjectionChanges::GetMeta(lmdb::Txn* txn, const std::string& name, ChangeMeta* meta) {
  std::string_view v;
  Status s = txn->Get(db_, MetaKey(name), &v);
  if (s.IsNotFound()) {
    return Status::NotFound(fmt::format("projection '{}' keeps no change history", name));
  }
  SLUICE_RETURN_IF_ERROR(s);
  StateReader r(v, fmt::format("change history of projection '{}'", name));
  uint32_t version = 0;
  if (r.ReadHeader(kMetaTag, 1, &version)) r.VerifyChecksum();
  meta->horizon = r.Varint();
  meta->last = r.Varint();
  r.ExpectEnd();
  return r.status();
}

Status ProjectionChanges::PutMeta(LogWriteTxn* txn, const std::string& name,
                                  const ChangeMeta& meta) {
  std::string v;
  StateWriter w(&v);
  w.PutHeader(kMetaTag, 1);
  w.PutVarint(meta.horizon);
  w.PutVarint(meta.last);
  w.PutChecksum();
  return txn->Put(db_, MetaKey(name), v);
}

Status ProjectionChanges::Put(LogWriteTxn* txn, const std::string& name,
                              const ProjectionChange& change) {
  key_ = SetKey(name, change.id);
  PutBigEndian32(&key_, change.index);
  value_.clear();
  StateWriter w(&value_);
  w.PutHeader(kChangeTag, 1);
  w.PutU8(static_cast<uint8_t>(change.kind));
  w.PutVarint(change.checkpoint);
  w.PutString(change.row);
  w.PutChecksum();
  return txn->Put(db_, key_, value_);
}

Status ProjectionChanges::Prune(LogWriteTxn* txn, const std::string& name, uint64_t before) {
  return DeletePrefix(txn, db_, SetPrefix(name), SetKey(name, before));
}

Status ProjectionChanges::Clear(LogWriteTxn* txn, const std::string& name) {
  return DeletePrefix(txn, db_, name + std::string(1, '\0'), {});
}

Status ProjectionChanges::Scan(lmdb::Txn* txn, const std::string& name, uint64_t after,
                               const std::function<bool(const ProjectionChange&)>& fn) {
  const std::string prefix = SetPrefix(name);
  if (after == UINT64_MAX) return Status::OK();
  const std::string what = fmt::format("change record of projection '{}'", name);
  lmdb::Cursor c;
  SLUICE_RETURN_IF_ERROR(c.Open(txn, db_));
  for (bool ok = c.Seek(SetKey(name, after + 1));
       ok && c.key().substr(0, prefix.size()) == prefix; ok = c.Next()) {
    const std::string_view key = c.key().substr(prefix.size());
    if (key.size() != 12) return Status::Corruption(what + " has a malformed key");
    ProjectionChange change;
    change.id = DecodeBigEndian64(key.data());
    change.index = DecodeBigEndian32(key.data() + 8);
    StateReader r(c.value(), what);
    uint32_t version = 0;
    if (r.ReadHeader(kChangeTag, 1, &version)) r.VerifyChecksum();
    const uint8_t kind = r.U8();
    change.checkpoint = r.Varint();
    change.row = r.String();
    r.ExpectEnd();
    SLUICE_RETURN_IF_ERROR(r.status());
    if (!IsKind(kind)) return Status::Corruption(what + " has an unknown kind");
    change.kind = static_cast<ChangeKind>(kind);
    if (!fn(change)) break;
  }
  return c.status();
}

}  // namespace sluice
