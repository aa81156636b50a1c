// Between two keyed stages: the results of every lane of the earlier stage for one source batch,
// joined into the one batch that the next stage routes to its lanes.
//
// Determinism: lanes emit their results independently, and which lane holds a key depends on
// the parallelism, so the gathered rows are put in a canonical order (by event time, then by the
// value of every column in schema order; docs/semantics.md, "Several keyed stages"). Since a
// window emits its results in event-time order across batches, the next stage then sees the
// same rows in the same order at any parallelism and any batch size.
//
// A stage whose rows form a changelog (deduplicate) gives each result row's cause instead, the
// index of the input row that produced it, in Batch::pos: its rows are then put in that order
// (a lane's rows for one cause keep their order), which is the input order, the same at any
// parallelism, and keeps each key's "-" before its "+".
//
// Watermarks: every gathered row is stamped with the watermark in force before the source batch
// (`from.start_watermark`), which precedes the event time of every window result fired while
// the batch was processed; the batch's own watermark is the source batch's. So no result of an
// earlier window is late at a later stage.
#pragma once

#include <vector>

#include "base/batch.h"
#include "base/types.h"

namespace sluice {

// Writes into *out (reset to `schema`) every row of `parts` (lane results of one source batch,
// each with `schema`'s columns; null parts are skipped) in canonical order, with ts kept and wm
// set as above. Copies from `from` (the batch that entered the earlier stage) its seq,
// watermarks, `last`, source position and checkpoint barrier. Late rows and keys are not copied.
void GatherStageResults(const Schema& schema, const std::vector<const Batch*>& parts,
                        const Batch& from, Batch* out);

}  // namespace sluice
