// Keys whose state is dropped are evicted from the lane's key dictionary; keys that come back
// later, and new keys that reuse evicted ids, must start from fresh state.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "window_test_util.h"

using namespace sluice;
using namespace sluice::wintest;

TEST_CASE("key eviction: changing key sets over many windows give exact per-window results") {
  // Window w (size 100) sees keys from set w % 3; the sets have 6000 keys each, so thousands of
  // keys go idle at every window end and come back two windows later.
  Feed feed(BasicSchema(), {0}, 0);
  constexpr int kKeys = 6000;
  for (int w = 0; w < 7; ++w) {
    for (int i = 0; i < kKeys; ++i) {
      const int64_t ts = w * 100 + (i * 97) % 100;
      feed.Add(ts, KV("s" + std::to_string(w % 3) + "-" + std::to_string(i), w + 1));
    }
  }
  for (int64_t lateness : {0, 150}) {
    CAPTURE(lateness);
    const KeyedStageDef def = CountSumDef(WindowKind::kTumbling, 100, 100, 0, lateness);
    const Output out = Run(def, feed.schema(), feed.CutEvery(4096));
    CHECK(out.rows.size() + out.late.size() >= 7 * kKeys);
    CheckAgainstReference(def, feed);
  }
}

TEST_CASE("key eviction: a key that returns after its session was dropped starts a new session") {
  Feed feed(BasicSchema(), {0}, 0);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5000; ++i) {
      feed.Add(round * 1000 + i % 10, KV("k" + std::to_string(i + 5000 * (round % 2)), 1));
    }
  }
  const KeyedStageDef def = CountSumDef(WindowKind::kSession, 0, 0, 20);
  const Output out = Run(def, feed.schema(), feed.CutEvery(1000));
  CHECK(out.rows.size() == 15000);
  CheckAgainstReference(def, feed);
}
