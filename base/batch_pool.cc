#include "base/batch_pool.h"

#include <mutex>
#include <vector>

namespace sluice {
namespace {

// Batches kept for reuse: about twice what a pipeline holds in flight at once (its in-flight
// limit times the streams and results per frame).
constexpr size_t kMaxPooled = 256;
// Batches whose buffers grew past this many bytes are freed rather than kept.
constexpr size_t kMaxPooledBytes = size_t{8} << 20;

class BatchPool {
 public:
  Batch* Take() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        Batch* b = free_.back();
        free_.pop_back();
        return b;
      }
    }
    return new Batch();
  }
  void Give(Batch* b) {
    if (Bytes(*b) <= kMaxPooledBytes) {
      b->clear();
      std::lock_guard<std::mutex> lock(mu_);
      if (free_.size() < kMaxPooled) {
        free_.push_back(b);
        return;
      }
    }
    delete b;
  }

 private:
  static size_t Bytes(const Batch& b) {
    size_t n = (b.ts.capacity() + b.wm.capacity() + b.pos.capacity() + b.key_hash.capacity()) * 8 +
               b.keys.chars.capacity() + b.keys.offsets.capacity() * 4;
    for (const Column& c : b.columns) {
      n += c.i64.capacity() * 8 + c.f64.capacity() * 8 + c.offsets.capacity() * 4 +
           c.chars.capacity() + c.valid.capacity();
    }
    return n;
  }

  std::mutex mu_;
  std::vector<Batch*> free_;
};

BatchPool& Pool() {
  static BatchPool* pool = new BatchPool();  // never destroyed: batches may outlive static dtors
  return *pool;
}

}  // namespace

BatchPtr NewBatch() {
  return BatchPtr(Pool().Take(), [](Batch* b) { Pool().Give(b); });
}

}  // namespace sluice
