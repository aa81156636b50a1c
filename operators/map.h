// Map: computes fields (new or replacing existing ones) from expressions or C++ functions, then
// optionally keeps only a list of fields, in that order.
#pragma once

#include <memory>
#include <vector>

#include "expr/expr.h"
#include "sluice/pipeline_spec.h"
#include "operators/transform.h"

namespace sluice {

class Map final : public Transform {
 public:
  struct Step {
    std::unique_ptr<Expr> expr;  // or fn
    RowFunction fn;
    Schema input;  // schema the step reads (for fn's RowView)
    int target = 0;  // column written: an existing index (replace) or the next one (append)
    // When set (a bool expression): the value is null in rows where it is not true (an
    // aggregate's filter (where ...)).
    std::unique_ptr<Expr> only_where;
  };

  // `keep`: output column indices, in order, taken from the schema after all steps; empty = all.
  Map(std::vector<Step> steps, std::vector<int> keep);

  Status Apply(Batch* batch) const override;

 private:
  std::vector<Step> steps_;
  std::vector<int> keep_;
};

}  // namespace sluice
