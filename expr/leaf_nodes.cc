// Literals, field references and the kernel helpers every node file shares.
#include <algorithm>
#include <cassert>

#include "expr/node.h"

namespace sluice::expr {

void Node::Select(const Batch& batch, uint8_t* sel) const {
  assert(type() == Type::kBool);
  Column scratch;
  const Column& c = Ref(batch, &scratch);
  const size_t n = batch.size();
  const int64_t* v = c.i64.data();
  if (c.valid.empty()) {
    for (size_t i = 0; i < n; ++i) sel[i] = v[i] != 0;
  } else {
    const uint8_t* ok = c.valid.data();
    for (size_t i = 0; i < n; ++i) sel[i] = (v[i] != 0) & (ok[i] != 0);
  }
}

void ResetColumn(Column* c, Type type, size_t n) {
  c->type = type;
  c->valid.clear();
  switch (type) {
    case Type::kDouble:
      c->i64.clear();
      c->chars.clear();
      c->offsets.assign(1, 0);
      c->f64.resize(n);
      break;
    case Type::kString:
      c->i64.clear();
      c->f64.clear();
      c->chars.clear();
      c->offsets.assign(n + 1, 0);
      break;
    default:
      c->f64.clear();
      c->chars.clear();
      c->offsets.assign(1, 0);
      c->i64.resize(n);
      break;
  }
}

void AndValid(size_t n, const uint8_t* a, const uint8_t* b, std::vector<uint8_t>* out) {
  if (a == nullptr && b == nullptr) {
    out->clear();
    return;
  }
  out->resize(n);
  uint8_t* o = out->data();
  if (a && b) {
    for (size_t i = 0; i < n; ++i) o[i] = (a[i] != 0) & (b[i] != 0);
  } else {
    const uint8_t* s = a ? a : b;
    for (size_t i = 0; i < n; ++i) o[i] = s[i] != 0;
  }
}

void AndValidInto(size_t n, const uint8_t* v, std::vector<uint8_t>* acc) {
  if (v == nullptr) return;
  if (acc->empty()) {
    acc->assign(v, v + n);
    return;
  }
  uint8_t* a = acc->data();
  for (size_t i = 0; i < n; ++i) a[i] = (a[i] != 0) & (v[i] != 0);
}

void LoadStr(const Node& node, const Batch& batch, Str* out) {
  if (const Value* v = node.constant()) {
    out->c = v->s;
    if (v->null) {
      out->nulls.assign(batch.size(), 0);
      out->valid = out->nulls.data();
    }
    return;
  }
  out->col = &node.Ref(batch, &out->scratch);
  out->valid = ValidPtr(*out->col);
}

namespace {

class Literal final : public Node {
 public:
  Literal(const Value& v, Type type, TimeUnit unit) : Node(type, unit), value_(v) {
    value_.type = type;
  }

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    ResetColumn(out, type(), n);
    if (value_.null) {
      out->valid.assign(n, 0);
      return;
    }
    switch (type()) {
      case Type::kDouble:
        std::fill(out->f64.begin(), out->f64.end(), value_.d);
        break;
      case Type::kString:
        out->chars.reserve(n * value_.s.size());
        for (size_t i = 0; i < n; ++i) {
          out->chars.append(value_.s);
          out->offsets[i + 1] = static_cast<uint32_t>(out->chars.size());
        }
        break;
      default:
        std::fill(out->i64.begin(), out->i64.end(), value_.i);
        break;
    }
  }

  void Select(const Batch& batch, uint8_t* sel) const override {
    const uint8_t v = !value_.null && value_.i != 0;
    std::fill(sel, sel + batch.size(), v);
  }

  const Value* constant() const override { return &value_; }

 private:
  Value value_;
};

class FieldRef final : public Node {
 public:
  FieldRef(int index, const Field& f) : Node(f.type, f.unit), index_(index) {}

  void Eval(const Batch& batch, Column* out) const override { *out = Ref(batch, nullptr); }

  const Column& Ref(const Batch& batch, Column*) const override {
    assert(static_cast<size_t>(index_) < batch.columns.size());
    return batch.columns[index_];
  }

 private:
  const int index_;
};

}  // namespace

NodePtr MakeLiteral(const Value& v, Type type, TimeUnit unit) {
  return std::make_unique<Literal>(v, type, unit);
}

NodePtr MakeField(int index, const Field& field) {
  return std::make_unique<FieldRef>(index, field);
}

}  // namespace sluice::expr
