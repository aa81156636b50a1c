// Keyed process functions (operators/process_stage.cc) against a brute force that replays the
// documented semantics over the whole input in order: before each row, every timer at or below
// the row's watermark fires (in time order, then key order); at the end every timer fires. The
// test function uses value, list and map state, registers, re-registers and deletes timers, emits
// from rows and timers and clears its state. Random keys, batchings and lane counts; snapshots
// taken midway restore to the same continuation.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/key.h"
#include "sluice/process_function.h"
#include "window_test_util.h"

using namespace sluice;
using namespace sluice::wintest;

namespace {

constexpr TimeUs kSlot = 100;  // timers at the end of each row's 100-us slot

// The function under test. States: 0 value (sum of v), 1 list (last 3 positive v), 2 map
// (count per v mod 3). A row registers a timer at the end of its slot; v < -80 deletes it; v % 10
// == 0 emits a "row" result. A timer emits a "timer" result and clears the state when the sum is
// positive.
class Ledger final : public KeyedProcessFunction {
 public:
  void OnRow(const RowView& row, ProcessContext& ctx) override {
    const int64_t v = row.i64(1);
    const Value* sum = ctx.value(0);
    ctx.set_value(0, Value::Int((sum ? sum->i : 0) + v));
    if (v > 0) {
      std::vector<Value>& l = ctx.list(1);
      l.push_back(Value::Int(v));
      if (l.size() > 3) l.erase(l.begin());
    }
    Value& mod = ctx.map(2)[std::to_string(((v % 3) + 3) % 3)];
    mod = Value::Int(mod.null ? 1 : mod.i + 1);
    const TimeUs due = (ctx.time() / kSlot + 1) * kSlot;
    if (v < -80) {
      ctx.DeleteTimer(due);
    } else {
      ctx.RegisterTimer(due);
    }
    if (v % 10 == 0) Result("row", ctx);
  }
  void OnTimer(TimeUs, ProcessContext& ctx) override {
    Result("timer", ctx);
    if (ctx.value(0) && ctx.value(0)->i > 0) ctx.ClearState();
  }

 private:
  static void Result(const char* kind, ProcessContext& ctx) {
    const Value* sum = ctx.value(0);
    std::string list, map;
    for (const Value& v : ctx.list(1)) list += std::to_string(v.i) + ";";
    for (const auto& [k, v] : ctx.map(2)) map += k + "=" + std::to_string(v.i) + ";";
    ctx.Emit({Value::String(kind), sum ? Value::Int(sum->i) : Value::Null(),
              Value::String(list + "/" + map), Value::Int(ctx.key(0).s.size())});
  }
};

void RegisterLedger() {
  static const Status once = RegisterProcessFunction(ProcessFunction{
      "test_ledger", [](const ProcessSetupArgs&) -> Result<ProcessSetup> {
        ProcessSetup s;
        s.output = Schema({{"kind", Type::kString},
                           {"sum", Type::kInt64},
                           {"state", Type::kString},
                           {"key_len", Type::kInt64}});
        s.states = {{"sum", StateKind::kValue}, {"last", StateKind::kList},
                    {"mods", StateKind::kMap}};
        s.make = [] { return std::make_unique<Ledger>(); };
        return s;
      }});
  REQUIRE_MESSAGE(once.ok(), once.ToString());
}

KeyedStageDef LedgerDef(const Schema& input) {
  RegisterLedger();
  KeyedStageDef def;
  def.kind = OpKind::kProcess;
  def.key_columns = {0};
  def.function = "test_ledger";
  ProcessSetupArgs args;
  args.input = &input;
  args.key_columns = {0};
  auto setup = FindProcessFunction("test_ledger")->setup(args);
  REQUIRE(setup.ok());
  def.process = std::make_shared<const ProcessSetup>(std::move(*setup));
  return def;
}

struct Row {
  std::string key;
  int64_t v;
  TimeUs ts;
  TimeUs wm;
};

// The brute force: the semantics replayed over every key at once.
struct Reference {
  struct KeyState {
    bool has_sum = false;
    int64_t sum = 0;
    std::vector<int64_t> last;
    std::map<std::string, int64_t> mods;
    std::set<TimeUs> timers;
  };
  std::map<std::string, KeyState> keys;
  std::vector<std::string> out;

