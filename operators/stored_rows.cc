#include "operators/stored_rows.h"

#include "base/time_util.h"

namespace sluice {

void StoreRow(const Batch& src, size_t r, Batch* dst) {
  for (size_t c = 0; c < dst->columns.size(); ++c) dst->columns[c].push_from(src.columns[c], r);
  dst->ts.push_back(src.ts[r]);
}

void PutRow(StateWriter* w, const Batch& b, size_t r) {
  w->PutSigned(b.ts[r]);
  for (const Column& c : b.columns) {
    if (!c.is_valid(r)) {
      w->PutU8(0);
      continue;
    }
    w->PutU8(1);
    switch (c.type) {
      case Type::kDouble:
        w->PutDouble(c.f64[r]);
        break;
      case Type::kString:
        w->PutString(c.str(r));
        break;
      default:
        w->PutSigned(c.i64[r]);
        break;
    }
  }
}

bool ReadRow(StateReader* r, const Schema& schema, Batch* dst) {
  const int64_t ts = r->Signed();
  if (r->ok() && !InEventTimeRange(ts)) return r->Fail("has a row with an event time out of range");
  for (size_t c = 0; c < schema.size() && r->ok(); ++c) {
    Column& col = dst->columns[c];
    const uint8_t tag = r->U8();
    if (tag == 0) {
      col.push_null();
      continue;
    }
    if (tag != 1) return r->Fail("has a malformed row value");
    switch (col.type) {
      case Type::kDouble:
        col.push_double(r->Double());
        break;
      case Type::kString:
        col.push_string(r->String());
        break;
      case Type::kBool: {
        const int64_t v = r->Signed();
        if (v != 0 && v != 1) return r->Fail("has a malformed bool");
        col.push_int(v);
        break;
      }
      default:
        col.push_int(r->Signed());
        break;
    }
  }
  if (!r->ok()) return false;
  dst->ts.push_back(ts);
  return true;
}

void PutRows(StateWriter* w, const Batch& b, const std::vector<uint32_t>& rows) {
  w->PutVarint(rows.size());
  for (uint32_t row : rows) PutRow(w, b, row);
}

bool ReadRows(StateReader* r, const Schema& schema, Batch* dst, std::vector<uint32_t>* rows) {
  const uint64_t n = r->Count(MinRowBytes(schema));
  for (uint64_t i = 0; i < n && r->ok(); ++i) {
    rows->push_back(static_cast<uint32_t>(dst->size()));
    if (!ReadRow(r, schema, dst)) rows->pop_back();
  }
  return r->ok();
}

}  // namespace sluice
