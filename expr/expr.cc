// CompileExpr: lex, parse, bind; and the Expr implementation over the bound tree.
#include "expr/expr.h"

#include "expr/binder.h"
#include "expr/parser.h"

namespace sluice {
namespace {

class CompiledExpr final : public Expr {
 public:
  CompiledExpr(expr::NodePtr root, std::string text, std::optional<int> field)
      : root_(std::move(root)), text_(std::move(text)), field_(field) {}

  Type type() const override { return root_->type(); }
  TimeUnit unit() const override { return root_->unit(); }

  void Evaluate(const Batch& batch, Column* out) const override {
    // Nodes never write into a column they read; an output that is one of the batch's own columns
    // is evaluated aside and then moved in.
    if (!batch.columns.empty() && out >= batch.columns.data() &&
        out < batch.columns.data() + batch.columns.size()) {
      Column tmp;
      root_->Eval(batch, &tmp);
      *out = std::move(tmp);
      return;
    }
    root_->Eval(batch, out);
  }

  void Select(const Batch& batch, std::vector<uint8_t>* sel) const override {
    sel->resize(batch.size());
    if (batch.size() == 0) return;
    root_->Select(batch, sel->data());
  }

  std::optional<int> AsField() const override { return field_; }
  std::string ToString() const override { return text_; }

 private:
  const expr::NodePtr root_;
  const std::string text_;
  const std::optional<int> field_;
};

}  // namespace

Result<std::unique_ptr<Expr>> CompileExpr(std::string_view text, const Schema& schema) {
  SLUICE_ASSIGN_OR_RETURN(auto ast, expr::Parse(text));
  SLUICE_ASSIGN_OR_RETURN(expr::NodePtr root, expr::Bind(*ast, schema));
  std::optional<int> field;
  if (ast->kind == expr::Ast::Kind::kField) field = schema.IndexOf(ast->text);
  return std::unique_ptr<Expr>(
      std::make_unique<CompiledExpr>(std::move(root), expr::ToText(*ast), field));
}

}  // namespace sluice
