// hour, minute, day_of_week, date_trunc and date_format over timestamps of every unit, before
// and after 1970, on leap days and at the ends of the int64 range.
#include "expr_test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

// The same instants in each unit: sec (timestamp_s), ms, us, iso (timestamp: microseconds).
Schema TimeSchema() {
  return Schema({{"sec", Type::kTimestamp, TimeUnit::kSeconds},
                 {"ms", Type::kTimestamp, TimeUnit::kMillis},
                 {"us", Type::kTimestamp, TimeUnit::kMicros},
                 {"iso", Type::kTimestamp, TimeUnit::kIso},
                 {"n", Type::kInt64}});
}

std::vector<Value> Instant(int64_t s, int64_t ms, int64_t us) {
  return {Value::Timestamp(s), Value::Timestamp(ms), Value::Timestamp(us), Value::Timestamp(us),
          Value::Int(0)};
}

// Row 0: 2024-02-29T13:45:30.123456Z (a leap day, Thursday).
// Row 1: 1969-12-31T23:59:59.999Z (one millisecond before the epoch, Wednesday).
// Row 2: 1900-03-01T00:00:00Z (1900 is not a leap year; Thursday).
// Row 3: 2000-01-02T06:07:08.009Z (a Sunday).
// Row 4: nulls.
Batch Instants() {
  return MakeBatch(TimeSchema(),
                   {Instant(1709214330, 1709214330123, 1709214330123456),
                    Instant(-1, -1, -1000),
                    Instant(-2203891200, -2203891200000, -2203891200000000),
                    Instant(946793228, 946793228009, 946793228009000),
                    {Value::Null(Type::kTimestamp), Value::Null(Type::kTimestamp),
                     Value::Null(Type::kTimestamp), Value::Null(Type::kTimestamp), Value::Null()}});
}

std::vector<Value> Eval(const std::string& text) {
  return EvalRows(text, Instants(), TimeSchema());
}

// The rows as int64 (or -999 for null).
std::vector<int64_t> Ints(const std::string& text) {
  std::vector<int64_t> out;
  for (const Value& v : Eval(text)) out.push_back(v.null ? -999 : v.i);
  return out;
}

std::vector<std::string> Strings(const std::string& text) {
  std::vector<std::string> out;
  for (const Value& v : Eval(text)) out.push_back(v.null ? "NULL" : v.s);
  return out;
}

std::string Error(const std::string& text) { return CompileError(text, TimeSchema()); }

}  // namespace

TEST_CASE("hour and minute in UTC, for every unit, before 1970 too") {
  for (const char* f : {"sec", "ms", "us", "iso"}) {
    INFO("field ", f);
    CHECK(Ints(fmt::format("hour({})", f)) == std::vector<int64_t>{13, 23, 0, 6, -999});
    CHECK(Ints(fmt::format("minute({})", f)) == std::vector<int64_t>{45, 59, 0, 7, -999});
  }
  CHECK(Compile("hour(ms)", TimeSchema())->type() == Type::kInt64);
}

TEST_CASE("day_of_week is ISO: Monday 1 to Sunday 7") {
  for (const char* f : {"sec", "ms", "us", "iso"}) {
    INFO("field ", f);
    CHECK(Ints(fmt::format("day_of_week({})", f)) == std::vector<int64_t>{4, 3, 4, 7, -999});
  }
  // 1970-01-05 was a Monday, 1970-01-04 a Sunday.
  CHECK(Eval1("day_of_week(cast(4 * 86400 as timestamp_s))").i == 1);
  CHECK(Eval1("day_of_week(cast(3 * 86400 as timestamp_s))").i == 7);
}

TEST_CASE("date_trunc keeps the unit and floors times before 1970") {
  CHECK(Ints("date_trunc('second', ms)") ==
        std::vector<int64_t>{1709214330000, -1000, -2203891200000, 946793228000, -999});
  CHECK(Ints("date_trunc('minute', ms)") ==
        std::vector<int64_t>{1709214300000, -60000, -2203891200000, 946793220000, -999});
  CHECK(Ints("date_trunc('hour', ms)") ==
        std::vector<int64_t>{1709211600000, -3600000, -2203891200000, 946792800000, -999});
  CHECK(Ints("date_trunc('day', ms)") ==
        std::vector<int64_t>{1709164800000, -86400000, -2203891200000, 946771200000, -999});
  CHECK(Ints("date_trunc('week', ms)") ==
        std::vector<int64_t>{1708905600000, -259200000, -2204150400000, 946252800000, -999});
  CHECK(Ints("date_trunc('month', ms)") ==
        std::vector<int64_t>{1706745600000, -2678400000, -2203891200000, 946684800000, -999});
  CHECK(Ints("date_trunc('year', ms)") ==
        std::vector<int64_t>{1704067200000, -31536000000, -2208988800000, 946684800000, -999});
  CHECK(Ints("date_trunc('day', us)") == std::vector<int64_t>{1709164800000000, -86400000000,
                                                              -2203891200000000, 946771200000000,
                                                              -999});
  CHECK(Ints("date_trunc('month', iso)") == std::vector<int64_t>{1706745600000000, -2678400000000,
                                                                 -2203891200000000, 946684800000000,
                                                                 -999});
  CHECK(Ints("date_trunc('year', sec)") ==
        std::vector<int64_t>{1704067200, -31536000, -2208988800, 946684800, -999});
  for (const char* f : {"sec", "ms", "us", "iso"}) {
    auto e = Compile(fmt::format("date_trunc('day', {})", f), TimeSchema());
    CHECK(e->type() == Type::kTimestamp);
    CHECK(e->unit() == TimeSchema().field(TimeSchema().IndexOf(f)).unit);
  }
}

