// User-defined scalar functions (sluice/scalar_function.h): registration, row-wise and
// vectorized callbacks, argument conversion, nulls, errors and canonical text.
#include <algorithm>

#include "expr_test_util.h"
#include "sluice/scalar_function.h"
#include "count_char_udf.h"

using namespace sluice;
using sluice::testing::RegisterCountChar;
using namespace sluice::testing;

// OneRow(): i=7, j=-3, d=2.5, e=-0.5, s="Abc", t="abd", b=true, c=false, ts=1000 (ms).

namespace {

// Vectorized: x * k over the whole batch; the result starts null where an argument is null.
void RegisterScale() {
  ScalarFunction f;
  f.name = "Scale";
  f.arg_types = {Type::kDouble, Type::kDouble};
  f.result_type = Type::kDouble;
  f.batch = [](const ScalarArgs& args, ScalarResult* out) {
    for (size_t r = 0; r < args.rows(); ++r) {
      if (args.is_null(0, r) || args.is_null(1, r)) continue;
      out->set_f64(r, args.f64(0, r) * args.f64(1, r));
    }
  };
  static const Status once = RegisterScalarFunction(std::move(f));
  REQUIRE_MESSAGE(once.ok(), once.ToString());
}

// Vectorized with a string result: the first byte of s, or null for an empty s.
void RegisterInitial() {
  ScalarFunction f;
  f.name = "initial";
  f.arg_types = {Type::kString};
  f.result_type = Type::kString;
  f.batch = [](const ScalarArgs& args, ScalarResult* out) {
    for (size_t r = 0; r < args.rows(); ++r) {
      if (args.is_null(0, r)) continue;
      const std::string_view s = args.str(0, r);
      if (s.empty()) {
        out->set_null(r);
      } else {
        out->set_str(r, s.substr(0, 1));
      }
    }
  };
  static const Status once = RegisterScalarFunction(std::move(f));
  REQUIRE_MESSAGE(once.ok(), once.ToString());
}

// Row-wise over a timestamp of any unit: whole seconds since the epoch.
void RegisterEpochSeconds() {
  ScalarFunction f;
  f.name = "epoch_seconds";
  f.arg_types = {Type::kTimestamp};
  f.result_type = Type::kInt64;
  f.row = [](const ScalarArgs& args, size_t row, ScalarResult* out) {
    const TimeUnit unit = args.column(0).unit;
    const int64_t per_s = unit == TimeUnit::kSeconds  ? 1
                          : unit == TimeUnit::kMillis ? 1000
                                                      : 1000000;
    out->set_i64(row, args.i64(0, row) / per_s);
  };
  static const Status once = RegisterScalarFunction(std::move(f));
  REQUIRE_MESSAGE(once.ok(), once.ToString());
}

Batch ThreeRows() {
  auto row = [](Value i, Value s) {
    return std::vector<Value>{i,
                              Value::Int(2),
                              Value::Double(1.5),
                              Value::Double(0),
                              s,
                              Value::String("t"),
                              Value::Bool(true),
                              Value::Bool(false),
                              Value::Timestamp(2500)};
  };
  return MakeBatch(TestSchema(), {row(Value::Int(1), Value::String("banana")),
                                  row(Value::Null(), Value::Null(Type::kString)),
                                  row(Value::Int(3), Value::String(""))});
}

}  // namespace

TEST_CASE("a row-wise function: count_char") {
  RegisterCountChar();
  CHECK(TypeOf("count_char(s, 'b')") == Type::kInt64);
  CHECK(Eval1("count_char(s, 'b')").i == 1);
  CHECK(Eval1("COUNT_CHAR(s || t, 'b')").i == 2);
  CHECK(Eval1("count_char(s, '')").i == 0);
  CHECK(Eval1("count_char(null, 'a')").null);
  auto rows = EvalRows("count_char(s, 'a')", ThreeRows());
  CHECK(rows[0].i == 3);
  CHECK(rows[1].null);
  CHECK(rows[2].i == 0);
  CHECK(Compile("Count_Char(s,'a') > 1", TestSchema())->ToString() == "(count_char(s, 'a') > 1)");
  std::vector<uint8_t> sel;
  Compile("count_char(s, 'a') > 1", TestSchema())->Select(ThreeRows(), &sel);
  CHECK(sel == std::vector<uint8_t>{1, 0, 0});
}

