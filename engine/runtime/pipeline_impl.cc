#include "engine/runtime/pipeline_impl.h"

#include <exception>

#include <fmt/format.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

#include "engine/key.h"
#include "engine/runtime/lane_router.h"
#include "engine/runtime/output_stage.h"
#include "engine/runtime/source_driver.h"

namespace sluice {
namespace flow = oneapi::tbb::flow;

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One source batch after the stateless stage.
// Keyed: every lane reads its rows of `whole` (read-only, shared) through rows[lane].
struct Routed {
  uint64_t seq = 0;
  BatchPtr whole;
  std::vector<std::vector<uint32_t>> rows;  // per lane; unused with one lane (all rows)
  std::vector<DeadLetter> dead;
};
using RoutedPtr = std::shared_ptr<Routed>;

// What moves between nodes after the source. Cheap to copy (TBB copies messages).
struct Msg {
  uint64_t seq = 0;
  uint32_t lane = 0;
  RoutedPtr routed;  // keyed, before the lanes
  BatchPtr result;   // after the lanes (or the whole batch when unkeyed)
};

}  // namespace

Status Pipeline::Build(const PipelineOptions& options, const PipelineSpec& spec,
                       std::unique_ptr<Pipeline>* pipeline) {
  std::unique_ptr<Plan> plan;
  SLUICE_RETURN_IF_ERROR(BuildPlan(spec, options, &plan));
  *pipeline = std::make_unique<PipelineImpl>(std::move(plan));
  return Status::OK();
}

void PipelineImpl::Fail(const Status& s) {
  std::lock_guard<std::mutex> l(mu_);
  if (error_.ok()) error_ = s;
  stop_.store(true);
}

void PipelineImpl::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopped_by_user_ = true;
  }
  stop_.store(true);
}

PipelineStats PipelineImpl::Stats() const {
  PipelineStats s;
  s.events_in = events_in_.load();
  s.records_out = records_out_.load();
  s.late = late_.load();
  s.dead_letters = dead_letters_.load();
  int64_t start = start_ns_.load(), end = end_ns_.load();
  if (start) s.elapsed_s = ((end ? end : NowNs()) - start) / 1e9;
  return s;
}

Status PipelineImpl::Run() {
  const Plan& plan = *plan_;
  start_ns_.store(NowNs());
  auto source = MakeSource(plan.spec.source, plan.source_options);
  if (!source.ok()) return source.status();
  SourceDriver driver(std::move(source).value(), plan.source_options.schema,
                      plan.max_out_of_orderness);
  SLUICE_RETURN_IF_ERROR(driver.Open());

  auto sink = MakeSink(plan.spec.sink);
  if (!sink.ok()) return sink.status();
  SLUICE_RETURN_IF_ERROR((*sink)->Open(plan.output_schema));

  std::unique_ptr<Sink> late_sink;
  if (!plan.late_path.empty()) {
    SinkSpec ls;
    ls.type = "jsonl";
    ls.path = plan.late_path;
    auto made = MakeSink(ls);
    Status s = made.ok() ? Status::OK() : made.status();
    if (s.ok()) {
      late_sink = std::move(made).value();
      std::vector<Field> visible(plan.pre_schema.fields().begin(),
                                 plan.pre_schema.fields().begin() + plan.keyed_visible);
      s = late_sink->Open(Schema(visible));
    }
    if (!s.ok()) {
      (*sink)->Abort();
      return s;
    }
  }
  DeadLetterWriter dead_letters(plan.dead_letter_path);
  OutputStage output(plan.keyed ? plan.parallelism : 1, sink->get(), late_sink.get(),
                     plan.keyed_visible, &dead_letters);

  Status s = RunGraph(&driver, &output);
  Status dl = dead_letters.Close();
  if (s.ok()) s = dl;
  if (s.ok()) s = (*sink)->Close();
  if (s.ok() && late_sink) s = late_sink->Close();
  if (!s.ok()) {
    (*sink)->Abort();
    if (late_sink) late_sink->Abort();
  }
  records_out_.store((*sink)->rows());
  late_.store(output.late());
  dead_letters_.store(dead_letters.count());
  events_in_.store(driver.events());
  end_ns_.store(NowNs());
  return s;
}

