// The bound evaluation tree: typed nodes that evaluate column-at-a-time over a whole batch.
//
// Internal to expr/. Nodes are immutable after binding; Eval/Ref/Select are const and keep
// all scratch state on the stack, so one tree may evaluate different batches concurrently. Every
// node makes one virtual call per batch, never per row; kernels are typed loops over raw arrays.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/batch.h"

namespace sluice::expr {

class Node {
 public:
  explicit Node(Type type, TimeUnit unit = TimeUnit::kMicros) : type_(type), unit_(unit) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  Type type() const { return type_; }
  TimeUnit unit() const { return unit_; }

  // Replaces *out with batch.size() rows of type(). Rows that are null hold an unspecified value.
  // REQUIRES: out is not one of batch's columns.
  virtual void Eval(const Batch& batch, Column* out) const = 0;

  // The result as a column: the batch's own column for a field reference (no copy), otherwise
  // *scratch after Eval. The reference is valid while batch and *scratch are.
  virtual const Column& Ref(const Batch& batch, Column* scratch) const {
    Eval(batch, scratch);
    return *scratch;
  }

  // For a bool node: sel[r] = 1 where the value is true, 0 where false or null.
  // REQUIRES: type() == kBool; sel has batch.size() entries.
  virtual void Select(const Batch& batch, uint8_t* sel) const;

  // The value when the node is a literal, else nullptr.
  virtual const Value* constant() const { return nullptr; }

 private:
  const Type type_;
  const TimeUnit unit_;
};

using NodePtr = std::unique_ptr<Node>;

enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv, kMod };
enum class CmpOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

// Leaves (leaf_nodes.cc). A literal of `type` (v.null allowed; v's payload already of that type).
NodePtr MakeLiteral(const Value& v, Type type, TimeUnit unit = TimeUnit::kMicros);
NodePtr MakeField(int index, const Field& field);

// Arithmetic (arith_nodes.cc). Operands numeric (int64, double or timestamp). `result` is kInt64
// (both operands integral, op not kDiv) or kDouble.
NodePtr MakeArith(ArithOp op, Type result, NodePtr l, NodePtr r);
NodePtr MakeNegate(NodePtr x);             // numeric operand; int64 or double result
NodePtr MakeConcat(NodePtr l, NodePtr r);  // two strings

// Comparisons (compare_nodes.cc): both numeric, both string, or both bool (kEq/kNe only).
NodePtr MakeCompare(CmpOp op, NodePtr l, NodePtr r);

// Three-valued logic (logic_nodes.cc) over bool operands.
NodePtr MakeAnd(NodePtr l, NodePtr r);
NodePtr MakeOr(NodePtr l, NodePtr r);
NodePtr MakeNot(NodePtr x);

// Functions (function_nodes.cc).
NodePtr MakeAbs(NodePtr x);                     // numeric -> int64 or double
NodePtr MakeChangeCase(bool upper, NodePtr x);  // string -> string, ASCII only
NodePtr MakeLength(NodePtr x);                  // string -> int64 (bytes)
// `type`/`unit` is the common type of args; each arg is of that type, or numeric when type is
// kDouble or kInt64 (converted).
NodePtr MakeCoalesce(Type type, TimeUnit unit, std::vector<NodePtr> args);

// Conditionals (case_nodes.cc). `conds` are bool; `values` has one result per condition and
// optionally one more, the else result (none: null). Each result is of `type`, or numeric when
// `type` is kDouble or kInt64 (converted). A row takes the result of the first true condition;
// a null condition counts as false.
NodePtr MakeCase(Type type, TimeUnit unit, std::vector<NodePtr> conds, std::vector<NodePtr> values);

// Strings (string_nodes.cc). Positions and lengths count bytes.
NodePtr MakeConcatN(std::vector<NodePtr> args);  // strings; null if any is null
// substr(s, start[, len]): 1-based, a negative start counts from the end; len may be nullptr.
NodePtr MakeSubstr(NodePtr s, NodePtr start, NodePtr len);
// split_index (0-based, null when missing) or split_part (1-based or negative from the end,
// '' when missing, null for 0).
NodePtr MakeSplit(bool part, NodePtr s, NodePtr sep, NodePtr index);
NodePtr MakeStrpos(NodePtr s, NodePtr sub);         // int64, 1-based, 0 when absent
NodePtr MakeStartsWith(NodePtr s, NodePtr prefix);  // bool
NodePtr MakeReplace(NodePtr s, NodePtr from, NodePtr to);

// Regular expressions (regexp_nodes.cc), RE2 syntax, compiled here once. Errors are
// "column N: ..." with N = pattern_column (bad pattern) or group_column (a literal group out of
// range). `group` is an int64 node, or nullptr for group 0 (the whole match).
Result<NodePtr> MakeRegexpLike(NodePtr s, const std::string& pattern, int pattern_column);
Result<NodePtr> MakeRegexpExtract(NodePtr s, const std::string& pattern, int pattern_column,
                                  NodePtr group, int group_column);

// Timestamps (time_nodes.cc), in UTC, for a timestamp node of any unit.
enum class TimePart : uint8_t { kHour, kMinute, kDayOfWeek };
enum class TruncUnit : uint8_t { kSecond, kMinute, kHour, kDay, kWeek, kMonth, kYear };
NodePtr MakeTimePart(TimePart part, NodePtr ts);    // int64
NodePtr MakeDateTrunc(TruncUnit unit, NodePtr ts);  // timestamp of ts's unit
// String result; the pattern is checked here ("column N: ..." with N = pattern_column).
Result<NodePtr> MakeDateFormat(NodePtr ts, std::string_view pattern, int pattern_column);