  void Emit(const std::string& key, const char* kind, const KeyState& k, TimeUs ts) {
    std::string list, map;
    for (int64_t v : k.last) list += std::to_string(v) + ";";
    for (const auto& [m, n] : k.mods) map += m + "=" + std::to_string(n) + ";";
    out.push_back(key + "|" + kind + "|" + (k.has_sum ? std::to_string(k.sum) : "~") + "|" +
                  list + "/" + map + "|" + std::to_string(key.size()) + "@" +
                  std::to_string(ts));
  }
  void FireUpTo(TimeUs w) {
    for (;;) {
      TimeUs best = kMaxTime;
      for (const auto& [key, k] : keys) {
        if (!k.timers.empty()) best = std::min(best, *k.timers.begin());
      }
      if (best == kMaxTime || (w != kMaxTime && (w == kMinTime || best > w))) return;
      for (auto& [key, k] : keys) {  // std::map: key order
        if (k.timers.empty() || *k.timers.begin() != best) continue;
        k.timers.erase(k.timers.begin());
        Emit(key, "timer", k, best);
        if (k.has_sum && k.sum > 0) {
          k.has_sum = false;
          k.sum = 0;
          k.last.clear();
          k.mods.clear();
        }
      }
    }
  }
  void Add(const Row& r) {
    FireUpTo(r.wm);
    KeyState& k = keys[r.key];
    k.has_sum = true;
    k.sum += r.v;
    if (r.v > 0) {
      k.last.push_back(r.v);
      if (k.last.size() > 3) k.last.erase(k.last.begin());
    }
    ++k.mods[std::to_string(((r.v % 3) + 3) % 3)];
    const TimeUs due = (r.ts / kSlot + 1) * kSlot;
    if (r.v < -80) {
      k.timers.erase(due);
    } else {
      k.timers.insert(due);
    }
    if (r.v % 10 == 0) Emit(r.key, "row", k, r.ts);
  }
};

// Runs `batches` over `lanes` operators, each row to the lane of its key hash.
std::vector<std::string> RunLanes(const KeyedStageDef& def, const Schema& schema,
                                  const std::vector<Batch>& batches, uint32_t lanes) {
  std::vector<std::unique_ptr<KeyedOperator>> ops;
  for (uint32_t l = 0; l < lanes; ++l) ops.push_back(Make(def, schema));
  std::vector<std::string> got;
  for (const Batch& in : batches) {
    for (uint32_t l = 0; l < lanes; ++l) {
      std::vector<uint32_t> rows;
      for (size_t r = 0; r < in.size(); ++r) {
        if (LaneOf(in.key_hash[r], lanes) == l) rows.push_back(static_cast<uint32_t>(r));
      }
      Batch out;
      out.reset(ops[l]->output_schema());
      const Status s = ops[l]->ProcessRows(in, rows.data(), rows.size(), &out);
      REQUIRE_MESSAGE(s.ok(), s.ToString());
      for (size_t r = 0; r < out.size(); ++r) got.push_back(RowText(out, r, false));
    }
  }
  std::sort(got.begin(), got.end());
  return got;
}

}  // namespace

