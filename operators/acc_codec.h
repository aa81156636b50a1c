// Snapshot encoding shared by the keyed operators (pane window, session window, running
// aggregate): accumulators, encoded keys and the fingerprint of the operator definition.
//
// Every keyed snapshot starts with the same prologue:
//   prologue := tag:u8 version:varint fingerprint:string arrival:varint late:varint
// followed by the operator's own state, in which each accumulator is an `acc` (PutAcc).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/state_codec.h"
#include "operators/accumulators.h"

namespace sluice {

// Format version of the three keyed snapshots.
constexpr uint32_t kKeyedSnapshotVersion = 1;

// Appends every field of every AggState of `acc`:
//   acc   := state*                       (one per aggregate; the count is the operator's)
//   state := flags:varint field*          (a field only when its flag bit is set: non-zero)
// Flag bits, in field order: n, isum, dsum, has, bi, bd, bs, bts, barr, distinct, then bit 10,
// isum_high, whose field follows isum's: isum is the low 64 bits (signed) of the exact 128-bit
// sum, isum_high the rest (present only when the sum is outside int64, so older snapshots read
// as before and an older reader refuses such a state as unknown fields); the distinct
// set is a count then its hashes sorted and delta-encoded, so equal accumulators encode to equal
// bytes (the hash set's iteration order never leaks into a snapshot).
void PutAcc(StateWriter* w, const Acc& acc);
// The same for an accumulator held as `n` states at `states` (in a flat pool). SumStates encode
// as the AggStates they are the first fields of.
void PutStates(StateWriter* w, const AggState* states, size_t n);
void PutStates(StateWriter* w, const SumState* states, size_t n);

// Reads what PutAcc wrote for an accumulator of `n_aggs` aggregates into *acc, replacing its
// content. Returns false, with *r failed, on malformed input; *acc is then unspecified.
bool ReadAcc(StateReader* r, size_t n_aggs, Acc* acc);

// The fewest bytes PutAcc writes for `n_aggs` aggregates (for StateReader::Count).
inline size_t MinAccBytes(size_t n_aggs) { return n_aggs; }

// True when `key` is exactly one well-formed key encoding (base/key.h) of fields of
// `key_types`, so that DecodeKeyInto may read it.
bool IsValidKey(std::string_view key, const std::vector<Type>& key_types);

// Readable text of everything in `def` (over `input`) that a snapshot's meaning depends on: the
// operator kind, window size/slide/gap, allowed lateness, key columns and their types, and each
// aggregate's function and input column with its type. The output time unit and field names are
// left out: they change only how results are printed.
std::string KeyedFingerprint(const KeyedStageDef& def, const Schema& input);

// A fingerprint as it may appear in an error message: its first `max_chars` characters, others
// than printable ASCII as '?', and "..." when cut.
std::string PrintableFingerprint(std::string_view s, size_t max_chars);

// Writes the prologue. `arrival` and `late` are the operator's arrival counter and late count.
void PutKeyedPrologue(StateWriter* w, uint8_t tag, std::string_view fingerprint, uint64_t arrival,
                      uint64_t late);

// Reads the prologue: fails unless the tag is `tag`, the version is at most
// kKeyedSnapshotVersion and the fingerprint equals `fingerprint`.
bool ReadKeyedPrologue(StateReader* r, uint8_t tag, std::string_view fingerprint, uint64_t* arrival,
                       uint64_t* late);

}  // namespace sluice
