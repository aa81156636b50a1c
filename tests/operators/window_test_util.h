// Helpers for the keyed-stage tests: a row feed that applies the watermark rule, cutting it into
// batches, running a KeyedOperator over them and rendering result rows as text.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "base/batch.h"
#include "base/key.h"
#include "operators/keyed_operator.h"
#include "reference/reference_windows.h"

namespace doctest {
// Prints string lists in failure messages.
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string out = "{";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", \"" : "\"") + v[i] + "\"";
    out += "}";
    return String(out.c_str());
  }
};
}  // namespace doctest

namespace sluice::wintest {

// The schema of the differential and snapshot tests:
// k string, g int64, v int64, d double, s string, t timestamp(ms), b bool.
inline Schema MixedSchema() {
  return Schema({{"k", Type::kString},
                 {"g", Type::kInt64},
                 {"v", Type::kInt64},
                 {"d", Type::kDouble},
                 {"s", Type::kString},
                 {"t", Type::kTimestamp, TimeUnit::kMillis},
                 {"b", Type::kBool}});
}

// Every aggregate function over every MixedSchema() column it accepts (count() and count(col)
// included).
struct AggChoice {
  AggFunc func;
  int input;  // -1 for count()
};
inline std::vector<AggChoice> AllAggregateChoices() {
  std::vector<AggChoice> choices = {
      {AggFunc::kCount, -1}, {AggFunc::kCount, 2}, {AggFunc::kCount, 4}};
  for (int c : {2, 3}) {
    choices.push_back({AggFunc::kSum, c});
    choices.push_back({AggFunc::kAvg, c});
  }
  for (int c : {2, 3, 4, 5, 6}) {
    for (AggFunc f : {AggFunc::kMin, AggFunc::kMax, AggFunc::kFirst, AggFunc::kLast}) {
      choices.push_back({f, c});
    }
  }
  for (int c : {2, 3, 4, 6}) choices.push_back({AggFunc::kCountDistinct, c});
  return choices;
}

// Input rows in source order with W before each row = (largest earlier event time) - bound - 1.
class Feed {
 public:
  Feed(Schema schema, std::vector<int> key_columns, int64_t bound)
      : schema_(std::move(schema)), key_columns_(std::move(key_columns)), bound_(bound) {}

  void Add(TimeUs ts, std::vector<Value> values) {
    REQUIRE(values.size() == schema_.size());
    wm_.push_back(max_ts_ == kMinTime ? kMinTime : max_ts_ - bound_ - 1);
    max_ts_ = std::max(max_ts_, ts);
    ts_.push_back(ts);
    rows_.push_back(std::move(values));
  }

  const Schema& schema() const { return schema_; }
  const std::vector<int>& key_columns() const { return key_columns_; }
  size_t size() const { return rows_.size(); }
  TimeUs wm(size_t r) const { return wm_[r]; }
  // The watermark after the first `rows` rows.
  TimeUs WatermarkAfter(size_t rows) const {
    return rows < wm_.size() ? wm_[rows] : (max_ts_ == kMinTime ? kMinTime : max_ts_ - bound_ - 1);
  }

  // Batches of the given sizes in order (0 makes an empty batch), then one with the remaining
  // rows; the final batch has last = true.
  std::vector<Batch> Cut(const std::vector<size_t>& sizes) const {
    std::vector<Batch> out;
    size_t next = 0;
    for (size_t n : sizes) {
      n = std::min(n, rows_.size() - next);
      out.push_back(Make(next, next + n, false));
      next += n;
    }
    out.push_back(Make(next, rows_.size(), true));
    for (size_t i = 0; i < out.size(); ++i) out[i].seq = i;
    return out;
  }
  std::vector<Batch> CutEvery(size_t n) const {
    return Cut(std::vector<size_t>(n == 0 ? 0 : rows_.size() / n, n));
  }
  std::vector<Batch> OneBatch() const { return Cut({}); }

 private:
  Batch Make(size_t begin, size_t end, bool last) const {
    Batch b;
    b.reset(schema_);
    for (size_t r = begin; r < end; ++r) {
      for (size_t c = 0; c < schema_.size(); ++c) b.columns[c].push_value(rows_[r][c]);
      b.ts.push_back(ts_[r]);
      b.wm.push_back(wm_[r]);
    }
    EncodeKeys(key_columns_, &b);
    b.watermark = WatermarkAfter(end);
    b.last = last;
    return b;
  }

  Schema schema_;
  std::vector<int> key_columns_;
  int64_t bound_;
  TimeUs max_ts_ = kMinTime;
  std::vector<std::vector<Value>> rows_;
  std::vector<TimeUs> ts_, wm_;
};

// The rows only in `got` and only in `want` (both sorted), for failure messages.
inline std::string Diff(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  std::vector<std::string> extra, missing;
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::string out = "unexpected:";
  for (size_t i = 0; i < extra.size() && i < 8; ++i) out += " " + extra[i];
  out += "\nmissing:";
  for (size_t i = 0; i < missing.size() && i < 8; ++i) out += " " + missing[i];
  return out;
}

// Text of result row r: "v1|v2|...@ts" (+ "/wm"); null is "~" (as reference::RowText).
inline std::string RowText(const Batch& b, size_t r, bool with_wm) {
  std::vector<Value> values;
  for (const Column& c : b.columns) values.push_back(c.get(r));
  return reference::RowText(values, b.ts[r], b.wm[r], with_wm);
}

struct Output {
  std::vector<std::string> rows;  // emission order, "v1|v2|...@ts/wm"
  std::vector<std::string> late;  // late rows of the input schema, "v1|v2|...@ts/wm"
  uint64_t late_count = 0;        // stats().late
  Schema schema;
  std::vector<size_t> rows_per_batch;

