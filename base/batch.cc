#include "base/batch.h"

#include <cassert>
#include <cstring>

namespace sluice {

size_t Column::size() const {
  switch (type) {
    case Type::kDouble: return f64.size();
    case Type::kString: return offsets.size() - 1;
    default: return i64.size();
  }
}

void Column::clear() {
  i64.clear();
  f64.clear();
  offsets.resize(1);
  offsets[0] = 0;
  chars.clear();
  valid.clear();
}

void Column::truncate(size_t rows) {
  switch (type) {
    case Type::kDouble: f64.resize(rows); break;
    case Type::kString:
      chars.resize(offsets[rows]);
      offsets.resize(rows + 1);
      break;
    default: i64.resize(rows); break;
  }
  if (!valid.empty()) valid.resize(rows);
}

void Column::reserve(size_t rows) {
  switch (type) {
    case Type::kDouble: f64.reserve(rows); break;
    case Type::kString: offsets.reserve(rows + 1); break;
    default: i64.reserve(rows); break;
  }
}

void Column::push_null() {
  if (valid.empty()) valid.assign(size(), 1);
  switch (type) {
    case Type::kDouble: f64.push_back(0); break;
    case Type::kString: offsets.push_back(static_cast<uint32_t>(chars.size())); break;
    default: i64.push_back(0); break;
  }
  valid.push_back(0);
}

void Column::push_value(const Value& v) {
  if (v.null) {
    push_null();
    return;
  }
  switch (type) {
    case Type::kDouble:
      push_double(v.type == Type::kDouble ? v.d : static_cast<double>(v.i));
      break;
    case Type::kString: push_string(v.s); break;
    default:
      push_int(v.type == Type::kDouble ? static_cast<int64_t>(v.d) : v.i);
      break;
  }
}

void Column::push_from(const Column& o, size_t r) {
  if (!o.is_valid(r)) {
    push_null();
    return;
  }
  switch (type) {
    case Type::kDouble: push_double(o.f64[r]); break;
    case Type::kString: push_string(o.str(r)); break;
    default: push_int(o.i64[r]); break;
  }
}

Value Column::get(size_t r) const {
  if (!is_valid(r)) return Value::Null(type);
  Value v;
  v.type = type;
  v.null = false;
  switch (type) {
    case Type::kDouble: v.d = f64[r]; break;
    case Type::kString: v.s = std::string(str(r)); break;
    default: v.i = i64[r]; break;
  }
  return v;
}

namespace {
template <typename T>
void CompactVec(std::vector<T>& v, const uint8_t* sel) {
  size_t out = 0;
  for (size_t r = 0; r < v.size(); ++r) {
    v[out] = v[r];
    out += sel[r] != 0;
  }
  v.resize(out);
}
}  // namespace

void Column::compact(const uint8_t* sel, size_t kept) {
  if (!valid.empty()) CompactVec(valid, sel);
  switch (type) {
    case Type::kDouble: CompactVec(f64, sel); break;
    case Type::kString: {
      size_t n = size();
      size_t out_row = 0;
      uint32_t out_pos = 0;
      for (size_t r = 0; r < n; ++r) {
        if (!sel[r]) continue;
        uint32_t b = offsets[r], e = offsets[r + 1];
        if (b != out_pos) std::memmove(chars.data() + out_pos, chars.data() + b, e - b);
        out_pos += e - b;
        offsets[++out_row] = out_pos;
      }
      offsets.resize(out_row + 1);
      chars.resize(out_pos);
      break;
    }
    default: CompactVec(i64, sel); break;
  }
  assert(size() == kept);
  (void)kept;
}

void Batch::clear() {
  for (auto& c : columns) c.clear();
  ts.clear();
  wm.clear();
  pos.clear();
  keys.clear();
  key_hash.clear();
  dead_letters.clear();
  late.reset();
  late_right.reset();
  seq = 0;
  watermark = kMinTime;
  start_watermark = kMinTime;
  last = false;
  source_position = 0;
  checkpoint = false;
  checkpoint_state.clear();
}

void Batch::reset(const Schema& schema) {
  clear();
  columns.resize(schema.size());
  for (size_t i = 0; i < schema.size(); ++i) {
    columns[i].type = schema.field(i).type;
    columns[i].clear();
  }
}

void Batch::append_row(const Batch& o, size_t r) {
  for (size_t c = 0; c < columns.size(); ++c) columns[c].push_from(o.columns[c], r);
  ts.push_back(o.ts[r]);
  wm.push_back(o.wm[r]);
  if (!o.pos.empty()) pos.push_back(o.pos[r]);
  if (!o.key_hash.empty()) {
    keys.push_from(o.keys, r);
    key_hash.push_back(o.key_hash[r]);
  }
}

void Batch::compact(const uint8_t* sel) {
  size_t kept = 0;
  for (size_t r = 0; r < ts.size(); ++r) kept += sel[r] != 0;
  if (kept == ts.size()) return;
  for (auto& c : columns) c.compact(sel, kept);
  CompactVec(ts, sel);
  CompactVec(wm, sel);
  if (!pos.empty()) CompactVec(pos, sel);
  if (!key_hash.empty()) {
    keys.compact(sel, kept);
    CompactVec(key_hash, sel);
  }
}

void Batch::copy_from(const Batch& o) {
  columns = o.columns;
  ts = o.ts;
  wm = o.wm;
  pos = o.pos;
  keys.clear();
  key_hash.clear();
  seq = o.seq;
  watermark = o.watermark;
  start_watermark = o.start_watermark;
  last = o.last;
  source_position = o.source_position;
  checkpoint = o.checkpoint;
  checkpoint_state = o.checkpoint_state;
}

std::vector<Value> Batch::row(size_t r) const {
  std::vector<Value> out;
  out.reserve(columns.size());
  for (const auto& c : columns) out.push_back(c.get(r));
  return out;
}

}  // namespace sluice
