#include "runtime/flow_graph.h"

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

#include "runtime/graph_steps.h"

namespace sluice {
namespace flow = oneapi::tbb::flow;

namespace {

using Exchange = flow::multifunction_node<Msg, std::tuple<Msg>>;
using Output = flow::multifunction_node<Msg, std::tuple<flow::continue_msg>>;

// The node adapters: each wraps one step (owned by the caller, outliving the graph).
flow::input_node<FramePtr> SourceNode(flow::graph& g, SourceStep* step) {
  return flow::input_node<FramePtr>(g, [step](oneapi::tbb::flow_control& fc) -> FramePtr {
    FramePtr frame = step->Next();
    if (!frame) fc.stop();
    return frame;
  });
}

std::unique_ptr<flow::function_node<Msg, Msg>> LaneNode(flow::graph& g, const LaneStep* step) {
  return std::make_unique<flow::function_node<Msg, Msg>>(
      g, flow::serial, [step](const Msg& in) { return step->Run(in); });
}

std::unique_ptr<Exchange> ExchangeNode(flow::graph& g, ExchangeStep* step) {
  return std::make_unique<Exchange>(
      g, flow::unlimited, [step](const Msg& in, Exchange::output_ports_type& ports) {
        Msg out;
        if (step->Run(in, &out)) std::get<0>(ports).try_put(out);
      });
}

}  // namespace

void RunFlowGraph(const Plan& plan, InputDriver* driver, StageOperators* ops,
                  SinkWriter* writer, RunGuard* run, StageCounters* counters) {
  const uint32_t lanes = plan.parallelism;
  const size_t n_stages = plan.stages.size();

  SourceStep source_step(driver, run, counters->source(), counters->latency.get());
  StatelessStep stateless_step(plan, run, counters->stateless());
  std::vector<std::unique_ptr<LaneStep>> lane_steps;
  std::vector<std::unique_ptr<ExchangeStep>> exchange_steps;
  for (size_t k = 0; k < n_stages; ++k) {
    for (uint32_t i = 0; i < lanes; ++i) {
      lane_steps.push_back(std::make_unique<LaneStep>(plan, k, i, (*ops)[k][i].get(), run,
                                                      counters->keyed(k)->lane(i)));
    }
    if (k + 1 < n_stages || !plan.direct_output) {
      exchange_steps.push_back(std::make_unique<ExchangeStep>(plan, k, run));
    }
  }
  OutputStep output_step(plan.direct_output ? lanes : 1, writer, run, counters->sinks());

  oneapi::tbb::task_arena arena(static_cast<int>(lanes));
  arena.execute([&] {
    flow::graph g;
    flow::input_node<FramePtr> source = SourceNode(g, &source_step);
    flow::limiter_node<FramePtr> limiter(g, plan.max_in_flight);
    flow::function_node<FramePtr, Msg> stateless(
        g, flow::unlimited, [&](const FramePtr& frame) { return stateless_step.Run(frame); });
    Output output(g, flow::serial, [&](const Msg& m, Output::output_ports_type& ports) {
      const size_t completed = output_step.Run(m);
      for (size_t i = 0; i < completed; ++i) std::get<0>(ports).try_put(flow::continue_msg());
    });
    flow::make_edge(source, limiter);
    flow::make_edge(limiter, stateless);
    flow::make_edge(flow::output_port<0>(output), limiter.decrementer());

    // Keyed stages: what feeds stage k's sequencers is the stateless node (k = 0) or the
    // exchange after stage k - 1.
    std::vector<std::unique_ptr<flow::sequencer_node<Msg>>> sequencers;
    std::vector<std::unique_ptr<flow::function_node<Msg, Msg>>> lane_nodes;
    std::vector<std::unique_ptr<Exchange>> exchanges;
    for (size_t k = 0; k < n_stages; ++k) {
      for (uint32_t i = 0; i < lanes; ++i) {
        sequencers.push_back(std::make_unique<flow::sequencer_node<Msg>>(
            g, [](const Msg& m) -> size_t { return m.seq; }));
        lane_nodes.push_back(LaneNode(g, lane_steps[k * lanes + i].get()));
        if (k == 0) {
          flow::make_edge(stateless, *sequencers.back());
        } else {
          flow::make_edge(flow::output_port<0>(*exchanges[k - 1]), *sequencers.back());
        }
        flow::make_edge(*sequencers.back(), *lane_nodes.back());
      }
      const bool exchange = k + 1 < n_stages || !plan.direct_output;
      if (exchange) exchanges.push_back(ExchangeNode(g, exchange_steps[k].get()));
      for (uint32_t i = 0; i < lanes; ++i) {
        auto& lane = *lane_nodes[k * lanes + i];
        if (exchange) {
          flow::make_edge(lane, *exchanges.back());
        } else {
          flow::make_edge(lane, output);
        }
      }
    }
    if (plan.keyed() && !plan.direct_output) {
      flow::make_edge(flow::output_port<0>(*exchanges.back()), output);
    }
    if (!plan.keyed()) flow::make_edge(stateless, output);

    source.activate();
    try {
      g.wait_for_all();
    } catch (const std::bad_alloc&) {
      // An allocation outside a guarded step (a message, a node's buffer) failed; the graph
      // was cancelled.
      run->Fail(run->OutOfMemory("the flow graph", nullptr));
    } catch (const std::exception& e) {
      run->Fail(
          Status::Internal(fmt::format("unexpected exception in the flow graph: {}", e.what())));
    }
  });
}

}  // namespace sluice