  std::vector<std::string> sorted_rows() const {
    auto v = rows;
    std::sort(v.begin(), v.end());
    return v;
  }
  std::vector<std::string> sorted_late() const {
    auto v = late;
    std::sort(v.begin(), v.end());
    return v;
  }
};

inline Output RunOn(KeyedOperator* op, const std::vector<Batch>& batches, bool with_wm = true) {
  Output o;
  o.schema = op->output_schema();
  for (const Batch& in : batches) {
    Batch out;
    out.reset(op->output_schema());
    Status s = op->Process(in, &out);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    for (const Column& c : out.columns) REQUIRE(c.size() == out.size());
    REQUIRE(out.wm.size() == out.size());
    for (size_t r = 0; r < out.size(); ++r) o.rows.push_back(RowText(out, r, with_wm));
    if (out.late) {
      for (size_t r = 0; r < out.late->size(); ++r)
        o.late.push_back(RowText(*out.late, r, with_wm));
    }
    o.rows_per_batch.push_back(out.size());
  }
  o.late_count = op->stats().late;
  return o;
}

inline std::unique_ptr<KeyedOperator> Make(const KeyedStageDef& def, const Schema& input) {
  auto op = MakeKeyedOperator(def, input);
  REQUIRE_MESSAGE(op.ok(), op.status().ToString());
  return std::move(op).value();
}

inline Output Run(const KeyedStageDef& def, const Schema& input, const std::vector<Batch>& batches,
                  bool with_wm = true) {
  auto op = Make(def, input);
  return RunOn(op.get(), batches, with_wm);
}

// Late rows the reference reports, as text of the input rows.
inline std::vector<std::string> LateTexts(const std::vector<size_t>& ids,
                                          const std::vector<Batch>& batches, bool with_wm) {
  std::vector<std::pair<const Batch*, size_t>> rows;
  for (const Batch& b : batches) {
    for (size_t r = 0; r < b.size(); ++r) rows.emplace_back(&b, r);
  }
  std::vector<std::string> out;
  for (size_t id : ids) out.push_back(RowText(*rows[id].first, rows[id].second, with_wm));
  std::sort(out.begin(), out.end());
  return out;
}

// The same rows cut as one batch, one row per batch, and in threes with empty batches between
// give the same multisets of rows (with their wm) and late rows.
inline void CheckBatchingInvariant(const KeyedStageDef& def, const Feed& feed) {
  const Output one = Run(def, feed.schema(), feed.OneBatch());
  const Output each = Run(def, feed.schema(), feed.CutEvery(1));
  std::vector<size_t> sizes;
  for (size_t i = 0; i < feed.size(); i += 3) sizes.insert(sizes.end(), {0, 3, 0});
  const Output gaps = Run(def, feed.schema(), feed.Cut(sizes));
  CHECK(each.sorted_rows() == one.sorted_rows());
  CHECK(gaps.sorted_rows() == one.sorted_rows());
  CHECK(each.sorted_late() == one.sorted_late());
  CHECK(gaps.sorted_late() == one.sorted_late());
}

// The brute-force reference gives the same multisets of rows and late rows as the operator.
inline void CheckAgainstReference(const KeyedStageDef& def, const Feed& feed) {
  const std::vector<Batch> batches = feed.OneBatch();
  const Output got = Run(def, feed.schema(), batches);
  const reference::WindowResult want = reference::RunReference(
      reference::EventsFromBatches(batches, def), reference::StageFromDef(def, feed.schema()),
      feed.WatermarkAfter(feed.size()));
  CHECK(got.sorted_rows() == reference::SortedRowTexts(want.rows, true));
  CHECK(got.sorted_late() == LateTexts(want.late, batches, true));
  CHECK(got.late_count == want.late.size());
}

// The schema most tests use: k string (the key), v int64, d double, s string.
inline Schema BasicSchema() {
  return Schema(
      {{"k", Type::kString}, {"v", Type::kInt64}, {"d", Type::kDouble}, {"s", Type::kString}});
}

// A window stage keyed by column 0 with count() and sum(v) (fields n, total).
inline KeyedStageDef CountSumDef(WindowKind kind, int64_t size, int64_t slide, int64_t gap,
                                 int64_t lateness = 0) {
  KeyedStageDef def;
  def.kind = OpKind::kWindow;
  def.window = kind;
  def.size = size;
  def.slide = kind == WindowKind::kTumbling ? size : slide;
  def.gap = gap;
  def.allowed_lateness = lateness;
  def.key_columns = {0};
  def.aggregates.push_back({AggFunc::kCount, -1, {"n", Type::kInt64}});
  def.aggregates.push_back({AggFunc::kSum, 1, {"total", Type::kInt64}});
  return def;
}

// A basic row: key, v.
inline std::vector<Value> KV(const std::string& k, int64_t v) {
  return {Value::String(k), Value::Int(v), Value::Double(0), Value::String("")};
}

}  // namespace sluice::wintest
