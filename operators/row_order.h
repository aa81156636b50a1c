// RowOrder: the order in which top_n keeps rows (KeyedStageDef::order: input columns, each
// ascending or descending; nulls last either way; NaN after every number; ties: the earlier
// arrival first). Shared by the top_n per key (top_n.cc) and per window (window_top_n.cc).
// Thread-compatible: const methods only, but OrderOf reuses a scratch vector.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/batch.h"
#include "base/key.h"
#include "operators/keyed_operator.h"

namespace sluice {

// One order value of a kept row.
struct SortValue {
  bool null = true;
  int64_t i = 0;
  double d = 0;
  std::string s;
};

// A kept row: its encoding (EncodeKeyRow over every input field), event time, arrival and order
// values.
struct RankedRow {
  std::string row;
  TimeUs ts = 0;
  uint64_t arrival = 0;
  std::vector<SortValue> order;
};

class RowOrder {
 public:
  RowOrder(const KeyedStageDef& def, const Schema& input) : def_(def), input_(input) {
    for (size_t c = 0; c < input.size(); ++c) types_.push_back(input.field(c).type);
  }

  // The order values of input row r.
  std::vector<SortValue> ValuesOf(const Batch& in, size_t r) const {
    std::vector<SortValue> out;
    for (const auto& [c, desc] : def_.order) out.push_back(ValueOf(in.columns[c], r));
    return out;
  }

  // The order values of an encoded row (from a snapshot).
  std::vector<SortValue> OrderOf(std::string_view row, Batch* scratch) const {
    scratch->reset(input_);
    cols_.resize(types_.size());
    for (size_t c = 0; c < types_.size(); ++c) cols_[c] = &scratch->columns[c];
    DecodeKeyInto(row, types_, cols_);
    return ValuesOf(*scratch, 0);
  }

  // True when `a` comes before `b`.
  bool Before(const RankedRow& a, const RankedRow& b) const {
    for (size_t k = 0; k < def_.order.size(); ++k) {
      const SortValue &x = a.order[k], &y = b.order[k];
      if (x.null != y.null) return y.null;  // nulls last, in either direction
      if (const int d = Compare(k, x, y); d != 0) return d < 0;
    }
    return a.arrival < b.arrival;
  }

  // True when `a` and `b` have the same order values (they differ at most in arrival).
  bool Tied(const RankedRow& a, const RankedRow& b) const {
    for (size_t k = 0; k < def_.order.size(); ++k) {
      const SortValue &x = a.order[k], &y = b.order[k];
      if (x.null != y.null || (!x.null && Compare(k, x, y) != 0)) return false;
    }
    return true;
  }

  // -1, 0, 1 as input row r's order values come before, tie with or come after those of `k`
  // (arrival aside), without copying them.
  int CompareRow(const Batch& in, size_t r, const RankedRow& k) const {
    for (size_t j = 0; j < def_.order.size(); ++j) {
      const Column& c = in.columns[def_.order[j].first];
      const SortValue& y = k.order[j];
      const bool null = !c.is_valid(r);
      if (null != y.null) return null ? 1 : -1;  // nulls last, in either direction
      if (null) continue;
      int64_t ai = 0;
      double ad = 0;
      std::string_view as;
      switch (c.type) {
        case Type::kDouble:
          ad = c.f64[r];
          break;
        case Type::kString:
          as = c.str(r);
          break;
        default:
          ai = c.i64[r];
      }
      if (const int d = Directed(j, CompareAsc(c.type, ai, ad, as, y)); d != 0) return d;
    }
    return 0;
  }

  const std::vector<Type>& types() const { return types_; }

 private:
  static SortValue ValueOf(const Column& c, size_t r) {
    SortValue v;
    if (!c.is_valid(r)) return v;
    v.null = false;
    switch (c.type) {
      case Type::kDouble:
        v.d = c.f64[r];
        break;
      case Type::kString:
        v.s = std::string(c.str(r));
        break;
      default:
        v.i = c.i64[r];
    }
    return v;
  }

  // -1, 0, 1 as a sorts before, with or after b in order column k's type (both not null).
  int Compare(size_t k, const SortValue& a, const SortValue& b) const {
    return Directed(k, CompareAsc(types_[def_.order[k].first], a.i, a.d, a.s, b));
  }

  // Ascending comparison of a non-null value (as ai, ad or as by `type`) with b (not null).
  static int CompareAsc(Type type, int64_t ai, double ad, std::string_view as, const SortValue& b) {
    switch (type) {
      case Type::kDouble: {
        const bool na = std::isnan(ad), nb = std::isnan(b.d);
        return na || nb ? (na == nb ? 0 : (na ? 1 : -1)) : (ad > b.d) - (ad < b.d);
      }
      case Type::kString: {
        const int d = as.compare(b.s);
        return (d > 0) - (d < 0);
      }
      default:
        return (ai > b.i) - (ai < b.i);
    }
  }
  int Directed(size_t k, int d) const { return def_.order[k].second ? -d : d; }

  const KeyedStageDef& def_;
  const Schema& input_;
  std::vector<Type> types_;
  mutable std::vector<Column*> cols_;
};

}  // namespace sluice
