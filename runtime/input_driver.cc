#include "runtime/input_driver.h"

#include <fmt/format.h>

#include "base/batch_pool.h"
#include "codecs/state_codec.h"

namespace sluice {

InputDriver::InputDriver(std::vector<Input> inputs, size_t batch_size, bool positions)
    : batch_size_(batch_size), positions_(positions) {
  if (inputs.size() == 1) {
    Input& in = inputs[0];
    single_.push_back(std::make_unique<SourceDriver>(std::move(in.source), std::move(in.schema),
                                                     in.max_out_of_orderness));
    return;
  }
  for (Input& in : inputs) {
    Merged m;
    m.in = std::move(in);
    inputs_.push_back(std::move(m));
  }
}

Status InputDriver::Open() {
  if (!single_.empty()) return single_[0]->Open();
  for (Merged& m : inputs_) {
    SLUICE_RETURN_IF_ERROR(m.in.source->Open());
    if (m.in.source->can_resume()) SLUICE_RETURN_IF_ERROR(m.in.source->SavePosition(&m.buf_pos));
    m.buf.reset(m.in.schema);
    m.last_rows = std::chrono::steady_clock::now();
  }
  return Status::OK();
}

bool InputDriver::can_resume() const { return first_unresumable().empty(); }

std::string InputDriver::first_unresumable() const {
  if (!single_.empty()) return single_[0]->source().can_resume() ? "" : "the source";
  for (const Merged& m : inputs_) {
    if (!m.in.source->can_resume()) return m.in.name;
  }
  return "";
}

void InputDriver::EnableCheckpoints(std::chrono::microseconds interval) {
  if (!single_.empty()) {
    single_[0]->EnableCheckpoints(interval);
    return;
  }
  checkpoints_ = true;
  interval_ = interval;
  last_barrier_ = std::chrono::steady_clock::now();
}

uint64_t InputDriver::events() const {
  return single_.empty() ? events_.load(std::memory_order_relaxed) : single_[0]->events();
}

TimeUs InputDriver::newest_event_time() const {
  if (!single_.empty()) return single_[0]->newest_event_time();
  TimeUs t = kMinTime;
  for (const Merged& m : inputs_) t = std::max(t, m.max_ts);
  return t;
}

bool InputDriver::Progress(uint64_t* done, uint64_t* total) const {
  *done = *total = 0;
  auto add = [&](const Source& s) {
    uint64_t d = 0, t = 0;
    if (!s.Progress(&d, &t)) return false;
    *done += d;
    *total += t;
    return true;
  };
  if (!single_.empty()) return add(single_[0]->source());
  for (const Merged& m : inputs_) {
    if (!add(*m.in.source)) return false;
  }
  return true;
}

bool InputDriver::Behind(uint64_t* positions) const {
  *positions = 0;
  bool any = false;
  auto add = [&](const Source& s) {
    uint64_t p = 0;
    if (!s.Behind(&p)) return;
    *positions += p;
    any = true;
  };
  if (!single_.empty()) {
    add(single_[0]->source());
  } else {
    for (const Merged& m : inputs_) add(*m.in.source);
  }
  return any;
}

Status InputDriver::Next(Frame* out, bool* done) {
  if (single_.empty()) return NextMerged(out, done);
  const uint64_t before = single_[0]->events();
  auto batch = NewBatch();
  SLUICE_RETURN_IF_ERROR(single_[0]->Next(batch.get(), done));
  if (*done) return Status::OK();
  out->first_pos = before;
  if (positions_) {
    batch->pos.resize(batch->size());
    for (size_t r = 0; r < batch->size(); ++r) batch->pos[r] = RowPos(before + r);
  }
  // One source: every tracked set is that source, whose watermark the rows carry.
  out->subsets.resize(subsets_.size());
  for (size_t k = 0; k < subsets_.size(); ++k) {
    SubsetWatermark& sw = out->subsets[k];
    sw.sources = subsets_[k];
    sw.start = batch->start_watermark;
    sw.end = batch->watermark;
    sw.before = batch->wm;
  }
  out->streams.assign(1, std::move(batch));
  return Status::OK();
}

Status InputDriver::Refill(Merged* m, std::vector<DeadLetter>* dead) {
  if (m->eof || m->next < m->buf.size()) return Status::OK();
  if (m->in.source->can_resume()) {
    m->buf_pos.clear();
    SLUICE_RETURN_IF_ERROR(m->in.source->SavePosition(&m->buf_pos));
  }
  m->buf.reset(m->in.schema);
  m->next = 0;
  SLUICE_RETURN_IF_ERROR(m->in.source->Next(&m->buf, &m->eof));
  if (dead != nullptr) {
    for (DeadLetter& d : m->buf.dead_letters) dead->push_back(std::move(d));
  }
  m->buf.dead_letters.clear();
  const auto now = std::chrono::steady_clock::now();
  if (m->buf.size() > 0) {
    m->idle = false;
    m->last_rows = now;
  } else if (!m->eof && m->in.idle_timeout.count() > 0 &&
             now - m->last_rows >= m->in.idle_timeout) {
    m->idle = true;  // the merge goes on without it; asked again at the next frame
  }
  return Status::OK();
}

TimeUs InputDriver::WatermarkOf(const Merged& m) const {
  if (m.max_ts == kMinTime) return kMinTime;
  TimeUs w;
  if (__builtin_sub_overflow(m.max_ts, m.in.max_out_of_orderness + 1, &w)) return kMinTime;
  return w;
}

TimeUs InputDriver::Watermark(uint64_t sources) const {
  TimeUs w = kMaxTime, idle = kMaxTime;
  bool active = false;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const Merged& m = inputs_[i];
    if (m.ended() || (sources >> i & 1) == 0) continue;
    (m.idle ? idle : w) = std::min(m.idle ? idle : w, WatermarkOf(m));
    active = active || !m.idle;
  }
  return active ? w : idle;
}

