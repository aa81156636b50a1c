// Helpers for the join tests: two input schemas, a feed of rows of both inputs in source order
// (with the watermark rule applied over both), cutting it into per-call batch pairs, running
// join operators over them on one or several lanes, and rendering rows as text for comparison
// with the reference (tests/reference/reference_joins.h).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "base/batch.h"
#include "base/key.h"
#include "operators/join_operator.h"
#include "reference/reference_joins.h"

namespace sluice::jointest {

// left:  lid int64, k string, g int64, x double
// right: g int64, rid int64, k string, s string
inline Schema LeftSchema() {
  return Schema(
      {{"lid", Type::kInt64}, {"k", Type::kString}, {"g", Type::kInt64}, {"x", Type::kDouble}});
}
inline Schema RightSchema() {
  return Schema(
      {{"g", Type::kInt64}, {"rid", Type::kInt64}, {"k", Type::kString}, {"s", Type::kString}});
}

// Keyed by k alone, or by (g, k).
inline void SetKeys(bool two_fields, JoinDef* def) {
  def->left_key = two_fields ? std::vector<int>{2, 1} : std::vector<int>{1};
  def->right_key = two_fields ? std::vector<int>{0, 2} : std::vector<int>{2};
}

inline JoinDef WindowJoinDef(WindowKind window, int64_t size, int64_t slide, int64_t gap) {
  JoinDef def;
  def.kind = OpKind::kWindowJoin;
  def.window = window;
  def.size = size;
  def.slide = window == WindowKind::kTumbling ? size : slide;
  def.gap = gap;
  def.left_prefix = "l_";
  def.right_prefix = "r_";
  SetKeys(false, &def);
  return def;
}

inline JoinDef IntervalJoinDef(JoinType type, int64_t lower, int64_t upper) {
  JoinDef def;
  def.kind = OpKind::kIntervalJoin;
  def.type = type;
  def.lower = lower;
  def.upper = upper;
  def.left_prefix = "l_";
  def.right_prefix = "r_";
  SetKeys(false, &def);
  return def;
}

inline JoinDef RegularJoinDef(int64_t left_ttl, int64_t right_ttl) {
  JoinDef def;
  def.kind = OpKind::kJoin;
  def.ttl[0] = left_ttl;
  def.ttl[1] = right_ttl;
  def.left_prefix = "l_";
  def.right_prefix = "r_";
  SetKeys(false, &def);
  return def;
}

inline reference::JoinSpec SpecOf(const JoinDef& def) {
  reference::JoinSpec s;
  s.ttl[0] = def.ttl[0];
  s.ttl[1] = def.ttl[1];
  if (def.kind == OpKind::kJoin) {
    s.kind = reference::JoinSpec::kRegular;
  } else if (def.kind == OpKind::kIntervalJoin) {
    s.kind = reference::JoinSpec::kInterval;
  } else {
    s.kind = def.window == WindowKind::kTumbling  ? reference::JoinSpec::kTumbling
             : def.window == WindowKind::kSliding ? reference::JoinSpec::kSliding
                                                  : reference::JoinSpec::kSession;
  }
  s.size = def.size;
  s.slide = def.window == WindowKind::kTumbling ? def.size : def.slide;
  s.gap = def.gap;
  s.lower = def.lower;
  s.upper = def.upper;
  s.left_alone = def.type == JoinType::kLeft || def.type == JoinType::kFull;
  s.right_alone = def.type == JoinType::kRight || def.type == JoinType::kFull;
  return s;
}

// Text of a row: "v1|v2|...@ts" (+ "/wm"); null is "~".
inline std::string Text(const std::vector<Value>& values, TimeUs ts, TimeUs wm, bool with_wm) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += '|';
    out += values[i].null ? std::string("~") : values[i].ToString();
  }
  out += '@' + std::to_string(ts);
  if (with_wm) out += '/' + std::to_string(wm);
  return out;
}

inline std::string Text(const Batch& b, size_t r, bool with_wm) {
  return Text(b.row(r), b.ts[r], b.wm[r], with_wm);
}

// Rows of both inputs in source order, with W before each row computed over both inputs.
class JoinFeed {
 public:
  struct Row {
    int side = 0;
    std::vector<Value> values;
    TimeUs ts = 0;
    TimeUs wm = kMinTime;
  };

  JoinFeed(JoinDef def, int64_t bound) : def_(std::move(def)), bound_(bound) {}

