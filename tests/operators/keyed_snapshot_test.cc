// Checkpoint snapshots of the keyed operators (pane window, session window, running aggregate):
// an operator snapshotted after any batch and restored into a freshly built one continues with
// exactly the rows (same order, same wm) and late rows the uninterrupted operator produces; and
// Restore refuses other kinds, other definitions, newer versions and garbled or truncated bytes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "codecs/state_codec.h"
#include "base/key.h"
#include "operators/acc_codec.h"
#include "window_test_util.h"

using namespace sluice;
using namespace sluice::wintest;

namespace {

Schema SnapSchema() { return MixedSchema(); }

int64_t Uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// Every aggregate function over every input type it accepts (count() and count(col) included).
std::vector<AggregateDef> AllAggregates(const Schema& schema) {
  std::vector<AggregateDef> out;
  for (const AggChoice& c : AllAggregateChoices()) {
    auto field = AggregateResultField(c.func, c.input >= 0 ? &schema.field(c.input) : nullptr,
                                      "a" + std::to_string(out.size()));
    REQUIRE(field.ok());
    out.push_back({c.func, c.input, *field});
  }
  return out;
}

KeyedStageDef Def(OpKind kind, WindowKind window, int64_t size, int64_t slide, int64_t gap,
                  int64_t lateness, std::vector<int> keys = {0}) {
  KeyedStageDef def;
  def.kind = kind;
  def.window = window;
  def.size = size;
  def.slide = slide;
  def.gap = gap;
  def.allowed_lateness = lateness;
  def.key_columns = std::move(keys);
  def.aggregates = AllAggregates(SnapSchema());
  return def;
}

KeyedStageDef Tumbling(int64_t size, int64_t lateness = 0) {
  return Def(OpKind::kWindow, WindowKind::kTumbling, size, size, 0, lateness);
}
KeyedStageDef Sliding(int64_t size, int64_t slide, int64_t lateness = 0) {
  return Def(OpKind::kWindow, WindowKind::kSliding, size, slide, 0, lateness);
}
KeyedStageDef Session(int64_t gap, int64_t lateness = 0) {
  return Def(OpKind::kWindow, WindowKind::kSession, 0, 0, gap, lateness);
}
KeyedStageDef Running() { return Def(OpKind::kAggregate, WindowKind::kTumbling, 0, 0, 0, 0); }
KeyedStageDef Dedup(bool keep_last, int64_t ttl) {
  KeyedStageDef def = Def(OpKind::kDeduplicate, WindowKind::kTumbling, 0, 0, 0, 0);
  def.aggregates.clear();
  def.keep_last = keep_last;
  def.state_ttl = ttl;
  return def;
}
KeyedStageDef Top(int64_t n, std::string rank, int64_t ttl) {
  KeyedStageDef def = Def(OpKind::kTopN, WindowKind::kTumbling, 0, 0, 0, 0);
  def.aggregates.clear();
  def.top_n = n;
  def.order = {{2, true}, {3, false}, {4, true}};
  def.rank_field = std::move(rank);
  def.state_ttl = ttl;
  return def;
}

// Only the counts, sums and averages of AllAggregates (windows keep them as SumStates).
KeyedStageDef Additive(KeyedStageDef def) {
  std::erase_if(def.aggregates, [](const AggregateDef& a) {
    return a.func != AggFunc::kCount && a.func != AggFunc::kSum && a.func != AggFunc::kAvg;
  });
  return def;
}

// Only the aggregates whose states are integers: counts, and sums and averages of int columns
// (sliding windows of many panes then fire from a running merge, operators/pane_window.cc).
KeyedStageDef Exact(KeyedStageDef def) {
  def = Additive(std::move(def));
  std::erase_if(def.aggregates, [](const AggregateDef& a) {
    return a.func != AggFunc::kCount && SnapSchema().field(a.input).type == Type::kDouble;
  });
  return def;
}

// A top_n per window whose windows end at the rows' timestamp column (field 5).
KeyedStageDef TopWindow(int64_t n, std::string rank) {
  KeyedStageDef def = Top(n, std::move(rank), 0);
  def.window_end_column = 5;
  return def;
}

// The definitions the differential test covers, keyed in turn by k, (g, k) and g.
std::vector<KeyedStageDef> Defs() {
  std::vector<KeyedStageDef> defs = {
      Tumbling(10),        Tumbling(50, 30), Sliding(30, 10), Sliding(10, 4),
      Sliding(50, 20, 15), Session(5),       Session(20, 40), Running(),
      Dedup(false, 0),     Dedup(true, 30),  Top(1, "", 0),   Top(3, "rank", 25),
      TopWindow(2, ""),    TopWindow(3, "rank"), Additive(Tumbling(10, 20)),
      Additive(Sliding(30, 10, 15)), Exact(Sliding(30, 2, 15)), Exact(Sliding(40, 4))};
  const std::vector<std::vector<int>> keys = {{0}, {1, 0}, {1}};
  for (size_t i = 0; i < defs.size(); ++i) defs[i].key_columns = keys[i % keys.size()];
  return defs;
}

// Random rows: event times advance 0..4 us, displaced back by up to `disorder`; about 1 in 10
// values is null; doubles are not exact binary fractions, so a changed merge order would show.
Feed RandomFeed(std::mt19937_64& rng, const std::vector<int>& key_columns, int rows, int keys,
                int64_t disorder, int64_t bound) {
  Feed feed(SnapSchema(), key_columns, bound);
  auto maybe = [&](Value v) { return Uniform(rng, 0, 9) == 0 ? Value::Null(v.type) : v; };
  const std::vector<std::string> strings = {"", "a", "b", "ab", "zz"};
  int64_t t = Uniform(rng, -500, 100);
  for (int i = 0; i < rows; ++i) {
    t += Uniform(rng, 0, 4);
    const int key = static_cast<int>(Uniform(rng, 0, keys - 1));
    feed.Add(t - Uniform(rng, 0, disorder),
             {maybe(Value::String("k" + std::to_string(key))), maybe(Value::Int(key % 3)),
              maybe(Value::Int(Uniform(rng, -50, 50))),
              maybe(Value::Double(static_cast<double>(Uniform(rng, -80, 80)) / 7)),
              maybe(Value::String(strings[Uniform(rng, 0, 4)])),
              maybe(Value::Timestamp(Uniform(rng, -9, 9))),
              maybe(Value::Bool(Uniform(rng, 0, 1) != 0))});
  }
  return feed;
}

std::vector<size_t> RandomCuts(std::mt19937_64& rng, size_t rows) {
  std::vector<size_t> sizes;
  const int64_t max_size = std::vector<int64_t>{1, 5, 40}[Uniform(rng, 0, 2)];
  for (size_t covered = 0; covered < rows;) {
    sizes.push_back(static_cast<size_t>(Uniform(rng, 0, max_size)));
    covered += sizes.back();
  }
  return sizes;
}

// Which rows of each batch a lane processes (ProcessRows); a null LaneRows* means Process.
using LaneRows = std::vector<std::vector<uint32_t>>;

// Runs `op` over batches [begin, end), appending to *o as RunOn does.
void RunRange(KeyedOperator* op, const std::vector<Batch>& batches, const LaneRows* lane,
              size_t begin, size_t end, Output* o) {
  for (size_t i = begin; i < end; ++i) {
    const Batch& in = batches[i];
    Batch out;
    out.reset(op->output_schema());
    const Status s = lane ? op->ProcessRows(in, (*lane)[i].data(), (*lane)[i].size(), &out)
                          : op->Process(in, &out);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    for (size_t r = 0; r < out.size(); ++r) o->rows.push_back(RowText(out, r, true));
    if (out.late) {
      for (size_t r = 0; r < out.late->size(); ++r) o->late.push_back(RowText(*out.late, r, true));
    }
  }
  o->late_count = op->stats().late;
}

std::string SnapshotOf(const KeyedOperator& op) {
  std::string s;
  op.Snapshot(&s);
  return s;
}

// A fresh operator of `def` restored from `snap` (which must be good).
std::unique_ptr<KeyedOperator> Restored(const KeyedStageDef& def, const std::string& snap) {
  auto op = Make(def, SnapSchema());
  const Status s = op->Restore(snap);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return op;
}

// Operator A over all batches; then for each cut k, B over [0, k), snapshot, a fresh C restored
// from it over [k, end): B's rows then C's equal A's in order, and so do late rows and counts.
// C's own snapshot right after Restore is byte-identical to B's. Finally a chain restored after
// every batch gives A's output too.
void CheckCuts(const KeyedStageDef& def, const std::vector<Batch>& batches, const LaneRows* lane,
               std::mt19937_64& rng) {
  const Schema schema = SnapSchema();
  Output a;
  RunRange(Make(def, schema).get(), batches, lane, 0, batches.size(), &a);
  std::vector<size_t> cuts;
  for (size_t k = 0; k <= batches.size(); ++k) cuts.push_back(k);
  std::shuffle(cuts.begin(), cuts.end(), rng);
  cuts.resize(std::min<size_t>(cuts.size(), 12));
  for (size_t k : cuts) {
    CAPTURE(k);
    Output bc;
    auto b = Make(def, schema);
    RunRange(b.get(), batches, lane, 0, k, &bc);
    const std::string snap = SnapshotOf(*b);
    REQUIRE(SnapshotOf(*b) == snap);
    auto c = Restored(def, snap);
    REQUIRE(SnapshotOf(*c) == snap);
    RunRange(c.get(), batches, lane, k, batches.size(), &bc);
    REQUIRE(bc.rows == a.rows);
    REQUIRE(bc.late == a.late);
    REQUIRE(bc.late_count == a.late_count);
  }
  Output chain;
  auto op = Make(def, schema);
  for (size_t i = 0; i < batches.size(); ++i) {
    RunRange(op.get(), batches, lane, i, i + 1, &chain);
    op = Restored(def, SnapshotOf(*op));
  }
  CHECK(chain.rows == a.rows);
  CHECK(chain.late == a.late);
  CHECK(chain.late_count == a.late_count);
}

// A random feed for `def`, cut into random batches.
std::vector<Batch> RandomBatches(const KeyedStageDef& def, std::mt19937_64& rng) {
  const int rows = static_cast<int>(Uniform(rng, 0, 400));
  const int keys = std::vector<int>{1, 3, 20}[Uniform(rng, 0, 2)];
  const int64_t disorder = std::vector<int64_t>{0, 10, 60}[Uniform(rng, 0, 2)];
  const int64_t bound = std::vector<int64_t>{0, 5, 40}[Uniform(rng, 0, 2)];
  const Feed feed = RandomFeed(rng, def.key_columns, rows, keys, disorder, bound);
  return feed.Cut(RandomCuts(rng, feed.size()));
}

// Lane `lane` of 2: the rows of each batch the router would hand it.
LaneRows LaneOfTwo(const std::vector<Batch>& batches, uint32_t lane) {
  LaneRows out(batches.size());
  for (size_t i = 0; i < batches.size(); ++i) {
    for (size_t r = 0; r < batches[i].size(); ++r) {
      if (LaneOf(batches[i].key_hash[r], 2) == lane) out[i].push_back(static_cast<uint32_t>(r));
    }
  }
  return out;
}

// A snapshot with state in it: `def` over the first half of a fixed random feed's batches.
std::string MidRunSnapshot(const KeyedStageDef& def, int rows = 120) {
  std::mt19937_64 rng(7);
  const Feed feed = RandomFeed(rng, def.key_columns, rows, 4, 10, 5);
  const std::vector<Batch> batches = feed.CutEvery(10);
  auto op = Make(def, SnapSchema());
  Output ignored;
  RunRange(op.get(), batches, nullptr, 0, batches.size() / 2, &ignored);
  return SnapshotOf(*op);
}

}  // namespace