TimeUs InputDriver::EndWatermark(uint64_t sources, bool last) const {
  if (!last) return Watermark(sources);
  TimeUs end = kMaxTime;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (sources >> i & 1) end = std::min(end, WatermarkOf(inputs_[i]));
  }
  return end;
}

Status InputDriver::NextMerged(Frame* out, bool* done) {
  *done = false;
  if (finished_) {
    *done = true;
    return Status::OK();
  }
  const size_t n = inputs_.size();
  out->streams.resize(n);
  std::vector<Batch*> b(n);
  for (size_t i = 0; i < n; ++i) {
    out->streams[i] = NewBatch();
    b[i] = out->streams[i].get();
    b[i]->reset(inputs_[i].in.schema);
  }
  std::vector<DeadLetter>& dead = b[0]->dead_letters;
  for (Merged& m : inputs_) SLUICE_RETURN_IF_ERROR(Refill(&m, &dead));
  const uint64_t first = events_.load(std::memory_order_relaxed);
  out->first_pos = first;
  const TimeUs start = Watermark();
  out->subsets.resize(subsets_.size());
  for (size_t k = 0; k < subsets_.size(); ++k) {
    SubsetWatermark& sw = out->subsets[k];
    sw.sources = subsets_[k];
    sw.start = Watermark(sw.sources);
    sw.before.clear();
  }
  size_t taken = 0;
  while (taken < batch_size_) {
    int best = -1;
    bool waiting = false;  // a source that may still produce has no next row yet
    for (size_t i = 0; i < n; ++i) {
      const Merged& m = inputs_[i];
      if (m.next == m.buf.size()) {
        waiting = waiting || (!m.eof && !m.idle);
        continue;
      }
      if (best < 0 || m.buf.ts[m.next] < inputs_[best].buf.ts[inputs_[best].next]) {
        best = static_cast<int>(i);
      }
    }
    // Every source ended or is idle, or the order is not known until a source produces: the
    // frame ends here (possibly empty) and the next one asks that source again.
    if (best < 0 || waiting) break;
    Merged& m = inputs_[best];
    const TimeUs w = Watermark();
    Batch* to = b[best];
    for (size_t c = 0; c < to->columns.size(); ++c) {
      to->columns[c].push_from(m.buf.columns[c], m.next);
    }
    to->ts.push_back(m.buf.ts[m.next]);
    to->wm.push_back(w);
    for (SubsetWatermark& sw : out->subsets) sw.before.push_back(Watermark(sw.sources));
    if (positions_) to->pos.push_back(RowPos(first + taken));
    m.max_ts = std::max(m.max_ts, m.buf.ts[m.next]);
    ++m.next;
    ++m.taken;
    ++taken;
    SLUICE_RETURN_IF_ERROR(Refill(&m, &dead));
  }
  bool last = true;
  for (const Merged& m : inputs_) last = last && m.ended();
  // As for one source, the last frame's watermark is the one after its rows; `last` then
  // means +infinity.
  const TimeUs end = EndWatermark(~uint64_t{0}, last);
  for (SubsetWatermark& sw : out->subsets) sw.end = EndWatermark(sw.sources, last);
  const uint64_t seq = next_seq_++;
  uint64_t position = 0;
  for (Merged& m : inputs_) position += m.buf.source_position;
  for (Batch* x : b) {
    x->seq = seq;
    x->start_watermark = start;
    x->watermark = end;
    x->last = last;
    x->source_position = position;
  }
  events_.fetch_add(taken, std::memory_order_relaxed);
  if (last) finished_ = true;
  if (checkpoints_) {
    const auto now = std::chrono::steady_clock::now();
    if (last || now - last_barrier_ >= interval_) {
      last_barrier_ = now;
      for (Batch* x : b) x->checkpoint = true;
      SLUICE_RETURN_IF_ERROR(SaveState(&b[0]->checkpoint_state));
    }
  }
  return Status::OK();
}

