#include "runtime/graph_steps.h"

#include <fmt/format.h>

#include "base/key.h"
#include "runtime/lane_router.h"
#include "runtime/stage_gather.h"

namespace sluice {
namespace {

// Encodes `batch`'s keys for `stage` and assigns its rows to the stage's lanes.
void Route(const KeyedStagePlan& stage, uint32_t lanes, BatchPtr batch, Routed* out) {
  out->seq = batch->seq;
  EncodeKeys(stage.def.key_columns, batch.get());
  out->rows.resize(lanes);
  if (lanes > 1) RowsByLane(*batch, lanes, &out->rows);
  out->whole = std::move(batch);
}

// An empty message into stage k's lanes for source batch `seq` (after a failure).
RoutedPtr EmptyRouted(const Plan& plan, size_t k, uint64_t seq) {
  auto routed = std::make_shared<Routed>();
  routed->seq = seq;
  routed->whole = std::make_shared<Batch>();
  routed->whole->reset(plan.stages[k].input);
  routed->whole->seq = seq;
  routed->rows.resize(plan.parallelism);
  return routed;
}

}  // namespace

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

BatchPtr SourceStep::Next() {
  if (run_->failed()) return nullptr;
  auto batch = std::make_shared<Batch>();
  bool done = false;
  run_->Guard("the source", nullptr, [&] { return driver_->Next(batch.get(), &done); });
  run_->SetEventsIn(driver_->events());
  if (done || run_->failed()) return nullptr;
  counter_->Add(counter_->rows_in, batch->size() + batch->dead_letters.size());
  counter_->Add(counter_->rows_out, batch->size());
  counter_->Add(counter_->dead_letters, batch->dead_letters.size());
  return batch;
}

Msg StatelessStep::Run(const BatchPtr& batch) const {
  Msg m;
  m.seq = batch->seq;
  if (run_->failed()) {
    m.result = std::make_shared<Batch>();
    if (plan_.keyed()) m.routed = EmptyRouted(plan_, 0, batch->seq);
    return m;
  }
  const size_t in = batch->size();
  run_->Guard("the stateless stage (filters, maps, key routing)", nullptr, [&] {
    for (const auto& t : plan_.pre) SLUICE_RETURN_IF_ERROR(t->Apply(batch.get()));
    return Status::OK();
  });
  if (run_->failed()) batch->reset(plan_.pre_schema);
  counter_->Add(counter_->rows_in, in);
  counter_->Add(counter_->rows_out, batch->size());
  counter_->Add(counter_->filtered, in - batch->size());
  if (!plan_.keyed()) {
    m.result = batch;
    return m;
  }
  auto routed = std::make_shared<Routed>();
  routed->dead = std::move(batch->dead_letters);
  Route(plan_.stages[0], plan_.parallelism, batch, routed.get());
  m.routed = std::move(routed);
  return m;
}

LaneStep::LaneStep(const Plan& plan, size_t stage, uint32_t lane, KeyedOperator* op,
                   RunGuard* run, StageCounter* counter)
    : plan_(plan), stage_(stage), lane_(lane), op_(op), run_(run), counter_(counter) {
  const KeyedStagePlan& s = plan.stages[stage];
  name_ = plan.stages.size() == 1
              ? fmt::format("lane {} of the keyed stage ({})", lane, KeyedStageName(s.def))
              : fmt::format("lane {} of keyed stage {} ({}, {})", lane, stage + 1,
                            KeyedStageName(s.def), s.name);
}

Msg LaneStep::Run(const Msg& in) const {
  Msg out;
  out.seq = in.seq;
  out.lane = lane_;
  out.routed = in.routed;
  auto result = std::make_shared<Batch>();
  result->reset(op_->output_schema());
  if (!run_->failed()) {
    run_->Guard(name_, op_, [&] {
      const Routed& routed = *in.routed;
      if (plan_.parallelism == 1) {
        counter_->Add(counter_->rows_in, routed.whole->size());
        SLUICE_RETURN_IF_ERROR(op_->Process(*routed.whole, result.get()));
      } else {
        const std::vector<uint32_t>& rows = routed.rows[lane_];
        counter_->Add(counter_->rows_in, rows.size());
        SLUICE_RETURN_IF_ERROR(
            op_->ProcessRows(*routed.whole, rows.data(), rows.size(), result.get()));
      }
      if (result->late) counter_->Add(counter_->late, result->late->size());
      const size_t emitted = result->size();
      if (stage_ > 0 && result->late && result->late->size() > 0) {
        // Earlier stages stamp their results before their own event time (stage_gather.h).
        return Status::Internal(fmt::format("{} found late rows", name_));
      }
      for (const auto& t : plan_.stages[stage_].post) {
        SLUICE_RETURN_IF_ERROR(t->Apply(result.get()));
      }
      counter_->Add(counter_->rows_out, result->size());
      counter_->Add(counter_->filtered, emitted - result->size());
      if (routed.whole->checkpoint) {
        auto snap = std::make_shared<std::string>();
        op_->Snapshot(snap.get());
        out.snapshot = std::move(snap);
      }
      return Status::OK();
    });
  }
  out.result = std::move(result);
  return out;
}

ExchangeStep::ExchangeStep(const Plan& plan, size_t stage, RunGuard* run)
    : plan_(plan),
      stage_(stage),
      run_(run),
      name_(fmt::format("the exchange after keyed stage {} ({})", stage + 1,
                        plan.stages[stage].name)) {}

bool ExchangeStep::Run(const Msg& in, Msg* out) {
  std::vector<Msg> parts;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = pending_.try_emplace(in.seq).first;
    Pending& p = it->second;
    if (p.parts.empty()) p.parts.resize(plan_.parallelism);
    p.parts[in.lane] = in;
    if (++p.received < plan_.parallelism) return false;
    parts = std::move(p.parts);
    pending_.erase(it);
  }
  Routed& from = *parts[0].routed;
  const Batch& from_batch = *from.whole;
  RoutedPtr next;
  if (!run_->failed()) {
    run_->Guard(name_, nullptr, [&]() -> Status {
      std::vector<const Batch*> results;
      for (const Msg& p : parts) results.push_back(p.result.get());
      auto batch = std::make_shared<Batch>();
      GatherStageResults(plan_.stages[stage_].output, results, from_batch, batch.get());
      auto routed = std::make_shared<Routed>();
      routed->dead = std::move(from.dead);
      routed->earlier = std::move(from.earlier);
      if (from_batch.checkpoint) {
        for (const Msg& p : parts) routed->earlier.snapshots.push_back(p.snapshot);
      }
      if (stage_ == 0) {
        for (const Msg& p : parts) {
          if (p.result->late) routed->earlier.late.push_back(std::move(p.result->late));
        }
      }
      Route(plan_.stages[stage_ + 1], plan_.parallelism, std::move(batch), routed.get());
      next = std::move(routed);
      return Status::OK();
    });
  }
  if (!next) {
    next = EmptyRouted(plan_, stage_ + 1, in.seq);
    next->dead = std::move(from.dead);
  }
  out->seq = in.seq;
  out->lane = 0;
  out->routed = std::move(next);
  out->result.reset();
  out->snapshot.reset();
  return true;
}

