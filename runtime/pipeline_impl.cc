#include "runtime/pipeline_impl.h"

#include <fmt/format.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

#include <exception>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <string_view>

#include "base/key.h"
#include "runtime/checkpointer.h"
#include "runtime/crash_point.h"
#include "runtime/definition.h"
#include "runtime/lane_router.h"
#include "runtime/output_stage.h"
#include "runtime/source_driver.h"
#include "runtime/stage_gather.h"

namespace sluice {
namespace flow = oneapi::tbb::flow;

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One source batch on its way into a keyed stage: the stateless stage's output for the first
// keyed stage, the gathered results of the previous stage for the others. Every lane reads its
// rows of `whole` (read-only, shared) through rows[lane]. `whole` carries the source batch's
// seq, watermarks and checkpoint barrier.
struct Routed {
  uint64_t seq = 0;
  BatchPtr whole;
  std::vector<std::vector<uint32_t>> rows;  // per lane; unused with one lane (all rows)
  std::vector<DeadLetter> dead;
  EarlierStages earlier;  // what the keyed stages before this one left for the output stage
};
using RoutedPtr = std::shared_ptr<Routed>;

// What moves between nodes after the source. Cheap to copy (TBB copies messages).
struct Msg {
  uint64_t seq = 0;
  uint32_t lane = 0;
  RoutedPtr routed;                             // keyed, into a stage's lanes
  BatchPtr result;                              // out of a lane (or the whole batch when unkeyed)
  std::shared_ptr<const std::string> snapshot;  // the lane's operator state at a barrier
};

// Encodes `batch`'s keys for `stage` and assigns its rows to the stage's lanes.
void Route(const KeyedStagePlan& stage, uint32_t lanes, BatchPtr batch, Routed* out) {
  out->seq = batch->seq;
  EncodeKeys(stage.def.key_columns, batch.get());
  out->rows.resize(lanes);
  if (lanes > 1) RowsByLane(*batch, lanes, &out->rows);
  out->whole = std::move(batch);
}

// Collects the lanes' results of one keyed stage per seq; thread-safe. Add returns the complete
// set (lane order) when the last lane's result arrives, and an empty vector before.
class LaneGather {
 public:
  explicit LaneGather(uint32_t lanes) : lanes_(lanes) {}
  std::vector<Msg> Add(const Msg& m) {
    std::lock_guard<std::mutex> l(mu_);
    auto& parts = pending_[m.seq];
    if (parts.empty()) parts.resize(lanes_);
    parts[m.lane] = m;
    if (++received_[m.seq] < lanes_) return {};
    std::vector<Msg> done = std::move(parts);
    pending_.erase(m.seq);
    received_.erase(m.seq);
    return done;
  }

 private:
  const uint32_t lanes_;
  std::mutex mu_;
  std::map<uint64_t, std::vector<Msg>> pending_;  // GUARDED_BY(mu_)
  std::map<uint64_t, uint32_t> received_;         // GUARDED_BY(mu_)
};

// A checkpoint whose state no longer fits the input or the outputs: say how to start over.
Status WithStartOverHint(const Status& s) {
  constexpr std::string_view kHint =
      "; run with --from-scratch to discard the checkpoint and start over";
  if (s.message().find("--from-scratch") != std::string::npos) return s;
  if (s.IsCorruption()) return Status::Corruption(s.message() + std::string(kHint));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(s.message() + std::string(kHint));
  return s;
}

// "session window", "running aggregate", ...
std::string_view KeyedStageName(const KeyedStageDef& def) {
  if (def.kind == OpKind::kAggregate) return "running aggregate";
  switch (def.window) {
    case WindowKind::kTumbling:
      return "tumbling window";
    case WindowKind::kSliding:
      return "sliding window";
    case WindowKind::kSession:
      return "session window";
  }
  return "window";
}

}  // namespace

Status Pipeline::Build(const PipelineOptions& options, const PipelineSpec& spec,
                       std::unique_ptr<Pipeline>* pipeline) {
  std::unique_ptr<Plan> plan;
  SLUICE_RETURN_IF_ERROR(BuildPlan(spec, options, &plan));
  *pipeline = std::make_unique<PipelineImpl>(std::move(plan), options);
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
  s.checkpoints = checkpoints_.load();
  s.last_checkpoint = last_checkpoint_.load();
  s.finalized_only = finalized_only_.load();
  s.already_complete = already_complete_.load();
  {
    std::lock_guard<std::mutex> l(mu_);
    s.resumed_from = resumed_from_;
    s.resumed_position = resumed_position_;
    s.events_before = events_before_;
  }
  int64_t start = start_ns_.load(), end = end_ns_.load();
  if (start) s.elapsed_s = ((end ? end : NowNs()) - start) / 1e9;
  return s;
}

