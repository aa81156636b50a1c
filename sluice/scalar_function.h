// User-defined scalar functions: C++ functions that expressions call by name.
//
//   // count_char(s, c): how many times the first byte of c occurs in s.
//   Status s = RegisterScalarFunction(ScalarFunction{
//       "count_char", {Type::kString, Type::kString}, Type::kInt64,
//       [](const ScalarArgs& args, size_t row, ScalarResult* out) {
//         std::string_view s = args.str(0, row), c = args.str(1, row);
//         out->set_i64(row, c.empty() ? 0 : std::count(s.begin(), s.end(), c[0]));
//       }});
//   ... .filter("count_char(path, '/') > 2") ...
//
// A function is registered once per process, before the expressions that call it are compiled
// (Pipeline::Build compiles them), and is then found by every expression, case-insensitively,
// like a built-in one. It has a fixed list of argument types and one result type, checked when an
// expression is compiled, with the same "column N: ..." errors as built-in functions.
//
// Two forms of callback:
//   - row-wise (ScalarRowFn): called once per row whose arguments are all non-null; rows with a
//     null argument are null without a call. The simple form.
//   - vectorized (ScalarBatchFn): called once per batch with every row; the result starts as null
//     where an argument is null and valid elsewhere, and the callback sets what it computes. The
//     fast form: no call per row.
// Callbacks must be thread-safe: a pipeline evaluates different batches on several threads at
// once. A callback may not throw; it reports a value it cannot compute as null (set_null).
// Calls are never folded at compile time, even with literal arguments, so a function may depend
// on more than its arguments (a clock, a lookup table).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/types.h"

namespace sluice {

struct Column;  // the engine's column (base/batch.h); not part of the public API

// A read-only view of one argument over the rows of a batch. Valid during the callback only.
struct ScalarArgColumn {
  Type type = Type::kInt64;
  TimeUnit unit = TimeUnit::kMicros;  // of a kTimestamp argument
  bool constant = false;              // a literal: every row reads row 0
  const int64_t* i64 = nullptr;       // int64, timestamp (raw value in `unit`), bool (0/1)
  const double* f64 = nullptr;        // double
  const uint32_t* offsets = nullptr;  // string: row r is chars[offsets[r], offsets[r + 1])
  const char* chars = nullptr;
  const uint8_t* valid = nullptr;  // nullptr when no row is null, else 1 = valid per row
};

// The arguments of one call over a batch: rows() rows of size() arguments, in declared order.
// Accessors REQUIRE arg < size(), row < rows() and the accessor matching the declared type
// (an argument declared kDouble is always double: int64 and timestamp values are converted).
class ScalarArgs {
 public:
  ScalarArgs(size_t rows, std::vector<ScalarArgColumn> columns)
      : rows_(rows), cols_(std::move(columns)) {}

  size_t rows() const { return rows_; }
  size_t size() const { return cols_.size(); }
  const ScalarArgColumn& column(size_t arg) const { return cols_[arg]; }

  bool is_null(size_t arg, size_t row) const {
    const ScalarArgColumn& c = cols_[arg];
    return c.valid != nullptr && c.valid[c.constant ? 0 : row] == 0;
  }
  int64_t i64(size_t arg, size_t row) const {
    const ScalarArgColumn& c = cols_[arg];
    return c.i64[c.constant ? 0 : row];
  }
  double f64(size_t arg, size_t row) const {
    const ScalarArgColumn& c = cols_[arg];
    return c.f64[c.constant ? 0 : row];
  }
  bool boolean(size_t arg, size_t row) const { return i64(arg, row) != 0; }
  std::string_view str(size_t arg, size_t row) const {
    const ScalarArgColumn& c = cols_[arg];
    const size_t r = c.constant ? 0 : row;
    return std::string_view(c.chars + c.offsets[r], c.offsets[r + 1] - c.offsets[r]);
  }

 private:
  size_t rows_;
  std::vector<ScalarArgColumn> cols_;
};

// The result column of one call over a batch. Each row holds a value of the declared result type
// or null. Strings are appended: set_str must be called in increasing row order, at most once
// per row (a row never set holds the empty string, or null).
// Not thread-safe; one object per call.
class ScalarResult {
 public:
  // REQUIRES: `out` holds `rows` rows of `type` (the engine prepares it).
  ScalarResult(Type type, size_t rows, Column* out);
  ScalarResult(const ScalarResult&) = delete;
  ScalarResult& operator=(const ScalarResult&) = delete;

  Type type() const { return type_; }
  size_t rows() const { return rows_; }

  void set_null(size_t row) { valid_[row] = 0; }
  void set_i64(size_t row, int64_t v) {  // int64 and timestamp results
    i64_[row] = v;
    valid_[row] = 1;
  }
  void set_f64(size_t row, double v) {
    f64_[row] = v;
    valid_[row] = 1;
  }
  void set_bool(size_t row, bool v) { set_i64(row, v ? 1 : 0); }
  // REQUIRES: row greater than the row of the previous set_str (an out-of-order call is ignored).
  void set_str(size_t row, std::string_view v);

  // Completes the column; called by the engine after the callback.
  void Finish();

 private:
  const Type type_;
  const size_t rows_;
  Column* out_;
  int64_t* i64_ = nullptr;
  double* f64_ = nullptr;
  uint8_t* valid_ = nullptr;
  size_t next_str_row_ = 0;  // strings: rows below this one have their offsets set
};

using ScalarRowFn = std::function<void(const ScalarArgs& args, size_t row, ScalarResult* out)>;
using ScalarBatchFn = std::function<void(const ScalarArgs& args, ScalarResult* out)>;

struct ScalarFunction {
  // An identifier ([A-Za-z_][A-Za-z0-9_]*), matched case-insensitively; not a built-in name.
  std::string name;
  // Declared argument types. An argument of another type is a compile error, except that an
  // int64 or timestamp may be passed for a kDouble (converted), a timestamp for a kInt64 (its
  // raw value), and `null` for anything. kTimestamp accepts a timestamp of any unit (the
  // callback reads ScalarArgColumn::unit).
  std::vector<Type> arg_types;
  Type result_type = Type::kInt64;
  ScalarRowFn row;  // set exactly one of row and batch
  ScalarBatchFn batch;
  TimeUnit result_unit = TimeUnit::kMicros;  // for a kTimestamp result
};

// Registers `f` for every expression compiled afterwards. Errors: InvalidArgument for a name that
// is not an identifier, is a built-in function or keyword, or is registered already, and for a
// function with neither or both callbacks. Thread-safe.
Status RegisterScalarFunction(ScalarFunction f);

// Removes a registered function (case-insensitive name); false when there was none. Expressions
// compiled before keep their own reference and go on working. Thread-safe.
bool UnregisterScalarFunction(std::string_view name);

}  // namespace sluice
