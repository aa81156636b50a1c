// ProcessStage: the keyed stage that runs a user's KeyedProcessFunction (sluice/process_function.h)
// over one lane's rows, with its keyed state and event-time timers.
//
// Timers: each key holds the set of its timer times; a min-heap of (time, key id) entries finds
// the next due ones. Entries are not removed when a timer is deleted (or its key's id is reused):
// an entry fires only when its key still holds a timer at that time, and that timer is then taken
// out of the set, so a stale or repeated entry fires nothing. All timers of one time fire
// together, in the order of their keys' encodings, so that the order does not depend on key ids
// (which differ after a restore).
//
// Positions of result rows (KeyedOperator::ProcessRows): rows emitted by OnRow are caused by the
// row; rows emitted by OnTimer are fired at the timer's time, except for a timer that was due
// when it was registered (at or below the watermark of the call that registered it): it fires at
// the next check, and its rows take the place of the call that registered it.
//
// State: per key id, one slot per declared state; a key with no state and no timers is released.
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operators/key_dictionary.h"
#include "operators/keyed_stage_base.h"
#include "sluice/process_function.h"
#include "sluice/row_view.h"

namespace sluice {
namespace {

struct KeyState {
  bool held = false;
  std::vector<std::optional<Value>> values;
  std::vector<std::vector<Value>> lists;
  std::vector<std::map<std::string, Value>> maps;
  std::set<TimeUs> timers;

  bool empty() const {
    if (!timers.empty()) return false;
    for (const auto& v : values) {
      if (v) return false;
    }
    for (const auto& l : lists) {
      if (!l.empty()) return false;
    }
    for (const auto& m : maps) {
      if (!m.empty()) return false;
    }
    return true;
  }
};

// Whether `v` may be written to a field of type `t`.
bool Fits(const Value& v, Type t) {
  if (v.null) return true;
  if (v.type == t) return true;
  // Integers for timestamps (raw in the field's unit) and timestamps for integers.
  return (t == Type::kTimestamp && v.type == Type::kInt64) ||
         (t == Type::kInt64 && v.type == Type::kTimestamp);
}

void PushValue(const Value& v, Column* c) {
  if (v.null) {
    c->push_null();
    return;
  }
  switch (c->type) {
    case Type::kDouble:
      c->push_double(v.d);
      break;
    case Type::kString:
      c->push_string(v.s);
      break;
    default:
      c->push_int(v.i);
      break;
  }
}

void PutValue(StateWriter* w, const Value& v) {
  w->PutU8(static_cast<uint8_t>(v.type));
  w->PutBool(v.null);
  if (v.null) return;
  switch (v.type) {
    case Type::kDouble:
      w->PutDouble(v.d);
      break;
    case Type::kString:
      w->PutString(v.s);
      break;
    default:
      w->PutSigned(v.i);
      break;
  }
}

Value ReadValue(StateReader* r) {
  Value v;
  const uint8_t type = r->U8();
  if (!r->ok()) return v;
  if (type > static_cast<uint8_t>(Type::kTimestamp)) {
    r->Fail("has a value of unknown type");
    return v;
  }
  v.type = static_cast<Type>(type);
  v.null = r->Bool();
  if (v.null || !r->ok()) return v;
  switch (v.type) {
    case Type::kDouble:
      v.d = r->Double();
      break;
    case Type::kString:
      v.s = std::string(r->String());
      break;
    default:
      v.i = r->Signed();
      break;
  }
  return v;
}

class ProcessStage final : public KeyedBase, private ProcessContext {
 public:
  ProcessStage(const KeyedStageDef& def, const Schema& input)
      : KeyedBase(def, input), setup_(*def.process) {
    std::vector<Field> fields = output_.fields();
    first_out_ = fields.size();
    for (const Field& f : setup_.output.fields()) fields.push_back(f);
    output_ = Schema(std::move(fields));
    fn_ = setup_.make();
  }

  uint64_t keys() const override { return live_; }