Status PipelineImpl::OutOfMemory(std::string_view stage, const KeyedOperator* op) noexcept {
  {
    // Give back the reserve, so that the message can be built and the graph can drain.
    std::lock_guard<std::mutex> l(mu_);
    memory_reserve_.reset();
  }
  try {
    std::string held =
        op == nullptr ? std::string()
                      : fmt::format(", holding state for {} keys in this lane", op->keys());
    return Status::ResourceExhausted(fmt::format(
        "out of memory in {}{}; give the process more memory, or make the state smaller (fewer "
        "distinct keys, shorter windows or session gaps, less allowed_lateness)",
        stage, held));
  } catch (...) {
    return out_of_memory_;
  }
}

Status PipelineImpl::Run() {
  start_ns_.store(NowNs());
  {
    std::lock_guard<std::mutex> l(mu_);
    // Address space only: the reserve is never written, so it costs no memory until freed.
    try {
      if (!memory_reserve_) {
        memory_reserve_ = std::make_unique_for_overwrite<char[]>(kMemoryReserveBytes);
      }
    } catch (const std::bad_alloc&) {
      // Run without a reserve.
    }
  }
  Status s;
  try {
    s = RunOnce();
  } catch (const std::bad_alloc&) {
    // Outside the graph: opening, restoring or closing the run's state and outputs.
    s = OutOfMemory("the pipeline (opening, restoring or closing its state and outputs)", nullptr);
  }
  end_ns_.store(NowNs());
  return s;
}

Status PipelineImpl::MakeOutputs(Outputs* out) {
  const Plan& plan = *plan_;
  for (const SinkSpec& spec : plan.sinks) {
    auto sink = MakeSink(spec);
    if (!sink.ok()) return sink.status();
    out->sinks.push_back(std::move(sink).value());
  }
  if (!plan.late_path.empty()) {
    SinkSpec ls;
    ls.type = "jsonl";
    ls.path = plan.late_path;
    auto made = MakeSink(ls);
    if (!made.ok()) return made.status();
    out->late = std::move(made).value();
  }
  out->dead_letters = std::make_unique<DeadLetterWriter>(plan.dead_letter_path);
  return Status::OK();
}

Schema PipelineImpl::LateSchema() const {
  const Plan& plan = *plan_;
  if (!plan.keyed()) return Schema();
  const KeyedStagePlan& first = plan.stages.front();
  std::vector<Field> visible(first.input.fields().begin(),
                             first.input.fields().begin() + first.visible);
  return Schema(visible);
}

// Opens every output: afresh (`resume` null) or after the checkpoint `resume`.
Status PipelineImpl::OpenOutputs(Outputs* out, const CheckpointRecord* resume, bool checkpoints) {
  const Plan& plan = *plan_;
  for (size_t i = 0; i < out->sinks.size(); ++i) {
    Sink* sink = out->sinks[i].get();
    Status s;
    if (!checkpoints) {
      s = sink->Open(plan.output_schema);
    } else if (resume == nullptr) {
      s = sink->Resume(plan.output_schema, "");
    } else if (i < resume->sinks.size()) {
      s = sink->Resume(plan.output_schema, resume->sinks[i]);
    } else {
      s = Status::Corruption("the checkpoint records fewer sinks than the pipeline has");
    }
    SLUICE_RETURN_IF_ERROR(s);
  }
  if (out->late) {
    if (!checkpoints) {
      SLUICE_RETURN_IF_ERROR(out->late->Open(LateSchema()));
    } else {
      SLUICE_RETURN_IF_ERROR(out->late->Resume(LateSchema(), resume ? resume->late : ""));
    }
  }
  if (resume) SLUICE_RETURN_IF_ERROR(out->dead_letters->Resume(resume->dead_letters));
  return Status::OK();
}

// Leaves every output as a failed run must: rolled back, or, with checkpoints, as the last
// checkpoint committed it (for the next run to resume).
void PipelineImpl::AbandonOutputs(Outputs* out, bool checkpoints) {
  auto abandon = [checkpoints](Sink* sink) { checkpoints ? sink->Detach() : sink->Abort(); };
  for (auto& sink : out->sinks) abandon(sink.get());
  if (out->late) abandon(out->late.get());
}