TEST_CASE("process function: rows, timers and keyed state equal a brute force") {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(seed);
    auto uniform = [&](int64_t lo, int64_t hi) {
      return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    const int keys = static_cast<int>(uniform(1, 12));
    Feed feed(BasicSchema(), {0}, uniform(0, 150));
    std::vector<Row> rows;
    const int count = static_cast<int>(uniform(0, 500));
    TimeUs base = 0;
    for (int i = 0; i < count; ++i) {
      base += uniform(0, 20);
      const Row r{"k" + std::to_string(uniform(0, keys - 1)), uniform(-100, 100),
                  base + uniform(-60, 60), 0};
      feed.Add(r.ts, KV(r.key, r.v));
      rows.push_back(r);
      rows.back().wm = feed.wm(feed.size() - 1);
    }
    CAPTURE(seed);
    const KeyedStageDef def = LedgerDef(feed.schema());
    Reference ref;
    for (const Row& r : rows) ref.Add(r);
    ref.FireUpTo(kMaxTime);
    std::sort(ref.out.begin(), ref.out.end());
    for (uint32_t lanes = 1; lanes <= 4; ++lanes) {
      for (const auto& batches : {feed.OneBatch(), feed.CutEvery(1), feed.CutEvery(7)}) {
        const std::vector<std::string> got = RunLanes(def, feed.schema(), batches, lanes);
        REQUIRE_MESSAGE(got == ref.out, Diff(got, ref.out));
      }
    }
    // Snapshot after a prefix, restore into a fresh operator, continue: the same rows.
    const std::vector<Batch> batches = feed.CutEvery(13);
    auto op = Make(def, feed.schema());
    std::vector<std::string> resumed;
    std::string snap;
    for (size_t i = 0; i < batches.size(); ++i) {
      if (i == batches.size() / 2) {
        op->Snapshot(&snap);
        op = Make(def, feed.schema());
        const Status s = op->Restore(snap);
        REQUIRE_MESSAGE(s.ok(), s.ToString());
        std::string again;
        op->Snapshot(&again);
        REQUIRE(again == snap);
      }
      Batch out;
      out.reset(op->output_schema());
      REQUIRE(op->Process(batches[i], &out).ok());
      for (size_t r = 0; r < out.size(); ++r) resumed.push_back(RowText(out, r, false));
    }
    std::sort(resumed.begin(), resumed.end());
    REQUIRE_MESSAGE(resumed == ref.out, Diff(resumed, ref.out));
    // A key is held while it has state or timers, and released once both are gone.
    size_t held = 0;
    for (const auto& [key, k] : ref.keys) {
      held += k.has_sum || !k.last.empty() || !k.mods.empty() || !k.timers.empty();
    }
    CHECK(op->keys() == held);
    // Truncated and garbled snapshots are refused without crashing.
    for (size_t cut = 0; cut + 1 < snap.size(); cut += 1 + snap.size() / 40) {
      CHECK(!Make(def, feed.schema())->Restore(snap.substr(0, cut)).ok());
    }
  }
}

TEST_CASE("process function: a wrong row or state use fails the stage with the function's name") {
  static const Status once = RegisterProcessFunction(ProcessFunction{
      "test_misuse", [](const ProcessSetupArgs&) -> Result<ProcessSetup> {
        struct Misuse final : KeyedProcessFunction {
          void OnRow(const RowView& row, ProcessContext& ctx) override {
            if (row.i64(1) == 1) ctx.Emit({Value::Int(1), Value::Int(2)});
            if (row.i64(1) == 2) ctx.Emit({Value::String("x")});
            if (row.i64(1) == 3) ctx.list(0).push_back(Value::Int(1));
          }
        };
        ProcessSetup s;
        s.output = Schema({{"n", Type::kInt64}});
        s.states = {{"n", StateKind::kValue}};
        s.make = [] { return std::make_unique<Misuse>(); };
        return s;
      }});
  REQUIRE(once.ok());
  CHECK(!RegisterProcessFunction(ProcessFunction{"test_misuse", nullptr}).ok());
  CHECK(!RegisterProcessFunction(ProcessFunction{"test_misuse", [](const ProcessSetupArgs&) {
                                   return Result<ProcessSetup>(ProcessSetup{});
                                 }}).ok());
  CHECK(!RegisterProcessFunction(ProcessFunction{"9bad", [](const ProcessSetupArgs&) {
                                   return Result<ProcessSetup>(ProcessSetup{});
                                 }}).ok());
  CHECK(!RegisterProcessFunction(ProcessFunction{"inactivity", [](const ProcessSetupArgs&) {
                                   return Result<ProcessSetup>(ProcessSetup{});
                                 }}).ok());
  const Schema schema = BasicSchema();
  KeyedStageDef def;
  def.kind = OpKind::kProcess;
  def.key_columns = {0};
  def.function = "test_misuse";
  ProcessSetupArgs args;
  args.input = &schema;
  def.process =
      std::make_shared<const ProcessSetup>(*FindProcessFunction("test_misuse")->setup(args));
  for (int64_t v : {1, 2, 3}) {
    Feed feed(schema, {0}, 0);
    feed.Add(10, KV("a", v));
    auto op = Make(def, schema);
    Batch out;
    out.reset(op->output_schema());
    const Status s = op->Process(feed.OneBatch()[0], &out);
    CAPTURE(v);
    REQUIRE(!s.ok());
    CHECK(s.message().find("test_misuse") != std::string::npos);
  }
}
