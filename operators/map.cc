#include "operators/map.h"

namespace sluice {

Map::Map(std::vector<Step> steps, std::vector<int> keep)
    : steps_(std::move(steps)), keep_(std::move(keep)) {}

namespace {

void EvaluateFunction(const RowFunction& fn, const Schema& schema, const Batch& batch,
                      Column* out) {
  const size_t n = batch.size();
  out->type = fn.type;
  out->clear();
  out->reserve(n);
  for (size_t r = 0; r < n; ++r) {
    RowView row(batch, schema, r);
    switch (fn.type) {
      case Type::kDouble: out->push_double(fn.double_fn(row)); break;
      case Type::kString: out->push_string(fn.string_fn(row)); break;
      default: out->push_int(fn.int_fn(row)); break;
    }
  }
}

}  // namespace

Status Map::Apply(Batch* batch) const {
  for (const Step& step : steps_) {
    Column col;
    if (step.expr) {
      step.expr->Evaluate(*batch, &col);
    } else {
      EvaluateFunction(step.fn, step.input, *batch, &col);
    }
    if (step.only_where) {
      std::vector<uint8_t> sel;
      step.only_where->Select(*batch, &sel);
      const size_t n = batch->size();
      if (col.valid.empty()) col.valid.assign(n, 1);
      for (size_t r = 0; r < n; ++r) col.valid[r] &= sel[r] != 0;
    }
    if (step.target < static_cast<int>(batch->columns.size())) {
      batch->columns[step.target] = std::move(col);
    } else {
      batch->columns.push_back(std::move(col));
    }
  }
  if (!keep_.empty()) {
    std::vector<Column> kept;
    kept.reserve(keep_.size());
    for (int i : keep_) kept.push_back(std::move(batch->columns[i]));
    batch->columns = std::move(kept);
  }
  return Status::OK();
}

}  // namespace sluice