  // Appends a row; its id field (lid, rid) is set to its index.
  void Add(int side, TimeUs ts, std::vector<Value> values) {
    values[side == 0 ? 0 : 1] = Value::Int(static_cast<int64_t>(rows_.size()));
    rows_.push_back(
        {side, std::move(values), ts, max_ts_ == kMinTime ? kMinTime : max_ts_ - bound_ - 1});
    max_ts_ = std::max(max_ts_, ts);
  }

  const JoinDef& def() const { return def_; }
  int64_t bound() const { return bound_; }
  size_t size() const { return rows_.size(); }
  const Row& row(size_t i) const { return rows_[i]; }
  TimeUs WatermarkAfter(size_t rows) const {
    if (rows < rows_.size()) return rows_[rows].wm;
    return max_ts_ == kMinTime ? kMinTime : max_ts_ - bound_ - 1;
  }

  // One ProcessTwo call's inputs: the left and right rows of a stretch of the source.
  struct Call {
    Batch left, right;
  };
  // Calls over stretches of the given sizes (0 = no rows), then one with the remaining rows;
  // the last call's batches are `last`.
  std::vector<Call> Cut(const std::vector<size_t>& sizes) const {
    std::vector<Call> out;
    size_t next = 0;
    for (size_t n : sizes) {
      n = std::min(n, rows_.size() - next);
      out.push_back(Make(next, next + n, false));
      next += n;
    }
    out.push_back(Make(next, rows_.size(), true));
    return out;
  }

  // The reference's view of the rows.
  std::vector<reference::JoinEvent> Events() const {
    std::vector<reference::JoinEvent> events;
    for (size_t i = 0; i < rows_.size(); ++i) {
      const Row& row = rows_[i];
      reference::JoinEvent e;
      e.side = row.side;
      e.ts = row.ts;
      e.id = i;
      std::string key;
      bool null = false;
      for (int k : row.side == 0 ? def_.left_key : def_.right_key) {
        null = null || row.values[k].null;
        key += row.values[k].ToString() + '\x1f';
      }
      if (!null) e.key = key;
      events.push_back(std::move(e));
    }
    return events;
  }

  // The expected text of a reference result row.
  std::string Expected(const reference::JoinRow& r, bool with_wm) const {
    std::vector<Value> values;
    auto add = [&](const std::optional<size_t>& id, size_t fields) {
      for (size_t i = 0; i < fields; ++i) {
        values.push_back(id ? rows_[*id].values[i] : Value::Null());
      }
    };
    add(r.left, LeftSchema().size());
    add(r.right, RightSchema().size());
    if (def_.kind == OpKind::kWindowJoin) {
      values.push_back(Value::Timestamp(InUnit(r.start)));
      values.push_back(Value::Timestamp(InUnit(r.end)));
    }
    return Text(values, r.ts, r.wm, with_wm);
  }
  // The expected text of a late row.
  std::string ExpectedLate(size_t id, bool with_wm) const {
    const Row& row = rows_[id];
    return (row.side == 0 ? "L:" : "R:") + Text(row.values, row.ts, row.wm, with_wm);
  }

