// Keyed operators: tumbling/sliding windows by panes, session windows, running aggregates.
#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>
#include <xxhash.h>
#include <absl/strings/string_view.h>

#include "engine/key.h"
#include "engine/time_util.h"
#include "operators/keyed_operator.h"

namespace sluice {

bool ParseAggFunc(std::string_view name, AggFunc* out) {
  static const std::pair<const char*, AggFunc> kNames[] = {
      {"count", AggFunc::kCount}, {"sum", AggFunc::kSum},     {"min", AggFunc::kMin},
      {"max", AggFunc::kMax},     {"avg", AggFunc::kAvg},     {"first", AggFunc::kFirst},
      {"last", AggFunc::kLast},   {"count_distinct", AggFunc::kCountDistinct}};
  for (const auto& [n, f] : kNames) {
    if (name == n) {
      *out = f;
      return true;
    }
  }
  return false;
}

std::string_view AggFuncName(AggFunc f) {
  switch (f) {
    case AggFunc::kCount: return "count";
    case AggFunc::kSum: return "sum";
    case AggFunc::kMin: return "min";
    case AggFunc::kMax: return "max";
    case AggFunc::kAvg: return "avg";
    case AggFunc::kFirst: return "first";
    case AggFunc::kLast: return "last";
    case AggFunc::kCountDistinct: return "count_distinct";
  }
  return "?";
}

Result<Field> AggregateResultField(AggFunc func, const Field* input, const std::string& alias) {
  Field out;
  out.name = alias;
  switch (func) {
    case AggFunc::kCount:
    case AggFunc::kCountDistinct: out.type = Type::kInt64; return out;
    case AggFunc::kSum:
    case AggFunc::kAvg:
      if (!input || input->type == Type::kString) {
        return Status::InvalidArgument(fmt::format(
            "{}() needs a numeric argument, not {}", AggFuncName(func),
            input ? TypeName(*input) : std::string("nothing")));
      }
      out.type = func == AggFunc::kAvg ? Type::kDouble
                 : input->type == Type::kDouble ? Type::kDouble
                                                : Type::kInt64;
      return out;
    default:
      if (!input) return Status::InvalidArgument(fmt::format("{}() needs an argument", AggFuncName(func)));
      out.type = input->type;
      out.unit = input->unit;
      return out;
  }
}

namespace {

inline absl::string_view AK(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// State of one aggregate for one (key, window). Mergeable.
struct AggState {
  int64_t n = 0;       // rows (count()) or non-null inputs
  int64_t isum = 0;    // sum of int-like inputs
  double dsum = 0;     // sum of double inputs
  bool has = false;    // best is set
  int64_t bi = 0;      // best int-like
  double bd = 0;       // best double
  std::string bs;      // best string
  int64_t bts = 0;     // event time of best (first/last)
  uint64_t barr = 0;   // arrival of best (first/last)
  std::unique_ptr<absl::flat_hash_set<uint64_t>> distinct;
};

struct Acc {
  std::vector<AggState> aggs;
};

class Aggregator {
 public:
  Aggregator(const std::vector<AggregateDef>& defs, const Schema& input) : defs_(defs) {
    for (const auto& d : defs) in_types_.push_back(d.input >= 0 ? input.field(d.input).type : Type::kInt64);
  }

  void Init(Acc* acc) const { acc->aggs.resize(defs_.size()); }

  void Update(Acc* acc, const Batch& b, size_t r, uint64_t arrival) const {
    for (size_t j = 0; j < defs_.size(); ++j) {
      const AggregateDef& d = defs_[j];
      AggState& s = acc->aggs[j];
      if (d.input < 0) {
        ++s.n;
        continue;
      }
      const Column& c = b.columns[d.input];
      if (!c.is_valid(r)) continue;
      ++s.n;
      const Type t = c.type;
      switch (d.func) {
        case AggFunc::kCount: break;
        case AggFunc::kSum:
        case AggFunc::kAvg:
          if (t == Type::kDouble) s.dsum += c.f64[r];
          else s.isum += c.i64[r];
          break;
        case AggFunc::kMin:
        case AggFunc::kMax: {
          bool want_less = d.func == AggFunc::kMin;
          if (!s.has || Better(c, r, s, want_less)) Take(c, r, &s);
          break;
        }
        case AggFunc::kFirst:
          if (!s.has || b.ts[r] < s.bts || (b.ts[r] == s.bts && arrival < s.barr)) {
            Take(c, r, &s);
            s.bts = b.ts[r];
            s.barr = arrival;
          }
          break;
        case AggFunc::kLast:
          if (!s.has || b.ts[r] > s.bts || (b.ts[r] == s.bts && arrival > s.barr)) {
            Take(c, r, &s);
            s.bts = b.ts[r];
            s.barr = arrival;
          }
          break;
        case AggFunc::kCountDistinct: {
          if (!s.distinct) s.distinct = std::make_unique<absl::flat_hash_set<uint64_t>>();
          uint64_t h;
          if (t == Type::kString) {
            auto v = c.str(r);
            h = XXH3_64bits(v.data(), v.size());
          } else if (t == Type::kDouble) {
            double v = c.f64[r] == 0 ? 0.0 : c.f64[r];
            h = XXH3_64bits(&v, 8);
          } else {
            h = XXH3_64bits(&c.i64[r], 8);
          }
          s.distinct->insert(h);
          break;
        }
      }
    }
  }

  void Merge(Acc* into, const Acc& from) const {
    for (size_t j = 0; j < defs_.size(); ++j) {
      const AggregateDef& d = defs_[j];
      AggState& s = into->aggs[j];
      const AggState& o = from.aggs[j];
      s.n += o.n;
      s.isum += o.isum;
      s.dsum += o.dsum;
      if (o.has) {
        bool take = !s.has;
        if (!take) {
          switch (d.func) {
            case AggFunc::kMin: take = Less(o, s, in_types_[j]); break;
            case AggFunc::kMax: take = Less(s, o, in_types_[j]); break;
            case AggFunc::kFirst: take = o.bts < s.bts || (o.bts == s.bts && o.barr < s.barr); break;
            case AggFunc::kLast: take = o.bts > s.bts || (o.bts == s.bts && o.barr > s.barr); break;
            default: break;
          }
        }
        if (take) {
          s.has = true;
          s.bi = o.bi;
          s.bd = o.bd;
          s.bs = o.bs;
          s.bts = o.bts;
          s.barr = o.barr;
        }
      }
      if (o.distinct) {
        if (!s.distinct) s.distinct = std::make_unique<absl::flat_hash_set<uint64_t>>();
        s.distinct->insert(o.distinct->begin(), o.distinct->end());
      }
    }
  }

  // Appends the results to out->columns[first...].
  void Emit(const Acc& acc, Batch* out, size_t first) const {
    for (size_t j = 0; j < defs_.size(); ++j) {
      const AggregateDef& d = defs_[j];
      const AggState& s = acc.aggs[j];
      Column& c = out->columns[first + j];
      switch (d.func) {
        case AggFunc::kCount: c.push_int(s.n); break;
        case AggFunc::kCountDistinct: c.push_int(s.distinct ? s.distinct->size() : 0); break;
        case AggFunc::kSum:
          if (s.n == 0) c.push_null();
          else if (in_types_[j] == Type::kDouble) c.push_double(s.dsum);
          else c.push_int(s.isum);
          break;
        case AggFunc::kAvg:
          if (s.n == 0) c.push_null();
          else c.push_double((in_types_[j] == Type::kDouble ? s.dsum : static_cast<double>(s.isum)) / s.n);
          break;
        default:
          if (!s.has) c.push_null();
          else if (in_types_[j] == Type::kDouble) c.push_double(s.bd);
          else if (in_types_[j] == Type::kString) c.push_string(s.bs);
          else c.push_int(s.bi);
          break;
      }
    }
  }

 private:
  static bool Better(const Column& c, size_t r, const AggState& s, bool want_less) {
    switch (c.type) {
      case Type::kDouble: return want_less ? c.f64[r] < s.bd : c.f64[r] > s.bd;
      case Type::kString: return want_less ? c.str(r) < s.bs : c.str(r) > s.bs;
      default: return want_less ? c.i64[r] < s.bi : c.i64[r] > s.bi;
    }
  }
  static bool Less(const AggState& a, const AggState& b, Type t) {
    switch (t) {
      case Type::kDouble: return a.bd < b.bd;
      case Type::kString: return a.bs < b.bs;
      default: return a.bi < b.bi;
    }
  }
  static void Take(const Column& c, size_t r, AggState* s) {
    s->has = true;
    switch (c.type) {
      case Type::kDouble: s->bd = c.f64[r]; break;
      case Type::kString: s->bs.assign(c.str(r)); break;
      default: s->bi = c.i64[r]; break;
    }
  }

  std::vector<AggregateDef> defs_;
  std::vector<Type> in_types_;
};

// Shared plumbing: output schema, key decoding, emission.
class KeyedBase : public KeyedOperator {
 public:
  KeyedBase(const KeyedStageDef& def, const Schema& input)
      : def_(def), input_(input), agg_(def.aggregates, input) {
    std::vector<Field> fields;
    for (int k : def.key_columns) {
      fields.push_back(input.field(k));
      key_types_.push_back(input.field(k).type);
    }
    if (def.kind == OpKind::kWindow) {
      fields.push_back({"window_start", Type::kTimestamp, def.time_unit});
      fields.push_back({"window_end", Type::kTimestamp, def.time_unit});
    }
    for (const auto& a : def.aggregates) fields.push_back(a.output);
    output_ = Schema(std::move(fields));
  }
  const Schema& output_schema() const override { return output_; }
  KeyedStats stats() const override { return stats_; }

 protected:
  void EmitRow(std::string_view key, bool window, int64_t start, int64_t end, const Acc& acc,
               TimeUs ts, TimeUs wm, Batch* out) const {
    std::vector<Column*> cols;
    for (size_t k = 0; k < key_types_.size(); ++k) cols.push_back(&out->columns[k]);
    DecodeKeyInto(key, key_types_, cols);
    size_t next = key_types_.size();
    if (window) {
      out->columns[next++].push_int(ToUnit(start));
      out->columns[next++].push_int(ToUnit(end));
    }
    agg_.Emit(acc, out, next);
    out->ts.push_back(ts);
    out->wm.push_back(wm);
  }
  int64_t ToUnit(int64_t us) const {
    return def_.time_unit == TimeUnit::kIso ? us : MicrosToRaw(us, def_.time_unit);
  }
  void Late(const Batch& in, size_t r, Batch* out) {
    if (!out->late) {
      out->late = std::make_unique<Batch>();
      out->late->reset(input_);
    }
    out->late->append_row(in, r);
    ++stats_.late;
  }

  KeyedStageDef def_;
  Schema input_;
  Aggregator agg_;
  std::vector<Type> key_types_;
  Schema output_;
  KeyedStats stats_;
  uint64_t arrival_ = 0;
};

inline bool Reached(TimeUs w, int64_t t) { return w != kMinTime && t <= w; }

// Tumbling and sliding windows over panes of width gcd(size, slide).
class PaneWindowOperator final : public KeyedBase {
 public:
  PaneWindowOperator(const KeyedStageDef& def, const Schema& input)
      : KeyedBase(def, input), pane_(std::gcd(def.size, def.slide)) {}

  Status Process(const Batch& in, Batch* out) override {
    const size_t n = in.size();
    for (size_t r = 0; r < n; ++r) {
      const TimeUs w = in.wm[r];
      FireUpTo(w, out);
      const int64_t t = in.ts[r];
      const int64_t last_start = AlignDown(t, def_.slide);
      if (Reached(w, last_start + def_.size - 1 + def_.allowed_lateness)) {
        Late(in, r, out);
        continue;
      }
      const int64_t p = AlignDown(t, pane_);
      std::string_view key = in.keys.str(r);
      auto& pane = panes_[p];
      auto it = pane.find(AK(key));
      if (it == pane.end()) {
        Acc acc;
        agg_.Init(&acc);
        it = pane.emplace(std::string(key), std::move(acc)).first;
        // Register the windows of this pane that are not due yet; due ones that still accept
        // the event are emitted below, the rest have been dropped.
        for (int64_t s = last_start; s + def_.size > p; s -= def_.slide) {
          if (!Reached(w, s + def_.size - 1)) pending_.insert(s + def_.size);
        }
      }
      agg_.Update(&it->second, in, r, arrival_++);
      // Allowed-late update: re-emit windows containing t that already fired but are kept.
      if (def_.allowed_lateness > 0) {
        for (int64_t s = last_start; s > t - def_.size; s -= def_.slide) {
          int64_t end = s + def_.size;
          if (Reached(w, end - 1) && !Reached(w, end - 1 + def_.allowed_lateness)) {
            Acc acc = Combine(key, s, end);
            EmitRow(key, true, s, end, acc, end - 1, w, out);
          }
        }
      }
    }
    FireUpTo(in.last ? kMaxTime : in.watermark, out);
    return Status::OK();
  }

 private:
  Acc Combine(std::string_view key, int64_t start, int64_t end) const {
    Acc acc;
    agg_.Init(&acc);
    for (auto it = panes_.lower_bound(start); it != panes_.end() && it->first < end; ++it) {
      auto k = it->second.find(AK(key));
      if (k != it->second.end()) agg_.Merge(&acc, k->second);
    }
    return acc;
  }

  void FireUpTo(TimeUs w, Batch* out) {
    if (w == kMinTime) return;
    while (!pending_.empty() && *pending_.begin() - 1 <= w) {
      const int64_t end = *pending_.begin();
      const int64_t start = end - def_.size;
      pending_.erase(pending_.begin());
      absl::flat_hash_map<std::string, Acc> merged;
      std::vector<std::string> order;
      for (auto it = panes_.lower_bound(start); it != panes_.end() && it->first < end; ++it) {
        for (const auto& [key, acc] : it->second) {
          auto m = merged.find(key);
          if (m == merged.end()) {
            Acc a;
            agg_.Init(&a);
            m = merged.emplace(key, std::move(a)).first;
            order.push_back(key);
          }
          agg_.Merge(&m->second, acc);
        }
      }
      std::sort(order.begin(), order.end());
      for (const auto& key : order) EmitRow(key, true, start, end, merged[key], end - 1, w, out);
    }
    // Drop panes whose last window is past its allowed lateness.
    while (!panes_.empty()) {
      int64_t p = panes_.begin()->first;
      int64_t last_end = AlignDown(p, def_.slide) + def_.size;
      if (w == kMaxTime || last_end - 1 + def_.allowed_lateness <= w) {
        panes_.erase(panes_.begin());
      } else {
        break;
      }
    }
  }

  const int64_t pane_;
  std::map<int64_t, absl::flat_hash_map<std::string, Acc>> panes_;
  std::set<int64_t> pending_;  // window ends with data, not yet fired
};

class SessionOperator final : public KeyedBase {
 public:
  using KeyedBase::KeyedBase;

  Status Process(const Batch& in, Batch* out) override {
    const size_t n = in.size();
    const int64_t gap = def_.gap, L = def_.allowed_lateness;
    for (size_t r = 0; r < n; ++r) {
      const TimeUs w = in.wm[r];
      FireUpTo(w, out);
      const int64_t t = in.ts[r];
      std::string_view key = in.keys.str(r);
      auto& list = sessions_[std::string(key)];
      Session s{t, t + gap, {}, false};
      agg_.Init(&s.acc);
      agg_.Update(&s.acc, in, r, arrival_++);
      bool merged = false;
      for (auto it = list.begin(); it != list.end();) {
        bool alive = !Reached(w, it->end - 1 + L);
        if (alive && it->start <= s.end && it->end >= s.start) {
          s.start = std::min(s.start, it->start);
          s.end = std::max(s.end, it->end);
          agg_.Merge(&s.acc, it->acc);
          it = list.erase(it);
          merged = true;
        } else {
          ++it;
        }
      }
      if (!merged && Reached(w, s.end - 1 + L)) {
        Late(in, r, out);
        if (list.empty()) sessions_.erase(std::string(key));
        continue;
      }
      if (Reached(w, s.end - 1)) {
        EmitRow(key, true, s.start, s.end, s.acc, s.end - 1, w, out);
        s.fired = true;
      }
      list.push_back(std::move(s));
    }
    FireUpTo(in.last ? kMaxTime : in.watermark, out);
    return Status::OK();
  }

 private:
  struct Session {
    int64_t start, end;
    Acc acc;
    bool fired;
  };

  void FireUpTo(TimeUs w, Batch* out) {
    if (w == kMinTime || w < next_check_) return;
    int64_t next = kMaxTime;
    std::vector<std::string> keys;
    for (auto& [key, list] : sessions_) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    for (const auto& key : keys) {
      auto& list = sessions_[key];
      for (auto it = list.begin(); it != list.end();) {
        if (!it->fired && it->end - 1 <= w) {
          EmitRow(key, true, it->start, it->end, it->acc, it->end - 1, w, out);
          it->fired = true;
        }
        if (w == kMaxTime || it->end - 1 + def_.allowed_lateness <= w) {
          it = list.erase(it);
          continue;
        }
        next = std::min(next, it->fired ? it->end - 1 + def_.allowed_lateness : it->end - 1);
        ++it;
      }
      if (list.empty()) sessions_.erase(key);
    }
    next_check_ = next;
  }

  std::map<std::string, std::vector<Session>> sessions_;
  int64_t next_check_ = kMinTime;
};

class RunningAggregate final : public KeyedBase {
 public:
  using KeyedBase::KeyedBase;

  Status Process(const Batch& in, Batch* out) override {
    for (size_t r = 0; r < in.size(); ++r) {
      std::string_view key = in.keys.str(r);
      auto it = state_.find(AK(key));
      if (it == state_.end()) {
        Acc acc;
        agg_.Init(&acc);
        it = state_.emplace(std::string(key), std::move(acc)).first;
      }
      agg_.Update(&it->second, in, r, arrival_++);
      EmitRow(key, false, 0, 0, it->second, in.ts[r], in.wm[r], out);
    }
    return Status::OK();
  }

 private:
  absl::flat_hash_map<std::string, Acc> state_;
};

}  // namespace

Result<std::unique_ptr<KeyedOperator>> MakeKeyedOperator(const KeyedStageDef& def,
                                                         const Schema& input) {
  if (def.kind == OpKind::kAggregate) {
    return std::unique_ptr<KeyedOperator>(new RunningAggregate(def, input));
  }
  if (def.window == WindowKind::kSession) {
    if (def.gap <= 0) return Status::InvalidArgument("session gap must be > 0");
    return std::unique_ptr<KeyedOperator>(new SessionOperator(def, input));
  }
  if (def.size <= 0 || def.slide <= 0 || def.slide > def.size) {
    return Status::InvalidArgument("window needs size > 0 and 0 < slide <= size");
  }
  return std::unique_ptr<KeyedOperator>(new PaneWindowOperator(def, input));
}

}  // namespace sluice
