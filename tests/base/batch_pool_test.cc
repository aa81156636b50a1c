#include "base/batch_pool.h"

#include <doctest/doctest.h>

#include <thread>
#include <vector>

namespace sluice {
namespace {

Schema TwoFields() { return Schema({{"k", Type::kInt64}, {"s", Type::kString}}); }

// Fills *b with `rows` rows and every kind of side data a batch can carry.
void Fill(Batch* b, size_t rows) {
  b->reset(TwoFields());
  for (size_t r = 0; r < rows; ++r) {
    b->columns[0].push_int(static_cast<int64_t>(r));
    b->columns[1].push_string("row");
    b->ts.push_back(static_cast<TimeUs>(r));
    b->wm.push_back(0);
    b->keys.push_string("key");
    b->key_hash.push_back(r);
  }
  b->seq = 7;
  b->watermark = 5;
  b->last = true;
  b->checkpoint = true;
  b->checkpoint_state = "state";
  b->dead_letters.push_back({"src", 1, "bad", "raw"});
  b->late = std::make_unique<Batch>();
}

void CheckEmpty(const Batch& b) {
  CHECK(b.size() == 0);
  for (const Column& c : b.columns) CHECK(c.size() == 0);
  CHECK(b.keys.size() == 0);
  CHECK(b.key_hash.empty());
  CHECK(b.pos.empty());
  CHECK(b.dead_letters.empty());
  CHECK(b.late == nullptr);
  CHECK(b.seq == 0);
  CHECK(b.watermark == kMinTime);
  CHECK(!b.last);
  CHECK(!b.checkpoint);
  CHECK(b.checkpoint_state.empty());
}

TEST_CASE("NewBatch reuses a released batch, empty but with its buffers' capacity") {
  const Batch* first;
  {
    BatchPtr b = NewBatch();
    Fill(b.get(), 4096);
    first = b.get();
  }
  BatchPtr again = NewBatch();  // the pool hands out the batch released last
  REQUIRE(again.get() == first);
  CheckEmpty(*again);
  again->reset(TwoFields());
  CHECK(again->columns[0].i64.capacity() >= 4096);
  CHECK(again->ts.capacity() >= 4096);
}

TEST_CASE("NewBatch does not keep batches whose buffers grew very large") {
  {
    BatchPtr big = NewBatch();
    big->reset(TwoFields());
    big->columns[0].i64.resize(size_t{2} << 20);  // 16 MiB
  }
  BatchPtr next = NewBatch();
  for (const Column& c : next->columns) CHECK(c.i64.capacity() < (size_t{2} << 20));
  CheckEmpty(*next);
}

TEST_CASE("NewBatch is safe from several threads") {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < 2000; ++i) {
        BatchPtr b = NewBatch();
        CheckEmpty(*b);
        Fill(b.get(), 16);
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace
}  // namespace sluice
