// Accumulators of the aggregate functions: update from a batch row, merge (panes, sessions) and
// emit into result columns. Aggregator is immutable after construction and thread-compatible;
// an Acc belongs to one lane.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <absl/container/flat_hash_set.h>
#include <xxhash.h>

#include "base/batch.h"
#include "operators/keyed_operator.h"

namespace sluice {

// State of one aggregate for one (key, window). Mergeable. The fields count, sum and avg use
// come first and share one cache line (the alignment keeps them from straddling two), so an
// update or merge of those aggregates touches 32 bytes per state.
struct alignas(64) AggState {
  __int128 isum = 0;   // exact sum of int-like inputs (no overflow below 2^64 rows)
  int64_t n = 0;       // rows (count()) or non-null inputs
  double dsum = 0;     // sum of double inputs
  bool has = false;    // best is set
  int64_t bi = 0;      // best int-like
  double bd = 0;       // best double
  std::string bs;      // best string
  int64_t bts = 0;     // event time of best (first/last)
  uint64_t barr = 0;   // arrival of best (first/last)
  std::unique_ptr<absl::flat_hash_set<uint64_t>> distinct;
};

// One accumulator as a value: the states of every aggregate, in declared order. Operators that
// hold many accumulators keep them in one flat array instead (`Aggregator::size()` states per
// accumulator, see UpdateRows), and pass `const AggState*` to the functions below.
struct Acc {
  std::vector<AggState> aggs;
};

// The state of a count, sum or avg alone: AggState's first fields, 32 bytes. An operator whose
// aggregates are all of those kinds (Aggregator::additive()) may keep its accumulators as
// SumStates; every Aggregator function taking a state type accepts either.
struct alignas(32) SumState {
  __int128 isum = 0;
  int64_t n = 0;
  double dsum = 0;
};
inline void ResetStates(SumState* states, size_t n) {
  for (size_t i = 0; i < n; ++i) states[i] = SumState();
}

// Clears the `n` states at `states` for reuse, keeping their allocations.
void ResetStates(AggState* states, size_t n);
// Clears every state of `acc` for reuse, keeping its allocations.
inline void ResetAcc(Acc* acc) { ResetStates(acc->aggs.data(), acc->aggs.size()); }

class Aggregator {
 public:
  Aggregator(const std::vector<AggregateDef>& defs, const Schema& input) : defs_(defs) {
    for (const auto& d : defs) {
      in_types_.push_back(d.input >= 0 ? input.field(d.input).type : Type::kInt64);
      additive_ = additive_ && (d.func == AggFunc::kCount || d.func == AggFunc::kSum ||
                                d.func == AggFunc::kAvg);
      exact_ = exact_ && (d.func == AggFunc::kCount ||
                          ((d.func == AggFunc::kSum || d.func == AggFunc::kAvg) &&
                           in_types_.back() != Type::kDouble));
    }
    exact_ = exact_ && additive_;
  }

  // The number of states of one accumulator (one per aggregate).
  size_t size() const { return defs_.size(); }
  // Every aggregate is count, sum or avg: accumulators may be SumStates.
  bool additive() const { return additive_; }
  // Additive, and no sum or avg of doubles: every state is integers (isum, n), so Subtract
  // undoes Merge exactly and a running merge equals a fresh one bit for bit.
  bool exact() const { return exact_; }

  void Init(Acc* acc) const { acc->aggs.resize(defs_.size()); }

  // Adds row r of `b` (arrival = its input-order number) to every aggregate of *acc.
  void Update(Acc* acc, const Batch& b, size_t r, uint64_t arrival) const {
    for (size_t j = 0; j < defs_.size(); ++j) UpdateOne(j, &acc->aggs[j], b, r, arrival);
  }

  // `pool` is a flat array of accumulators, size() states each: accumulator `slot` is
  // pool[slot * size()] .. pool[slot * size() + size() - 1].
  // For i in [begin, end), adds row R(i) of `b` to accumulator slots[i - begin] (skipping kSkip
  // slots), where R(i) = rows[i - begin] when `rows` is set, else i; its arrival is
  // first_arrival + (i - begin). One typed loop per aggregate.
  static constexpr uint32_t kSkip = UINT32_MAX;
  template <typename State>
  void UpdateRows(State* pool, const uint32_t* slots, const uint32_t* rows,
                  const Batch& b, size_t begin, size_t end, uint64_t first_arrival) const {
    if (rows) {
      UpdateRowsImpl(pool, slots, b, begin, end, first_arrival,
                     [rows, begin](size_t i) -> size_t { return rows[i - begin]; });
    } else {
      UpdateRowsImpl(pool, slots, b, begin, end, first_arrival, [](size_t i) { return i; });
    }
  }

