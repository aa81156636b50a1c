#include "operators/collector_sink.h"

namespace sluice {

Status CollectorSink::Open(const Schema& schema) {
  collector_->SetSchema(schema);
  return Status::OK();
}

Status CollectorSink::Write(const Batch& batch) {
  collector_->Append(batch);
  rows_ += batch.size();
  return Status::OK();
}

}  // namespace sluice
