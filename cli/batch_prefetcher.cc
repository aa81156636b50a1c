#include "cli/batch_prefetcher.h"

#include <utility>

namespace sluice::cli {

BatchPrefetcher::BatchPrefetcher(Source* source, Schema schema, bool save_positions)
    : source_(source), schema_(std::move(schema)), save_positions_(save_positions) {
  thread_ = std::thread([this] { Read(); });
}

BatchPrefetcher::~BatchPrefetcher() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Status BatchPrefetcher::Next(Batch* out, std::string* position, bool* eof) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return ready_; });
  std::swap(*out, batch_);
  std::swap(*position, position_);
  *eof = eof_;
  Status s = status_;
  ready_ = false;
  l.unlock();
  cv_.notify_all();
  return s;
}

void BatchPrefetcher::Read() {
  Batch batch;
  std::string position;
  for (;;) {
    batch.reset(schema_);
    position.clear();
    bool eof = false;
    Status s = source_->Next(&batch, &eof);
    if (s.ok() && save_positions_) s = source_->SavePosition(&position);
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !ready_ || stop_; });
    if (stop_) return;
    std::swap(batch_, batch);
    std::swap(position_, position);
    status_ = s;
    eof_ = eof;
    ready_ = true;
    l.unlock();
    cv_.notify_all();
    if (eof || !s.ok()) return;
  }
}

}  // namespace sluice::cli