Status InputDriver::SaveState(std::string* out) const {
  if (!single_.empty()) return single_[0]->SaveState(out);
  StateWriter w(out);
  w.PutHeader(kStateMergeDriver, 1);
  w.PutVarint(inputs_.size());
  w.PutVarint(events());
  for (const Merged& m : inputs_) {
    w.PutSigned(m.max_ts);
    w.PutVarint(m.taken);
    w.PutString(m.buf_pos);
    w.PutVarint(m.next);
  }
  return Status::OK();
}

Status InputDriver::Parse(std::string_view state, size_t n, std::vector<Saved>* out) {
  StateReader r(state, "merged sources checkpoint");
  uint32_t version = 0;
  r.ReadHeader(kStateMergeDriver, 1, &version);
  const uint64_t count = r.Varint();
  r.Varint();  // events
  if (r.ok() && count != n) {
    return Status::Corruption(
        fmt::format("the checkpoint records {} sources, but the pipeline has {}", count, n));
  }
  for (size_t i = 0; r.ok() && i < n; ++i) {
    Saved s;
    s.max_ts = r.Signed();
    s.taken = r.Varint();
    s.buf_pos = r.String();
    s.next = r.Varint();
    out->push_back(s);
  }
  r.ExpectEnd();
  return r.status();
}

Status InputDriver::Restore(std::string_view state) {
  if (!single_.empty()) return single_[0]->Restore(state);
  std::vector<Saved> saved;
  SLUICE_RETURN_IF_ERROR(Parse(state, inputs_.size(), &saved));
  uint64_t events = 0;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    Merged& m = inputs_[i];
    const Saved& s = saved[i];
    SLUICE_RETURN_IF_ERROR(m.in.source->RestorePosition(s.buf_pos));
    m.buf_pos = std::string(s.buf_pos);
    m.buf.reset(m.in.schema);
    m.next = 0;
    m.eof = false;
    SLUICE_RETURN_IF_ERROR(m.in.source->Next(&m.buf, &m.eof));
    m.buf.dead_letters.clear();  // written before the checkpoint
    if (s.next > m.buf.size()) {
      return Status::Corruption(fmt::format(
          "source '{}': the checkpoint took {} rows of a batch that now has {}; the input "
          "changed since",
          m.in.name, s.next, m.buf.size()));
    }
    m.next = s.next;
    m.max_ts = s.max_ts;
    m.taken = s.taken;
    events += s.taken;
  }
  events_.store(events);
  return Status::OK();
}

std::string InputDriver::DescribeState(std::string_view state) const {
  if (!single_.empty()) return single_[0]->DescribeState(state);
  std::vector<Saved> saved;
  if (!Parse(state, inputs_.size(), &saved).ok()) return "";
  std::vector<std::string> parts;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    std::string at = inputs_[i].in.source->DescribePosition(saved[i].buf_pos);
    parts.push_back(fmt::format("{}: {} (+{} rows)", inputs_[i].in.name, at.empty() ? "start" : at,
                                saved[i].next));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

uint64_t InputDriver::EventsOf(std::string_view state) const {
  if (!single_.empty()) return single_[0]->EventsOf(state);
  std::vector<Saved> saved;
  if (!Parse(state, inputs_.size(), &saved).ok()) return 0;
  uint64_t n = 0;
  for (const Saved& s : saved) n += s.taken;
  return n;
}

}  // namespace sluice
