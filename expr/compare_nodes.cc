// Comparisons = != < <= > >= between numbers (int64 and double mixed compare as double), strings
// (bytewise lexicographic) and bools (= and != only). Results are bool; null in, null out.

#include <functional>

#include "expr/node.h"

namespace sluice::expr {
namespace {

enum class Domain : uint8_t { kInt, kDouble, kBool, kString };

template <typename T, typename R>
void CompareLoop(CmpOp op, size_t n, const Num<T>& l, const Num<T>& r, R* out) {
  switch (op) {
    case CmpOp::kEq:
      BinaryLoop(n, l, r, out, std::equal_to<T>());
      break;
    case CmpOp::kNe:
      BinaryLoop(n, l, r, out, std::not_equal_to<T>());
      break;
    case CmpOp::kLt:
      BinaryLoop(n, l, r, out, std::less<T>());
      break;
    case CmpOp::kLe:
      BinaryLoop(n, l, r, out, std::less_equal<T>());
      break;
    case CmpOp::kGt:
      BinaryLoop(n, l, r, out, std::greater<T>());
      break;
    case CmpOp::kGe:
      BinaryLoop(n, l, r, out, std::greater_equal<T>());
      break;
  }
}

// Bools are stored as 0/1 but compared by truth value so any non-zero storage counts as true.
template <typename R>
void CompareBools(CmpOp op, size_t n, const Num<int64_t>& l, const Num<int64_t>& r, R* out) {
  if (op == CmpOp::kEq) {
    BinaryLoop(n, l, r, out, [](int64_t a, int64_t b) { return (a != 0) == (b != 0); });
  } else {
    BinaryLoop(n, l, r, out, [](int64_t a, int64_t b) { return (a != 0) != (b != 0); });
  }
}

inline bool Holds(CmpOp op, int c) {
  switch (op) {
    case CmpOp::kEq:
      return c == 0;
    case CmpOp::kNe:
      return c != 0;
    case CmpOp::kLt:
      return c < 0;
    case CmpOp::kLe:
      return c <= 0;
    case CmpOp::kGt:
      return c > 0;
    case CmpOp::kGe:
      return c >= 0;
  }
  return false;
}

template <typename R>
void CompareStrings(CmpOp op, size_t n, const Str& l, const Str& r, R* out) {
  if (op == CmpOp::kEq || op == CmpOp::kNe) {
    const bool eq = op == CmpOp::kEq;
    for (size_t i = 0; i < n; ++i) out[i] = (l.at(i) == r.at(i)) == eq;
    return;
  }
  for (size_t i = 0; i < n; ++i) out[i] = Holds(op, l.at(i).compare(r.at(i)));
}

class Compare final : public Node {
 public:
  Compare(CmpOp op, NodePtr l, NodePtr r)
      : Node(Type::kBool), op_(op), domain_(DomainOf(*l, *r)), l_(std::move(l)), r_(std::move(r)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    ResetColumn(out, Type::kBool, n);
    Run(batch, out->i64.data(), &out->valid);
  }

  void Select(const Batch& batch, uint8_t* sel) const override {
    std::vector<uint8_t> valid;
    Run(batch, sel, &valid);
    if (!valid.empty()) {
      const uint8_t* v = valid.data();
      for (size_t i = 0, n = batch.size(); i < n; ++i) sel[i] &= v[i];
    }
  }

 private:
  static Domain DomainOf(const Node& l, const Node& r) {
    if (l.type() == Type::kString) return Domain::kString;
    if (l.type() == Type::kBool) return Domain::kBool;
    if (l.type() == Type::kDouble || r.type() == Type::kDouble) return Domain::kDouble;
    return Domain::kInt;
  }

  // Writes the comparison into out[0..n) and the combined validity into *valid.
  template <typename R>
  void Run(const Batch& batch, R* out, std::vector<uint8_t>* valid) const {
    const size_t n = batch.size();
    switch (domain_) {
      case Domain::kDouble: {
        Num<double> l, r;
        LoadNum(*l_, batch, &l);
        LoadNum(*r_, batch, &r);
        CompareLoop(op_, n, l, r, out);
        AndValid(n, l.valid, r.valid, valid);
        break;
      }
      case Domain::kInt:
      case Domain::kBool: {
        Num<int64_t> l, r;
        LoadNum(*l_, batch, &l);
        LoadNum(*r_, batch, &r);
        if (domain_ == Domain::kInt) {
          CompareLoop(op_, n, l, r, out);
        } else {
          CompareBools(op_, n, l, r, out);
        }
        AndValid(n, l.valid, r.valid, valid);
        break;
      }
      case Domain::kString: {
        Str l, r;
        LoadStr(*l_, batch, &l);
        LoadStr(*r_, batch, &r);
        CompareStrings(op_, n, l, r, out);
        AndValid(n, l.valid, r.valid, valid);
        break;
      }
    }
  }

  const CmpOp op_;
  const Domain domain_;
  const NodePtr l_, r_;
};

}  // namespace

NodePtr MakeCompare(CmpOp op, NodePtr l, NodePtr r) {
  return std::make_unique<Compare>(op, std::move(l), std::move(r));
}

}  // namespace sluice::expr
