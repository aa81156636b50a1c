#include "runtime/pipeline_impl.h"

#include <fmt/format.h>

#include <array>
#include <exception>
#include <iterator>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <string_view>

#include "base/time_util.h"
#include "runtime/checkpointer.h"
#include "runtime/crash_point.h"
#include "runtime/definition.h"
#include "runtime/flow_graph.h"
#include "runtime/sink_writer.h"
#include "runtime/input_driver.h"

namespace sluice {

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A checkpoint whose state no longer fits the input or the outputs: say how to start over.
Status WithStartOverHint(const Status& s) {
  constexpr std::string_view kHint =
      "; run with --from-scratch to discard the checkpoint and start over";
  if (s.message().find("--from-scratch") != std::string::npos) return s;
  if (s.IsCorruption()) return Status::Corruption(s.message() + std::string(kHint));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(s.message() + std::string(kHint));
  return s;
}

// Refuses a checkpoint whose keyed stages are not the plan's: another number of stages, of
// lanes (the parallelism), or a stage of another name (records before format version 3 hold no
// names). The definitions were found equal already, so this is a second line of defence.
Status CheckResumedStages(const Plan& plan, uint32_t lanes, const CheckpointRecord& resume) {
  const size_t n_stages = plan.stages.size();
  if (resume.stages.size() != n_stages) {
    return Status::Corruption(
        fmt::format("the checkpoint holds the state of {} keyed stages, but the pipeline has {}",
                    resume.stages.size(), n_stages));
  }
  for (size_t k = 0; k < n_stages; ++k) {
    const StageState& stored = resume.stages[k];
    const std::string& planned = plan.stages[k].name;
    if (!stored.name.empty() && stored.name != planned) {
      return Status::InvalidArgument(fmt::format(
          "keyed stage {} of the checkpoint is '{}', but the pipeline's is '{}'; run with "
          "--from-scratch to discard the checkpoint and start over",
          k + 1, stored.name, planned));
    }
    if (stored.lanes.size() != lanes) {
      return Status::Corruption(fmt::format(
          "the checkpoint records {} lane snapshots for keyed stage '{}', but the pipeline has "
          "{} lanes: a checkpoint resumes only at the parallelism it was taken with",
          stored.lanes.size(), planned, lanes));
    }
  }
  return Status::OK();
}

}  // namespace

Status Pipeline::Build(const PipelineOptions& options, const PipelineSpec& spec,
                       std::unique_ptr<Pipeline>* pipeline) {
  std::unique_ptr<Plan> plan;
  SLUICE_RETURN_IF_ERROR(BuildPlan(spec, options, &plan));
  *pipeline = std::make_unique<PipelineImpl>(std::move(plan), options);
  return Status::OK();
}

PipelineImpl::PipelineImpl(std::unique_ptr<Plan> plan, const PipelineOptions& options)
    : plan_(std::move(plan)), options_(options) {
  counters_.all.push_back(std::make_unique<StageCounter>("source"));
  counters_.all.push_back(std::make_unique<StageCounter>("stateless"));
  for (const KeyedStagePlan& stage : plan_->stages) {
    counters_.all.push_back(std::make_unique<StageCounter>(stage.name));
    for (uint32_t i = 0; i < plan_->parallelism; ++i) {
      counters_.all.back()->lanes.push_back(std::make_unique<StageCounter>(stage.name));
    }
  }
  counters_.all.push_back(std::make_unique<StageCounter>("sinks"));
  counters_.latency = std::make_unique<ResultLatency>(plan_->max_in_flight);
  for (const SinkSpec& sink : plan_->sinks) {
    std::string name = sink.type;
    if (!sink.name.empty()) {
      name += " " + sink.name;
    } else if (!sink.path.empty()) {
      name += " " + sink.path;
    }
    sink_names_.push_back(std::move(name));
  }
  sink_rows_ = std::make_unique<std::atomic<uint64_t>[]>(sink_names_.size());
}

void PipelineImpl::Fail(const Status& s) {
  std::lock_guard<std::mutex> l(mu_);
  if (error_.ok()) error_ = s;
  stop_.store(true);
}

