// Arithmetic: + - * / % on numbers, unary minus, and + on strings (concatenation).
//
// int64 + - * wrap around on overflow (two's complement), as does -(-9223372036854775808).
// Division and modulo by zero yield null; `/` is computed in double.
#include <cmath>

#include "expr/node.h"

namespace sluice::expr {
namespace {

inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
// a % b; 0 where b is 0 (the row becomes null) or -1 (avoids INT64_MIN % -1 overflow).
inline int64_t SafeMod(int64_t a, int64_t b) { return (b == 0 || b == -1) ? 0 : a % b; }

// Clears validity where the divisor is zero.
template <typename T>
void NullWhereZero(size_t n, const Num<T>& divisor, std::vector<uint8_t>* valid) {
  if (!divisor.data) {
    if (divisor.c == 0) valid->assign(n, 0);
    return;
  }
  const T* d = divisor.data;
  bool any_zero = false;
  for (size_t i = 0; i < n; ++i) any_zero |= d[i] == 0;
  if (!any_zero) return;
  if (valid->empty()) valid->assign(n, 1);
  uint8_t* v = valid->data();
  for (size_t i = 0; i < n; ++i) v[i] &= d[i] != 0;
}

template <typename T>
void Compute(ArithOp op, size_t n, const Num<T>& l, const Num<T>& r, T* out) {
  if constexpr (std::is_same_v<T, int64_t>) {
    switch (op) {
      case ArithOp::kAdd:
        BinaryLoop(n, l, r, out, WrapAdd);
        break;
      case ArithOp::kSub:
        BinaryLoop(n, l, r, out, WrapSub);
        break;
      case ArithOp::kMul:
        BinaryLoop(n, l, r, out, WrapMul);
        break;
      case ArithOp::kMod:
        BinaryLoop(n, l, r, out, SafeMod);
        break;
      case ArithOp::kDiv:
        break;  // always double; see MakeArith
    }
  } else {
    switch (op) {
      case ArithOp::kAdd:
        BinaryLoop(n, l, r, out, [](double a, double b) { return a + b; });
        break;
      case ArithOp::kSub:
        BinaryLoop(n, l, r, out, [](double a, double b) { return a - b; });
        break;
      case ArithOp::kMul:
        BinaryLoop(n, l, r, out, [](double a, double b) { return a * b; });
        break;
      case ArithOp::kDiv:
        BinaryLoop(n, l, r, out, [](double a, double b) { return b == 0 ? 0.0 : a / b; });
        break;
      case ArithOp::kMod:
        BinaryLoop(n, l, r, out, [](double a, double b) { return b == 0 ? 0.0 : std::fmod(a, b); });
        break;
    }
  }
}

class Arith final : public Node {
 public:
  Arith(ArithOp op, Type result, NodePtr l, NodePtr r)
      : Node(result), op_(op), l_(std::move(l)), r_(std::move(r)) {}

  void Eval(const Batch& batch, Column* out) const override {
    if (type() == Type::kDouble) {
      Run<double>(batch, out, &out->f64);
    } else {
      Run<int64_t>(batch, out, &out->i64);
    }
  }

 private:
  template <typename T>
  void Run(const Batch& batch, Column* out, std::vector<T>* values) const {
    const size_t n = batch.size();
    Num<T> l, r;
    LoadNum(*l_, batch, &l);
    LoadNum(*r_, batch, &r);
    ResetColumn(out, type(), n);
    Compute<T>(op_, n, l, r, values->data());
    AndValid(n, l.valid, r.valid, &out->valid);
    if (op_ == ArithOp::kDiv || op_ == ArithOp::kMod) NullWhereZero(n, r, &out->valid);
  }

  const ArithOp op_;
  const NodePtr l_, r_;
};

class Negate final : public Node {
 public:
  explicit Negate(NodePtr x)
      : Node(x->type() == Type::kDouble ? Type::kDouble : Type::kInt64), x_(std::move(x)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Column scratch;
    const Column& in = x_->Ref(batch, &scratch);
    ResetColumn(out, type(), n);
    if (type() == Type::kDouble) {
      const double* a = in.f64.data();
      double* o = out->f64.data();
      for (size_t i = 0; i < n; ++i) o[i] = -a[i];
    } else {
      const int64_t* a = in.i64.data();
      int64_t* o = out->i64.data();
      for (size_t i = 0; i < n; ++i) o[i] = WrapSub(0, a[i]);
    }
    out->valid = in.valid;
  }

 private:
  const NodePtr x_;
};

class Concat final : public Node {
 public:
  Concat(NodePtr l, NodePtr r) : Node(Type::kString), l_(std::move(l)), r_(std::move(r)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Str l, r;
    LoadStr(*l_, batch, &l);
    LoadStr(*r_, batch, &r);
    ResetColumn(out, Type::kString, n);
    AndValid(n, l.valid, r.valid, &out->valid);
    size_t bytes = (l.col ? l.col->chars.size() : l.c.size() * n) +
                   (r.col ? r.col->chars.size() : r.c.size() * n);
    out->chars.reserve(bytes);
    const uint8_t* ok = out->valid.empty() ? nullptr : out->valid.data();
    for (size_t i = 0; i < n; ++i) {
      if (!ok || ok[i]) {
        out->chars.append(l.at(i));
        out->chars.append(r.at(i));
      }
      out->offsets[i + 1] = static_cast<uint32_t>(out->chars.size());
    }
  }

 private:
  const NodePtr l_, r_;
};

}  // namespace

NodePtr MakeArith(ArithOp op, Type result, NodePtr l, NodePtr r) {
  return std::make_unique<Arith>(op, result, std::move(l), std::move(r));
}

NodePtr MakeNegate(NodePtr x) { return std::make_unique<Negate>(std::move(x)); }

NodePtr MakeConcat(NodePtr l, NodePtr r) {
  return std::make_unique<Concat>(std::move(l), std::move(r));
}

}  // namespace sluice::expr