TEST_CASE("snapshot: restoring after any batch continues exactly as the uninterrupted operator") {
  uint64_t seed = 1;
  for (const KeyedStageDef& def : Defs()) {
    for (int i = 0; i < 12; ++i, ++seed) {
      CAPTURE(seed);
      CAPTURE(KeyedFingerprint(def, SnapSchema()));
      std::mt19937_64 rng(seed);
      const std::vector<Batch> batches = RandomBatches(def, rng);
      CheckCuts(def, batches, nullptr, rng);
    }
  }
}

TEST_CASE("snapshot: lanes fed through ProcessRows row lists restore exactly too") {
  uint64_t seed = 1000;
  for (const KeyedStageDef& def : Defs()) {
    for (int i = 0; i < 4; ++i, ++seed) {
      CAPTURE(seed);
      CAPTURE(KeyedFingerprint(def, SnapSchema()));
      std::mt19937_64 rng(seed);
      const std::vector<Batch> batches = RandomBatches(def, rng);
      for (uint32_t lane = 0; lane < 2; ++lane) {
        const LaneRows rows = LaneOfTwo(batches, lane);
        CheckCuts(def, batches, &rows, rng);
      }
    }
  }
}

TEST_CASE("snapshot: an empty operator's snapshot restores to an operator that acts fresh") {
  std::mt19937_64 rng(5);
  for (const KeyedStageDef& def : Defs()) {
    CAPTURE(KeyedFingerprint(def, SnapSchema()));
    const std::string snap = SnapshotOf(*Make(def, SnapSchema()));
    REQUIRE(!snap.empty());
    auto op = Restored(def, snap);
    CHECK(SnapshotOf(*op) == snap);
    const Feed feed = RandomFeed(rng, def.key_columns, 100, 5, 20, 5);
    const std::vector<Batch> batches = feed.CutEvery(7);
    Output want, got;
    RunRange(Make(def, SnapSchema()).get(), batches, nullptr, 0, batches.size(), &want);
    RunRange(op.get(), batches, nullptr, 0, batches.size(), &got);
    CHECK(got.rows == want.rows);
    CHECK(got.late == want.late);
  }
}

