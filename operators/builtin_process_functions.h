// The keyed process functions every sluice program has (docs/pipelines.md, "process"):
//
//   inactivity   params: gap (a duration, required).
//                Per key, counts rows until none arrived for `gap` of event time: a timer at the
//                last row's time + gap; when it fires, emits rows, first_time and end_time
//                (= last row's time + gap, timestamps in the event-time unit), and forgets the
//                key.
//   best_until   params: until (a timestamp field), order_by ("field [asc|desc], ...").
//                Per key, the first row by order_by (nulls last; ties: the earlier row) among
//                the rows that arrive before the watermark reaches the key's deadline (the
//                `until` value of its first row); emitted then (every input field but the
//                key's), and the key forgotten. A row whose deadline the watermark has already
//                reached when it arrives is ignored.
#pragma once

#include <vector>

#include "sluice/process_function.h"

namespace sluice {

std::vector<ProcessFunction> BuiltinProcessFunctions();

}  // namespace sluice
