// cast(x as T): every source and target type, parse failures, truncation and ranges.
#include <cmath>

#include "expr_test_util.h"

using namespace sluice;
using namespace sluice::testing;

// OneRow(): i=7, j=-3, d=2.5, e=-0.5, s="Abc", t="abd", b=true, c=false, ts=1000 (ms).

TEST_CASE("cast to int64: truncation toward zero, out of range and parse failures are null") {
  CHECK(TypeOf("cast(d as int64)") == Type::kInt64);
  CHECK(Eval1("cast(d as int64)").i == 2);
  CHECK(Eval1("cast(-2.9 as int64)").i == -2);
  CHECK(Eval1("cast(e as int64)").i == 0);
  CHECK(Eval1("cast(9.2e18 as int64)").i == 9200000000000000000);
  CHECK(IsNull("cast(9.3e18 as int64)"));
  CHECK(Eval1("cast(-9223372036854775808.0 as int64)").i == INT64_MIN);
  CHECK(IsNull("cast(9223372036854775807.0 as int64)"));  // the double is 2^63
  CHECK(IsNull("cast(0.0 / 0.0 as int64)"));
  CHECK(IsNull("cast(cast('nan' as double) as int64)"));
  CHECK(IsNull("cast(cast('-inf' as double) as int64)"));
  CHECK(Eval1("cast(b as int64)").i == 1);
  CHECK(Eval1("cast(c as int64)").i == 0);
  CHECK(Eval1("cast(ts as int64)").i == 1000);
  CHECK(TypeOf("cast(ts as int64)") == Type::kInt64);
  CHECK(Eval1("cast('42' as int64)").i == 42);
  CHECK(Eval1("cast(' -42 ' as int64)").i == -42);
  CHECK(Eval1("cast('+42' as int64)").i == 42);
  CHECK(Eval1("cast('-9223372036854775808' as int64)").i == INT64_MIN);
  for (const char* bad : {"''", "' '", "'4 2'", "'42x'", "'1.5'", "'1e3'", "'+-1'", "'0x10'",
                          "'9223372036854775808'", "'\xd9\xa3'"}) {
    INFO("string ", bad);
    CHECK(IsNull(fmt::format("cast({} as int64)", bad)));
  }
  CHECK(Eval1("cast(i as int64)").i == 7);
}

TEST_CASE("cast to double") {
  CHECK(TypeOf("cast(i as double)") == Type::kDouble);
  CHECK(Eval1("cast(i as double)").d == 7.0);
  CHECK(Eval1("cast(ts as double)").d == 1000.0);
  CHECK(Eval1("cast(b as double)").d == 1.0);
  CHECK(Eval1("cast('2.5' as double)").d == 2.5);
  CHECK(Eval1("cast(' -1e3 ' as double)").d == -1000.0);
  CHECK(Eval1("cast('+.5' as double)").d == 0.5);
  CHECK(std::isinf(Eval1("cast('inf' as double)").d));
  CHECK(std::isnan(Eval1("cast('nan' as double)").d));
  CHECK(IsNull("cast('1e999' as double)"));
  CHECK(IsNull("cast('' as double)"));
  CHECK(IsNull("cast('2.5.1' as double)"));
  CHECK(IsNull("cast('abc' as double)"));
}

TEST_CASE("cast to string") {
  CHECK(Str("cast(i as string)") == "7");
  CHECK(Str("cast(j as string)") == "-3");
  CHECK(Str("cast(-9223372036854775808 as string)") == "-9223372036854775808");
  CHECK(Str("cast(d as string)") == "2.5");
  CHECK(Str("cast(3.0 as string)") == "3");
  CHECK(Str("cast(1e20 as string)") == "1e+20");
  CHECK(Str("cast(0.1 as string)") == "0.1");
  CHECK(Str("cast(b as string)") == "true");
  CHECK(Str("cast(c as string)") == "false");
  CHECK(Str("cast(ts as string)") == "1000");
  CHECK(Str("cast(s as string)") == "Abc");
  CHECK(Str("cast(d as string) || '!'") == "2.5!");
  CHECK(Eval1("cast(cast(d as string) as double)").d == 2.5);
}

