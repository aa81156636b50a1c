// A brute-force oracle for the keyed stage (tumbling, sliding and session windows, and the running
// aggregate), written straight from docs/semantics.md and nothing else: events are taken one at a
// time in input order, every window is an explicit (key, start, end) holding its raw events, and
// every result is computed from those events when it is emitted. No panes, no incremental
// accumulators, no batching. Slow (O(windows) per event) and meant to be obviously right.
//
// Usage:
//   std::vector<reference::WindowEvent> events = ...;   // source order, wm already computed
//   reference::WindowStage stage = reference::StageFromDef(def, input_schema);
//   reference::WindowResult want = reference::RunReference(events, stage, final_watermark);
//   CHECK(reference::SortedRowTexts(want.rows, /*with_wm=*/true) == <operator rows as text>);
//
// The wm of a fired row is the first watermark of the event sequence (the wm before each event,
// then the watermark after the last event, then +infinity) that reached end - 1. An operator that
// sees every source row (one lane) produces the same wm; with several lanes a lane only sees the
// watermark at its own rows and at batch ends, so compare with with_wm = false there. Values, ts
// and late rows never depend on lanes or batching.
//
// Header-only; depends on sluice_base (MicrosToRaw) only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/batch.h"
#include "sluice/pipeline_spec.h"
#include "base/time_util.h"
#include "base/types.h"
#include "operators/keyed_operator.h"