TEST_CASE("date_trunc units are case-insensitive; its start is null outside int64") {
  CHECK(Ints("date_trunc('DAY', ms)")[0] == 1709164800000);
  const Schema schema = TimeSchema();
  Batch ends = MakeBatch(
      schema, {{Value::Timestamp(INT64_MIN), Value::Timestamp(INT64_MIN),
                Value::Timestamp(INT64_MIN), Value::Timestamp(INT64_MAX), Value::Int(0)}});
  CHECK(EvalRows("date_trunc('second', ms)", ends, schema)[0].null);
  CHECK(EvalRows("date_trunc('year', us)", ends, schema)[0].null);
  CHECK(EvalRows("date_trunc('second', sec)", ends, schema)[0].i == INT64_MIN);
  CHECK_FALSE(EvalRows("date_trunc('year', iso)", ends, schema)[0].null);
  CHECK(EvalRows("hour(ms)", ends, schema)[0].i >= 0);
}

TEST_CASE("date_format writes the fields of a pattern in UTC") {
  CHECK(Strings("date_format(ms, 'yyyy-MM-dd HH:mm:ss.SSS')") ==
        std::vector<std::string>{"2024-02-29 13:45:30.123", "1969-12-31 23:59:59.999",
                                 "1900-03-01 00:00:00.000", "2000-01-02 06:07:08.009", "NULL"});
  CHECK(Strings("date_format(us, 'SSSSSS')") ==
        std::vector<std::string>{"123456", "999000", "000000", "009000", "NULL"});
  CHECK(Strings("date_format(sec, 'HH:mm:ss.SSS')")[0] == "13:45:30.000");
  CHECK(Strings("date_format(iso, \"yyyy-MM-dd'T'HH:mm:ss'Z'\")")[0] == "2024-02-29T13:45:30Z");
  CHECK(Strings("date_format(ms, \"dd/MM/yyyy 'at' HH\")")[0] == "29/02/2024 at 13");
  CHECK(Strings("date_format(ms, \"HH'h'''\")")[0] == "13h'");
  CHECK(Strings("date_format(ms, \"''\")")[0] == "'");
  CHECK(Strings("date_format(ms, '')")[0].empty());
  CHECK(Strings("date_format(ms, '\xc3\xa9 yyyy')")[0] == "\xc3\xa9 2024");
}

TEST_CASE("date_format on leap days and years outside 0000-9999") {
  // 1900-02-28 is the day before 1900-03-01: 1900 has no February 29.
  CHECK(Strings("date_format(cast(sec - 86400 as timestamp_s), 'yyyy-MM-dd')")[2] == "1900-02-28");
  CHECK(Eval1("date_format(cast(951782400 as timestamp_s), 'yyyy-MM-dd')").s == "2000-02-29");
  CHECK(Eval1("date_format(cast(-62167219200 as timestamp_s), 'yyyy-MM-dd')").s == "0000-01-01");
  CHECK(Eval1("date_format(cast(-62198755200 as timestamp_s), 'yyyy-MM-dd')").s == "-0001-01-01");
  CHECK(Eval1("date_format(cast(9223372036854775807 as timestamp_ms), 'yyyy')").s == "292278994");
}

TEST_CASE("time functions of null are null of their type") {
  CHECK(Eval1("hour(null)").null);
  CHECK(TypeOf("hour(null)") == Type::kInt64);
  CHECK(Eval1("date_trunc('day', null)").null);
  CHECK(TypeOf("date_trunc('day', null)") == Type::kTimestamp);
  CHECK(Eval1("date_format(null, 'yyyy')").null);
  CHECK(TypeOf("date_format(null, 'yyyy')") == Type::kString);
}

TEST_CASE("time functions need timestamps and literal units and patterns") {
  CHECK(Error("hour(n)") ==
        "column 6: function 'hour' needs a timestamp but got int64 (cast(x as timestamp_ms) "
        "reads an int64 as milliseconds, cast(x as timestamp_us) as microseconds)");
  CHECK(Error("minute(ms + 1)") ==
        "column 8: function 'minute' needs a timestamp but got int64 (cast(x as timestamp_ms) "
        "reads an int64 as milliseconds, cast(x as timestamp_us) as microseconds)");
  CHECK(Error("day_of_week('x')") ==
        "column 13: function 'day_of_week' needs a timestamp but got string");
  CHECK(Error("date_trunc('days', ms)") ==
        "column 12: date_trunc unit 'days' is not one of 'second', 'minute', 'hour', 'day', "
        "'week', 'month', 'year'");
  CHECK(Error("date_trunc(lower('DAY'), ms)") == "OK");  // folded to a literal
  CHECK(Error("date_trunc(ms, 'day')") ==
        "column 12: function 'date_trunc' needs a string literal unit (argument 1), such as "
        "'day'");
  CHECK(Error("date_trunc('day', n)")
            .rfind("column 19: function 'date_trunc' needs a timestamp "
                   "ts (argument 2) but got int64",
                   0) == 0);
  CHECK(Error("date_format(ms, 'YYYY-MM-dd')") ==
        "column 17: date_format pattern has unknown field 'YYYY' at position 1 (fields: yyyy MM "
        "dd HH mm ss SSS SSSSSS; quote literal letters, as in 'T')");
  CHECK(Error("date_format(ms, \"yyyy'T\")") ==
        "column 17: date_format pattern has a quote at position 5 that is not closed");
  CHECK(Error("date_format(null, 'yy')").rfind("column 19: date_format pattern has unknown", 0) ==
        0);
  CHECK(Error("date_format(ms)") ==
        "column 1: function 'date_format' takes 2 arguments but was given 1");
}