 private:
  int64_t InUnit(int64_t us) const {
    switch (def_.time_unit) {
      case TimeUnit::kSeconds:
        return reference::join_internal::Floor(us, 1'000'000);
      case TimeUnit::kMillis:
        return reference::join_internal::Floor(us, 1'000);
      default:
        return us;
    }
  }

  Call Make(size_t begin, size_t end, bool last) const {
    Call c;
    c.left.reset(LeftSchema());
    c.right.reset(RightSchema());
    for (size_t i = begin; i < end; ++i) {
      Batch& b = rows_[i].side == 0 ? c.left : c.right;
      for (size_t f = 0; f < b.columns.size(); ++f) b.columns[f].push_value(rows_[i].values[f]);
      b.ts.push_back(rows_[i].ts);
      b.wm.push_back(rows_[i].wm);
    }
    EncodeKeys(def_.left_key, &c.left);
    EncodeKeys(def_.right_key, &c.right);
    for (Batch* b : {&c.left, &c.right}) {
      b->watermark = WatermarkAfter(end);
      b->last = last;
    }
    return c;
  }

  JoinDef def_;
  int64_t bound_;
  TimeUs max_ts_ = kMinTime;
  std::vector<Row> rows_;
};

// What operators produced: result rows and late rows ("L:..." / "R:...") as text, in order.
struct JoinOutput {
  std::vector<std::string> rows, late;
  uint64_t late_count = 0;
  uint64_t keys_at_end = 0;

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

inline std::unique_ptr<KeyedOperator> MakeJoin(const JoinDef& def) {
  auto op = MakeJoinOperator(def, LeftSchema(), RightSchema());
  REQUIRE_MESSAGE(op.ok(), op.status().ToString());
  return std::move(op).value();
}

// Runs calls [begin, end) on `op`. With `lane` set, passes only the rows whose key_hash % lanes
// is *lane, as row selections into the shared batches; otherwise every row (null selections).
inline void RunCalls(KeyedOperator* op, const std::vector<JoinFeed::Call>& calls, size_t begin,
                     size_t end, const uint32_t* lane, uint32_t lanes, bool with_wm,
                     JoinOutput* o) {
  std::vector<uint32_t> sel[2];
  for (size_t c = begin; c < end; ++c) {
    const JoinFeed::Call& call = calls[c];
    KeyedOperator::TwoInputs in;
    in.left = &call.left;
    in.right = &call.right;
    if (lane) {
      const Batch* b[2] = {&call.left, &call.right};
      for (int s = 0; s < 2; ++s) {
        sel[s].clear();
        for (size_t r = 0; r < b[s]->size(); ++r) {
          if (b[s]->key_hash[r] % lanes == *lane) sel[s].push_back(static_cast<uint32_t>(r));
        }
        sel[s].push_back(0);  // keeps data() non-null when the lane has no rows
      }
      in.left_rows = sel[0].data();
      in.left_n = sel[0].size() - 1;
      in.right_rows = sel[1].data();
      in.right_n = sel[1].size() - 1;
    }
    Batch out;
    out.reset(op->output_schema());
    const Status s = op->ProcessTwo(in, &out);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    REQUIRE(out.wm.size() == out.size());
    for (const Column& col : out.columns) REQUIRE(col.size() == out.size());
    for (size_t r = 0; r < out.size(); ++r) o->rows.push_back(Text(out, r, with_wm));
    if (out.late) {
      for (size_t r = 0; r < out.late->size(); ++r) {
        o->late.push_back("L:" + Text(*out.late, r, with_wm));
      }
    }
    if (out.late_right) {
      for (size_t r = 0; r < out.late_right->size(); ++r) {
        o->late.push_back("R:" + Text(*out.late_right, r, with_wm));
      }
    }
  }
  o->late_count = op->stats().late;
  o->keys_at_end = op->keys();
}

// The rows of `lanes` operator instances, one per lane, each given its lane's rows of every
// call; compared without wm when lanes > 1 (a lane sees the watermark only at its own rows and
// at call ends).
inline JoinOutput RunLanes(const JoinDef& def, const std::vector<JoinFeed::Call>& calls,
                           uint32_t lanes) {
  JoinOutput all;
  const bool with_wm = lanes == 1;
  for (uint32_t lane = 0; lane < lanes; ++lane) {
    auto op = MakeJoin(def);
    JoinOutput o;
    RunCalls(op.get(), calls, 0, calls.size(), lanes == 1 ? nullptr : &lane, lanes, with_wm, &o);
    all.rows.insert(all.rows.end(), o.rows.begin(), o.rows.end());
    all.late.insert(all.late.end(), o.late.begin(), o.late.end());
    all.late_count += o.late_count;
    all.keys_at_end += o.keys_at_end;
  }
  return all;
}

// The reference's rows and late rows as sorted text.
inline void ExpectedTexts(const JoinFeed& feed, bool with_wm, std::vector<std::string>* rows,
                          std::vector<std::string>* late) {
  const reference::JoinResult want =
      reference::RunJoinReference(feed.Events(), feed.bound(), SpecOf(feed.def()));
  for (const reference::JoinRow& r : want.rows) rows->push_back(feed.Expected(r, with_wm));
  for (int s = 0; s < 2; ++s) {
    for (size_t id : want.late[s]) late->push_back(feed.ExpectedLate(id, with_wm));
  }
  std::sort(rows->begin(), rows->end());
  std::sort(late->begin(), late->end());
}

// The rows only in `got` and only in `want` (both sorted), for failure messages.
inline std::string Diff(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  std::vector<std::string> extra, missing;
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::string out = "got " + std::to_string(got.size()) + ", want " + std::to_string(want.size());
  out += "\nunexpected:";
  for (size_t i = 0; i < extra.size() && i < 8; ++i) out += " " + extra[i];
  out += "\nmissing:";
  for (size_t i = 0; i < missing.size() && i < 8; ++i) out += " " + missing[i];
  return out;
}

inline int64_t Uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

template <typename T>
inline T Pick(std::mt19937_64& rng, const std::vector<T>& options) {
  return options[static_cast<size_t>(Uniform(rng, 0, static_cast<int64_t>(options.size()) - 1))];
}

// The operator a random case draws.
enum class Kind { kTumbling, kSliding, kSession, kInterval, kRegular };

// A random join of `kind` (interval joins of `type`) with small windows and bounds, so rows
// often fall on their exact edges; keyed by k or (g, k), in a random time unit.
inline JoinDef RandomDef(std::mt19937_64& rng, Kind kind, JoinType type) {
  JoinDef def;
  if (kind == Kind::kRegular) {
    auto ttl = [&] { return Pick<int64_t>(rng, {0, 0, 1, 5, 20, 100}); };
    const int64_t left = ttl();
    def = RegularJoinDef(left, Uniform(rng, 0, 2) == 0 ? left : ttl());
  } else if (kind == Kind::kInterval) {
    const int64_t a = Uniform(rng, -20, 20);
    const int64_t b = Uniform(rng, 0, 3) == 0 ? a : Uniform(rng, -20, 20);
    def = IntervalJoinDef(type, std::min(a, b), std::max(a, b));
  } else if (kind == Kind::kSession) {
    def = WindowJoinDef(WindowKind::kSession, 0, 0, Pick<int64_t>(rng, {1, 2, 5, 20}));
  } else if (kind == Kind::kTumbling) {
    def = WindowJoinDef(WindowKind::kTumbling, Pick<int64_t>(rng, {1, 2, 5, 10, 40}), 0, 0);
  } else {
    const int64_t size = Pick<int64_t>(rng, {2, 5, 10, 40});
    const int64_t slide = Uniform(rng, 0, 1)
                              ? std::max<int64_t>(1, size / Pick<int64_t>(rng, {2, 5}))
                              : Uniform(rng, 1, size);
    def = WindowJoinDef(WindowKind::kSliding, size, slide, 0);
  }
  SetKeys(Uniform(rng, 0, 2) == 0, &def);
  def.time_unit = Pick(rng, std::vector<TimeUnit>{TimeUnit::kMicros, TimeUnit::kMillis,
                                                  TimeUnit::kSeconds, TimeUnit::kIso});
  return def;
}

// Times advance 0..3 us per row, displaced back by up to `disorder`; about 1 key field in 25 is
// null; doubles are multiples of 0.25.
inline JoinFeed RandomFeed(std::mt19937_64& rng, const JoinDef& def) {
  JoinFeed feed(def, Pick<int64_t>(rng, {0, 1, 5, 30}));
  const int keys = Pick(rng, std::vector<int>{1, 3, 10, 40});
  const int64_t disorder = Pick<int64_t>(rng, {0, 3, 20, 100});
  const int64_t left_share = Pick<int64_t>(rng, {20, 50, 50, 80});
  const int n =
      static_cast<int>(Uniform(rng, 0, 7) == 0 ? Uniform(rng, 0, 2000) : Uniform(rng, 0, 500));
  int64_t t = Uniform(rng, -300, 50);
  auto key = [&] {
    return Uniform(rng, 0, 24) == 0
               ? Value::Null(Type::kString)
               : Value::String("k" + std::to_string(Uniform(rng, 0, keys - 1)));
  };
  auto group = [&] {
    return Uniform(rng, 0, 24) == 0 ? Value::Null() : Value::Int(Uniform(rng, 0, 1));
  };
  for (int i = 0; i < n; ++i) {
    t += Uniform(rng, 0, 3);
    const TimeUs ts = t - Uniform(rng, 0, disorder);
    if (Uniform(rng, 0, 99) < left_share) {
      const Value x = Uniform(rng, 0, 9) == 0 ? Value::Null(Type::kDouble)
                                              : Value::Double(double(Uniform(rng, -40, 40)) / 4);
      feed.Add(0, ts, {Value::Int(0), key(), group(), x});
    } else {
      const Value s = Value::String(Pick<std::string>(rng, {"", "a", "bc"}));
      feed.Add(1, ts, {group(), Value::Int(0), key(), s});
    }
  }
  return feed;
}

// Call sizes covering `rows` rows: mostly 1..max (max from 1 to 4096), sometimes 0.
inline std::vector<size_t> RandomCuts(std::mt19937_64& rng, size_t rows) {
  std::vector<size_t> sizes;
  const int64_t max_size = Pick<int64_t>(rng, {1, 3, 17, 100, 4096});
  for (size_t covered = 0; covered < rows;) {
    const size_t n = static_cast<size_t>(Uniform(rng, 0, 9) == 0 ? 0 : Uniform(rng, 1, max_size));
    sizes.push_back(n);
    covered += n;
  }
  return sizes;
}

}  // namespace sluice::jointest
