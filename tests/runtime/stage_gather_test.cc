// GatherStageResults orders rows canonically: by position (when tracked), event time, then each
// cell in schema order (nulls first, -0.0 before +0.0, NaN after every number, strings by
// bytes). Checked against a brute-force sort of boxed rows, on random parts whose values crowd
// the cases a sort key prefix can get wrong.
#include "runtime/stage_gather.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace sluice;

namespace {

int64_t Uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// A value of `type` drawn from a small set (so that ties are frequent), or null.
Value RandomValue(std::mt19937_64& rng, Type type) {
  if (Uniform(rng, 0, 7) == 0) return Value::Null(type);
  switch (type) {
    case Type::kDouble: {
      static const double kDoubles[] = {-0.0,
                                        0.0,
                                        std::numeric_limits<double>::quiet_NaN(),
                                        -std::numeric_limits<double>::quiet_NaN(),
                                        std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        1.5,
                                        -1.5,
                                        1e300,
                                        -2e-300};
      return Value::Double(kDoubles[Uniform(rng, 0, 9)]);
    }
    case Type::kString: {
      static const std::vector<std::string> kStrings = {"",
                                                        "a",
                                                        std::string("a\0", 2),
                                                        "ab",
                                                        "abcdefgh",
                                                        "abcdefghi",
                                                        "abcdefgh\x01",
                                                        "abcdefgg\xff",
                                                        "\xff",
                                                        "\x80zz",
                                                        "abcdefghj"};
      return Value::String(kStrings[Uniform(rng, 0, kStrings.size() - 1)]);
    }
    case Type::kBool:
      return Value::Bool(Uniform(rng, 0, 1) != 0);
    default: {
      static const int64_t kInts[] = {std::numeric_limits<int64_t>::min(), -1, 0, 1, 7,
                                      std::numeric_limits<int64_t>::max()};
      const int64_t v = kInts[Uniform(rng, 0, 5)];
      return type == Type::kTimestamp ? Value::Timestamp(v) : Value::Int(v);
    }
  }
}

// CompareCell's order on boxed values of one type.
int CompareValues(const Value& a, const Value& b) {
  if (a.null || b.null) return a.null == b.null ? 0 : (a.null ? -1 : 1);
  if (a.type == Type::kDouble) {
    const double x = a.d, y = b.d;
    if (std::isnan(x) || std::isnan(y))
      return std::isnan(x) == std::isnan(y) ? 0 : (std::isnan(x) ? 1 : -1);
    if (x != y) return x < y ? -1 : 1;
    return std::signbit(y) - std::signbit(x);
  }
  if (a.type == Type::kString) {
    const int c = a.s.compare(b.s);
    return (c > 0) - (c < 0);
  }
  return (a.i > b.i) - (a.i < b.i);
}

struct Boxed {
  uint64_t pos;
  TimeUs ts;
  std::vector<Value> cells;
};

// The rows of `b` as text, exact enough to tell -0.0 from 0.0 and every NaN from a number.
std::string RowText(const Boxed& r) {
  std::string out = std::to_string(r.pos) + "|" + std::to_string(r.ts);
  for (const Value& v : r.cells) {
    out += "|";
    if (v.null) {
      out += "null";
    } else if (v.type == Type::kDouble) {
      out += std::isnan(v.d) ? "nan"
                             : (std::signbit(v.d) ? "-" : "+") + std::to_string(std::fabs(v.d));
    } else if (v.type == Type::kString) {
      out += "s:" + v.s;
    } else {
      out += std::to_string(v.i);
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "gather: rows come out in canonical order for every column type, with and without positions") {
  const std::vector<Type> first_types = {Type::kInt64, Type::kDouble, Type::kString, Type::kBool,
                                         Type::kTimestamp};
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    std::mt19937_64 rng(seed);
    CAPTURE(seed);
    std::vector<Field> fields;
    fields.push_back({"a", first_types[Uniform(rng, 0, first_types.size() - 1)]});
    fields.push_back({"b", first_types[Uniform(rng, 0, first_types.size() - 1)]});
    fields.push_back({"c", Type::kInt64});
    const Schema schema(fields);
    const bool positions = Uniform(rng, 0, 1) != 0;
    const int n_parts = static_cast<int>(Uniform(rng, 1, 4));
    std::vector<Batch> batches(n_parts);
    std::vector<Boxed> want;
    auto canonical = [](const Boxed& x, const Boxed& y) {
      if (x.pos != y.pos) return x.pos < y.pos;
      if (x.ts != y.ts) return x.ts < y.ts;
      for (size_t c = 0; c < x.cells.size(); ++c) {
        if (int d = CompareValues(x.cells[c], y.cells[c]); d != 0) return d < 0;
      }
      return false;
    };
    for (Batch& b : batches) {
      b.reset(schema);
      std::vector<Boxed> part(Uniform(rng, 0, 60));
      for (Boxed& row : part) {
        row.pos = positions ? static_cast<uint64_t>(Uniform(rng, 0, 3)) : 0;
        row.ts = Uniform(rng, 0, 2);
        for (const Field& f : fields) row.cells.push_back(RandomValue(rng, f.type));
      }
      // Lanes mostly hand over their rows in canonical order already (the merge path).
      if (Uniform(rng, 0, 1) != 0) std::stable_sort(part.begin(), part.end(), canonical);
      for (Boxed& row : part) {
        for (size_t c = 0; c < fields.size(); ++c) b.columns[c].push_value(row.cells[c]);
        b.ts.push_back(row.ts);
        if (positions) b.pos.push_back(row.pos);
        want.push_back(std::move(row));
      }
    }
    std::stable_sort(want.begin(), want.end(), canonical);
    std::vector<const Batch*> parts;
    for (const Batch& b : batches) parts.push_back(&b);
    if (Uniform(rng, 0, 1) != 0) parts.insert(parts.begin(), nullptr);  // a lane with nothing
    Batch from;
    from.seq = 9;
    from.start_watermark = 42;
    Batch out;
    GatherStageResults(schema, parts, from, /*by_cause=*/false, positions, &out);
    REQUIRE(out.size() == want.size());
    CHECK(out.seq == 9);
    for (size_t r = 0; r < out.size(); ++r) {
      Boxed got{positions ? out.pos[r] : 0, out.ts[r], out.row(r)};
      CHECK(out.wm[r] == 42);
      REQUIRE_MESSAGE(RowText(got) == RowText(want[r]), "row " << r);
    }
  }
}
