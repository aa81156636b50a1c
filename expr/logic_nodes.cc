// and / or / not with SQL three-valued logic:
//   false and null = false, true and null = null, true or null = true, false or null = null,
//   not null = null.
// Both operands are always evaluated (expressions have no side effects, errors become nulls).
#include "expr/node.h"

namespace sluice::expr {
namespace {

// A bool operand as arrays: values (0/1 or any non-zero) and validity (nullptr = all valid).
struct BoolIn {
  Column scratch;
  const int64_t* v = nullptr;
  const uint8_t* ok = nullptr;
  void Load(const Node& node, const Batch& batch) {
    const Column& c = node.Ref(batch, &scratch);
    v = c.i64.data();
    ok = ValidPtr(c);
  }
};

class Junction final : public Node {
 public:
  Junction(bool is_and, NodePtr l, NodePtr r)
      : Node(Type::kBool), is_and_(is_and), l_(std::move(l)), r_(std::move(r)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    BoolIn l, r;
    l.Load(*l_, batch);
    r.Load(*r_, batch);
    ResetColumn(out, Type::kBool, n);
    int64_t* o = out->i64.data();
    if (!l.ok && !r.ok) {
      if (is_and_) {
        for (size_t i = 0; i < n; ++i) o[i] = (l.v[i] != 0) & (r.v[i] != 0);
      } else {
        for (size_t i = 0; i < n; ++i) o[i] = (l.v[i] != 0) | (r.v[i] != 0);
      }
      return;
    }
    out->valid.resize(n);
    uint8_t* ok = out->valid.data();
    bool any_null = false;
    for (size_t i = 0; i < n; ++i) {
      const bool lk = !l.ok || l.ok[i], rk = !r.ok || r.ok[i];
      const bool lv = l.v[i] != 0, rv = r.v[i] != 0;
      if (is_and_) {
        // Known false when either side is a known false; known true when both are known true.
        const bool f = (lk && !lv) || (rk && !rv);
        ok[i] = f || (lk && rk);
        o[i] = !f && lk && rk;
      } else {
        const bool t = (lk && lv) || (rk && rv);
        ok[i] = t || (lk && rk);
        o[i] = t;
      }
      any_null |= !ok[i];
    }
    if (!any_null) out->valid.clear();
  }

  // Null counts as false, so true-ness composes directly.
  void Select(const Batch& batch, uint8_t* sel) const override {
    const size_t n = batch.size();
    l_->Select(batch, sel);
    std::vector<uint8_t> rsel(n);
    r_->Select(batch, rsel.data());
    const uint8_t* b = rsel.data();
    if (is_and_) {
      for (size_t i = 0; i < n; ++i) sel[i] &= b[i];
    } else {
      for (size_t i = 0; i < n; ++i) sel[i] |= b[i];
    }
  }

 private:
  const bool is_and_;
  const NodePtr l_, r_;
};

class Not final : public Node {
 public:
  explicit Not(NodePtr x) : Node(Type::kBool), x_(std::move(x)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    BoolIn x;
    x.Load(*x_, batch);
    ResetColumn(out, Type::kBool, n);
    int64_t* o = out->i64.data();
    for (size_t i = 0; i < n; ++i) o[i] = x.v[i] == 0;
    if (x.ok) out->valid.assign(x.ok, x.ok + n);
  }

 private:
  const NodePtr x_;
};

}  // namespace

NodePtr MakeAnd(NodePtr l, NodePtr r) {
  return std::make_unique<Junction>(true, std::move(l), std::move(r));
}
NodePtr MakeOr(NodePtr l, NodePtr r) {
  return std::make_unique<Junction>(false, std::move(l), std::move(r));
}
NodePtr MakeNot(NodePtr x) { return std::make_unique<Not>(std::move(x)); }

}  // namespace sluice::expr
