// User-defined scalar functions: the process-wide registry, ScalarResult, and the call node.
#include "expr/udf.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "expr/binder.h"
#include "expr/lexer.h"

namespace sluice {

ScalarResult::ScalarResult(Type type, size_t rows, Column* out)
    : type_(type), rows_(rows), out_(out) {
  if (out->valid.size() != rows) out->valid.assign(rows, 1);
  valid_ = out->valid.data();
  if (type == Type::kDouble) {
    f64_ = out->f64.data();
  } else if (type != Type::kString) {
    i64_ = out->i64.data();
  }
}

void ScalarResult::set_str(size_t row, std::string_view v) {
  if (type_ != Type::kString || row < next_str_row_ || row >= rows_) return;
  std::vector<uint32_t>& offsets = out_->offsets;
  const uint32_t before = static_cast<uint32_t>(out_->chars.size());
  for (size_t r = next_str_row_; r < row; ++r) offsets[r + 1] = before;
  out_->chars.append(v);
  offsets[row + 1] = static_cast<uint32_t>(out_->chars.size());
  valid_[row] = 1;
  next_str_row_ = row + 1;
}

void ScalarResult::Finish() {
  if (type_ != Type::kString) return;
  const uint32_t end = static_cast<uint32_t>(out_->chars.size());
  for (size_t r = next_str_row_; r < rows_; ++r) out_->offsets[r + 1] = end;
  next_str_row_ = rows_;
}

namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const ScalarFunction>, std::less<>>
      functions;  // GUARDED_BY(mu)
};

Registry& GetRegistry() {
  static Registry registry;
  return registry;
}

bool IsAggregate(std::string_view f) {
  return f == "count" || f == "sum" || f == "min" || f == "max" || f == "avg" || f == "first" ||
         f == "last" || f == "count_distinct";
}

}  // namespace

Status RegisterScalarFunction(ScalarFunction f) {
  const std::string lower = expr::Lower(f.name);
  if (!expr::IsIdentifier(f.name)) {
    return Status::InvalidArgument(fmt::format(
        "scalar function name '{}' is not an identifier (letters, digits and _, not starting "
        "with a digit)",
        f.name));
  }
  if (expr::IsBuiltinFunction(lower) || expr::IsKeyword(lower) || expr::IsSoftKeyword(lower) ||
      IsAggregate(lower)) {
    return Status::InvalidArgument(
        fmt::format("scalar function name '{}' is taken by the expression language", f.name));
  }
  if (static_cast<bool>(f.row) == static_cast<bool>(f.batch)) {
    return Status::InvalidArgument(
        fmt::format("scalar function '{}' needs exactly one callback, row or batch", f.name));
  }
  f.name = lower;
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (r.functions.count(lower) > 0) {
    return Status::InvalidArgument(
        fmt::format("scalar function '{}' is registered already", lower));
  }
  r.functions.emplace(lower, std::make_shared<const ScalarFunction>(std::move(f)));
  return Status::OK();
}

bool UnregisterScalarFunction(std::string_view name) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.functions.erase(expr::Lower(name)) > 0;
}

namespace expr {

std::shared_ptr<const ScalarFunction> FindScalarFunction(std::string_view lower) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.functions.find(lower);
  return it == r.functions.end() ? nullptr : it->second;
}

std::vector<std::string> ScalarFunctionNames() {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> names;
  for (const auto& [name, f] : r.functions) names.push_back(name);
  return names;
}

namespace {

class ScalarCall final : public Node {
 public:
  ScalarCall(std::shared_ptr<const ScalarFunction> f, std::vector<NodePtr> args)
      : Node(f->result_type, f->result_unit), f_(std::move(f)), args_(std::move(args)) {
    // Literal arguments are evaluated once, as one-row columns the callback reads at row 0.
    consts_.resize(args_.size());
    Batch one;
    one.ts.resize(1);
    for (size_t k = 0; k < args_.size(); ++k) {
      if (args_[k]->constant()) args_[k]->Eval(one, &consts_[k]);
    }
  }

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    std::vector<Column> scratch(args_.size());
    std::vector<ScalarArgColumn> views(args_.size());
    ResetColumn(out, type(), n);
    out->valid.assign(n, 1);
    uint8_t* ok = out->valid.data();
    for (size_t k = 0; k < args_.size(); ++k) {
      const bool constant = args_[k]->constant() != nullptr;
      const Column& c = constant ? consts_[k] : args_[k]->Ref(batch, &scratch[k]);
      ScalarArgColumn& v = views[k];
      v.type = args_[k]->type();
      v.unit = args_[k]->unit();
      v.constant = constant;
      v.i64 = c.i64.data();
      v.f64 = c.f64.data();
      v.offsets = c.offsets.data();
      v.chars = c.chars.data();
      v.valid = ValidPtr(c);
      if (v.valid == nullptr) continue;
      if (constant) {
        if (!v.valid[0]) std::fill(ok, ok + n, 0);
      } else {
        for (size_t i = 0; i < n; ++i) ok[i] &= v.valid[i];
      }
    }
    ScalarArgs args(n, std::move(views));
    ScalarResult result(type(), n, out);
    if (f_->row) {
      for (size_t i = 0; i < n; ++i) {
        if (ok[i]) f_->row(args, i, &result);
      }
    } else {
      f_->batch(args, &result);
    }
    result.Finish();
    if (std::all_of(out->valid.begin(), out->valid.end(), [](uint8_t b) { return b != 0; })) {
      out->valid.clear();
    }
  }

 private:
  const std::shared_ptr<const ScalarFunction> f_;
  const std::vector<NodePtr> args_;
  std::vector<Column> consts_;  // one-row values of literal arguments (others empty)
};

}  // namespace

NodePtr MakeScalarCall(std::shared_ptr<const ScalarFunction> f, std::vector<NodePtr> args) {
  return std::make_unique<ScalarCall>(std::move(f), std::move(args));
}

}  // namespace expr
}  // namespace sluice
