#include "runtime/graph_steps.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/batch_pool.h"
#include "base/key.h"
#include "base/time_util.h"
#include "runtime/lane_router.h"
#include "runtime/stage_gather.h"

namespace sluice {
namespace {

// The batch of `stream` for a reader that changes it: the frame's own when it is the stream's
// only reader, else a copy.
BatchPtr TakeStream(const Plan& plan, Frame* frame, int stream) {
  BatchPtr& b = frame->streams[stream];
  if (plan.streams[stream].readers <= 1) return b;
  auto copy = NewBatch();
  copy->copy_from(*b);
  return copy;
}

// Rows of every input, merged by position (ties by input order), into *out.
void Union(const std::vector<const Batch*>& in, Batch* out) {
  if (in[0]->pos.empty()) {  // no positions: one input at a time
    for (const Batch* b : in) {
      for (size_t r = 0; r < b->size(); ++r) out->append_row(*b, r);
    }
    return;
  }
  std::vector<size_t> at(in.size(), 0);
  for (;;) {
    int best = -1;
    for (size_t i = 0; i < in.size(); ++i) {
      if (at[i] == in[i]->size()) continue;
      if (best < 0 || in[i]->pos[at[i]] < in[best]->pos[at[best]]) best = static_cast<int>(i);
    }
    if (best < 0) return;
    out->append_row(*in[best], at[best]++);
  }
}

// Runs the steps of `level` on *frame.
Status RunSteps(const Plan& plan, size_t level, Frame* frame) {
  for (const StepPlan& step : plan.steps[level]) {
    if (step.is_union) {
      std::vector<const Batch*> in;
      for (int s : step.inputs) in.push_back(frame->streams[s].get());
      auto out = NewBatch();
      out->reset(plan.streams[step.output].schema);
      Union(in, out.get());
      const Batch& head = *frame->streams[0];
      out->seq = head.seq;
      out->watermark = head.watermark;
      out->start_watermark = head.start_watermark;
      out->last = head.last;
      out->source_position = head.source_position;
      out->checkpoint = head.checkpoint;
      frame->streams[step.output] = std::move(out);
      continue;
    }
    BatchPtr b = TakeStream(plan, frame, step.inputs[0]);
    for (const auto& t : step.transforms) SLUICE_RETURN_IF_ERROR(t->Apply(b.get()));
    frame->streams[step.output] = std::move(b);
  }
  return Status::OK();
}

// Encodes `batch`'s keys on `key_columns` and assigns its rows to lanes.
void RouteInput(const std::vector<int>& key_columns, uint32_t lanes, const BatchPtr& batch,
                std::vector<std::vector<uint32_t>>* rows) {
  EncodeKeys(key_columns, batch.get());
  rows->resize(lanes);
  if (lanes > 1) RowsByLane(*batch, lanes, rows);
}

// Stamps `batch` (an input of a stage that reads only some of the sources) with that stage's
// own watermark, looked up by each row's merged position: a row at RowPos(p) (a source row, or a
// result caused by one) gets the watermark over the stage's sources before row p; a result fired
// by the watermark the one before the frame.
Status StampSubsetWatermark(const Frame& frame, uint64_t sources, Batch* batch) {
  const SubsetWatermark* w = frame.subset(sources);
  if (w == nullptr || batch->pos.size() != batch->size()) {
    return Status::Internal("a stage's watermark over its own sources is not tracked");
  }
  for (size_t r = 0; r < batch->size(); ++r) {
    const uint64_t pos = batch->pos[r];
    const uint64_t p = PosRow(pos) - frame.first_pos;
    batch->wm[r] = IsRowPos(pos) && p < w->before.size() ? w->before[p] : w->start;
  }
  batch->start_watermark = w->start;
  batch->watermark = w->end;
  return Status::OK();
}

// Routes stage k's inputs, taken from out->frame.
Status Route(const Plan& plan, size_t k, Routed* out) {
  const KeyedStagePlan& stage = plan.stages[k];
  Frame* frame = out->frame.get();
  const bool own_watermark = stage.upstream != plan.all_sources();
  out->seq = frame->streams[0]->seq;
  out->whole = TakeStream(plan, frame, stage.inputs[0]);
  if (own_watermark) {
    SLUICE_RETURN_IF_ERROR(StampSubsetWatermark(*frame, stage.upstream, out->whole.get()));
  }
  RouteInput(stage.join ? stage.join_def.left_key : stage.def.key_columns, plan.parallelism,
             out->whole, &out->rows);
  if (stage.join) {
    out->right = TakeStream(plan, frame, stage.inputs[1]);
    if (own_watermark) {
      SLUICE_RETURN_IF_ERROR(StampSubsetWatermark(*frame, stage.upstream, out->right.get()));
    }
    RouteInput(stage.join_def.right_key, plan.parallelism, out->right, &out->right_rows);
  }
  return Status::OK();
}

// An empty message into stage k's lanes for source batch `seq` (after a failure).
RoutedPtr EmptyRouted(const Plan& plan, size_t k, uint64_t seq) {
  auto routed = std::make_shared<Routed>();
  routed->seq = seq;
  const KeyedStagePlan& stage = plan.stages[k];
  routed->whole = NewBatch();
  routed->whole->reset(stage.input);
  routed->whole->seq = seq;
  routed->rows.resize(plan.parallelism);
  if (stage.join) {
    routed->right = NewBatch();
    routed->right->reset(stage.right);
    routed->right->seq = seq;
    routed->right_rows.resize(plan.parallelism);
  }
  return routed;
}

// An empty frame for `seq` (after a failure): every stream present, without rows.
FramePtr EmptyFrame(const Plan& plan, uint64_t seq) {
  auto frame = std::make_shared<Frame>();
  for (const StreamPlan& s : plan.streams) {
    auto b = NewBatch();
    b->reset(s.schema);
    b->seq = seq;
    frame->streams.push_back(std::move(b));
  }
  return frame;
}

// The rows of the distinct streams among `streams`.
size_t RowsOf(const std::vector<int>& streams, const Frame& frame) {
  size_t n = 0;
  for (size_t i = 0; i < streams.size(); ++i) {
    if (std::find(streams.begin(), streams.begin() + i, streams[i]) == streams.begin() + i) {
      n += frame.streams[streams[i]]->size();
    }
  }
  return n;
}

// The late rows of `result` (a lane's output of `stage`), tagged with their late input.
void TakeLate(const KeyedStagePlan& stage, Batch* result, std::vector<LateRows>* out) {
  if (result->late && result->late->size() > 0) {
    out->push_back({stage.late[0], std::move(result->late)});
  }
  if (result->late_right && result->late_right->size() > 0) {
    out->push_back({stage.late[1], std::move(result->late_right)});
  }
}

}  // namespace

std::string_view KeyedStageName(const KeyedStagePlan& stage) {
  if (stage.join) {
    if (stage.join_def.kind == OpKind::kIntervalJoin) return "interval join";
    if (stage.join_def.kind == OpKind::kJoin) return "regular join";
    switch (stage.join_def.window) {
      case WindowKind::kTumbling:
        return "tumbling window join";
      case WindowKind::kSliding:
        return "sliding window join";
      case WindowKind::kSession:
        return "session window join";
    }
    return "window join";
  }
  const KeyedStageDef& def = stage.def;
  if (def.kind == OpKind::kAggregate) return def.rows > 0 ? "row window" : "running aggregate";
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

FramePtr SourceStep::Next() {
  if (run_->failed()) return nullptr;
  auto frame = std::make_shared<Frame>();
  bool done = false;
  {
    BusyTimer busy(counter_);
    run_->Guard("the source", nullptr, [&] { return driver_->Next(frame.get(), &done); });
  }
  run_->SetEventsIn(driver_->events());
  uint64_t done_units = 0, total_units = 0;
  if (driver_->Progress(&done_units, &total_units)) run_->SetInputProgress(done_units, total_units);
  uint64_t behind = 0;
  if (driver_->Behind(&behind)) run_->SetLogBehind(behind);
  if (done || run_->failed()) return nullptr;
  if (latency_ != nullptr) {
    latency_->Stamp(frame->streams[0]->seq, WallNowUs());
  }
  size_t rows = 0, dead = 0;
  for (size_t i = 0; i < driver_->sources(); ++i) {
    rows += frame->streams[i]->size();
    dead += frame->streams[i]->dead_letters.size();
  }
  counter_->Add(counter_->rows_in, rows + dead);
  counter_->Add(counter_->rows_out, rows);
  counter_->Add(counter_->dead_letters, dead);
  counter_->Add(counter_->batches_in, 1);
  counter_->Add(counter_->batches_out, 1);
  counter_->RaiseWatermark(frame->streams[0]->watermark);
  const TimeUs newest = driver_->newest_event_time();
  if (newest > counter_->newest_event_time.load(std::memory_order_relaxed)) {
    counter_->newest_event_time.store(newest, std::memory_order_relaxed);
  }
  return frame;
}

Msg StatelessStep::Run(const FramePtr& frame) const {
  Msg m;
  const uint64_t seq = frame->streams[0]->seq;
  m.seq = seq;
  auto routed = std::make_shared<Routed>();
  routed->seq = seq;
  for (size_t i = 0; i < plan_.sources.size(); ++i) {
    std::vector<DeadLetter>& d = frame->streams[i]->dead_letters;
    routed->dead.insert(routed->dead.end(), std::make_move_iterator(d.begin()),
                        std::make_move_iterator(d.end()));
    d.clear();
  }
  if (run_->failed()) {
    routed = plan_.keyed() ? EmptyRouted(plan_, 0, seq) : std::make_shared<Routed>();
    routed->seq = seq;
    routed->frame = EmptyFrame(plan_, seq);
    if (!plan_.keyed()) routed->whole = routed->frame->streams[0];
    m.routed = std::move(routed);
    return m;
  }
  BusyTimer busy(counter_);
  size_t in = 0;
  for (size_t i = 0; i < plan_.sources.size(); ++i) in += frame->streams[i]->size();
  frame->streams.resize(plan_.streams.size());
  routed->frame = frame;
  run_->Guard("the stateless stage (filters, maps, key routing)", nullptr, [&] {
    SLUICE_RETURN_IF_ERROR(RunSteps(plan_, 0, frame.get()));
    if (plan_.keyed()) return Route(plan_, 0, routed.get());
    return Status::OK();
  });
  if (run_->failed()) {
    auto dead = std::move(routed->dead);
    routed = plan_.keyed() ? EmptyRouted(plan_, 0, seq) : std::make_shared<Routed>();
    routed->seq = seq;
    routed->dead = std::move(dead);
    routed->frame = EmptyFrame(plan_, seq);
  }
  size_t out = 0;
  if (plan_.keyed()) {
    out = routed->whole->size() + (routed->right ? routed->right->size() : 0);
  } else {
    out = RowsOf(plan_.sink_streams, *routed->frame);
    routed->whole = routed->frame->streams[0];
  }
  counter_->Add(counter_->rows_in, in);
  counter_->Add(counter_->rows_out, out);
  if (in > out) counter_->Add(counter_->filtered, in - out);
  counter_->Add(counter_->batches_in, 1);
  if (out > 0) counter_->Add(counter_->batches_out, 1);
  m.routed = std::move(routed);
  return m;
}

LaneStep::LaneStep(const Plan& plan, size_t stage, uint32_t lane, KeyedOperator* op, RunGuard* run,
                   StageCounter* counter)
    : plan_(plan), stage_(stage), lane_(lane), op_(op), run_(run), counter_(counter) {
  const KeyedStagePlan& s = plan.stages[stage];
  name_ = plan.stages.size() == 1
              ? fmt::format("lane {} of the keyed stage ({})", lane, KeyedStageName(s))
              : fmt::format("lane {} of keyed stage {} ({}, {})", lane, stage + 1,
                            KeyedStageName(s), s.name);
}

Msg LaneStep::Run(const Msg& in) const {
  Msg out;
  out.seq = in.seq;
  out.lane = lane_;
  out.routed = in.routed;
  BusyTimer busy(counter_);
  auto result = NewBatch();
  result->reset(op_->output_schema());
  counter_->Add(counter_->batches_in, 1);
  if (!run_->failed()) {
    run_->Guard(name_, op_, [&] {
      const Routed& routed = *in.routed;
      const KeyedStagePlan& stage = plan_.stages[stage_];
      const bool all = plan_.parallelism == 1;
      if (stage.join) {
        KeyedOperator::TwoInputs two;
        two.left = routed.whole.get();
        two.right = routed.right.get();
        if (all) {
          two.left_n = two.left->size();
          two.right_n = two.right->size();
        } else {
          // A null row list means every row: a lane without rows passes a list of none.
          static const uint32_t kNoRows[1] = {0};
          const auto& l = routed.rows[lane_];
          const auto& r = routed.right_rows[lane_];
          two.left_rows = l.empty() ? kNoRows : l.data();
          two.left_n = l.size();
          two.right_rows = r.empty() ? kNoRows : r.data();
          two.right_n = r.size();
        }
        counter_->Add(counter_->rows_in, two.left_n + two.right_n);
        SLUICE_RETURN_IF_ERROR(op_->ProcessTwo(two, result.get()));
      } else if (all) {
        counter_->Add(counter_->rows_in, routed.whole->size());
        SLUICE_RETURN_IF_ERROR(op_->Process(*routed.whole, result.get()));
      } else {
        const std::vector<uint32_t>& rows = routed.rows[lane_];
        counter_->Add(counter_->rows_in, rows.size());
        SLUICE_RETURN_IF_ERROR(
            op_->ProcessRows(*routed.whole, rows.data(), rows.size(), result.get()));
      }
      const size_t late = (result->late ? result->late->size() : 0) +
                          (result->late_right ? result->late_right->size() : 0);
      counter_->Add(counter_->late, late);
      const size_t emitted = result->size();
      if (stage.inputs_from_stages && late > 0) {
        // Earlier stages stamp their results before their own event time (stage_gather.h).
        return Status::Internal(fmt::format("{} found late rows", name_));
      }
      for (const auto& t : stage.post) SLUICE_RETURN_IF_ERROR(t->Apply(result.get()));
      // Lanes that feed the sinks directly: the sink writer reads the input's end from these.
      result->last = routed.whole->last;
      result->watermark = routed.whole->watermark;
      counter_->Add(counter_->rows_out, result->size());
      counter_->Add(counter_->filtered, emitted - result->size());
      if (result->size() > 0) counter_->Add(counter_->batches_out, 1);
      counter_->RaiseWatermark(routed.whole->watermark);
      counter_->state_keys.store(op_->keys(), std::memory_order_relaxed);
      if (routed.whole->checkpoint) {
        auto snap = std::make_shared<std::string>();
        op_->Snapshot(snap.get());
        counter_->state_bytes.store(snap->size(), std::memory_order_relaxed);
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
  const KeyedStagePlan& stage = plan_.stages[stage_];
  const bool last = stage_ + 1 == plan_.stages.size();
  RoutedPtr next;
  if (!run_->failed()) {
    run_->Guard(name_, nullptr, [&]() -> Status {
      std::vector<const Batch*> results;
      if (plan_.positions) {
        const SubsetWatermark* w = from.frame->subset(stage.upstream);
        if (w == nullptr) return Status::Internal("a stage's watermark is not tracked");
        std::vector<Batch*> lanes;
        for (const Msg& p : parts) lanes.push_back(p.result.get());
        PlaceFiredResults(*w, from.frame->first_pos, lanes);
      }
      for (const Msg& p : parts) results.push_back(p.result.get());
      auto batch = NewBatch();
      GatherStageResults(stage.output, results, from_batch, stage.changelog(), plan_.positions,
                         batch.get());
      auto routed = std::make_shared<Routed>();
      routed->seq = in.seq;
      routed->dead = std::move(from.dead);
      routed->earlier = std::move(from.earlier);
      routed->frame = from.frame;
      if (from_batch.checkpoint) {
        for (const Msg& p : parts) routed->earlier.snapshots.push_back(p.snapshot);
      }
      for (const Msg& p : parts) TakeLate(stage, p.result.get(), &routed->earlier.late);
      routed->frame->streams[stage.output_stream] = std::move(batch);
      SLUICE_RETURN_IF_ERROR(RunSteps(plan_, stage_ + 1, routed->frame.get()));
      if (last) {
        routed->whole = routed->frame->streams[0];
      } else {
        SLUICE_RETURN_IF_ERROR(Route(plan_, stage_ + 1, routed.get()));
      }
      next = std::move(routed);
      return Status::OK();
    });
  }
  if (!next) {
    if (last) {
      next = std::make_shared<Routed>();
      next->seq = in.seq;
      next->frame = EmptyFrame(plan_, in.seq);
      next->whole = next->frame->streams[0];
    } else {
      next = EmptyRouted(plan_, stage_ + 1, in.seq);
    }
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
  BusyTimer busy(counter_);
  size_t completed = 0;
  run_->Guard("the output stage (sinks and checkpoints)", nullptr, [&]() -> Status {
    LaneResult r;
    r.seq = m.seq;
    r.lane = m.lane;
    r.result = m.result;
    r.snapshot = m.snapshot;
    if (m.routed && m.lane == 0) {
      r.dead = &m.routed->dead;
      r.earlier = &m.routed->earlier;
      if (!m.result) r.frame = m.routed->frame;  // a whole frame, not a lane's result
      const Batch* source_batch = m.routed->whole.get();
      if (source_batch && source_batch->checkpoint) r.barrier = source_batch;
      if (source_batch) watermarks_[m.seq] = source_batch->watermark;
    }
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
      if (s.frame) counter_->Add(counter_->rows_in, RowsOf(writer_->sink_streams(), *s.frame));
      counter_->Add(counter_->batches_in, 1);
      auto wm = watermarks_.find(s.seq);
      if (wm != watermarks_.end()) {
        counter_->RaiseWatermark(wm->second);
        watermarks_.erase(wm);
      }
    }
    return Status::OK();
  });
  return completed;
}

}  // namespace sluice