  template <typename State, typename RowOf>
  void UpdateRowsImpl(State* pool, const uint32_t* slots, const Batch& b, size_t begin,
                      size_t end, uint64_t first_arrival, RowOf row_of) const {
    const size_t m = defs_.size();
    for (size_t j = 0; j < m; ++j) {
      State* states = pool + j;  // accumulator slot's state j is states[slot * m]
      const AggregateDef& d = defs_[j];
      const Column* c = d.input >= 0 ? &b.columns[d.input] : nullptr;
      const bool dense = !c || !c->has_nulls();
      if (!c || (dense && d.func == AggFunc::kCount)) {
        for (size_t i = begin; i < end; ++i) {
          if (uint32_t slot = slots[i - begin]; slot != kSkip) ++states[slot * m].n;
        }
      } else if (dense && (d.func == AggFunc::kSum || d.func == AggFunc::kAvg) &&
                 c->type == Type::kDouble) {
        const double* v = c->f64.data();
        for (size_t i = begin; i < end; ++i) {
          if (uint32_t slot = slots[i - begin]; slot != kSkip) {
            State& s = states[slot * m];
            ++s.n;
            s.dsum += v[row_of(i)];
          }
        }
      } else if (dense && (d.func == AggFunc::kSum || d.func == AggFunc::kAvg)) {
        const int64_t* v = c->i64.data();
        for (size_t i = begin; i < end; ++i) {
          if (uint32_t slot = slots[i - begin]; slot != kSkip) {
            State& s = states[slot * m];
            ++s.n;
            s.isum += v[row_of(i)];
          }
        }
      } else {
        for (size_t i = begin; i < end; ++i) {
          if (uint32_t slot = slots[i - begin]; slot != kSkip) {
            if constexpr (std::is_same_v<State, AggState>) {
              UpdateOne(j, &states[slot * m], b, row_of(i), first_arrival + (i - begin));
            } else {
              UpdateSum(j, &states[slot * m], b, row_of(i));
            }
          }
        }
      }
    }
  }

  // UpdateOne for a count, sum or avg.
  void UpdateSum(size_t j, SumState* s, const Batch& b, size_t r) const {
    const AggregateDef& d = defs_[j];
    if (d.input < 0) {
      ++s->n;
      return;
    }
    const Column& c = b.columns[d.input];
    if (!c.is_valid(r)) return;
    ++s->n;
    if (d.func == AggFunc::kCount) return;
    if (c.type == Type::kDouble) s->dsum += c.f64[r];
    else s->isum += c.i64[r];
  }