Status PipelineImpl::RunGraph(SourceDriver* driver, OutputStage* output) {
  const Plan& plan = *plan_;
  const uint32_t lanes = plan.parallelism;

  // Keyed operator instances, one per lane, created before the graph runs.
  std::vector<std::unique_ptr<KeyedOperator>> ops;
  if (plan.keyed) {
    for (uint32_t i = 0; i < lanes; ++i) {
      auto op = MakeKeyedOperator(plan.keyed_def, plan.pre_schema);
      if (!op.ok()) return op.status();
      ops.push_back(std::move(op).value());
    }
  }

  auto guard = [this](auto&& fn) {
    try {
      Status s = fn();
      if (!s.ok()) Fail(s);
    } catch (const std::exception& e) {
      Fail(Status::Internal(fmt::format("unexpected exception in the pipeline: {}", e.what())));
    } catch (...) {
      Fail(Status::Internal("unexpected exception in the pipeline"));
    }
  };

  oneapi::tbb::task_arena arena(static_cast<int>(lanes));
  arena.execute([&] {
    flow::graph g;

    flow::input_node<BatchPtr> source(g, [&](oneapi::tbb::flow_control& fc) -> BatchPtr {
      if (failed()) {
        fc.stop();
        return nullptr;
      }
      auto batch = std::make_shared<Batch>();
      bool done = false;
      guard([&] { return driver->Next(batch.get(), &done); });
      events_in_.store(driver->events(), std::memory_order_relaxed);
      if (done || failed()) {
        fc.stop();
        return nullptr;
      }
      return batch;
    });

    flow::limiter_node<BatchPtr> limiter(g, plan.max_in_flight);

    flow::function_node<BatchPtr, Msg> stateless(
        g, flow::unlimited, [&](const BatchPtr& batch) -> Msg {
          Msg m;
          m.seq = batch->seq;
          if (failed()) {
            m.result = std::make_shared<Batch>();
            if (plan.keyed) {
              m.routed = std::make_shared<Routed>();
              m.routed->seq = batch->seq;
              m.routed->whole = std::make_shared<Batch>();
              m.routed->rows.resize(lanes);
            }
            return m;
          }
          guard([&] {
            for (const auto& t : plan.pre) SLUICE_RETURN_IF_ERROR(t->Apply(batch.get()));
            return Status::OK();
          });
          if (failed()) batch->reset(plan.pre_schema);
          if (!plan.keyed) {
            m.result = batch;
            return m;
          }
          auto routed = std::make_shared<Routed>();
          routed->seq = batch->seq;
          routed->dead = std::move(batch->dead_letters);
          EncodeKeys(plan.keyed_def.key_columns, batch.get());
          if (lanes > 1) RowsByLane(*batch, lanes, &routed->rows);
          routed->whole = batch;
          m.routed = std::move(routed);
          return m;
        });

    using Merger = flow::multifunction_node<Msg, std::tuple<flow::continue_msg>>;
    Merger merger(g, flow::serial, [&](const Msg& m, Merger::output_ports_type& ports) {
      size_t completed = 0;
      guard([&]() -> Status {
        std::vector<DeadLetter>* dead = nullptr;
        if (m.routed && m.lane == 0) dead = &m.routed->dead;
        if (!m.routed && m.result) dead = &m.result->dead_letters;
        auto r = output->Add(m.seq, m.lane, m.result, dead);
        if (!r.ok()) return r.status();
        completed = *r;
        return Status::OK();
      });
      for (size_t i = 0; i < completed; ++i) std::get<0>(ports).try_put(flow::continue_msg());
    });

    std::vector<std::unique_ptr<flow::sequencer_node<Msg>>> sequencers;
    std::vector<std::unique_ptr<flow::function_node<Msg, Msg>>> lane_nodes;
    flow::make_edge(source, limiter);
    flow::make_edge(limiter, stateless);
    if (plan.keyed) {
      for (uint32_t i = 0; i < lanes; ++i) {
        sequencers.push_back(std::make_unique<flow::sequencer_node<Msg>>(
            g, [](const Msg& m) -> size_t { return m.seq; }));
        KeyedOperator* op = ops[i].get();
        lane_nodes.push_back(std::make_unique<flow::function_node<Msg, Msg>>(
            g, flow::serial, [&, i, op](const Msg& in) -> Msg {
              Msg out;
              out.seq = in.seq;
              out.lane = i;
              out.routed = in.routed;
              auto result = std::make_shared<Batch>();
              result->reset(op->output_schema());
              if (!failed()) {
                guard([&] {
                  const Routed& routed = *in.routed;
                  if (lanes == 1) {
                    SLUICE_RETURN_IF_ERROR(op->Process(*routed.whole, result.get()));
                  } else {
                    SLUICE_RETURN_IF_ERROR(op->ProcessRows(*routed.whole, routed.rows[i].data(),
                                                           routed.rows[i].size(), result.get()));
                  }
                  for (const auto& t : plan.post) SLUICE_RETURN_IF_ERROR(t->Apply(result.get()));
                  return Status::OK();
                });
              }
              out.result = std::move(result);
              return out;
            }));
        flow::make_edge(stateless, *sequencers.back());
        flow::make_edge(*sequencers.back(), *lane_nodes.back());
        flow::make_edge(*lane_nodes.back(), merger);
      }
    } else {
      flow::make_edge(stateless, merger);
    }
    flow::make_edge(flow::output_port<0>(merger), limiter.decrementer());

    source.activate();
    g.wait_for_all();
  });

  std::lock_guard<std::mutex> l(mu_);
  if (!error_.ok()) return error_;
  if (stopped_by_user_) return Status::Aborted("stopped");
  return Status::OK();
}

}  // namespace sluice
