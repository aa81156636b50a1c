// Filter: keeps the rows for which a bool expression (or C++ predicate) is true.
// Null counts as false. Compacts the batch in place; ts, wm and keys move with their rows.
#pragma once

#include <memory>

#include "expr/expr.h"
#include "sluice/pipeline_spec.h"
#include "operators/transform.h"

namespace sluice {

class Filter final : public Transform {
 public:
  // REQUIRES: expr->type() == Type::kBool. `schema` is the input schema (for the predicate's
  // RowView); it must outlive the filter.
  explicit Filter(std::unique_ptr<Expr> expr);
  Filter(RowPredicate predicate, const Schema& schema);

  Status Apply(Batch* batch) const override;

 private:
  std::unique_ptr<Expr> expr_;
  RowPredicate predicate_;
  Schema schema_;
};

}  // namespace sluice
