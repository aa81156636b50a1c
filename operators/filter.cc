#include "operators/filter.h"

#include <vector>

namespace sluice {

Filter::Filter(std::unique_ptr<Expr> expr) : expr_(std::move(expr)) {}

Filter::Filter(RowPredicate predicate, const Schema& schema)
    : predicate_(std::move(predicate)), schema_(schema) {}

Status Filter::Apply(Batch* batch) const {
  const size_t n = batch->size();
  if (n == 0) return Status::OK();
  thread_local std::vector<uint8_t> sel;
  if (expr_) {
    expr_->Select(*batch, &sel);
  } else {
    sel.resize(n);
    for (size_t r = 0; r < n; ++r) sel[r] = predicate_(RowView(*batch, schema_, r)) ? 1 : 0;
  }
  batch->compact(sel.data());
  return Status::OK();
}

}  // namespace sluice
