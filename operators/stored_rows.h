// Rows kept in operator state (buffered join rows, the last rows of a key): copying a row into
// a state batch, and its encoding in snapshots.
#pragma once

#include <cstdint>
#include <vector>

#include "base/batch.h"
#include "codecs/state_codec.h"

namespace sluice {

// Appends to `dst` the field values and ts of row r of `src` (same column types); not its wm or
// key.
void StoreRow(const Batch& src, size_t r, Batch* dst);

// Encoding of a stored row in snapshots:
//   row   := ts:signed value*       (one per field of the input schema)
//   value := 0 (null) | 1 payload  (int64, timestamp, bool: signed; double: 8 bytes; string)
void PutRow(StateWriter* w, const Batch& b, size_t r);
// Reads a row written by PutRow into `dst` (columns of `schema`, and ts), failing *r on
// malformed input (a bool other than 0/1, an event time outside kMinEventTime..kMaxEventTime).
bool ReadRow(StateReader* r, const Schema& schema, Batch* dst);
// The fewest bytes PutRow writes for `schema`.
inline size_t MinRowBytes(const Schema& schema) { return 1 + schema.size(); }
// rows := count row*
void PutRows(StateWriter* w, const Batch& b, const std::vector<uint32_t>& rows);
bool ReadRows(StateReader* r, const Schema& schema, Batch* dst, std::vector<uint32_t>* rows);

}  // namespace sluice
