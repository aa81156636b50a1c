// NullSink: discards every row and counts them (for benchmarks and dry runs).
#pragma once

#include "operators/sink.h"

namespace sluice {

class NullSink final : public Sink {
 public:
  Status Open(const Schema& schema) override { return Status::OK(); }
  Status Write(const Batch& batch) override;
  Status Close() override { return Status::OK(); }
  uint64_t rows() const override { return rows_; }

 private:
  uint64_t rows_ = 0;
};

}  // namespace sluice