  void UpdateOne(size_t j, AggState* sp, const Batch& b, size_t r, uint64_t arrival) const {
    AggState& s = *sp;
    const AggregateDef& d = defs_[j];
    if (d.input < 0) {
      ++s.n;
      return;
    }
    const Column& c = b.columns[d.input];
    if (!c.is_valid(r)) return;
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

  void Merge(Acc* into, const Acc& from) const { Merge(into->aggs.data(), from.aggs.data()); }
  // Takes the accumulator at `from` back out of the one at `into` that it was merged into.
  // REQUIRES: exact().
  void Subtract(SumState* into, const SumState* from) const {
    for (size_t j = 0; j < defs_.size(); ++j) {
      into[j].n -= from[j].n;
      into[j].isum -= from[j].isum;
    }
  }
  // Merges the accumulator at `from` (size() states) into the one at `into`.
  template <typename State>
  void Merge(State* into, const State* from) const {
    if (!std::is_same_v<State, AggState> || additive_) {  // counts and sums add up
      for (size_t j = 0; j < defs_.size(); ++j) {
        State& s = into[j];
        const State& o = from[j];
        s.n += o.n;
        s.isum += o.isum;
        s.dsum += o.dsum;
      }
      return;
    }
    if constexpr (std::is_same_v<State, AggState>) MergeBest(into, from);
  }

 private:
  void MergeBest(AggState* into, const AggState* from) const {
    for (size_t j = 0; j < defs_.size(); ++j) {
      const AggregateDef& d = defs_[j];
      AggState& s = into[j];
      const AggState& o = from[j];
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

 public:
  // Appends the results to out->columns[first...]. Returns the index of the first aggregate whose
  // result does not fit its type (a sum of int64 values outside int64, emitted as null), or -1.
  int Emit(const Acc& acc, Batch* out, size_t first) const {
    return Emit(acc.aggs.data(), out, first);
  }
  template <typename State>
  int Emit(const State* acc, Batch* out, size_t first) const {
    int overflow = -1;
    for (size_t j = 0; j < defs_.size(); ++j) {
      const AggregateDef& d = defs_[j];
      const State& s = acc[j];
      Column& c = out->columns[first + j];
      switch (d.func) {
        case AggFunc::kCount: c.push_int(s.n); break;
        case AggFunc::kCountDistinct:
          if constexpr (std::is_same_v<State, AggState>) {
            c.push_int(s.distinct ? s.distinct->size() : 0);
          }
          break;
        case AggFunc::kSum:
          if (s.n == 0) c.push_null();
          else if (in_types_[j] == Type::kDouble) c.push_double(OneNaN(s.dsum));
          else if (FitsInt64(s.isum)) c.push_int(static_cast<int64_t>(s.isum));
          else {
            c.push_null();
            if (overflow < 0) overflow = static_cast<int>(j);
          }
          break;
        case AggFunc::kAvg:
          if (s.n == 0) c.push_null();
          else c.push_double(OneNaN(Total(s, in_types_[j]) / s.n));
          break;
        default:
          if constexpr (std::is_same_v<State, AggState>) {
            if (!s.has) c.push_null();
            else if (in_types_[j] == Type::kDouble) c.push_double(s.bd);
            else if (in_types_[j] == Type::kString) c.push_string(s.bs);
            else c.push_int(s.bi);
          }
          break;
      }
    }
    return overflow;
  }

  // NaN results are printed alike, whatever sign the arithmetic gave them (inf + -inf is -nan).
  static double OneNaN(double v) {
    return std::isnan(v) ? std::numeric_limits<double>::quiet_NaN() : v;
  }
  // The sum as a double (of an exact int sum, the nearest double).
  template <typename State>
  static double Total(const State& s, Type input) {
    return input == Type::kDouble ? s.dsum : static_cast<double>(s.isum);
  }

  static bool FitsInt64(__int128 v) {
    return v >= std::numeric_limits<int64_t>::min() && v <= std::numeric_limits<int64_t>::max();
  }

  // The order of min and max over doubles, a total order so that results never depend on
  // arrival order: -0.0 before +0.0, and NaN after every number (as in PostgreSQL), every NaN
  // equal to every other.
  static bool DoubleLess(double a, double b) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
    if (a == b) return std::signbit(a) && !std::signbit(b);
    return a < b;
  }

 private:
  static bool Better(const Column& c, size_t r, const AggState& s, bool want_less) {
    switch (c.type) {
      case Type::kDouble:
        return want_less ? DoubleLess(c.f64[r], s.bd) : DoubleLess(s.bd, c.f64[r]);
      case Type::kString: return want_less ? c.str(r) < s.bs : c.str(r) > s.bs;
      default: return want_less ? c.i64[r] < s.bi : c.i64[r] > s.bi;
    }
  }
  static bool Less(const AggState& a, const AggState& b, Type t) {
    switch (t) {
      case Type::kDouble: return DoubleLess(a.bd, b.bd);
      case Type::kString: return a.bs < b.bs;
      default: return a.bi < b.bi;
    }
  }
  static void Take(const Column& c, size_t r, AggState* s) {
    s->has = true;
    switch (c.type) {
      case Type::kDouble:  // one NaN, whatever the payload or sign
        s->bd = OneNaN(c.f64[r]);
        break;
      case Type::kString: s->bs.assign(c.str(r)); break;
      default: s->bi = c.i64[r]; break;
    }
  }

  std::vector<AggregateDef> defs_;
  std::vector<Type> in_types_;
  bool additive_ = true;  // every aggregate is count, sum or avg (Merge adds n, isum and dsum)
  bool exact_ = true;     // additive_, and no sum or avg of doubles
};


}  // namespace sluice
