// The keyed process functions every sluice program has (docs/pipelines.md, "process"):
//
//   inactivity   params: gap (a duration, required).
//                Per key, counts rows until none arrived for `gap` of event time: a timer at the
//                last row's time + gap; when it fires, emits rows, first_time and end_time
//                (= last row's time + gap, timestamps in the event-time unit), and forgets the
//                key. A row whose time is below a pending timer's start still counts.
#pragma once

#include <vector>

#include "sluice/process_function.h"

namespace sluice {

std::vector<ProcessFunction> BuiltinProcessFunctions();

}  // namespace sluice
