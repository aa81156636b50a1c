#include "base/key.h"

#include <cmath>
#include <cstring>

#include "base/order_prefix.h"

// Inlined (same XXH3 function, same values): a 9-byte key hashes in a few instructions instead of
// a call into the shared library for every row.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sluice {

uint64_t HashKey(std::string_view encoded) { return XXH3_64bits(encoded.data(), encoded.size()); }

namespace {

inline void PutFixed64(std::string* out, uint64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);  // little-endian hosts only (x86-64, aarch64)
  out->append(buf, 8);
}

inline uint64_t GetFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

void EncodeKeyRow(const std::vector<Column>& columns, const std::vector<int>& key_columns, size_t r,
                  std::string* out) {
  for (int k : key_columns) {
    const Column& c = columns[k];
    if (!c.is_valid(r)) {
      out->push_back('\0');
      continue;
    }
    out->push_back('\1');
    switch (c.type) {
      case Type::kDouble: {
        double d = c.f64[r];
        if (d == 0) d = 0;  // fold -0.0
        if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
        uint64_t bits;
        std::memcpy(&bits, &d, 8);
        PutFixed64(out, bits);
        break;
      }
      case Type::kString: {
        std::string_view s = c.str(r);
        uint32_t n = static_cast<uint32_t>(s.size());
        char buf[4];
        std::memcpy(buf, &n, 4);
        out->append(buf, 4);
        out->append(s);
        break;
      }
      default:
        PutFixed64(out, static_cast<uint64_t>(c.i64[r]));
        break;
    }
  }
}

void EncodeKeys(const std::vector<int>& key_columns, Batch* batch) {
  const size_t n = batch->size();
  Column& keys = batch->keys;
  keys.type = Type::kString;
  keys.clear();
  keys.reserve(n);
  batch->key_hash.resize(n);
  // Fast path: one int64-like key column without nulls.
  if (key_columns.size() == 1) {
    const Column& c = batch->columns[key_columns[0]];
    if (c.type != Type::kDouble && c.type != Type::kString && !c.has_nulls()) {
      keys.chars.resize(n * 9);
      keys.offsets.resize(n + 1);
      char* p = keys.chars.data();
      for (size_t r = 0; r < n; ++r) {
        p[r * 9] = '\1';
        std::memcpy(p + r * 9 + 1, &c.i64[r], 8);
        keys.offsets[r + 1] = static_cast<uint32_t>((r + 1) * 9);
      }
      // A second pass: hashing each key right after writing it would read bytes still in the
      // store buffer across two stores, which stalls on every row.
      for (size_t r = 0; r < n; ++r) batch->key_hash[r] = XXH3_64bits(p + r * 9, 9);
      return;
    }
  }
  for (size_t r = 0; r < n; ++r) {
    EncodeKeyRow(batch->columns, key_columns, r, &keys.chars);
    keys.offsets.push_back(static_cast<uint32_t>(keys.chars.size()));
    batch->key_hash[r] = HashKey(keys.str(r));
  }
}

void DecodeKeyInto(std::string_view encoded, const std::vector<Type>& key_types,
                   std::vector<Column*>& out) {
  const char* p = encoded.data();
  for (size_t k = 0; k < key_types.size(); ++k) {
    Column* c = out[k];
    if (*p++ == '\0') {
      c->push_null();
      continue;
    }
    switch (key_types[k]) {
      case Type::kDouble: {
        uint64_t bits = GetFixed64(p);
        double d;
        std::memcpy(&d, &bits, 8);
        c->push_double(d);
        p += 8;
        break;
      }
      case Type::kString: {
        uint32_t n;
        std::memcpy(&n, p, 4);
        p += 4;
        c->push_string(std::string_view(p, n));
        p += n;
        break;
      }
      default:
        c->push_int(static_cast<int64_t>(GetFixed64(p)));
        p += 8;
        break;
    }
  }
}

bool KeyOrderPrefix(std::string_view encoded, Type first, uint64_t* prefix) {
  *prefix = 0;
  if (encoded.empty() || encoded[0] == 0) return false;
  const char* p = encoded.data() + 1;
  switch (first) {
    case Type::kString: {
      uint32_t n;
      std::memcpy(&n, p, 4);
      *prefix = OrderPrefixString(std::string_view(p + 4, n));
      break;
    }
    case Type::kDouble: {
      double v;
      std::memcpy(&v, p, 8);
      *prefix = OrderPrefixDouble(v);
      break;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      *prefix = OrderPrefixInt(v);
      break;
    }
  }
  return true;
}

}  // namespace sluice
