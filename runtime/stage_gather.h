// Between two keyed stages: the results of every lane of the earlier stage for one source batch,
// joined into the one batch that the next stage routes to its lanes.
//
// Determinism: lanes emit their results independently, and which lane holds a key depends on
// the parallelism, so the gathered rows are put in a canonical order (by event time, then by the
// value of every column in schema order; docs/semantics.md, "Several keyed stages"). Since a
// window emits its results in event-time order across batches, the next stage then sees the
// same rows in the same order at any parallelism and any batch size.
//
// A stage whose rows form a changelog (deduplicate, top_n, an aggregate with emit = "changelog")
// gives each result row's cause (operators/keyed_operator.h) in Batch::pos: its rows are put in
// that order (a lane's rows for one cause keep their order), which is the input order, the same
// at any parallelism, and keeps each key's "-" before its "+".
//
// Positions (a plan with a union or a stage's own watermark, Batch::pos): a result caused by an
// input row is at that row's position; a result fired by the watermark, at FiredPos(c) for the
// first merged row c before which the stage's watermark had reached its firing time (the end of
// the frame when no row of it did). Both depend on the input alone, never on batch cuts: a row
// fired while a frame is processed has a firing time above the watermark before the frame and
// at or below the one after it, so c falls inside the frame (or at its end). Results are then put
// in order of position, and canonically within one position (by cause for a changelog), so a
// union that merges them with other streams by position is the same for any batch size.
//
// Watermarks: every gathered row is stamped with the watermark in force before the source batch
// (`from.start_watermark`), which precedes the event time of every window result fired while
// the batch was processed; the batch's own watermark is the source batch's. So no result of an
// earlier window is late at a later stage.
#pragma once

#include <vector>

#include "base/batch.h"
#include "base/types.h"
#include "runtime/frame.h"

namespace sluice {

// Writes into *out (reset to `schema`) every row of `parts` (lane results of one source batch,
// each with `schema`'s columns; null parts are skipped) in canonical order, with ts kept and wm
// set as above. Copies from `from` (the batch that entered the earlier stage) its seq,
// watermarks, `last`, source position and checkpoint barrier. Late rows and keys are not copied.
// `by_cause`: a changelog stage. `positions`: the plan tracks positions; every part's pos then
// holds merged positions (PlaceFiredResults ran on it).
void GatherStageResults(const Schema& schema, const std::vector<const Batch*>& parts,
                        const Batch& from, bool by_cause, bool positions, Batch* out);

// Replaces each fired entry (FiredAtPos) of every non-null part (the lanes' results of the frame
// that starts at merged row `first_pos`) with the position of the result as above;
// `w` is the stage's watermark before each row of the frame.
void PlaceFiredResults(const SubsetWatermark& w, uint64_t first_pos,
                       const std::vector<Batch*>& parts);

}  // namespace sluice
