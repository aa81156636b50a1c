// Pipelines of several keyed stages, run by the `sluice` binary from TOML files, checked against
// SQLite: the same clicks loaded into an in-memory database and the stages written as nested
// GROUP BYs. The bound on out-of-orderness is an hour, so no click is late and a stage is a plain
// grouping; a later stage's window is the one holding the earlier window's last instant
// (docs/semantics.md, "Several keyed stages"), which for these aligned sizes is the window
// holding its start.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../runtime/row_compare.h"
#include "../runtime/test_util.h"
#include "cli_util.h"
#include "sqlite_rows.h"

using sluice::testing::ReadFile;
using sluice::testing::CheckSameSortedRows;
using sluice::testing::ReadLines;
using sluice::testing::SortedCsvRows;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

namespace {

// Rows of `sql` over the clicks in `csv` (well-formed lines only), each "v1,v2,...", sorted.
// *skipped counts the lines left out (what sluice sends to its dead-letter file).
std::vector<std::string> Query(const std::string& csv, const std::string& sql, int* skipped) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  auto exec = [&](const std::string& s) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, s.c_str(), nullptr, nullptr, &err);
    INFO(s << ": " << (err ? err : ""));
    REQUIRE(rc == SQLITE_OK);
  };
  exec("CREATE TABLE clicks(user TEXT, page TEXT, ts INTEGER, amount REAL)");
  exec("BEGIN");
  sqlite3_stmt* insert = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "INSERT INTO clicks VALUES (?, ?, ?, ?)", -1, &insert,
                             nullptr) == SQLITE_OK);
  const std::regex good(R"(^([^,]+),([^,]+),(\d+),(-?\d+(\.\d+)?)$)");
  *skipped = 0;
  const std::vector<std::string> lines = ReadLines(csv);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::smatch m;
    if (!std::regex_match(lines[i], m, good)) {
      ++*skipped;
      continue;
    }
    const std::string user = m[1], page = m[2];
    sqlite3_bind_text(insert, 1, user.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, page.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 3, std::stoll(m[3]));
    sqlite3_bind_double(insert, 4, std::stod(m[4]));
    if (sqlite3_step(insert) != SQLITE_DONE) FAIL("insert failed: " << sqlite3_errmsg(db));
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  exec("COMMIT");
  std::vector<std::string> rows = sluice::testing::SortedQueryRows(db, sql);
  sqlite3_close(db);
  return rows;
}

const char* kHeader = R"toml([pipeline]
name = "stages"
checkpoints = false
dead_letter_path = "dlq.jsonl"

[source]
type = "csv"
path = "clicks.csv"
schema = { user = "string", page = "string", ts = "timestamp_ms", amount = "double" }
event_time = "ts"
max_out_of_orderness = "1h"
)toml";

// "Hot pages": views per page and 10 s window, then per window the largest count.
const char* kHotPages = R"toml(
[[operator]]
type = "key_by"
fields = ["page"]

[[operator]]
type = "window"
kind = "tumbling"
size = "10s"
aggregates = ["count() as views"]

[[operator]]
type = "map"
set = ["w = window_start"]

[[operator]]
type = "key_by"
fields = ["w"]

[[operator]]
type = "window"
kind = "tumbling"
size = "10s"
aggregates = ["max(views) as top", "count() as pages", "sum(views) as views"]

[sink]
type = "csv"
path = "out.csv"
)toml";

const char* kHotPagesSql = R"sql(
WITH s1 AS (SELECT page, ts / 10000 * 10000 AS ws, count(*) AS views
            FROM clicks GROUP BY page, ws)
SELECT ws, ws, ws + 10000, max(views), count(*), sum(views) FROM s1 GROUP BY ws)sql";

// Three stages, re-keyed twice: per user and 10 s; per (count % 3) and minute; all together per
// five minutes.
const char* kThreeStages = R"toml(
[[operator]]
type = "key_by"
fields = ["user"]

[[operator]]
type = "window"
kind = "tumbling"
size = "10s"
aggregates = ["count() as n", "count_distinct(page) as pages"]

[[operator]]
type = "map"
set = ["b = n % 3"]

[[operator]]
type = "key_by"
fields = ["b"]

[[operator]]
type = "window"
kind = "tumbling"
size = "1m"
aggregates = ["count() as users", "sum(n) as events", "max(pages) as top"]

[[operator]]
type = "filter"
where = "users > 1"

[[operator]]
type = "map"
set = ["all = 1"]
keep = ["all", "users", "events", "top"]

[[operator]]
type = "key_by"
fields = ["all"]

[[operator]]
type = "window"
kind = "tumbling"
size = "5m"
aggregates = ["count() as groups", "sum(events) as events", "max(top) as top", "min(users) as fewest"]

[sink]
type = "csv"
path = "out.csv"
)toml";

const char* kThreeStagesSql = R"sql(
WITH s1 AS (SELECT user, ts / 10000 * 10000 AS ws, count(*) AS n, count(DISTINCT page) AS pages
            FROM clicks GROUP BY user, ws),
     s2 AS (SELECT n % 3 AS b, ws / 60000 * 60000 AS ws2, count(*) AS users, sum(n) AS events,
                   max(pages) AS top
            FROM s1 GROUP BY b, ws2 HAVING count(*) > 1)
SELECT 1, ws2 / 300000 * 300000 AS ws3, ws2 / 300000 * 300000 + 300000, count(*), sum(events),
       max(top), min(users)
FROM s2 GROUP BY ws3)sql";

void CheckAgainstSql(const char* operators, const char* sql) {
  ScratchDir dir("stages-sql");
  REQUIRE(Sluice("generate clickstream --out clicks.csv --events 60000 --seed 11", dir.file(""))
              .code == 0);
  WriteFile(dir.file("p.toml"), std::string(kHeader) + operators);
  int skipped = 0;
  const std::vector<std::string> want = Query(dir.file("clicks.csv"), sql, &skipped);
  REQUIRE(want.size() > 5);
  for (const char* p : {"1", "2", "3"}) {
    CAPTURE(p);
    auto o = Sluice(std::string("run p.toml --summary-json s.json --parallelism ") + p,
                    dir.file(""));
    REQUIRE_MESSAGE(o.code == 0, o.output);
    const std::string summary = ReadFile(dir.file("s.json"));
    CHECK(summary.find("\"late\":0,") != std::string::npos);
    CHECK(summary.find("\"dead_letters\":" + std::to_string(skipped) + ",") != std::string::npos);
    CHECK(SortedCsvRows(dir.file("out.csv")) == want);
  }
}

}  // namespace

TEST_CASE("hot pages (a window, re-keyed by window, a second window) equal SQLite's answer") {
  CheckAgainstSql(kHotPages, kHotPagesSql);
}

TEST_CASE("three keyed stages re-keyed twice, with a filter between, equal SQLite's answer") {
  CheckAgainstSql(kThreeStages, kThreeStagesSql);
}
