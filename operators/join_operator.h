// Joins: two-input keyed operators (window, interval and regular joins), one instance per lane.
// Like every KeyedOperator, an instance is used by one thread at a time; it sees its lane's rows
// of both inputs for each source batch (KeyedOperator::ProcessTwo), with keys, key_hash, ts and
// wm set on both input batches: both inputs' keys are encoded from their key columns
// (base/key.h), which have the same types pairwise, so equal keys have equal encodings and both
// sides of a key reach the same lane.
//
// Order and watermarks. Within one ProcessTwo call the operator takes the rows of both inputs
// merged by their watermark `wm` (non-decreasing along each input), left before right on ties,
// and, before each row whose wm is greater than the last one seen, fires what that watermark
// completes; after the rows it fires up to the batches' `watermark` (both inputs' batches carry
// the same one), and up to +infinity when `last` is set. Ties are broken the same way across
// calls: rows of equal wm count as left before right even when they arrive in different calls
// (the session join, the only one whose results depend on that order, holds its right rows until
// the watermark rises). Which pairs are emitted never depends on batching, lanes or thread
// timing; their order within one call may.
//
// Lateness: a row is late, dropped and appended to out->late (left rows, left input schema) or
// out->late_right (right rows), when it can no longer take part in any result:
//   window join   every window it belongs to has end - 1 <= wm (as for windows;
//                 docs/semantics.md); session: it touches no open session of its key (over both
//                 inputs) and its own [t, t + gap) has end - 1 <= wm;
//   interval join ts <= wm;
//   regular join  never (a row always meets the state of its key as it stands).
// Null keys: a row with a null key field joins nothing (it is not late for that reason; an
// outer join emits it unmatched when its time is up).
//
// Output rows: every left field (renamed left_prefix + name), then every right field
// (right_prefix + name); a window join appends window_start and window_end (timestamps in
// def.time_unit, as for windows). The missing side of an outer row is null.
//   window join (inner): one row per left row x right row of the same key in the same window,
//     emitted when the window fires (W >= end - 1); ts = end - 1. Sliding windows: once per
//     window the pair shares. Sessions are formed over the rows of both inputs, per key.
//   interval join: a pair when left.ts + lower <= right.ts <= left.ts + upper, emitted when the
//     second of the two arrives; ts = max(left.ts, right.ts). A left row leaves the state once
//     W >= left.ts + upper, a right row once W >= right.ts - lower; at that moment an outer join
//     emits it if it never matched (left/full: left rows; right/full: right rows), with
//     ts = max(own ts, the instant above).
//   regular join (inner): a pair of every left and right row of the same key, emitted when the
//     second of the two arrives, provided the first is still in the state then;
//     ts = max(left.ts, right.ts). A row stays in the state until the watermark rises above
//     both the wm it arrived with and ts + its side's ttl (never when that ttl is 0): rows
//     arriving with equal wm always meet, so which pairs are emitted does not depend on which
//     of two equal-wm rows comes first.
// Every output row's wm is the wm in force when it was emitted.
#pragma once

#include <memory>
#include <vector>

#include "operators/keyed_operator.h"

namespace sluice {

struct JoinDef {
  OpKind kind = OpKind::kWindowJoin;  // kWindowJoin, kIntervalJoin or kJoin
  JoinType type = JoinType::kInner;   // kInner for window joins and regular joins
  // window join
  WindowKind window = WindowKind::kTumbling;
  int64_t size = 0;   // tumbling, sliding (us)
  int64_t slide = 0;  // sliding (us); equals size for tumbling
  int64_t gap = 0;    // session (us)
  TimeUnit time_unit = TimeUnit::kMicros;  // of window_start/window_end in results
  // interval join (us; lower <= upper)
  int64_t lower = 0;
  int64_t upper = 0;
  // regular join: how long each side's rows stay in the state (us of event time, >= 0; 0 = the
  // whole run), indexed by JoinSide
  int64_t ttl[2] = {0, 0};
  std::vector<int> left_key;   // key columns of the left input
  std::vector<int> right_key;  // of the right input; same types pairwise
  std::string left_prefix;
  std::string right_prefix;
};

// The output schema of a join of `left` and `right` rows (see above), or InvalidArgument when
// two output fields would have the same name (naming it and suggesting prefixes).
Result<Schema> JoinOutputSchema(const JoinDef& def, const Schema& left, const Schema& right);

// Builds a join operator. ProcessRows (one input) returns Internal; ProcessTwo does the work.
// Snapshot/Restore hold both sides' buffered rows, the windows or sessions, matched flags and
// the late count, under their own state tags (codecs/state_codec.h).
Result<std::unique_ptr<KeyedOperator>> MakeJoinOperator(const JoinDef& def, const Schema& left,
                                                        const Schema& right);

}  // namespace sluice