Status PipelineImpl::CloseOutputs(Outputs* out) {
  Status s = out->dead_letters->Close();
  for (auto& sink : out->sinks) {
    if (s.ok()) s = sink->Close();
  }
  if (s.ok() && out->late) s = out->late->Close();
  return s;
}

void PipelineImpl::PublishStats(const Outputs& out, uint64_t late, uint64_t events) {
  records_out_.store(out.sinks.empty() ? 0 : out.sinks[0]->rows());
  late_.store(late);
  dead_letters_.store(out.dead_letters->count());
  events_in_.store(events);
}

Status PipelineImpl::RunOnce() {
  const Plan& plan = *plan_;
  auto source = MakeSource(plan.spec.source, plan.source_options);
  if (!source.ok()) return source.status();
  const bool checkpoints = plan.checkpoints;
  const std::string name =
      options_.checkpoint_name.empty() ? plan.spec.name : options_.checkpoint_name;
  const uint32_t lanes = plan.keyed() ? plan.parallelism : 0;
  Checkpointer cp(plan, name,
                  DescribeDefinition(plan.spec, lanes) +
                      fmt::format("dead letters: {}\n", plan.dead_letter_path));
  const CheckpointRecord* resume = nullptr;
  if (checkpoints) {
    SLUICE_RETURN_IF_ERROR(cp.Begin(options_.from_scratch));
    if (cp.start() != Checkpointer::Start::kFresh) {
      resume = &cp.resumed();
      std::lock_guard<std::mutex> l(mu_);
      resumed_from_ = resume->id;
      resumed_position_ = resume->position_text;
      events_before_ = resume->events_in;
    }
  }

  if (cp.start() == Checkpointer::Start::kComplete) {
    records_out_.store(resume->records_out);
    late_.store(resume->late_events);
    dead_letters_.store(resume->dead_letter_count);
    events_in_.store(resume->events_in);
    last_checkpoint_.store(resume->id);
    already_complete_.store(true);
    return Status::OK();
  }

  Outputs outputs;
  SLUICE_RETURN_IF_ERROR(MakeOutputs(&outputs));
  Status s = OpenOutputs(&outputs, resume, checkpoints);
  if (!s.ok()) {
    AbandonOutputs(&outputs, checkpoints);
    return resume ? WithStartOverHint(s) : s;
  }
  std::vector<Sink*> sinks;
  for (auto& sink : outputs.sinks) sinks.push_back(sink.get());
  cp.SetOutputs(sinks, outputs.late.get(), outputs.dead_letters.get());

  if (cp.start() == Checkpointer::Start::kFinalize) {
    // The input was finished and its final checkpoint committed; only the renames were lost.
    CrashPoint("finish-before-close");
    s = CloseOutputs(&outputs);
    if (s.ok()) s = cp.MarkClosed();
    if (!s.ok()) AbandonOutputs(&outputs, checkpoints);
    PublishStats(outputs, resume->late_events, resume->events_in);
    finalized_only_.store(true);
    last_checkpoint_.store(resume->id);
    return s;
  }

  SourceDriver driver(std::move(source).value(), plan.source_options.schema,
                      plan.max_out_of_orderness);
  s = driver.Open();
  if (s.ok() && checkpoints) {
    if (!driver.source().can_resume()) {
      s = Status::InvalidArgument(
          fmt::format("source '{}' cannot resume from a checkpoint; leave state_dir out",
                      plan.spec.source.path));
    } else {
      driver.EnableCheckpoints(std::chrono::microseconds(plan.checkpoint_interval));
      if (resume) s = driver.Restore(resume->driver);
    }
  }

  // Keyed operator instances, one per stage and lane, created (and restored) before the graph
  // runs. A checkpoint lists their snapshots stage by stage.
  const size_t n_stages = plan.stages.size();
  std::vector<std::vector<std::unique_ptr<KeyedOperator>>> ops(n_stages);
  if (s.ok() && resume && resume->operators.size() != n_stages * lanes) {
    s = Status::Corruption(fmt::format("the checkpoint records {} operator snapshots, but the "
                                       "pipeline has {} ({} keyed stages of {} lanes)",
                                       resume->operators.size(), n_stages * lanes, n_stages,
                                       lanes));
  }
  for (size_t k = 0; s.ok() && k < n_stages; ++k) {
    const KeyedStagePlan& stage = plan.stages[k];
    for (uint32_t i = 0; s.ok() && i < lanes; ++i) {
      auto op = MakeKeyedOperator(stage.def, stage.input);
      if (!op.ok()) {
        s = op.status();
        break;
      }
      ops[k].push_back(std::move(op).value());
      if (resume) {
        s = ops[k].back()->Restore(resume->operators[k * lanes + i]);
        if (!s.ok()) {
          s = s.WithPrefix(n_stages == 1 ? fmt::format("lane {}", i)
                                         : fmt::format("keyed stage {}, lane {}", k + 1, i));
        }
      }
    }
  }
  if (!s.ok()) {
    AbandonOutputs(&outputs, checkpoints);
    return resume ? WithStartOverHint(s) : s;
  }

  OutputStage output(plan.keyed() ? plan.parallelism : 1, sinks, outputs.late.get(),
                     plan.keyed() ? plan.stages.front().visible : 0, outputs.dead_letters.get());
  if (resume) output.set_late(resume->late_events);
  auto take = [&](const Checkpointer::Cut& cut) {
    Status t = cp.Take(cut);
    checkpoints_.store(cp.taken());
    last_checkpoint_.store(cp.last_id());
    return t;
  };
  if (checkpoints) {
    output.OnBarrier([&](const BarrierParts& b) -> Status {
      // A lane skips its work once the pipeline has failed or been stopped, so a barrier is
      // only complete while it has not; an incomplete one is simply not taken.
      if (failed()) return Status::OK();
      Checkpointer::Cut cut;
      if (plan.keyed()) {
        for (const auto& snap : b.earlier) {
          if (!snap) return Status::Internal("a checkpoint barrier lacks a lane's snapshot");
          cut.operators.push_back(*snap);
        }
        if (cut.operators.size() != (n_stages - 1) * lanes) {
          return Status::Internal("a checkpoint barrier lacks an earlier stage's snapshots");
        }
        for (const auto& snap : b.operators) {
          if (!snap) return Status::Internal("a checkpoint barrier lacks a lane's snapshot");
          cut.operators.push_back(*snap);
        }
      }
      cut.driver = b.driver_state;
      cut.position_text = driver.DescribeState(b.driver_state);
      cut.watermark = b.watermark;
      cut.finished = b.last;
      cut.events_in = driver.EventsOf(b.driver_state);
      cut.late_events = output.late();
      return take(cut);
    });
  }

  if (checkpoints && !resume) {
    // The first checkpoint (id 1), before any input is read: a process that dies before the
    // first periodic checkpoint then resumes this run (with its sinks' identities, such as the
    // log sink's event ids) instead of starting another one.
    Checkpointer::Cut cut;
    s = driver.SaveState(&cut.driver);
    cut.position_text = "start of input";
    for (auto& stage : ops) {
      for (auto& op : stage) op->Snapshot(&cut.operators.emplace_back());
    }
    if (s.ok()) s = take(cut);
    if (!s.ok()) {
      AbandonOutputs(&outputs, checkpoints);
      return s;
    }
  }
  s = RunGraph(&driver, &output, &ops);
  if (s.ok() && checkpoints) CrashPoint("finish-before-close");
  if (s.ok()) s = CloseOutputs(&outputs);
  if (s.ok() && checkpoints) s = cp.MarkClosed();
  if (!s.ok()) AbandonOutputs(&outputs, checkpoints);
  PublishStats(outputs, output.late(), driver.events());
  return s;
}