TEST_CASE("snapshot: each operator writes its own tag and refuses the others' snapshots") {
  const KeyedStageDef pane = Tumbling(10), session = Session(5), running = Running();
  const std::string ps = MidRunSnapshot(pane), ss = MidRunSnapshot(session),
                    rs = MidRunSnapshot(running);
  CHECK(static_cast<uint8_t>(ps[0]) == kStatePaneWindow);
  CHECK(static_cast<uint8_t>(ss[0]) == kStateSessionWindow);
  CHECK(static_cast<uint8_t>(rs[0]) == kStateRunningAggregate);
  const Status a = Make(session, SnapSchema())->Restore(ps);
  CHECK(a.IsCorruption());
  CHECK(a.message().find("session window snapshot holds state of kind 1") != std::string::npos);
  CHECK(Make(running, SnapSchema())->Restore(ss).IsCorruption());
  CHECK(Make(pane, SnapSchema())->Restore(rs).IsCorruption());
  CHECK(Make(pane, SnapSchema())->Restore("").IsCorruption());
}

TEST_CASE("snapshot: a snapshot of a different definition is refused with both definitions") {
  const std::string snap = MidRunSnapshot(Tumbling(10));
  const Status s = Make(Tumbling(20), SnapSchema())->Restore(snap);
  REQUIRE(s.IsCorruption());
  CHECK(s.message().find("different operator definition") != std::string::npos);
  CHECK(s.message().find("size=10") != std::string::npos);
  CHECK(s.message().find("size=20") != std::string::npos);

  KeyedStageDef other_agg = Tumbling(10);
  other_agg.aggregates[3].func = AggFunc::kMin;  // sum(v) -> min(v)
  CHECK(Make(other_agg, SnapSchema())->Restore(snap).IsCorruption());
  CHECK(Make(Tumbling(10, 5), SnapSchema())->Restore(snap).IsCorruption());
  CHECK(Make(Sliding(10, 5), SnapSchema())->Restore(snap).IsCorruption());
  CHECK(Make(Session(6), SnapSchema())->Restore(MidRunSnapshot(Session(5))).IsCorruption());
  KeyedStageDef other_keys = Running();
  other_keys.key_columns = {4};
  CHECK(Make(other_keys, SnapSchema())->Restore(MidRunSnapshot(Running())).IsCorruption());
  // The output time unit is not part of the state: a snapshot restores across it.
  KeyedStageDef millis = Tumbling(10);
  millis.time_unit = TimeUnit::kMillis;
  CHECK(Make(millis, SnapSchema())->Restore(snap).ok());
}