TEST_CASE("cast to bool") {
  CHECK(Eval1("cast(i as bool)").i == 1);
  CHECK(Eval1("cast(0 as bool)").i == 0);
  CHECK(Eval1("cast(e as bool)").i == 1);
  CHECK(Eval1("cast(0.0 as bool)").i == 0);
  CHECK(IsNull("cast(cast('nan' as double) as bool)"));
  CHECK(Eval1("cast('TRUE' as bool)").i == 1);
  CHECK(Eval1("cast(' false ' as bool)").i == 0);
  CHECK(Eval1("cast('1' as bool)").i == 1);
  CHECK(Eval1("cast('0' as bool)").i == 0);
  CHECK(IsNull("cast('yes' as bool)"));
  CHECK(IsNull("cast('' as bool)"));
  CHECK(TypeOf("cast(i as bool)") == Type::kBool);
}

TEST_CASE("cast to timestamps: int64 in the target unit, unit conversion, ISO text") {
  auto e = Compile("cast(i as timestamp_ms)", TestSchema());
  CHECK(e->type() == Type::kTimestamp);
  CHECK(e->unit() == TimeUnit::kMillis);
  CHECK(Eval1("cast(i as timestamp_ms)").i == 7);
  CHECK(Eval1("cast(ts as timestamp_us)").i == 1000000);
  CHECK(Compile("cast(ts as timestamp_us)", TestSchema())->unit() == TimeUnit::kMicros);
  CHECK(Eval1("cast(ts as timestamp_s)").i == 1);
  CHECK(Eval1("cast(cast(-1 as timestamp_ms) as timestamp_s)").i == -1);  // floors
  CHECK(IsNull("cast(cast(9223372036854775807 as timestamp_ms) as timestamp_us)"));
  CHECK(Eval1("cast(cast(1500 as timestamp_us) as timestamp_ms)").i == 1);
  CHECK(Eval1("cast(d as timestamp_s)").i == 2);
  CHECK(Eval1("cast('1714521600000' as timestamp_ms)").i == 1714521600000);
  CHECK(Eval1("cast('2024-05-01T00:00:00Z' as timestamp_ms)").i == 1714521600000);
  CHECK(Eval1("cast('2024-05-01T00:00:00.123456Z' as timestamp_us)").i == 1714521600123456);
  CHECK(Eval1("cast('2024-05-01T00:00:00.999Z' as timestamp_s)").i == 1714521600);
  CHECK(Eval1("cast('2000-02-29' as timestamp_s)").i == 951782400);
  CHECK(Eval1("cast('1969-12-31T23:59:59.5Z' as timestamp_s)").i == -1);
  CHECK(IsNull("cast('2023-02-29' as timestamp_s)"));  // not a leap year
  CHECK(IsNull("cast('yesterday' as timestamp_ms)"));
  CHECK(Eval1("cast(ts as timestamp_ms)").i == 1000);
  CHECK(Eval1("cast(b as timestamp_ms)").i == 1);
  CHECK(Eval1("cast(ts as bool)").i == 1);  // a timestamp is its raw value
}

TEST_CASE("cast of null is a null of the target type; null in, null out") {
  CHECK(TypeOf("cast(null as string)") == Type::kString);
  CHECK(IsNull("cast(null as string)"));
  CHECK(TypeOf("coalesce(cast(null as double), 1)") == Type::kDouble);
  Schema schema = TestSchema();
  Batch b = MakeBatch(schema,
                      {{Value::Null(), Value::Int(1), Value::Null(Type::kDouble), Value::Double(1),
                        Value::Null(Type::kString), Value::String("x"), Value::Null(Type::kBool),
                        Value::Bool(true), Value::Null(Type::kTimestamp)}});
  for (const char* text : {"cast(i as string)", "cast(d as int64)", "cast(s as double)",
                           "cast(b as int64)", "cast(ts as timestamp_us)", "cast(s as bool)",
                           "cast(ts as string)", "cast(s as timestamp_ms)"}) {
    INFO(text);
    CHECK(EvalRows(text, b)[0].null);
  }
}

TEST_CASE("cast errors") {
  CHECK(CompileError("cast(i as integer)") ==
        "column 11: expected a type after 'as' but found 'integer' (types: int64, double, "
        "string, bool, timestamp_s, timestamp_ms, timestamp_us)");
  CHECK(CompileError("cast(i)") ==
        "column 7: expected 'as' but found ')' (write 'cast(x as int64)')");
  CHECK(CompileError("cast(i, int64)") ==
        "column 7: expected 'as' but found ',' (write 'cast(x as int64)')");
  CHECK(CompileError("cast(i as int64") ==
        "column 16: expected ')' but found end of expression ('(' opened at column 5)");
  CHECK(CompileError("cast(i as `int64`)") ==
        "column 11: expected a type after 'as' but found `int64` (types: int64, double, string, "
        "bool, timestamp_s, timestamp_ms, timestamp_us)");
  CHECK(CompileError("CAST(i AS INT64)") == "OK");
}