// cast(x as type) (cast_nodes.cc), from any type; `unit` for a timestamp target.
NodePtr MakeCast(Type to, TimeUnit unit, NodePtr x);

// ---- Kernel helpers shared by the node files ----

// Makes *c an empty-valid column of `type` with n rows of unspecified value (strings: n empty).
void ResetColumn(Column* c, Type type, size_t n);

// *out = row-wise AND of two validity arrays (nullptr = all valid); empty when both are nullptr.
void AndValid(size_t n, const uint8_t* a, const uint8_t* b, std::vector<uint8_t>* out);

// *acc = row-wise AND of *acc and v (v nullptr = all valid; *acc empty = all valid).
void AndValidInto(size_t n, const uint8_t* v, std::vector<uint8_t>* acc);

// Makes row r of an n-row validity array null (an empty array becomes n valid rows first).
inline void SetNull(size_t n, size_t r, std::vector<uint8_t>* valid) {
  if (valid->empty()) valid->assign(n, 1);
  (*valid)[r] = 0;
}

inline const uint8_t* ValidPtr(const Column& c) {
  return c.valid.empty() ? nullptr : c.valid.data();
}

// A numeric operand seen in domain T (int64_t or double): an array or a constant.
template <typename T>
struct Num {
  const T* data = nullptr;  // nullptr: constant `c`
  T c{};
  const uint8_t* valid = nullptr;  // nullptr: all valid
  std::vector<T> conv;             // storage for int64 -> double conversion
  std::vector<uint8_t> nulls;      // all-zero validity of a null constant
  Column scratch;                  // storage for a computed operand
  Num() = default;
  Num(const Num&) = delete;
};

// Loads `node` as a numeric operand in domain T.
template <typename T>
void LoadNum(const Node& node, const Batch& batch, Num<T>* out) {
  if (const Value* v = node.constant()) {
    if (v->null) {
      out->nulls.assign(batch.size(), 0);
      out->valid = out->nulls.data();
    }
    if constexpr (std::is_same_v<T, double>) {
      out->c = v->type == Type::kDouble ? v->d : static_cast<double>(v->i);
    } else {
      out->c = v->i;
    }
    return;
  }
  const Column& col = node.Ref(batch, &out->scratch);
  out->valid = ValidPtr(col);
  if constexpr (std::is_same_v<T, double>) {
    if (col.type == Type::kDouble) {
      out->data = col.f64.data();
    } else {
      const size_t n = batch.size();
      out->conv.resize(n);
      const int64_t* in = col.i64.data();
      for (size_t i = 0; i < n; ++i) out->conv[i] = static_cast<double>(in[i]);
      out->data = out->conv.data();
    }
  } else {
    out->data = col.i64.data();
  }
}

// Rows per block of the kernel loops. A fixed inner trip count lets the compiler vectorize the
// loops at -O2 (no runtime peeling or epilogue needed); the remainder runs scalar.
constexpr size_t kBlock = 64;

// out[i] = op(l[i], r[i]) for i < n, specialised for array/constant operands so the loops stay
// branch-free and vectorizable.
template <typename T, typename R, typename Op>
inline void BinaryLoop(size_t n, const Num<T>& l, const Num<T>& r, R* __restrict out, Op op) {
  const size_t blocked = n - n % kBlock;
  if (l.data && r.data) {
    const T* __restrict a = l.data;
    const T* __restrict b = r.data;
    for (size_t i = 0; i < blocked; i += kBlock) {
      for (size_t k = 0; k < kBlock; ++k) out[i + k] = static_cast<R>(op(a[i + k], b[i + k]));
    }
    for (size_t i = blocked; i < n; ++i) out[i] = static_cast<R>(op(a[i], b[i]));
  } else if (l.data) {
    const T* __restrict a = l.data;
    const T c = r.c;
    for (size_t i = 0; i < blocked; i += kBlock) {
      for (size_t k = 0; k < kBlock; ++k) out[i + k] = static_cast<R>(op(a[i + k], c));
    }
    for (size_t i = blocked; i < n; ++i) out[i] = static_cast<R>(op(a[i], c));
  } else if (r.data) {
    const T c = l.c;
    const T* __restrict b = r.data;
    for (size_t i = 0; i < blocked; i += kBlock) {
      for (size_t k = 0; k < kBlock; ++k) out[i + k] = static_cast<R>(op(c, b[i + k]));
    }
    for (size_t i = blocked; i < n; ++i) out[i] = static_cast<R>(op(c, b[i]));
  } else {
    const R v = static_cast<R>(op(l.c, r.c));
    for (size_t i = 0; i < n; ++i) out[i] = v;
  }
}

// A string operand: a column or a constant.
struct Str {
  const Column* col = nullptr;  // nullptr: constant `c`
  std::string_view c;
  const uint8_t* valid = nullptr;
  std::vector<uint8_t> nulls;
  Column scratch;
  Str() = default;
  Str(const Str&) = delete;
  std::string_view at(size_t r) const { return col ? col->str(r) : c; }
};

void LoadStr(const Node& node, const Batch& batch, Str* out);

// Raw units per second of a timestamp of `unit`: 1, 1'000 or 1'000'000 (ISO values are us).
inline int64_t UnitsPerSecond(TimeUnit unit) {
  return unit == TimeUnit::kSeconds ? 1 : unit == TimeUnit::kMillis ? 1'000 : 1'000'000;
}

}  // namespace sluice::expr