namespace sluice::reference {

// One input row of the keyed stage.
struct WindowEvent {
  std::vector<Value> key;   // key field values, key_by order
  TimeUs ts = 0;            // event time, microseconds
  TimeUs wm = kMinTime;     // watermark in force before this row (kMinTime before any event)
  std::vector<Value> args;  // one per aggregate, in declared order; ignored for count()
  size_t id = 0;            // caller's identifier of the row; late rows are reported by it
};

// The part of KeyedStageDef the oracle needs, plus each aggregate's input field.
struct WindowAggregate {
  AggFunc func = AggFunc::kCount;
  bool has_input = false;  // false for count()
  Field input;             // type (and unit) of the argument when has_input
};

struct WindowStage {
  OpKind kind = OpKind::kWindow;  // kWindow or kAggregate (running)
  WindowKind window = WindowKind::kTumbling;
  int64_t size = 0, slide = 0, gap = 0;  // us; slide == size for tumbling
  int64_t allowed_lateness = 0;          // us
  TimeUnit time_unit = TimeUnit::kMicros;
  std::vector<WindowAggregate> aggregates;
};

// One result row: key values, then (windows) window_start and window_end as timestamps in the
// stage's time unit, then one value per aggregate; with the row's ts and wm.
struct ResultRow {
  std::vector<Value> values;
  TimeUs ts = 0;
  TimeUs wm = 0;
};

struct WindowResult {
  std::vector<ResultRow> rows;  // in emission order (only the multiset is specified)
  std::vector<size_t> late;     // ids of late events, in input order
};

inline WindowStage StageFromDef(const KeyedStageDef& def, const Schema& input) {
  WindowStage s;
  s.kind = def.kind;
  s.window = def.window;
  s.size = def.size;
  s.slide = def.window == WindowKind::kTumbling ? def.size : def.slide;
  s.gap = def.gap;
  s.allowed_lateness = def.allowed_lateness;
  s.time_unit = def.time_unit;
  for (const AggregateDef& a : def.aggregates) {
    WindowAggregate w;
    w.func = a.func;
    w.has_input = a.input >= 0;
    if (w.has_input) w.input = input.field(a.input);
    s.aggregates.push_back(w);
  }
  return s;
}

// Events from batches in source order (keys and aggregate inputs read from their columns).
inline std::vector<WindowEvent> EventsFromBatches(const std::vector<Batch>& batches,
                                                  const KeyedStageDef& def) {
  std::vector<WindowEvent> events;
  for (const Batch& b : batches) {
    for (size_t r = 0; r < b.size(); ++r) {
      WindowEvent e;
      for (int k : def.key_columns) e.key.push_back(b.columns[k].get(r));
      e.ts = b.ts[r];
      e.wm = b.wm[r];
      for (const AggregateDef& a : def.aggregates) {
        e.args.push_back(a.input >= 0 ? b.columns[a.input].get(r) : Value::Null());
      }
      e.id = events.size();
      events.push_back(std::move(e));
    }
  }
  return events;
}

namespace internal {

// A total order on non-null values of one type: numbers, timestamps and bools by value, doubles
// by value, strings by bytes.
// The order of min and max (docs/semantics.md): for doubles -0.0 < 0.0 and NaN above every
// number.
inline bool ValueLess(const Value& a, const Value& b) {
  if (a.type == Type::kDouble) {
    if (std::isnan(a.d)) return false;
    if (std::isnan(b.d)) return true;
    if (a.d == b.d) return std::signbit(a.d) && !std::signbit(b.d);
    return a.d < b.d;
  }
  if (a.type == Type::kString) return a.s < b.s;
  return a.i < b.i;
}

// Canonical identity of a non-null value for distinct counting (-0.0 is 0.0).
inline std::string DistinctText(const Value& v) {
  if (v.type == Type::kDouble) return "d" + Value::Double(v.d == 0 ? 0.0 : v.d).ToString();
  return "v" + v.ToString();
}

inline Type ResultType(const WindowAggregate& a) {
  switch (a.func) {
    case AggFunc::kCount:
    case AggFunc::kCountDistinct:
      return Type::kInt64;
    case AggFunc::kAvg:
      return Type::kDouble;
    case AggFunc::kSum:
      return a.input.type == Type::kDouble ? Type::kDouble : Type::kInt64;
    default:
      return a.input.type;
  }
}

// Aggregate j over `events` (indices into all events: input order).
inline Value Aggregate(const WindowAggregate& a, size_t j, const std::vector<WindowEvent>& all,
                       const std::vector<size_t>& events) {
  const Type out_type = ResultType(a);
  if (a.func == AggFunc::kCount && !a.has_input) {
    return Value::Int(static_cast<int64_t>(events.size()));
  }
  std::vector<size_t> present;  // events with a non-null argument
  for (size_t e : events) {
    if (!all[e].args[j].null) present.push_back(e);
  }
  auto arg = [&](size_t e) -> const Value& { return all[e].args[j]; };
  switch (a.func) {
    case AggFunc::kCount:
      return Value::Int(static_cast<int64_t>(present.size()));
    case AggFunc::kCountDistinct: {
      std::set<std::string> seen;
      for (size_t e : present) seen.insert(DistinctText(arg(e)));
      return Value::Int(static_cast<int64_t>(seen.size()));
    }
    case AggFunc::kSum:
    case AggFunc::kAvg: {
      if (present.empty()) return Value::Null(out_type);
      int64_t isum = 0;
      double dsum = 0;
      for (size_t e : present) {
        if (a.input.type == Type::kDouble) {
          dsum += arg(e).d;
        } else {
          isum += arg(e).i;
        }
      }
      const double total = a.input.type == Type::kDouble ? dsum : static_cast<double>(isum);
      if (a.func == AggFunc::kAvg) return Value::Double(total / present.size());
      return a.input.type == Type::kDouble ? Value::Double(dsum) : Value::Int(isum);
    }
    case AggFunc::kMin:
    case AggFunc::kMax: {
      if (present.empty()) return Value::Null(out_type);
      size_t best = present[0];
      for (size_t e : present) {
        if (a.func == AggFunc::kMin ? ValueLess(arg(e), arg(best)) : ValueLess(arg(best), arg(e))) {
          best = e;
        }
      }
      Value v = arg(best);
      v.type = out_type;
      return v;
    }
    case AggFunc::kFirst:
    case AggFunc::kLast: {
      if (present.empty()) return Value::Null(out_type);
      // Input order is index order: for first keep the earliest index among equal ts, for last
      // the latest one.
      size_t best = present[0];
      for (size_t e : present) {
        if (a.func == AggFunc::kFirst ? all[e].ts < all[best].ts : all[e].ts >= all[best].ts) {
          best = e;
        }
      }
      Value v = arg(best);
      v.type = out_type;
      return v;
    }
  }
  return Value::Null(out_type);
}

inline int64_t ToUnit(int64_t us, TimeUnit unit) {
  return unit == TimeUnit::kIso ? us : MicrosToRaw(us, unit);
}

inline ResultRow MakeRow(const WindowStage& st, const std::vector<WindowEvent>& all,
                         const std::vector<Value>& key, bool window, int64_t start, int64_t end,
                         const std::vector<size_t>& events, TimeUs ts, TimeUs wm) {
  ResultRow row;
  row.values = key;
  if (window) {
    row.values.push_back(Value::Timestamp(ToUnit(start, st.time_unit)));
    row.values.push_back(Value::Timestamp(ToUnit(end, st.time_unit)));
  }
  for (size_t j = 0; j < st.aggregates.size(); ++j) {
    row.values.push_back(Aggregate(st.aggregates[j], j, all, events));
  }
  row.ts = ts;
  row.wm = wm;
  return row;
}

// Key identity for grouping.
inline std::string KeyText(const std::vector<Value>& key) {
  std::string out;
  for (const Value& v : key) {
    out +=
        v.null ? std::string("\x01null") : std::to_string(static_cast<int>(v.type)) + v.ToString();
    out += '\x02';
  }
  return out;
}

}  // namespace internal

// Runs the definitions over `events` (source order, wm set per event). `final_watermark` is the
// watermark after the last event (largest event time - B - 1, or kMinTime with no events): at the
// end of input the watermark first reaches it, then +infinity, so rows that are due at
// final_watermark carry it as their wm and only the rest carry +infinity.
inline WindowResult RunReference(const std::vector<WindowEvent>& events, const WindowStage& st,
                                 TimeUs final_watermark) {
  using internal::MakeRow;
  WindowResult out;
  if (st.kind == OpKind::kAggregate) {
    std::map<std::string, std::vector<size_t>> per_key;
    for (size_t i = 0; i < events.size(); ++i) {
      auto& list = per_key[internal::KeyText(events[i].key)];
      list.push_back(i);
      out.rows.push_back(
          MakeRow(st, events, events[i].key, false, 0, 0, list, events[i].ts, events[i].wm));
    }
    return out;
  }

  struct Window {
    std::string key;
    std::vector<Value> key_values;
    int64_t start = 0, end = 0;
    std::vector<size_t> events;  // indices, input order
    bool fired = false;
  };
  std::vector<Window> open;  // every window holding state (not yet dropped)
  const int64_t L = st.allowed_lateness;
  // "W has reached t": never before the first event.
  auto reached = [](TimeUs w, int64_t t) { return w != kMinTime && t <= w; };
  auto emit = [&](Window& win, TimeUs w) {
    std::sort(win.events.begin(), win.events.end());
    out.rows.push_back(
        MakeRow(st, events, win.key_values, true, win.start, win.end, win.events, win.end - 1, w));
    win.fired = true;
  };
  // Fires every window that is due at W, then drops those past their allowed lateness.
  auto advance = [&](TimeUs w) {
    for (Window& win : open) {
      if (!win.fired && reached(w, win.end - 1)) emit(win, w);
    }
    std::erase_if(open,
                  [&](const Window& win) { return w == kMaxTime || reached(w, win.end - 1 + L); });
  };

  for (size_t i = 0; i < events.size(); ++i) {
    const WindowEvent& e = events[i];
    const TimeUs w = e.wm;
    advance(w);
    const std::string key = internal::KeyText(e.key);
    if (st.window != WindowKind::kSession) {
      const int64_t size = st.size;
      const int64_t slide = st.window == WindowKind::kTumbling ? st.size : st.slide;
      // Every window containing t: starts that are multiples of slide in (t - size, t].
      std::vector<int64_t> starts;
      for (int64_t s = AlignDown(e.ts, slide); s > e.ts - size; s -= slide) starts.push_back(s);
      bool late = true;
      for (int64_t s : starts) late = late && reached(w, s + size - 1 + L);
      if (late) {
        out.late.push_back(e.id);
        continue;
      }
      for (int64_t s : starts) {
        if (reached(w, s + size - 1 + L)) continue;  // dropped: the event does not count here
        Window* win = nullptr;
        for (Window& o : open) {
          if (o.key == key && o.start == s) win = &o;
        }
        if (!win) {
          open.push_back(Window{key, e.key, s, s + size, {}, false});
          win = &open.back();
        }
        win->events.push_back(i);
        if (reached(w, win->end - 1)) emit(*win, w);  // allowed-late update
      }
    } else {
      Window merged{key, e.key, e.ts, e.ts + st.gap, {i}, false};
      bool any = false;
      // Merge to a fixpoint: every open session of the key that intersects or touches.
      for (bool changed = true; changed;) {
        changed = false;
        for (auto it = open.begin(); it != open.end(); ++it) {
          if (it->key == key && it->start <= merged.end && it->end >= merged.start) {
            merged.start = std::min(merged.start, it->start);
            merged.end = std::max(merged.end, it->end);
            merged.events.insert(merged.events.end(), it->events.begin(), it->events.end());
            open.erase(it);
            any = changed = true;
            break;
          }
        }
      }
      if (!any && reached(w, merged.end - 1 + L)) {
        out.late.push_back(e.id);
        continue;
      }
      open.push_back(std::move(merged));
      if (reached(w, open.back().end - 1)) emit(open.back(), w);  // allowed-late update
    }
  }
  advance(final_watermark);
  advance(kMaxTime);
  return out;
}

// Text of a row for multiset comparisons: "v1|v2|...@ts" (+ "/wm" when with_wm); null is "~".
inline std::string RowText(const std::vector<Value>& values, TimeUs ts, TimeUs wm, bool with_wm) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += '|';
    out += values[i].null ? std::string("~") : values[i].ToString();
  }
  out += '@' + std::to_string(ts);
  if (with_wm) out += '/' + std::to_string(wm);
  return out;
}

inline std::vector<std::string> SortedRowTexts(const std::vector<ResultRow>& rows, bool with_wm) {
  std::vector<std::string> out;
  for (const ResultRow& r : rows) out.push_back(RowText(r.values, r.ts, r.wm, with_wm));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sluice::reference
