#include "operators/accumulators.h"

#include <fmt/format.h>

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

void ResetStates(AggState* states, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    AggState& s = states[i];
    s.n = 0;
    s.isum = 0;
    s.dsum = 0;
    s.has = false;
    s.bi = 0;
    s.bd = 0;
    s.bs.clear();
    s.bts = 0;
    s.barr = 0;
    if (s.distinct) s.distinct->clear();
  }
}

}  // namespace sluice
