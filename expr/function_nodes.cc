// Scalar functions: abs, lower, upper, length, coalesce. The others are in case_nodes.cc,
// cast_nodes.cc, string_nodes.cc, regexp_nodes.cc, time_nodes.cc and udf.cc.
#include <cmath>

#include "expr/node.h"

namespace sluice::expr {
namespace {

class Abs final : public Node {
 public:
  explicit Abs(NodePtr x)
      : Node(x->type() == Type::kDouble ? Type::kDouble : Type::kInt64), x_(std::move(x)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Column scratch;
    const Column& in = x_->Ref(batch, &scratch);
    ResetColumn(out, type(), n);
    if (type() == Type::kDouble) {
      const double* a = in.f64.data();
      double* o = out->f64.data();
      for (size_t i = 0; i < n; ++i) o[i] = std::fabs(a[i]);
    } else {
      // abs(-9223372036854775808) wraps to itself, like unary minus.
      const int64_t* a = in.i64.data();
      int64_t* o = out->i64.data();
      for (size_t i = 0; i < n; ++i) {
        const uint64_t u = static_cast<uint64_t>(a[i]);
        o[i] = static_cast<int64_t>(a[i] < 0 ? 0 - u : u);
      }
    }
    out->valid = in.valid;
  }

 private:
  const NodePtr x_;
};

class ChangeCase final : public Node {
 public:
  ChangeCase(bool upper, NodePtr x) : Node(Type::kString), upper_(upper), x_(std::move(x)) {}

  void Eval(const Batch& batch, Column* out) const override {
    Column scratch;
    const Column& in = x_->Ref(batch, &scratch);
    out->type = Type::kString;
    out->i64.clear();
    out->f64.clear();
    out->offsets = in.offsets;
    out->chars = in.chars;
    out->valid = in.valid;
    const char from = upper_ ? 'a' : 'A';
    const char delta = upper_ ? 'A' - 'a' : 'a' - 'A';
    for (char& c : out->chars) {
      if (static_cast<unsigned char>(c - from) < 26) c = static_cast<char>(c + delta);
    }
  }

 private:
  const bool upper_;
  const NodePtr x_;
};

class Length final : public Node {
 public:
  explicit Length(NodePtr x) : Node(Type::kInt64), x_(std::move(x)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Column scratch;
    const Column& in = x_->Ref(batch, &scratch);
    ResetColumn(out, Type::kInt64, n);
    const uint32_t* off = in.offsets.data();
    int64_t* o = out->i64.data();
    for (size_t i = 0; i < n; ++i) o[i] = static_cast<int64_t>(off[i + 1] - off[i]);
    out->valid = in.valid;
  }

 private:
  const NodePtr x_;
};

// Converts an int64/timestamp column to double, in place.
void PromoteToDouble(Column* c) {
  if (c->type == Type::kDouble) return;
  c->f64.resize(c->i64.size());
  for (size_t i = 0; i < c->i64.size(); ++i) c->f64[i] = static_cast<double>(c->i64[i]);
  c->i64.clear();
  c->type = Type::kDouble;
}

class Coalesce final : public Node {
 public:
  Coalesce(Type type, TimeUnit unit, std::vector<NodePtr> args)
      : Node(type, unit), args_(std::move(args)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    args_[0]->Eval(batch, out);
    Fix(out);
    if (type() == Type::kString) return EvalStrings(batch, out);
    Column next;
    for (size_t k = 1; k < args_.size() && !out->valid.empty(); ++k) {
      args_[k]->Eval(batch, &next);
      Fix(&next);
      uint8_t* ok = out->valid.data();
      bool any_null = false;
      for (size_t i = 0; i < n; ++i) {
        if (ok[i] || !next.is_valid(i)) {
          any_null |= !ok[i];
          continue;
        }
        if (type() == Type::kDouble) {
          out->f64[i] = next.f64[i];
        } else {
          out->i64[i] = next.i64[i];
        }
        ok[i] = 1;
      }
      if (!any_null) out->valid.clear();
    }
  }

 private:
  // Brings an argument's column to the result type (numeric promotion, timestamp -> int64).
  void Fix(Column* c) const {
    if (type() == Type::kDouble) {
      PromoteToDouble(c);
    } else {
      c->type = type();
    }
  }

  void EvalStrings(const Batch& batch, Column* out) const {
    if (out->valid.empty()) return;
    const size_t n = batch.size();
    std::vector<Column> cols(args_.size());
    cols[0] = std::move(*out);
    size_t used = 1;
    // Evaluate arguments until every row has a value or the arguments run out.
    std::vector<uint8_t> ok = cols[0].valid;
    for (; used < args_.size(); ++used) {
      bool any_null = false;
      for (size_t i = 0; i < n; ++i) any_null |= !ok[i];
      if (!any_null) break;
      args_[used]->Eval(batch, &cols[used]);
      for (size_t i = 0; i < n; ++i) ok[i] |= cols[used].is_valid(i);
    }
    ResetColumn(out, Type::kString, n);
    bool any_null = false;
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < used; ++k) {
        if (cols[k].is_valid(i)) {
          out->chars.append(cols[k].str(i));
          break;
        }
      }
      out->offsets[i + 1] = static_cast<uint32_t>(out->chars.size());
      any_null |= !ok[i];
    }
    if (any_null) out->valid = std::move(ok);
  }

  const std::vector<NodePtr> args_;
};

}  // namespace

NodePtr MakeAbs(NodePtr x) { return std::make_unique<Abs>(std::move(x)); }
NodePtr MakeChangeCase(bool upper, NodePtr x) {
  return std::make_unique<ChangeCase>(upper, std::move(x));
}
NodePtr MakeLength(NodePtr x) { return std::make_unique<Length>(std::move(x)); }
NodePtr MakeCoalesce(Type type, TimeUnit unit, std::vector<NodePtr> args) {
  return std::make_unique<Coalesce>(type, unit, std::move(args));
}

}  // namespace sluice::expr