Status PipelineImpl::RunStatus() const {
  std::lock_guard<std::mutex> l(mu_);
  if (!error_.ok()) return error_;
  if (stopped_by_user_) return Status::Aborted("stopped");
  return Status::OK();
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
  s.input_done = input_done_.load(std::memory_order_relaxed);
  s.input_total = input_total_.load(std::memory_order_relaxed);
  s.has_log_behind = has_log_behind_.load(std::memory_order_relaxed);
  s.log_behind = log_behind_.load(std::memory_order_relaxed);
  s.stages = counters_.Read();
  for (size_t i = 0; i < sink_names_.size(); ++i) {
    s.sinks.push_back({sink_names_[i], sink_rows_[i].load(std::memory_order_relaxed)});
  }
  s.newest_event_time = counters_.all[0]->newest_event_time.load(std::memory_order_relaxed);
  s.latency = counters_.latency->Read();
  s.checkpoints = checkpoints_.load();
  s.last_checkpoint = last_checkpoint_.load();
  s.finalized_only = finalized_only_.load();
  s.already_complete = already_complete_.load();
  {
    std::lock_guard<std::mutex> l(mu_);
    s.resumed_from = resumed_from_;
    s.resumed_position = resumed_position_;
    s.events_before = events_before_;
    s.recent_checkpoints.assign(recent_checkpoints_.begin(), recent_checkpoints_.end());
    s.checkpoint_buckets = checkpoint_buckets_;
    s.checkpoint_seconds_sum = checkpoint_seconds_sum_;
  }
  s.checkpoint_buckets.resize(std::size(PipelineStats::kCheckpointBuckets));
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
    std::vector<Schema> schemas;
    std::vector<std::string> stages;
    for (const LateInput& in : plan.late_inputs) {
      schemas.push_back(in.schema);
      stages.push_back(in.stage);
    }
    out->late = std::make_unique<LateSink>(plan.late_path, std::move(schemas), std::move(stages));
  }
  out->dead_letters = std::make_unique<DeadLetterWriter>(plan.dead_letter_path);
  return Status::OK();
}

