// Key encoding: the fields named by key_by, packed into bytes that compare equal exactly when the
// key values are equal, plus a 64-bit hash that routes rows to lanes.
//
// Encoding, per key field in key_by order: one tag byte (0 = null, 1 = value), then for a value
//   int64/timestamp/bool: 8 bytes little-endian;  double: 8 bytes of the IEEE bits, with -0.0
//   folded to 0.0 and every NaN to one NaN;  string: 4-byte little-endian length, then the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/batch.h"

namespace sluice {

// Hash of an encoded key (xxh3-64). Stable across runs and builds: checkpoints may store it.
uint64_t HashKey(std::string_view encoded);

// Lane of a key hash among `lanes` lanes.
inline uint32_t LaneOf(uint64_t hash, uint32_t lanes) {
  return static_cast<uint32_t>((static_cast<unsigned __int128>(hash) * lanes) >> 64);
}

// Fills batch->keys and batch->key_hash from the columns at `key_columns`.
void EncodeKeys(const std::vector<int>& key_columns, Batch* batch);

// Appends the encoding of row r of `columns[key_columns...]` to *out.
void EncodeKeyRow(const std::vector<Column>& columns, const std::vector<int>& key_columns, size_t r,
                  std::string* out);

// Decodes an encoded key into one value per key field, appending each to out[i].
// REQUIRES: out has key_types.size() columns of those types; `encoded` came from EncodeKeyRow.
void DecodeKeyInto(std::string_view encoded, const std::vector<Type>& key_types,
                   std::vector<Column*>& out);

// The order prefix (base/order_prefix.h) of the first field of an encoded key, whose type is
// `first`: false for a null field. Sorting keys by (set, prefix) orders them as the canonical
// row order orders that field, up to ties of the prefix. REQUIRES: `encoded` came from
// EncodeKeyRow.
bool KeyOrderPrefix(std::string_view encoded, Type first, uint64_t* prefix);

}  // namespace sluice
