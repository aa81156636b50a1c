// case when ... then ... [else ...] end, and if(c, a, b), which binds to the same node.
//
// Vectorized: each condition is evaluated once over the batch as a selection (null counts as
// false), each row is assigned the first branch whose condition holds, and each branch that some
// row takes is evaluated once over the batch; the output then gathers row by row. Expressions
// have no side effects (errors are nulls), so evaluating a branch for rows that do not take it
// changes nothing.
#include <limits>

#include "expr/node.h"

namespace sluice::expr {
namespace {

constexpr uint32_t kUndecided = std::numeric_limits<uint32_t>::max();

class Case final : public Node {
 public:
  Case(Type type, TimeUnit unit, std::vector<NodePtr> conds, std::vector<NodePtr> values)
      : Node(type, unit), conds_(std::move(conds)), values_(std::move(values)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    // pick[r]: the branch row r takes; conds_.size() for the else branch.
    const uint32_t else_branch = static_cast<uint32_t>(conds_.size());
    std::vector<uint32_t> pick(n, kUndecided);
    std::vector<uint8_t> sel(n);
    std::vector<uint8_t> taken(values_.size() + 1, 0);
    size_t undecided = n;
    for (uint32_t k = 0; k < conds_.size() && undecided > 0; ++k) {
      conds_[k]->Select(batch, sel.data());
      for (size_t i = 0; i < n; ++i) {
        if (sel[i] && pick[i] == kUndecided) {
          pick[i] = k;
          --undecided;
          taken[k] = 1;
        }
      }
    }
    if (undecided > 0) {
      for (size_t i = 0; i < n; ++i) {
        if (pick[i] == kUndecided) pick[i] = else_branch;
      }
      taken[else_branch] = 1;
    }
    // Results of the branches that some row takes; a missing else is null.
    std::vector<Column> scratch(values_.size());
    std::vector<const Column*> cols(values_.size() + 1, nullptr);
    for (size_t k = 0; k < values_.size(); ++k) {
      if (taken[k]) cols[k] = &values_[k]->Ref(batch, &scratch[k]);
    }
    ResetColumn(out, type(), n);
    out->valid.assign(n, 1);
    uint8_t* ok = out->valid.data();
    bool any_null = false;
    if (type() == Type::kString) {
      for (size_t i = 0; i < n; ++i) {
        const Column* c = cols[pick[i]];
        if (c && c->is_valid(i)) {
          out->chars.append(c->str(i));
        } else {
          ok[i] = 0;
          any_null = true;
        }
        out->offsets[i + 1] = static_cast<uint32_t>(out->chars.size());
      }
    } else if (type() == Type::kDouble) {
      double* o = out->f64.data();
      for (size_t i = 0; i < n; ++i) {
        const Column* c = cols[pick[i]];
        if (c && c->is_valid(i)) {
          o[i] = c->type == Type::kDouble ? c->f64[i] : static_cast<double>(c->i64[i]);
        } else {
          ok[i] = 0;
          any_null = true;
        }
      }
    } else {
      int64_t* o = out->i64.data();
      for (size_t i = 0; i < n; ++i) {
        const Column* c = cols[pick[i]];
        if (c && c->is_valid(i)) {
          o[i] = c->i64[i];
        } else {
          o[i] = 0;
          ok[i] = 0;
          any_null = true;
        }
      }
    }
    if (!any_null) out->valid.clear();
  }

 private:
  const std::vector<NodePtr> conds_;
  const std::vector<NodePtr> values_;  // one per condition, then the else result if any
};

}  // namespace

NodePtr MakeCase(Type type, TimeUnit unit, std::vector<NodePtr> conds,
                 std::vector<NodePtr> values) {
  return std::make_unique<Case>(type, unit, std::move(conds), std::move(values));
}

}  // namespace sluice::expr