Status PipelineImpl::RunGraph(SourceDriver* driver, OutputStage* output,
                              std::vector<std::vector<std::unique_ptr<KeyedOperator>>>* ops_ptr) {
  const Plan& plan = *plan_;
  const uint32_t lanes = plan.parallelism;
  const size_t n_stages = plan.stages.size();
  auto& ops = *ops_ptr;

  // Runs one node's work; an error or exception becomes the pipeline's sticky error, naming the
  // stage (and, for a lane, the keys it holds). Unwinding has freed what the failed step held,
  // so the message can usually be formatted after a bad_alloc; when even that fails, the
  // exception leaves the node and the graph's wait below reports it.
  auto guard = [this](std::string_view stage, const KeyedOperator* op, auto&& fn) {
    try {
      Status s = fn();
      if (!s.ok()) Fail(s);
    } catch (const std::bad_alloc&) {
      Fail(OutOfMemory(stage, op));
    } catch (const std::exception& e) {
      Fail(Status::Internal(fmt::format("unexpected exception in {}: {}", stage, e.what())));
    } catch (...) {
      Fail(Status::Internal(fmt::format("unexpected exception in {}", stage)));
    }
  };

  // lane_names[k][i], gather_names[k]: how messages name the nodes.
  std::vector<std::vector<std::string>> lane_names(n_stages);
  std::vector<std::string> gather_names(n_stages);
  for (size_t k = 0; k < n_stages; ++k) {
    const KeyedStagePlan& stage = plan.stages[k];
    for (uint32_t i = 0; i < lanes; ++i) {
      lane_names[k].push_back(
          n_stages == 1
              ? fmt::format("lane {} of the keyed stage ({})", i, KeyedStageName(stage.def))
              : fmt::format("lane {} of keyed stage {} ({}, {})", i, k + 1,
                            KeyedStageName(stage.def), stage.name));
    }
    gather_names[k] = fmt::format("the exchange after keyed stage {} ({})", k + 1, stage.name);
  }

  // An empty message into stage k's lanes for `seq` (after a failure, so the graph drains).
  auto empty_routed = [&](size_t k, const Batch& from) {
    auto routed = std::make_shared<Routed>();
    routed->seq = from.seq;
    routed->whole = std::make_shared<Batch>();
    routed->whole->reset(plan.stages[k].input);
    routed->whole->seq = from.seq;
    routed->rows.resize(lanes);
    return routed;
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
      guard("the source", nullptr, [&] { return driver->Next(batch.get(), &done); });
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
            if (plan.keyed()) m.routed = empty_routed(0, *batch);
            return m;
          }
          guard("the stateless stage (filters, maps, key routing)", nullptr, [&] {
            for (const auto& t : plan.pre) SLUICE_RETURN_IF_ERROR(t->Apply(batch.get()));
            return Status::OK();
          });
          if (failed()) batch->reset(plan.pre_schema);
          if (!plan.keyed()) {
            m.result = batch;
            return m;
          }
          auto routed = std::make_shared<Routed>();
          routed->dead = std::move(batch->dead_letters);
          Route(plan.stages[0], lanes, batch, routed.get());
          m.routed = std::move(routed);
          return m;
        });

    using Merger = flow::multifunction_node<Msg, std::tuple<flow::continue_msg>>;
    Merger merger(g, flow::serial, [&](const Msg& m, Merger::output_ports_type& ports) {
      size_t completed = 0;
      guard("the output stage (sinks and checkpoints)", nullptr, [&]() -> Status {
        std::vector<DeadLetter>* dead = nullptr;
        const Batch* source_batch = nullptr;
        EarlierStages* earlier = nullptr;
        if (m.routed && m.lane == 0) {
          dead = &m.routed->dead;
          source_batch = m.routed->whole.get();
          earlier = &m.routed->earlier;
        }
        if (!m.routed && m.result) {
          dead = &m.result->dead_letters;
          source_batch = m.result.get();
        }
        const Batch* barrier = source_batch && source_batch->checkpoint ? source_batch : nullptr;
        auto r = output->Add(m.seq, m.lane, m.result, dead, m.snapshot, barrier, earlier);
        if (!r.ok()) return r.status();
        completed = *r;
        return Status::OK();
      });
      for (size_t i = 0; i < completed; ++i) std::get<0>(ports).try_put(flow::continue_msg());
    });

    // Per keyed stage: a sequencer and a serial operator node per lane; between stages, an
    // exchange that gathers the lanes' results of a seq and routes them to the next stage.
    using Gather = flow::multifunction_node<Msg, std::tuple<Msg>>;
    std::vector<std::unique_ptr<flow::sequencer_node<Msg>>> sequencers;
    std::vector<std::unique_ptr<flow::function_node<Msg, Msg>>> lane_nodes;
    std::vector<std::unique_ptr<LaneGather>> gathers;
    std::vector<std::unique_ptr<Gather>> gather_nodes;
    flow::make_edge(source, limiter);
    flow::make_edge(limiter, stateless);
    for (size_t k = 0; k < n_stages; ++k) {
      const bool last_stage = k + 1 == n_stages;
      std::vector<flow::function_node<Msg, Msg>*> stage_lanes;
      for (uint32_t i = 0; i < lanes; ++i) {
        KeyedOperator* op = ops[k][i].get();
        lane_nodes.push_back(std::make_unique<flow::function_node<Msg, Msg>>(
            g, flow::serial, [&, k, i, op](const Msg& in) -> Msg {
              Msg out;
              out.seq = in.seq;
              out.lane = i;
              out.routed = in.routed;
              auto result = std::make_shared<Batch>();
              result->reset(op->output_schema());
              if (!failed()) {
                guard(lane_names[k][i], op, [&] {
                  const Routed& routed = *in.routed;
                  if (lanes == 1) {
                    SLUICE_RETURN_IF_ERROR(op->Process(*routed.whole, result.get()));
                  } else {
                    SLUICE_RETURN_IF_ERROR(op->ProcessRows(*routed.whole, routed.rows[i].data(),
                                                           routed.rows[i].size(), result.get()));
                  }
                  if (k > 0 && result->late && result->late->size() > 0) {
                    // Earlier stages stamp their results before their own event time.
                    return Status::Internal(fmt::format("{} found late rows", lane_names[k][i]));
                  }
                  for (const auto& t : plan.stages[k].post) {
                    SLUICE_RETURN_IF_ERROR(t->Apply(result.get()));
                  }
                  if (routed.whole->checkpoint) {
                    auto snap = std::make_shared<std::string>();
                    op->Snapshot(snap.get());
                    out.snapshot = std::move(snap);
                  }
                  return Status::OK();
                });
              }
              out.result = std::move(result);
              return out;
            }));
        sequencers.push_back(std::make_unique<flow::sequencer_node<Msg>>(
            g, [](const Msg& m) -> size_t { return m.seq; }));
        if (k == 0) {
          flow::make_edge(stateless, *sequencers.back());
        } else {
          flow::make_edge(flow::output_port<0>(*gather_nodes.back()), *sequencers.back());
        }
        flow::make_edge(*sequencers.back(), *lane_nodes.back());
        stage_lanes.push_back(lane_nodes.back().get());
      }
      if (last_stage) {
        for (auto* lane : stage_lanes) flow::make_edge(*lane, merger);
        break;
      }
      gathers.push_back(std::make_unique<LaneGather>(lanes));
      LaneGather* gather = gathers.back().get();
      gather_nodes.push_back(std::make_unique<Gather>(
          g, flow::unlimited, [&, k, gather](const Msg& m, Gather::output_ports_type& ports) {
            std::vector<Msg> parts = gather->Add(m);
            if (parts.empty()) return;
            Routed& from = *parts[0].routed;
            const Batch& from_batch = *from.whole;
            RoutedPtr next;
            if (!failed()) {
              guard(gather_names[k], nullptr, [&]() -> Status {
                std::vector<const Batch*> results;
                for (const Msg& p : parts) results.push_back(p.result.get());
                auto batch = std::make_shared<Batch>();
                GatherStageResults(plan.stages[k].output, results, from_batch, batch.get());
                auto routed = std::make_shared<Routed>();
                routed->dead = std::move(from.dead);
                routed->earlier = std::move(from.earlier);
                if (from_batch.checkpoint) {
                  for (const Msg& p : parts) routed->earlier.snapshots.push_back(p.snapshot);
                }
                if (k == 0) {
                  for (const Msg& p : parts) {
                    if (p.result->late) routed->earlier.late.push_back(std::move(p.result->late));
                  }
                }
                Route(plan.stages[k + 1], lanes, std::move(batch), routed.get());
                next = std::move(routed);
                return Status::OK();
              });
            }
            if (!next) {
              next = empty_routed(k + 1, from_batch);
              next->dead = std::move(from.dead);
            }
            Msg out;
            out.seq = m.seq;
            out.routed = std::move(next);
            std::get<0>(ports).try_put(out);
          }));
      for (auto* lane : stage_lanes) flow::make_edge(*lane, *gather_nodes.back());
    }
    if (!plan.keyed()) flow::make_edge(stateless, merger);
    flow::make_edge(flow::output_port<0>(merger), limiter.decrementer());

    source.activate();
    try {
      g.wait_for_all();
    } catch (const std::bad_alloc&) {
      // An allocation outside a guarded step (a message, a node's buffer) failed; the graph
      // was cancelled.
      Fail(OutOfMemory("the flow graph", nullptr));
    } catch (const std::exception& e) {
      Fail(Status::Internal(fmt::format("unexpected exception in the flow graph: {}", e.what())));
    }
  });

  std::lock_guard<std::mutex> l(mu_);
  if (!error_.ok()) return error_;
  if (stopped_by_user_) return Status::Aborted("stopped");
  return Status::OK();
}

}  // namespace sluice