TEST_CASE("a vectorized function; int64 arguments convert to a declared double") {
  RegisterScale();
  CHECK(TypeOf("scale(d, 2)") == Type::kDouble);
  CHECK(Eval1("scale(d, 2)").d == 5.0);
  CHECK(Eval1("scale(i, j)").d == -21.0);
  CHECK(Eval1("scale(ts, 0.5)").d == 500.0);
  auto rows = EvalRows("scale(i, d)", ThreeRows());
  CHECK(rows[0].d == 1.5);
  CHECK(rows[1].null);
  CHECK(rows[2].d == 4.5);
  CHECK(EvalRows("scale(i, null)", ThreeRows())[0].null);
}

TEST_CASE("a vectorized function with a string result and nulls of its own") {
  RegisterInitial();
  auto rows = EvalRows("initial(s)", ThreeRows());
  CHECK(rows[0].s == "b");
  CHECK(rows[1].null);
  CHECK(rows[2].null);
  CHECK(Eval1("initial(s) || initial(t)").s == "Aa");
}

TEST_CASE("a timestamp argument of any unit") {
  RegisterEpochSeconds();
  CHECK(Eval1("epoch_seconds(ts)").i == 1);
  CHECK(Eval1("epoch_seconds(cast(ts as timestamp_us))").i == 1);
  CHECK(EvalRows("epoch_seconds(ts)", ThreeRows())[0].i == 2);
  CHECK(CompileError("epoch_seconds(i)") ==
        "column 15: function 'epoch_seconds' needs a timestamp but got int64");
}

TEST_CASE("registered functions are type-checked like built-in ones") {
  RegisterCountChar();
  CHECK(CompileError("count_char(i, 'a')") ==
        "column 12: function 'count_char' needs a string (argument 1) but got int64");
  CHECK(CompileError("count_char(s)") ==
        "column 1: function 'count_char' takes 2 arguments but was given 1");
  CHECK(CompileError("count_chr(s, 'a')") ==
        "column 1: unknown function 'count_chr' (did you mean 'count_char'?)");
  CHECK(CompileError("frobnicate(s)").find("date_format, cast, count_char") != std::string::npos);
}

TEST_CASE("registration refuses bad names, taken names and bad callbacks") {
  RegisterCountChar();
  auto fn = [](const ScalarArgs&, size_t, ScalarResult*) {};
  auto reg = [&fn](std::string name) {
    return RegisterScalarFunction(
        ScalarFunction{std::move(name), {Type::kString}, Type::kInt64, fn, nullptr});
  };
  CHECK(reg("count_char").message() == "scalar function 'count_char' is registered already");
  CHECK(reg("COUNT_CHAR").message() == "scalar function 'count_char' is registered already");
  CHECK(reg("abs").message() == "scalar function name 'abs' is taken by the expression language");
  CHECK(reg("If").message() == "scalar function name 'If' is taken by the expression language");
  CHECK(reg("cast").IsInvalidArgument());
  CHECK(reg("case").IsInvalidArgument());
  CHECK(reg("null").IsInvalidArgument());
  CHECK(reg("sum").IsInvalidArgument());
  CHECK(reg("9lives").message() ==
        "scalar function name '9lives' is not an identifier (letters, digits and _, not "
        "starting with a digit)");
  CHECK(reg("").IsInvalidArgument());
  CHECK(RegisterScalarFunction(ScalarFunction{"nothing", {}, Type::kInt64, nullptr, nullptr})
            .message() == "scalar function 'nothing' needs exactly one callback, row or batch");
}

TEST_CASE("unregistering keeps compiled expressions working") {
  ScalarFunction f{
      "twice",
      {Type::kInt64},
      Type::kInt64,
      [](const ScalarArgs& a, size_t r, ScalarResult* out) { out->set_i64(r, a.i64(0, r) * 2); },
      nullptr};
  REQUIRE(RegisterScalarFunction(f).ok());
  auto e = Compile("twice(i)", TestSchema());
  CHECK(UnregisterScalarFunction("TWICE"));
  CHECK_FALSE(UnregisterScalarFunction("twice"));
  CHECK(CompileError("twice(i)").rfind("column 1: unknown function 'twice'", 0) == 0);
  Column out;
  e->Evaluate(OneRow(), &out);
  CHECK(out.get(0).i == 14);
}
