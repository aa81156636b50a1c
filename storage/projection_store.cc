#include "storage/projection_store.h"

#include <fmt/format.h>

#include <cctype>
#include <cstring>

#include "codecs/coding.h"
#include "codecs/crc32c.h"
#include "codecs/state_codec.h"

namespace sluice {
namespace {

constexpr uint8_t kInfoTag = 50;
// Version 2: the info ends with a checksum, and every row of its table too. Tables written by
// version 1 (no checksums) are refused: a projection is rebuilt by replay.
constexpr uint32_t kInfoVersion = 2;

std::string RowPrefix(const std::string& physical) {
  std::string p = physical;
  p.push_back('\0');
  return p;
}

void PutFields(StateWriter* w, const std::vector<Field>& fields) {
  w->PutVarint(fields.size());
  for (const Field& f : fields) {
    w->PutString(f.name);
    w->PutU8(static_cast<uint8_t>(f.type));
    w->PutU8(static_cast<uint8_t>(f.unit));
  }
}

void ReadFields(StateReader* r, std::vector<Field>* fields) {
  fields->resize(r->Count(3));
  for (Field& f : *fields) {
    f.name = std::string(r->String());
    const uint8_t t = r->U8(), u = r->U8();
    if (t > static_cast<uint8_t>(Type::kTimestamp) || u > static_cast<uint8_t>(TimeUnit::kIso)) {
      r->Fail("has an unknown field type");
      return;
    }
    f.type = static_cast<Type>(t);
    f.unit = static_cast<TimeUnit>(u);
  }
}

void PutOrdered64(uint64_t bits, std::string* out) {
  out->push_back('\x01');
  PutBigEndian64(out, bits);
}

uint64_t FlipInt(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63); }

uint64_t FlipDouble(double d) {
  if (d == 0) d = 0;  // -0.0 and 0.0 are one key
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
}

void PutOrderedString(std::string_view s, std::string* out) {
  out->push_back('\x01');
  for (char ch : s) {
    out->push_back(ch);
    if (ch == '\0') out->push_back('\xff');
  }
  out->push_back('\0');
  out->push_back('\x01');
}

}  // namespace

std::string EncodeProjectionInfo(const ProjectionInfo& i) {
  std::string out;
  StateWriter w(&out);
  w.PutHeader(kInfoTag, kInfoVersion);
  w.PutString(i.name);
  w.PutString(i.physical);
  w.PutString(i.pipeline);
  PutFields(&w, i.key);
  PutFields(&w, i.columns);
  w.PutVarint(i.checkpoint_id);
  w.PutString(i.position);
  w.PutSigned(i.watermark);
  w.PutVarint(i.rows);
  w.PutSigned(i.updated_at);
  w.PutChecksum();
  return out;
}

Status DecodeProjectionInfo(std::string_view bytes, ProjectionInfo* i) {
  StateReader r(bytes, "projection info");
  uint32_t version = 0;
  if (r.ReadHeader(kInfoTag, kInfoVersion, &version)) {
    if (version < 2) {
      return Status::Corruption(
          "projection info was written by an older sluice without checksums; rebuild the "
          "projection (sluice replay --into, or sluice run --from-scratch)");
    }
    r.VerifyChecksum();
  }
  i->name = std::string(r.String());
  i->physical = std::string(r.String());
  i->pipeline = std::string(r.String());
  ReadFields(&r, &i->key);
  ReadFields(&r, &i->columns);
  i->checkpoint_id = r.Varint();
  i->position = std::string(r.String());
  i->watermark = r.Signed();
  i->rows = r.Varint();
  i->updated_at = r.Signed();
  r.ExpectEnd();
  return r.status();
}

void EncodeKeyColumn(const Column& c, size_t r, std::string* out) {
  if (!c.is_valid(r)) {
    out->push_back('\0');
    return;
  }
  switch (c.type) {
    case Type::kDouble:
      PutOrdered64(FlipDouble(c.f64[r]), out);
      break;
    case Type::kString:
      PutOrderedString(c.str(r), out);
      break;
    default:
      PutOrdered64(FlipInt(c.i64[r]), out);
      break;
  }
}

void EncodeKeyValue(const Value& v, std::string* out) {
  if (v.null) {
    out->push_back('\0');
    return;
  }
  switch (v.type) {
    case Type::kDouble:
      PutOrdered64(FlipDouble(v.d), out);
      break;
    case Type::kString:
      PutOrderedString(v.s, out);
      break;
    default:
      PutOrdered64(FlipInt(v.i), out);
      break;
  }
}

Status CheckRow(std::string_view key, std::string_view stored, std::string_view* json) {
  if (stored.size() >= 4) {
    const size_t n = stored.size() - 4;
    if (crc32c::Unmask(DecodeFixed32(stored.data() + n)) == crc32c::Value(stored.data(), n)) {
      *json = stored.substr(0, n);
      return Status::OK();
    }
  }
  std::string shown;
  for (unsigned char ch : key.substr(0, 64)) {
    shown += std::isprint(ch) ? std::string(1, static_cast<char>(ch)) : fmt::format("\\x{:02x}", ch);
  }
  return Status::Corruption(fmt::format(
      "projection row with key '{}' fails its checksum (the state directory is damaged; rebuild "
      "the projection with sluice replay --into, or sluice run --from-scratch)",
      shown));
}

