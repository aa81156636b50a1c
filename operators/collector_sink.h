// CollectorSink: hands rows to an in-memory Collector (sluice/collector.h), for tests and C++
// users. The collector is shared with its owner, who reads it after the run.
#pragma once

#include <memory>

#include "sluice/collector.h"
#include "operators/sink.h"

namespace sluice {

class CollectorSink final : public Sink {
 public:
  // REQUIRES: collector != nullptr.
  explicit CollectorSink(std::shared_ptr<Collector> collector) : collector_(std::move(collector)) {}

  // Sets the collector's schema.
  Status Open(const Schema& schema) override;
  Status Write(const Batch& batch) override;
  Status Close() override { return Status::OK(); }
  uint64_t rows() const override { return rows_; }

 private:
  std::shared_ptr<Collector> collector_;
  uint64_t rows_ = 0;
};

}  // namespace sluice