TEST_CASE("snapshot: a newer format version and trailing bytes are Corruption") {
  std::string snap = MidRunSnapshot(Session(5, 10));
  REQUIRE(snap[1] == 1);  // the version varint
  std::string newer = snap;
  newer[1] = 2;
  const Status s = Make(Session(5, 10), SnapSchema())->Restore(newer);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("version 2") != std::string::npos);
  const Status t = Make(Session(5, 10), SnapSchema())->Restore(snap + "x");
  CHECK(t.IsCorruption());
  CHECK(t.message().find("trailing") != std::string::npos);
}

TEST_CASE("snapshot: every proper prefix of a snapshot is Corruption and leaves the op fresh") {
  for (const KeyedStageDef& def : {Tumbling(10, 20), Sliding(10, 4), Session(5, 10), Running()}) {
    CAPTURE(KeyedFingerprint(def, SnapSchema()));
    const std::string snap = MidRunSnapshot(def, 60);
    auto op = Make(def, SnapSchema());
    for (size_t n = 0; n < snap.size(); ++n) {
      const Status s = op->Restore(std::string_view(snap).substr(0, n));
      REQUIRE_MESSAGE(s.IsCorruption(), n, " ", s.ToString());
    }
    // Still fresh: the whole snapshot restores into it.
    REQUIRE(op->Restore(snap).ok());
    CHECK(SnapshotOf(*op) == snap);
  }
}

