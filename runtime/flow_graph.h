// The graph builder: turns a Plan into one oneTBB flow graph and runs it to the end of the
// input. The only code that includes oneTBB; the work of every node is a step of
// runtime/graph_steps.h.
//
//   input_node (SourceStep, serial) -> limiter_node (max_in_flight frames)
//     -> function_node (StatelessStep, unlimited concurrency)
//     -> per keyed stage, per lane: sequencer_node (restores source order)
//        -> function_node (LaneStep, serial)
//        -> between stages, and after the last unless its lanes feed the sinks directly
//           (Plan::direct_output): multifunction_node (ExchangeStep, unlimited)
//     -> multifunction_node (OutputStep, serial) -> limiter decrement
//
// Unkeyed pipelines skip the lanes.
#pragma once

#include <memory>
#include <vector>

#include "operators/keyed_operator.h"
#include "runtime/plan.h"
#include "runtime/run_guard.h"
#include "runtime/sink_writer.h"
#include "runtime/input_driver.h"
#include "runtime/stage_counters.h"

namespace sluice {

// ops[k][i]: keyed stage k's operator of lane i (created and restored by the caller).
using StageOperators = std::vector<std::vector<std::unique_ptr<KeyedOperator>>>;

// Runs `plan` with P = plan.parallelism worker threads until the input ends or `run` fails;
// errors and exceptions of every node end up in `run` (RunGuard::Fail).
// `counters` receives the rows through each stage.
void RunFlowGraph(const Plan& plan, InputDriver* driver, StageOperators* ops,
                  SinkWriter* writer, RunGuard* run, StageCounters* counters);

}  // namespace sluice
