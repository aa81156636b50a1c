// regexp_like and regexp_extract with RE2. The pattern is a literal compiled once when the
// expression is compiled; RE2 matches in linear time and its const methods are thread-safe, so
// one compiled pattern serves concurrent evaluations.
#include <fmt/format.h>
#include <re2/re2.h>

#include "expr/node.h"

namespace sluice::expr {
namespace {

Status ErrorAt(int column, std::string_view msg) {
  return Status::InvalidArgument(fmt::format("column {}: {}", column, msg));
}

Result<std::unique_ptr<const re2::RE2>> Compile(const std::string& pattern, int column) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<const re2::RE2>(pattern, options);
  if (!re->ok()) {
    return ErrorAt(column, fmt::format("invalid regular expression: {} (RE2 syntax: "
                                       "https://github.com/google/re2/wiki/Syntax)",
                                       re->error()));
  }
  return re;
}

inline re2::StringPiece Piece(std::string_view s) {
  return re2::StringPiece(s.data() ? s.data() : "", s.size());
}

class RegexpLike final : public Node {
 public:
  RegexpLike(NodePtr s, std::unique_ptr<const re2::RE2> re)
      : Node(Type::kBool), s_(std::move(s)), re_(std::move(re)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Str s;
    LoadStr(*s_, batch, &s);
    ResetColumn(out, Type::kBool, n);
    if (s.valid) out->valid.assign(s.valid, s.valid + n);
    int64_t* o = out->i64.data();
    for (size_t i = 0; i < n; ++i) {
      const re2::StringPiece text = Piece(s.at(i));
      o[i] = re_->Match(text, 0, text.size(), re2::RE2::UNANCHORED, nullptr, 0);
    }
  }

 private:
  const NodePtr s_;
  const std::unique_ptr<const re2::RE2> re_;
};

class RegexpExtract final : public Node {
 public:
  RegexpExtract(NodePtr s, std::unique_ptr<const re2::RE2> re, NodePtr group)
      : Node(Type::kString), s_(std::move(s)), re_(std::move(re)), group_(std::move(group)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Str s;
    Num<int64_t> group;
    LoadStr(*s_, batch, &s);
    if (group_) LoadNum(*group_, batch, &group);
    ResetColumn(out, Type::kString, n);
    AndValidInto(n, s.valid, &out->valid);
    if (group_) AndValidInto(n, group.valid, &out->valid);
    const int64_t groups = re_->NumberOfCapturingGroups();
    std::vector<re2::StringPiece> sub(static_cast<size_t>(groups) + 1);
    for (size_t i = 0; i < n; ++i) {
      if (out->valid.empty() || out->valid[i]) {
        const int64_t g = !group_ ? 0 : (group.data ? group.data[i] : group.c);
        const re2::StringPiece text = Piece(s.at(i));
        if (g >= 0 && g <= groups &&
            re_->Match(text, 0, text.size(), re2::RE2::UNANCHORED, sub.data(),
                       static_cast<int>(g) + 1) &&
            sub[g].data() != nullptr) {
          out->chars.append(sub[g].data(), sub[g].size());
        } else {
          SetNull(n, i, &out->valid);
        }
      }
      out->offsets[i + 1] = static_cast<uint32_t>(out->chars.size());
    }
  }

 private:
  const NodePtr s_;
  const std::unique_ptr<const re2::RE2> re_;
  const NodePtr group_;
};

}  // namespace

Result<NodePtr> MakeRegexpLike(NodePtr s, const std::string& pattern, int pattern_column) {
  SLUICE_ASSIGN_OR_RETURN(auto re, Compile(pattern, pattern_column));
  return NodePtr(std::make_unique<RegexpLike>(std::move(s), std::move(re)));
}

Result<NodePtr> MakeRegexpExtract(NodePtr s, const std::string& pattern, int pattern_column,
                                  NodePtr group, int group_column) {
  SLUICE_ASSIGN_OR_RETURN(auto re, Compile(pattern, pattern_column));
  const int groups = re->NumberOfCapturingGroups();
  if (group) {
    if (const Value* v = group->constant(); v && !v->null && (v->i < 0 || v->i > groups)) {
      return ErrorAt(group_column,
                     fmt::format("regexp_extract group {} is out of range: the pattern has {} "
                                 "group{} (0 is the whole match)",
                                 v->i, groups, groups == 1 ? "" : "s"));
    }
  }
  return NodePtr(std::make_unique<RegexpExtract>(std::move(s), std::move(re), std::move(group)));
}

}  // namespace sluice::expr