TEST_CASE("snapshot: garbled bytes never crash Restore or the operator afterwards") {
  std::mt19937_64 rng(11);
  for (const KeyedStageDef& def : {Tumbling(10, 20), Sliding(10, 4), Session(5, 10), Running()}) {
    CAPTURE(KeyedFingerprint(def, SnapSchema()));
    const std::string snap = MidRunSnapshot(def, 60);
    const Feed feed = RandomFeed(rng, def.key_columns, 50, 4, 10, 5);
    const std::vector<Batch> batches = feed.CutEvery(10);
    int accepted = 0;
    for (int i = 0; i < 3000; ++i) {
      std::string bad = snap;
      const int flips = static_cast<int>(Uniform(rng, 1, 3));
      for (int f = 0; f < flips; ++f) {
        bad[Uniform(rng, 0, bad.size() - 1)] ^= static_cast<char>(Uniform(rng, 1, 255));
      }
      auto op = Make(def, SnapSchema());
      if (!op->Restore(bad).ok()) continue;
      ++accepted;  // e.g. a changed count or timestamp: valid state, other values
      Output ignored;
      RunRange(op.get(), batches, nullptr, 0, batches.size(), &ignored);
    }
    CHECK(accepted < 3000);  // most flips are caught
  }
}

TEST_CASE("snapshot: a huge count in a short snapshot is refused before allocating") {
  const KeyedStageDef def = Tumbling(10);
  auto op = Make(def, SnapSchema());
  std::string snap;
  StateWriter w(&snap);
  PutKeyedPrologue(&w, kStatePaneWindow, KeyedFingerprint(def, SnapSchema()), 0, 0);
  w.PutVarint(uint64_t{1} << 60);  // panes
  const Status s = op->Restore(snap);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("count larger than its data") != std::string::npos);
}

TEST_CASE("acc codec: an int sum outside int64 round-trips; one inside encodes as before") {
  for (__int128 v : {__int128{std::numeric_limits<int64_t>::max()} * 3,
                     -(__int128{1} << 70) + 5, __int128{1} << 64, __int128{-42}}) {
    Acc acc;
    acc.aggs.resize(1);
    acc.aggs[0].isum = v;
    std::string bytes;
    StateWriter w(&bytes);
    PutAcc(&w, acc);
    StateReader r(bytes, "acc");
    Acc back;
    REQUIRE(ReadAcc(&r, 1, &back));
    REQUIRE(r.ExpectEnd());
    CHECK((back.aggs[0].isum == v));
  }
  // -42 alone: flags {isum} then the zigzag varint, as every earlier version wrote it.
  Acc acc;
  acc.aggs.resize(1);
  acc.aggs[0].isum = -42;
  std::string bytes;
  StateWriter w(&bytes);
  PutAcc(&w, acc);
  CHECK(bytes == std::string("\x02\x53", 2));
}

