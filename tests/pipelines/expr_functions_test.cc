// The expression functions and a registered scalar function in whole pipelines: a TOML pipeline
// written with case, cast, ||, date_format, day_of_week, regexp_like and count_char gives the
// rows that the same pipeline written with C++ lambdas gives.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "pipelines/toml_loader.h"
#include "sluice/collector.h"
#include "sluice/pipeline_builder.h"
#include "sluice/scalar_function.h"
#include "../expr/count_char_udf.h"

using namespace sluice;
using sluice::testing::RegisterCountChar;

TEST_CASE("expression functions in a TOML pipeline agree with C++ lambdas") {
  RegisterCountChar();
  // The generator's ts is the event's index in microseconds; minute = index minutes since 1970.
  auto spec = LoadPipelineString(R"toml([pipeline]
parallelism = 2
checkpoints = false
[source]
type = "generator"
events = 20000
keys = 13
[[operator]]
type = "map"
set = ["bucket = case when value < 30 then 'low' when value < 70 then 'mid' else 'high' end",
       "minute = cast(ts * 60000 as timestamp_ms)",
       "label = cast(key as string) || '@' || date_format(minute, 'MM-dd HH:mm')",
       "dow = day_of_week(minute)"]
[[operator]]
type = "filter"
where = "count_char(cast(cast(value as int64) as string), '7') > 0 or regexp_like(label, '^1[0-2]@')"
[sink]
type = "null"
)toml",
                                 "functions.toml");
  REQUIRE_MESSAGE(spec.ok(), spec.status().ToString());
  auto from_toml = std::make_shared<Collector>();
  spec->sink.type = "collector";
  spec->sink.collector = from_toml;
  std::unique_ptr<Pipeline> p;
  Status s = Pipeline::Build(PipelineOptions(), *spec, &p);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  REQUIRE(p->Run().ok());

  auto from_cpp = std::make_shared<Collector>();
  s = PipelineBuilder("functions")
          .parallelism(2)
          .generator_source(20000, 13)
          .map("bucket",
               [](const RowView& r) {
                 const double v = r.f64("value");
                 return std::string(v < 30 ? "low" : v < 70 ? "mid" : "high");
               })
          .map("minute", [](const RowView& r) { return r.i64("ts") * 60000; })
          .map("label",
               [](const RowView& r) {
                 // Minute m after 1970-01-01 00:00 falls in January or February 1970.
                 const int64_t m = r.i64("ts");
                 int64_t day = m / 1440;
                 const int month = day < 31 ? 1 : 2;
                 day = day < 31 ? day + 1 : day - 30;
                 char buf[64];
                 std::snprintf(buf, sizeof buf, "%lld@%02d-%02lld %02lld:%02lld",
                               static_cast<long long>(r.i64("key")), month,
                               static_cast<long long>(day), static_cast<long long>(m / 60 % 24),
                               static_cast<long long>(m % 60));
                 return std::string(buf);
               })
          .map("dow", [](const RowView& r) { return (r.i64("ts") / 1440 + 3) % 7 + 1; })
          .filter([](const RowView& r) {
            const std::string v = std::to_string(static_cast<int64_t>(r.f64("value")));
            const std::string label(r.str("label"));
            const bool key_10_to_12 = label.size() > 3 && label[0] == '1' && label[1] >= '0' &&
                                      label[1] <= '2' && label[2] == '@';
            return v.find('7') != std::string::npos || key_10_to_12;
          })
          .collect(from_cpp)
          .Build(&p);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  REQUIRE(p->Run().ok());
  CHECK(from_toml->size() > 1000);
  CHECK(from_toml->size() < 20000);
  CHECK(from_toml->sorted_lines() == from_cpp->sorted_lines());
}

TEST_CASE("a bad pattern in a TOML pipeline is reported at its line and column") {
  auto spec = LoadPipelineString(R"toml([pipeline]
[source]
type = "generator"
events = 10
keys = 2
[[operator]]
type = "filter"
where = "regexp_like(cast(key as string), '(')"
[sink]
type = "null"
)toml",
                                 "bad.toml");
  REQUIRE(spec.ok());
  std::unique_ptr<Pipeline> p;
  Status s = Pipeline::Build(PipelineOptions(), *spec, &p);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() ==
        "bad.toml:8:43: operator #1 (filter) where: invalid regular expression: missing ): ( "
        "(RE2 syntax: https://github.com/google/re2/wiki/Syntax)");
}
