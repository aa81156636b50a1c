#include "operators/null_sink.h"

namespace sluice {

Status NullSink::Write(const Batch& batch) {
  rows_ += batch.size();
  return Status::OK();
}

}  // namespace sluice