TEST_CASE("acc codec: every AggState field round-trips, and distinct sets encode sorted") {
  Acc acc;
  acc.aggs.resize(3);
  AggState& s = acc.aggs[0];
  s.n = -3;
  s.isum = std::numeric_limits<int64_t>::min();
  s.dsum = -0.0;
  s.has = true;
  s.bi = std::numeric_limits<int64_t>::max();
  s.bd = std::numeric_limits<double>::quiet_NaN();
  s.bs = std::string("x\0y", 3);
  s.bts = -17;
  s.barr = UINT64_MAX;
  acc.aggs[1].distinct = std::make_unique<absl::flat_hash_set<uint64_t>>();  // empty, not null
  acc.aggs[2].distinct = std::make_unique<absl::flat_hash_set<uint64_t>>();
  for (uint64_t i = 0; i < 1000; ++i) acc.aggs[2].distinct->insert(i * 0x9E3779B97F4A7C15ull);

  std::string bytes;
  StateWriter w(&bytes);
  PutAcc(&w, acc);
  StateReader r(bytes, "acc");
  Acc back;
  REQUIRE(ReadAcc(&r, 3, &back));
  REQUIRE(r.ExpectEnd());
  const AggState& b = back.aggs[0];
  CHECK(b.n == s.n);
  CHECK((b.isum == s.isum));
  CHECK(std::signbit(b.dsum));
  CHECK(b.has);
  CHECK(b.bi == s.bi);
  CHECK(std::isnan(b.bd));
  CHECK(b.bs == s.bs);
  CHECK(b.bts == s.bts);
  CHECK(b.barr == s.barr);
  CHECK(back.aggs[0].distinct == nullptr);
  REQUIRE(back.aggs[1].distinct != nullptr);
  CHECK(back.aggs[1].distinct->empty());
  REQUIRE(back.aggs[2].distinct != nullptr);
  CHECK(*back.aggs[2].distinct == *acc.aggs[2].distinct);

  // The same set built in another order (and after erasures) encodes to the same bytes.
  Acc other;
  other.aggs.resize(3);
  other.aggs[0] = std::move(back.aggs[0]);
  other.aggs[1].distinct = std::make_unique<absl::flat_hash_set<uint64_t>>();
  other.aggs[2].distinct = std::make_unique<absl::flat_hash_set<uint64_t>>();
  for (uint64_t i = 5000; i-- > 0;) other.aggs[2].distinct->insert(i * 0x9E3779B97F4A7C15ull);
  for (uint64_t i = 1000; i < 5000; ++i) other.aggs[2].distinct->erase(i * 0x9E3779B97F4A7C15ull);
  std::string again;
  StateWriter w2(&again);
  PutAcc(&w2, other);
  CHECK(again == bytes);
}

TEST_CASE("acc codec: keys are checked against the key types") {
  const std::vector<Type> types = {Type::kInt64, Type::kString};
  std::string key;
  Batch b;
  b.reset(Schema({{"g", Type::kInt64}, {"s", Type::kString}}));
  b.columns[0].push_int(7);
  b.columns[1].push_string("abc");
  EncodeKeyRow(b.columns, {0, 1}, 0, &key);
  CHECK(IsValidKey(key, types));
  CHECK(IsValidKey(std::string("\0\0", 2), types));
  for (size_t n = 0; n < key.size(); ++n) CHECK_FALSE(IsValidKey(key.substr(0, n), types));
  CHECK_FALSE(IsValidKey(key + "z", types));
  std::string bad_tag = key;
  bad_tag[0] = 2;
  CHECK_FALSE(IsValidKey(bad_tag, types));
}