// Opens every output: afresh (`resume` null) or after the checkpoint `resume`.
Status PipelineImpl::OpenOutputs(Outputs* out, const CheckpointRecord* resume, bool checkpoints) {
  const Plan& plan = *plan_;
  for (size_t i = 0; i < out->sinks.size(); ++i) {
    Sink* sink = out->sinks[i].get();
    Status s;
    if (!checkpoints) {
      s = sink->Open(plan.streams[plan.sink_streams[i]].schema);
    } else if (resume == nullptr) {
      s = sink->Resume(plan.streams[plan.sink_streams[i]].schema, "");
    } else if (i < resume->sinks.size()) {
      s = sink->Resume(plan.streams[plan.sink_streams[i]].schema, resume->sinks[i]);
    } else {
      s = Status::Corruption("the checkpoint records fewer sinks than the pipeline has");
    }
    SLUICE_RETURN_IF_ERROR(s);
  }
  if (out->late) {
    if (!checkpoints) {
      SLUICE_RETURN_IF_ERROR(out->late->Open(Schema()));
    } else {
      SLUICE_RETURN_IF_ERROR(out->late->Resume(Schema(), resume ? resume->late : ""));
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

void PipelineImpl::RecordCheckpoint(const CheckpointStats& c) {
  std::lock_guard<std::mutex> l(mu_);
  recent_checkpoints_.push_back(c);
  if (recent_checkpoints_.size() > PipelineStats::kRecentCheckpoints) {
    recent_checkpoints_.pop_front();
  }
  checkpoint_buckets_.resize(std::size(PipelineStats::kCheckpointBuckets));
  for (size_t i = 0; i < checkpoint_buckets_.size(); ++i) {
    if (c.duration_s <= PipelineStats::kCheckpointBuckets[i]) ++checkpoint_buckets_[i];
  }
  checkpoint_seconds_sum_ += c.duration_s;
}

void PipelineImpl::PublishStats(const Outputs& out, uint64_t late, uint64_t events) {
  records_out_.store(out.sinks.empty() ? 0 : out.sinks[0]->rows());
  late_.store(late);
  dead_letters_.store(out.dead_letters->count());
  events_in_.store(events);
}

Status PipelineImpl::RunOnce() {
  const Plan& plan = *plan_;
  std::vector<InputDriver::Input> inputs;
  const auto pace = std::make_shared<PaceClock>();
  for (const SourcePlan& sp : plan.sources) {
    SourceOptions options = sp.options;
    options.pace = pace;
    auto source = MakeSource(sp.spec, options);
    if (!source.ok()) return source.status();
    inputs.push_back({std::move(source).value(), sp.options.schema, sp.max_out_of_orderness,
                      sp.spec.name.empty() ? sp.options.name : sp.spec.name,
                      std::chrono::microseconds(sp.idle_timeout)});
  }
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

  InputDriver driver(std::move(inputs), plan.sources[0].options.batch_size, plan.positions);
  driver.TrackSubsets(plan.watermark_subsets);
  s = driver.Open();
  if (s.ok() && checkpoints) {
    if (!driver.can_resume()) {
      s = Status::InvalidArgument(fmt::format(
          "source '{}' cannot resume from a checkpoint; leave state_dir out",
          plan.sources.size() == 1 ? plan.spec.source.path : driver.first_unresumable()));
    } else {
      driver.EnableCheckpoints(std::chrono::microseconds(plan.checkpoint_interval));
      if (resume) s = driver.Restore(resume->driver);
    }
  }

  // Keyed operator instances, one per stage and lane, created (and restored) before the graph
  // runs. A checkpoint holds their snapshots stage by stage.
  const size_t n_stages = plan.stages.size();
  std::vector<std::vector<std::unique_ptr<KeyedOperator>>> ops(n_stages);
  if (s.ok() && resume) s = CheckResumedStages(plan, lanes, *resume);
  for (size_t k = 0; s.ok() && k < n_stages; ++k) {
    const KeyedStagePlan& stage = plan.stages[k];
    for (uint32_t i = 0; s.ok() && i < lanes; ++i) {
      auto op = stage.join ? MakeJoinOperator(stage.join_def, stage.input, stage.right)
                           : MakeKeyedOperator(stage.def, stage.input);
      if (!op.ok()) {
        s = op.status();
        break;
      }
      ops[k].push_back(std::move(op).value());
      if (resume) {
        s = ops[k].back()->Restore(resume->stages[k].lanes[i]);
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

  std::vector<int> sink_streams;
  std::array<int, 2> part_late = {-1, -1};
  if (plan.direct_output) {
    part_late = {plan.stages.back().late[0], plan.stages.back().late[1]};
  } else {
    sink_streams = plan.sink_streams;
  }
  SinkWriter output(sinks, std::move(sink_streams), outputs.late.get(), part_late,
                    outputs.dead_letters.get());
  if (resume) output.set_late(resume->late_events);
  output.PublishTo({&records_out_, &late_, &dead_letters_, sink_rows_.get()});
  if (options_.latency != nullptr) output.RecordLatency(options_.latency);
  output.TrackResultLatency(counters_.latency.get());
  auto take = [&](const Checkpointer::Cut& cut) {
    const auto start = std::chrono::steady_clock::now();
    Status t = cp.Take(cut);
    checkpoints_.store(cp.taken());
    last_checkpoint_.store(cp.last_id());
    if (t.ok()) {
      CheckpointStats c;
      c.id = cp.last_id();
      c.taken_at_us = WallNowUs();
      c.duration_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      c.state_bytes = cut.driver.size();
      for (const StageState& stage : cut.stages) {
        for (const std::string& lane : stage.lanes) c.state_bytes += lane.size();
      }
      RecordCheckpoint(c);
    }
    return t;
  };
  if (checkpoints) {
    output.OnBarrier([&](const BarrierParts& b) -> Status {
      // A lane skips its work once the pipeline has failed or been stopped, so a barrier is
      // only complete while it has not; an incomplete one is simply not taken.
      if (failed()) return Status::OK();
      Checkpointer::Cut cut;
      if (plan.keyed()) {
        // Stage-major: the earlier stages' lanes, then (feeding the sinks directly) the last's.
        std::vector<std::string> flat;
        for (const auto& snap : b.earlier) {
          if (!snap) return Status::Internal("a checkpoint barrier lacks a lane's snapshot");
          flat.push_back(*snap);
        }
        const size_t gathered = plan.direct_output ? n_stages - 1 : n_stages;
        if (flat.size() != gathered * lanes) {
          return Status::Internal("a checkpoint barrier lacks an earlier stage's snapshots");
        }
        for (const auto& snap : b.operators) {
          if (!plan.direct_output) break;
          if (!snap) return Status::Internal("a checkpoint barrier lacks a lane's snapshot");
          flat.push_back(*snap);
        }
        if (flat.size() != n_stages * lanes) {
          return Status::Internal("a checkpoint barrier lacks the last stage's snapshots");
        }
        for (size_t k = 0; k < n_stages; ++k) {
          StageState& stage = cut.stages.emplace_back();
          stage.name = plan.stages[k].name;
          stage.lanes.assign(std::make_move_iterator(flat.begin() + k * lanes),
                             std::make_move_iterator(flat.begin() + (k + 1) * lanes));
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
    for (size_t k = 0; k < n_stages; ++k) {
      StageState& stage = cut.stages.emplace_back();
      stage.name = plan.stages[k].name;
      for (auto& op : ops[k]) op->Snapshot(&stage.lanes.emplace_back());
    }
    if (s.ok()) s = take(cut);
    if (!s.ok()) {
      AbandonOutputs(&outputs, checkpoints);
      return s;
    }
  }
  RunFlowGraph(plan, &driver, &ops, &output, this, &counters_);
  s = RunStatus();
  if (s.ok() && checkpoints) CrashPoint("finish-before-close");
  if (s.ok()) s = CloseOutputs(&outputs);
  if (s.ok() && checkpoints) s = cp.MarkClosed();
  if (!s.ok()) AbandonOutputs(&outputs, checkpoints);
  PublishStats(outputs, output.late(), driver.events());
  return s;
}

}  // namespace sluice