  Status ProcessRows(const Batch& in, const uint32_t* rows, size_t n, Batch* out) override {
    out_ = out;
    for (size_t i = 0; i < n && error_.ok(); ++i) {
      const size_t r = rows ? rows[i] : i;
      FireUpTo(in.wm[r], in.wm[r]);
      const uint32_t id = keys_.FindOrInsert(in.keys.str(r), in.key_hash[r]);
      Hold(id);
      ++arrival_;
      current_ = id;
      time_ = in.ts[r];
      wm_ = in.wm[r];
      place_ = {CausePos(in, r), in.wm[r]};
      fn_->OnRow(RowView(in, input_, r), *this);
      Settle(id);
    }
    if (error_.ok()) FireUpTo(in.last ? kMaxTime : in.watermark, in.watermark);
    overdue_.clear();
    out_ = nullptr;
    Status s = error_;
    error_ = Status::OK();
    return s;
  }

  // snapshot := prologue keys:count
  //             (key:string state* timers:count time:signed*)*
  // state := value: set:bool [value] | list: count value* | map: count (string value)*
  // value := type:u8 null:bool [payload by type]
  void Snapshot(std::string* out) const override {
    StateWriter w(out);
    PutPrologue(&w, kStateProcess);
    w.PutVarint(live_);
    for (uint32_t id = 0; id < state_.size(); ++id) {
      const KeyState& k = state_[id];
      if (!k.held) continue;
      w.PutString(keys_.key(id));
      for (size_t s = 0; s < setup_.states.size(); ++s) {
        switch (setup_.states[s].kind) {
          case StateKind::kValue:
            w.PutBool(k.values[s].has_value());
            if (k.values[s]) PutValue(&w, *k.values[s]);
            break;
          case StateKind::kList:
            w.PutVarint(k.lists[s].size());
            for (const Value& v : k.lists[s]) PutValue(&w, v);
            break;
          case StateKind::kMap:
            w.PutVarint(k.maps[s].size());
            for (const auto& [mk, v] : k.maps[s]) {
              w.PutString(mk);
              PutValue(&w, v);
            }
            break;
        }
      }
      w.PutVarint(k.timers.size());
      for (TimeUs t : k.timers) w.PutSigned(t);
    }
  }

  Status Restore(std::string_view in) override {
    if (arrival_ != 0 || keys_.size() != 0) {
      return Status::Internal("Restore needs a fresh operator");
    }
    StateReader r(in, "process snapshot");
    uint64_t arrival = 0, late = 0;
    ReadPrologue(&r, kStateProcess, &arrival, &late);
    std::vector<std::pair<std::string_view, KeyState>> entries(r.Count(kMinKeyBytes + 1));
    absl::flat_hash_set<std::string_view> seen;
    for (size_t i = 0; i < entries.size() && r.ok(); ++i) {
      auto& [key, k] = entries[i];
      key = ReadKey(&r);
      if (r.ok() && !seen.insert(key).second) r.Fail("has a key twice");
      Shape(&k);
      k.held = true;
      for (size_t s = 0; s < setup_.states.size() && r.ok(); ++s) {
        switch (setup_.states[s].kind) {
          case StateKind::kValue:
            if (r.Bool()) k.values[s] = ReadValue(&r);
            break;
          case StateKind::kList:
            k.lists[s].resize(r.Count(2));
            for (Value& v : k.lists[s]) v = ReadValue(&r);
            break;
          case StateKind::kMap: {
            const uint64_t m = r.Count(3);
            for (uint64_t j = 0; j < m && r.ok(); ++j) {
              std::string mk(r.String());
              k.maps[s][std::move(mk)] = ReadValue(&r);
            }
            break;
          }
        }
      }
      const uint64_t timers = r.Count(1);
      for (uint64_t j = 0; j < timers && r.ok(); ++j) k.timers.insert(r.Signed());
    }
    if (!r.ExpectEnd()) return r.status();
    for (auto& [key, k] : entries) {
      const uint32_t id = HoldRestoredKey(key, &keys_, &state_);
      for (TimeUs t : k.timers) due_.push({t, id});
      state_[id] = std::move(k);
    }
    live_ = entries.size();
    arrival_ = arrival;
    stats_.late = late;
    return Status::OK();
  }