Status ProjectionStore::Open(EventLog* env, std::unique_ptr<ProjectionStore>* store) {
  lmdb::Dbi info = 0, rows = 0;
  SLUICE_RETURN_IF_ERROR(env->OpenDatabase("projections", &info));
  SLUICE_RETURN_IF_ERROR(env->OpenDatabase("projection_rows", &rows));
  store->reset(new ProjectionStore(env, info, rows));
  return Status::OK();
}

Status ProjectionStore::GetInfo(lmdb::Txn* txn, const std::string& name, ProjectionInfo* info) {
  std::string_view v;
  Status s = txn->Get(info_db_, name, &v);
  if (s.IsNotFound()) return Status::NotFound(fmt::format("no projection named '{}'", name));
  SLUICE_RETURN_IF_ERROR(s);
  return DecodeProjectionInfo(v, info);
}

Status ProjectionStore::GetInfo(const std::string& name, ProjectionInfo* info) {
  return env_->View([&](lmdb::Txn* t) { return GetInfo(t, name, info); });
}

Status ProjectionStore::PutInfo(LogWriteTxn* txn, const ProjectionInfo& info) {
  return txn->Put(info_db_, info.name, EncodeProjectionInfo(info));
}

Status ProjectionStore::RemoveInfo(LogWriteTxn* txn, const std::string& name) {
  Status s = txn->Delete(info_db_, name);
  return s.IsNotFound() ? Status::OK() : s;
}

Status ProjectionStore::List(std::vector<ProjectionInfo>* out) {
  out->clear();
  return env_->View([&](lmdb::Txn* t) -> Status {
    lmdb::Cursor c;
    SLUICE_RETURN_IF_ERROR(c.Open(t, info_db_));
    for (bool ok = c.First(); ok; ok = c.Next()) {
      ProjectionInfo info;
      SLUICE_RETURN_IF_ERROR(DecodeProjectionInfo(c.value(), &info));
      out->push_back(std::move(info));
    }
    return c.status();
  });
}

Status ProjectionStore::PutRow(LogWriteTxn* txn, const std::string& physical, std::string_view key,
                               std::string_view json, bool* inserted) {
  key_.assign(physical);
  key_.push_back('\0');
  key_.append(key);
  if (inserted) {
    std::string_view old;
    Status g = txn->Get(rows_db_, key_, &old);
    if (!g.ok() && !g.IsNotFound()) return g;
    *inserted = g.IsNotFound();
  }
  row_.assign(json);
  PutFixed32(&row_, crc32c::Mask(crc32c::Value(json.data(), json.size())));
  return txn->Put(rows_db_, key_, row_);
}

Status ProjectionStore::DeleteRow(LogWriteTxn* txn, const std::string& physical,
                                  std::string_view key, bool* removed) {
  key_.assign(physical);
  key_.push_back('\0');
  key_.append(key);
  Status s = txn->Delete(rows_db_, key_);
  if (removed) *removed = s.ok();
  return s.IsNotFound() ? Status::OK() : s;
}

Status ProjectionStore::Clear(LogWriteTxn* txn, const std::string& physical, uint64_t* removed) {
  const std::string prefix = RowPrefix(physical);
  lmdb::Cursor c;
  SLUICE_RETURN_IF_ERROR(c.Open(txn->txn(), rows_db_));
  uint64_t n = 0;
  while (c.Seek(prefix) && c.key().substr(0, prefix.size()) == prefix) {
    SLUICE_RETURN_IF_ERROR(c.Del());
    ++n;
  }
  SLUICE_RETURN_IF_ERROR(c.status());
  if (removed) *removed = n;
  return Status::OK();
}

Status ProjectionStore::Scan(
    const std::string& physical, std::string_view key_prefix,
    const std::function<bool(std::string_view key, std::string_view json)>& fn) {
  return env_->View([&](lmdb::Txn* t) { return Scan(t, physical, key_prefix, fn); });
}

Status ProjectionStore::Scan(
    lmdb::Txn* t, const std::string& physical, std::string_view key_prefix,
    const std::function<bool(std::string_view key, std::string_view json)>& fn) {
  std::string prefix = RowPrefix(physical);
  const size_t skip = prefix.size();
  prefix.append(key_prefix);
  lmdb::Cursor c;
  SLUICE_RETURN_IF_ERROR(c.Open(t, rows_db_));
  for (bool ok = c.Seek(prefix); ok && c.key().substr(0, prefix.size()) == prefix; ok = c.Next()) {
    std::string_view json;
    SLUICE_RETURN_IF_ERROR(CheckRow(c.key().substr(skip), c.value(), &json));
    if (!fn(c.key().substr(skip), json)) break;
  }
  return c.status();
}

}  // namespace sluice