size_t OutputStep::Run(const Msg& m) {
  size_t completed = 0;
  run_->Guard("the output stage (sinks and checkpoints)", nullptr, [&]() -> Status {
    LaneResult r;
    r.seq = m.seq;
    r.lane = m.lane;
    r.result = m.result;
    r.snapshot = m.snapshot;
    const Batch* source_batch = nullptr;
    if (m.routed && m.lane == 0) {
      r.dead = &m.routed->dead;
      r.earlier = &m.routed->earlier;
      source_batch = m.routed->whole.get();
    }
    if (!m.routed && m.result) {
      r.dead = &m.result->dead_letters;
      source_batch = m.result.get();
    }
    if (source_batch && source_batch->checkpoint) r.barrier = source_batch;
    done_.clear();
    reorder_.Add(std::move(r), &done_);
    // Every completed seq frees its slot, also when writing it fails: the graph must drain.
    // Once the run has failed, nothing more reaches the sinks: what follows a failed write (or
    // a failed stage's empty results) must not be written after what was.
    completed = done_.size();
    if (run_->failed()) return Status::OK();
    for (SeqResults& s : done_) {
      SLUICE_RETURN_IF_ERROR(writer_->Write(s));
      for (const BatchPtr& part : s.parts) {
        if (part) counter_->Add(counter_->rows_in, part->size());
      }
    }
    return Status::OK();
  });
  return completed;
}

}  // namespace sluice