 private:
  struct Due {
    TimeUs time;
    uint32_t id;
    bool operator>(const Due& o) const { return time > o.time; }
  };

  // ProcessContext.
  TimeUs time() const override { return time_; }
  TimeUs watermark() const override { return wm_; }
  Value key(int i) const override {
    Value v;
    if (i < 0 || static_cast<size_t>(i) >= key_types_.size()) return v;
    scratch_.assign(key_types_.size(), Column{});
    std::vector<Column*> cols;
    for (size_t k = 0; k < key_types_.size(); ++k) {
      scratch_[k].type = key_types_[k];
      cols.push_back(&scratch_[k]);
    }
    DecodeKeyInto(keys_.key(current_), key_types_, cols);
    const Column& c = scratch_[static_cast<size_t>(i)];
    v.type = c.type;
    v.null = !c.is_valid(0);
    if (v.null) return v;
    if (c.type == Type::kDouble) {
      v.d = c.f64[0];
    } else if (c.type == Type::kString) {
      v.s = std::string(c.str(0));
    } else {
      v.i = c.i64[0];
    }
    return v;
  }
  void RegisterTimer(TimeUs t) override {
    if (!state_[current_].timers.insert(t).second) return;
    due_.push({t, current_});
    if (checked_ == kMaxTime || Reached(checked_, t)) overdue_[{current_, t}] = place_;
  }
  void DeleteTimer(TimeUs t) override {
    state_[current_].timers.erase(t);
    overdue_.erase({current_, t});
  }
  const Value* value(int i) const override {
    if (!Declared(i, StateKind::kValue)) return nullptr;
    const auto& v = state_[current_].values[static_cast<size_t>(i)];
    return v ? &*v : nullptr;
  }
  void set_value(int i, Value v) override {
    if (Declared(i, StateKind::kValue))
      state_[current_].values[static_cast<size_t>(i)] = std::move(v);
  }
  void clear_value(int i) override {
    if (Declared(i, StateKind::kValue)) state_[current_].values[static_cast<size_t>(i)].reset();
  }
  std::vector<Value>& list(int i) override {
    if (!Declared(i, StateKind::kList)) return spare_list_;
    return state_[current_].lists[static_cast<size_t>(i)];
  }
  std::map<std::string, Value>& map(int i) override {
    if (!Declared(i, StateKind::kMap)) return spare_map_;
    return state_[current_].maps[static_cast<size_t>(i)];
  }
  void ClearState() override {
    KeyState& k = state_[current_];
    for (auto& v : k.values) v.reset();
    for (auto& l : k.lists) l.clear();
    for (auto& m : k.maps) m.clear();
  }
  void Emit(std::vector<Value> row) override {
    if (!error_.ok()) return;
    const size_t n = setup_.output.size();
    if (row.size() != n) {
      error_ = Status::InvalidArgument(fmt::format(
          "process function '{}' emitted a row of {} values; its output has {} fields ({})",
          def_.function, row.size(), n, setup_.output.ToString()));
      return;
    }
    for (size_t c = 0; c < n; ++c) {
      if (!Fits(row[c], setup_.output.field(c).type)) {
        error_ = Status::InvalidArgument(
            fmt::format("process function '{}' emitted a {} for output field '{}' of type {}",
                        def_.function, TypeName(row[c].type), setup_.output.field(c).name,
                        TypeName(setup_.output.field(c).type)));
        return;
      }
    }
    key_cols_.resize(key_types_.size());
    for (size_t k = 0; k < key_types_.size(); ++k) key_cols_[k] = &out_->columns[k];
    DecodeKeyInto(keys_.key(current_), key_types_, key_cols_);
    for (size_t c = 0; c < n; ++c) PushValue(row[c], &out_->columns[first_out_ + c]);
    out_->ts.push_back(time_);
    // A timer's row fires at the timer's time (its ts), or at the firing time of the timer that
    // registered it when that one was overdue.
    out_->wm.push_back(wm_);
    out_->pos.push_back(place_.pos == kFiredPos ? FiredAtPos(time_, place_.wm) : place_.pos);
  }

  // A misuse of state (wrong index or kind) fails the stage, once.
  bool Declared(int i, StateKind kind) const {
    if (i >= 0 && static_cast<size_t>(i) < setup_.states.size() &&
        setup_.states[static_cast<size_t>(i)].kind == kind) {
      return true;
    }
    if (error_.ok()) {
      static const char* const kKinds[] = {"value", "list", "map"};
      error_ = Status::InvalidArgument(
          fmt::format("process function '{}' used state {} as a {} state, which it did not declare",
                      def_.function, i, kKinds[static_cast<int>(kind)]));
    }
    return false;
  }

  void Shape(KeyState* k) const {
    k->values.resize(setup_.states.size());
    k->lists.resize(setup_.states.size());
    k->maps.resize(setup_.states.size());
  }

  void Hold(uint32_t id) {
    if (id >= state_.size()) state_.resize(id + 1);
    KeyState& k = state_[id];
    if (k.held) return;
    k.held = true;
    Shape(&k);
    keys_.AddRef(id);
    ++live_;
  }

  // Releases key `id` when it holds nothing.
  void Settle(uint32_t id) {
    KeyState& k = state_[id];
    if (!k.held || !k.empty()) return;
    k = KeyState{};
    --live_;
    keys_.Release(id);
  }

  // Fires every timer at or below watermark `w` (kMaxTime at the end of input); rows it emits
  // carry watermark `row_wm`.
  void FireUpTo(TimeUs w, TimeUs row_wm) {
    checked_ = w;
    while (!due_.empty() && error_.ok() && (w == kMaxTime || Reached(w, due_.top().time))) {
      const TimeUs t = due_.top().time;
      group_.clear();
      while (!due_.empty() && due_.top().time == t) {
        const uint32_t id = due_.top().id;
        due_.pop();
        if (id < state_.size() && state_[id].held && state_[id].timers.count(t) != 0) {
          group_.push_back(id);
        }
      }
      std::sort(group_.begin(), group_.end());
      group_.erase(std::unique(group_.begin(), group_.end()), group_.end());
      std::sort(group_.begin(), group_.end(),
                [&](uint32_t a, uint32_t b) { return keys_.key(a) < keys_.key(b); });
      for (uint32_t id : group_) {
        if (!error_.ok()) break;
        state_[id].timers.erase(t);
        current_ = id;
        time_ = t;
        wm_ = row_wm;
        place_ = {kFiredPos, t};
        if (auto o = overdue_.find({id, t}); o != overdue_.end()) {
          place_ = o->second;
          overdue_.erase(o);
        }
        fn_->OnTimer(t, *this);
        Settle(id);
      }
    }
  }

  const ProcessSetup& setup_;
  std::unique_ptr<KeyedProcessFunction> fn_;
  size_t first_out_ = 0;  // the first output column of the function's fields
  KeyDictionary keys_;
  std::vector<KeyState> state_;  // by key id
  uint64_t live_ = 0;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  std::vector<uint32_t> group_;
  // The call in progress.
  Batch* out_ = nullptr;
  uint32_t current_ = 0;
  TimeUs time_ = 0;
  TimeUs wm_ = kMinTime;
  // Where the call's rows go: a row's CausePos, or kFiredPos and the firing time of the timer
  // being run (wm).
  struct Place {
    uint64_t pos = kFiredPos;
    TimeUs wm = kMinTime;
  };
  Place place_;
  TimeUs checked_ = kMinTime;  // the watermark of the last timer check: timers at or below it
                               // are overdue
  std::map<std::pair<uint32_t, TimeUs>, Place> overdue_;  // (key id, time): the registrar's place
  mutable Status error_;
  mutable std::vector<Column> scratch_;
  std::vector<Value> spare_list_;
  std::map<std::string, Value> spare_map_;
};

}  // namespace

std::unique_ptr<KeyedOperator> MakeProcessStage(const KeyedStageDef& def, const Schema& input) {
  return std::make_unique<ProcessStage>(def, input);
}

}  // namespace sluice
