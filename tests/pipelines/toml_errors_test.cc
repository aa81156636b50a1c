// Shape errors in pipeline files: each one names FILE:LINE:COL of the offending key or value,
// says what is wrong and what is accepted. The cases edit the contract file
// (tests/data/pipelines/clicks.toml), whose line numbers the comments refer to.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "pipelines/toml_loader.h"
#include "sluice/pipeline.h"
#include "toml_edit_util.h"

using namespace sluice;

namespace {

std::string Contract() { return testing::DataPipeline("clicks.toml"); }

// The contract with the first occurrence of `from` replaced by `to`.
std::string Edit(const std::string& from, const std::string& to) {
  return testing::ReplaceFirst(Contract(), from, to);
}

// The error message of loading `text` as clicks.toml ("" when it loads).
std::string ErrorOf(const std::string& text) { return testing::LoadError(text, "clicks.toml"); }

const char* kDurationHelp = "(write e.g. \"250ms\", \"10s\", \"1m30s\"; units us, ms, s, m, h)";

}  // namespace

TEST_CASE("the contract file itself has no error") { CHECK(ErrorOf(Contract()) == ""); }

TEST_CASE("toml syntax errors carry toml++'s description and position") {
  CHECK(ErrorOf(Edit("name = \"clicks-per-user\"", "name = \"clicks-per-user")) ==
        "clicks.toml:2:24: Error while parsing string: unescaped control characters other than TAB "
        "(U+0009) are explicitly prohibited");
  CHECK(ErrorOf(Edit("parallelism = 2", "parallelism = 2\nparallelism = 3")) ==
        "clicks.toml:4:15: Error while parsing key-value pair: cannot redefine existing integer "
        "'parallelism'");
}

TEST_CASE("unknown top-level tables and keys") {
  CHECK(ErrorOf(Edit("[sink]", "[sinks]")) ==
        "clicks.toml:28:1: unknown table 'sinks' (did you mean 'sink'?)");
  CHECK(ErrorOf(Edit("[sink]", "[output]")) ==
        "clicks.toml:28:1: unknown table 'output' (expected [pipeline], [source], [[operator]], "
        "[sink])");
  CHECK(ErrorOf("verbose = true\n" + Contract()) ==
        "clicks.toml:1:1: unknown top-level key 'verbose' (keys go inside [pipeline], [source], "
        "[[operator]] or [sink])");
}

TEST_CASE("missing source and sink tables name only the file") {
  std::string c = Contract();
  CHECK(ErrorOf(c.substr(0, c.find("[sink]"))) == "clicks.toml: missing [sink] table");
  std::string no_source = c.substr(0, c.find("[source]")) + c.substr(c.find("[[operator]]"));
  CHECK(ErrorOf(no_source) == "clicks.toml: missing [source] table");
}

TEST_CASE("[pipeline] errors") {
  CHECK(
      ErrorOf(Edit("parallelism = 2", "parallelism = \"two\"")) ==
      "clicks.toml:3:15: 'parallelism' must be an integer >= 1 or \"auto\", found string \"two\"");
  CHECK(ErrorOf(Edit("parallelism = 2", "parallelism = 0")) ==
        "clicks.toml:3:15: 'parallelism' must be an integer >= 1 or \"auto\", found integer 0");
  CHECK(ErrorOf(Edit("parallelism = 2", "parallelism = 1.5")) ==
        "clicks.toml:3:15: 'parallelism' must be an integer >= 1 or \"auto\", found float 1.5");
  CHECK(ErrorOf(Edit("parallelism = 2", "parallelism = 5000")) ==
        "clicks.toml:3:15: 'parallelism' must be at most 4096, found integer 5000");
  CHECK(ErrorOf(Edit("parallelism = 2", "batch_size = 0")) ==
        "clicks.toml:3:14: 'batch_size' must be an integer from 1 to 1048576, found integer 0");
  CHECK(ErrorOf(Edit("parallelism = 2", "batch_size = \"big\"")) ==
        "clicks.toml:3:14: 'batch_size' must be an integer from 1 to 1048576, found string "
        "\"big\"");
  CHECK(ErrorOf(Edit("parallelism = 2", "batch_size = 1048577")) ==
        "clicks.toml:3:14: 'batch_size' must be an integer from 1 to 1048576, found integer "
        "1048577");
  CHECK(ErrorOf(Edit("name = \"clicks-per-user\"", "name = 3")) ==
        "clicks.toml:2:8: 'name' must be a string, found integer 3");
  CHECK(ErrorOf(Edit("name = \"clicks-per-user\"", "name = \"\"")) ==
        "clicks.toml:2:8: 'name' must not be empty");
  CHECK(ErrorOf(Edit("dead_letter_path = \"clicks.dlq.jsonl\"", "dead_letter_path = true")) ==
        "clicks.toml:4:20: 'dead_letter_path' must be a string, found boolean true");
  CHECK(ErrorOf(Edit("parallelism = 2", "late_path = [\"a\"]")) ==
        "clicks.toml:3:13: 'late_path' must be a string, found an array");
  CHECK(ErrorOf(Edit("parallelism = 2", "checkpoint_interval = \"0s\"")) ==
        "clicks.toml:3:23: 'checkpoint_interval' must be greater than 0, found string \"0s\"");
  CHECK(ErrorOf(Edit("name = ", "nme = ")) ==
        "clicks.toml:2:1: unknown key 'nme' in [pipeline] (did you mean 'name'?)");
  CHECK(ErrorOf(Edit("parallelism = 2", "colour = \"red\"")) ==
        "clicks.toml:3:1: unknown key 'colour' in [pipeline] (expected name, parallelism, "
        "batch_size, dead_letter_path, late_path, state_dir, checkpoints, checkpoint_interval, "
        "state_max_size, http)");
  CHECK(ErrorOf(Edit("[pipeline]", "[[pipeline]]")) ==
        "clicks.toml:1:1: 'pipeline' must be a table, written [pipeline], found an array");
}

TEST_CASE("of several unknown keys the first in the file is reported") {
  CHECK(ErrorOf(Edit("parallelism = 2", "zz_top = 1\naa_bottom = 2")) ==
        "clicks.toml:3:1: unknown key 'zz_top' in [pipeline] (expected name, parallelism, "
        "batch_size, dead_letter_path, late_path, state_dir, checkpoints, checkpoint_interval, "
        "state_max_size, http)");
}

TEST_CASE("[source] type and key errors") {
  CHECK(ErrorOf(Edit("type = \"csv\"", "type = \"kafka\"")) ==
        "clicks.toml:7:8: unknown source type 'kafka' (expected csv, jsonl, generator, log, nexmark)");
  CHECK(ErrorOf(Edit("type = \"csv\"", "type = 1")) ==
        "clicks.toml:7:8: 'type' must be a string, one of csv, jsonl, generator, log, nexmark, found "
        "integer 1");
  CHECK(ErrorOf(Edit("type = \"csv\"\n", "")) ==
        "clicks.toml:6:1: [source] needs 'type' (one of csv, jsonl, generator, log, nexmark)");
  CHECK(ErrorOf(Edit("path = \"clicks.csv\"\n", "")) ==
        "clicks.toml:6:1: [source] of type \"csv\" needs 'path'");
  CHECK(ErrorOf(Edit("path = \"clicks.csv\"", "pth = \"clicks.csv\"")) ==
        "clicks.toml:8:1: unknown key 'pth' in [source] of type \"csv\" (did you mean 'path'?)");
  CHECK(ErrorOf(Edit("path = \"clicks.csv\"", "path = \"clicks.csv\"\nencoding = \"utf8\"")) ==
        "clicks.toml:9:1: unknown key 'encoding' in [source] of type \"csv\" (expected type, "
        "event_time, max_out_of_orderness, path, schema, delimiter)");
  CHECK(ErrorOf(Edit("type = \"csv\"", "type = \"jsonl\"\ndelimiter = \";\"")) ==
        "clicks.toml:8:1: 'delimiter' does not apply to [source] of type \"jsonl\" (only to csv)");
  CHECK(ErrorOf(Edit("type = \"csv\"", "type = \"csv\"\nfollow = true")) ==
        "clicks.toml:8:1: 'follow' does not apply to [source] of type \"csv\" (only to log)");
  CHECK(ErrorOf(Edit("path = \"clicks.csv\"", "path = \"\"")) ==
        "clicks.toml:8:8: 'path' must not be empty");
  CHECK(ErrorOf(Edit("type = \"csv\"", "type = \"csv\"\ndelimiter = \"ab\"")) ==
        "clicks.toml:8:13: 'delimiter' must be one character such as \",\", \";\" or \"\\t\" (not "
        "a quote or newline), found string \"ab\"");
  CHECK(ErrorOf(Edit("type = \"csv\"", "type = \"csv\"\ndelimiter = '\"'")) ==
        "clicks.toml:8:13: 'delimiter' must be one character such as \",\", \";\" or \"\\t\" (not "
        "a quote or newline), found string \"\"\"");
}

TEST_CASE("[source] schema errors") {
  CHECK(ErrorOf(Edit("amount = \"double\"", "amount = \"float64\"")) ==
        "clicks.toml:9:59: field 'amount' has unknown type 'float64' (expected one of: int64, "
        "double, bool, string, timestamp, timestamp_s, timestamp_ms, timestamp_us)");
  CHECK(ErrorOf(Edit("user = \"string\"", "user = 1")) ==
        "clicks.toml:9:19: schema field 'user' must be a type name string such as \"int64\", "
        "found integer 1");
  CHECK(ErrorOf(Edit("schema = { user = \"string\", ts = \"timestamp_ms\", amount = \"double\" }",
                     "schema = \"user:string\"")) ==
        "clicks.toml:9:10: 'schema' must be a table of field = \"type\", such as { user = "
        "\"string\", ts = \"timestamp_ms\" }, found string \"user:string\"");
  CHECK(ErrorOf(Edit("schema = { user = \"string\", ts = \"timestamp_ms\", amount = \"double\" }",
                     "schema = {}")) == "clicks.toml:9:10: 'schema' must name at least one field");
  CHECK(ErrorOf(Edit("schema = { user = \"string\", ts = \"timestamp_ms\", amount = \"double\" }\n",
                     "")) == "clicks.toml:6:1: [source] of type \"csv\" needs 'schema'");
}

TEST_CASE("[source] event time errors") {
  CHECK(ErrorOf(Edit("event_time = \"ts\"", "event_time = \"time\"")) ==
        "clicks.toml:10:14: event_time 'time' is not a field of the schema (fields: user, ts, "
        "amount)");
  CHECK(ErrorOf(Edit("event_time = \"ts\"", "event_time = \"user\"")) ==
        "clicks.toml:10:14: event_time 'user' must be a timestamp or int64 field, but it is "
        "string");
  CHECK(ErrorOf(Edit("event_time = \"ts\"", "event_time = \"amount\"")) ==
        "clicks.toml:10:14: event_time 'amount' must be a timestamp or int64 field, but it is "
        "double");
  CHECK(ErrorOf(Edit("max_out_of_orderness = \"2s\"", "max_out_of_orderness = \"2 s\"")) ==
        std::string("clicks.toml:11:24: invalid duration '2 s': missing unit ") + kDurationHelp);
  CHECK(ErrorOf(Edit("max_out_of_orderness = \"2s\"", "max_out_of_orderness = 2")) ==
        "clicks.toml:11:24: 'max_out_of_orderness' must be a duration string such as \"10s\" "
        "(units us, ms, s, m, h), found integer 2");
}

TEST_CASE("generator and log source errors") {
  const std::string tail = "\n[sink]\ntype = \"null\"\n";
  CHECK(ErrorOf("[source]\ntype = \"generator\"\nkeys = 0" + tail) ==
        "clicks.toml:3:8: 'keys' must be an integer >= 1, found integer 0");
  CHECK(ErrorOf("[source]\ntype = \"generator\"\nevents = -1" + tail) ==
        "clicks.toml:3:10: 'events' must be an integer >= 0, found integer -1");
  CHECK(ErrorOf("[source]\ntype = \"generator\"\nevents = \"many\"" + tail) ==
        "clicks.toml:3:10: 'events' must be an integer >= 0, found string \"many\"");
  CHECK(ErrorOf("[source]\ntype = \"generator\"\npath = \"x\"" + tail) ==
        "clicks.toml:3:1: 'path' does not apply to [source] of type \"generator\" (only to csv, "
        "jsonl, log)");
  CHECK(ErrorOf("[source]\ntype = \"generator\"\nschema = { key = \"string\" }" + tail) ==
        "clicks.toml:3:10: a generator's schema is fixed (key:int64, ts:timestamp_us, "
        "value:double); leave 'schema' out");
  CHECK(ErrorOf("[source]\ntype = \"generator\"\nevent_time = \"value\"" + tail) ==
        "clicks.toml:3:14: event_time 'value' must be a timestamp or int64 field, but it is "
        "double");
  const std::string log = "[source]\ntype = \"log\"\npath = \"l\"\nschema = { a = \"int64\" }\n";
  CHECK(ErrorOf(log + "from = 1.5" + tail) ==
        "clicks.toml:5:8: 'from' must be \"beginning\", a log position (integer >= 0) or an ISO "
        "time string, found float 1.5");
  CHECK(ErrorOf(log + "from = -3" + tail) ==
        "clicks.toml:5:8: 'from' must be \"beginning\", a log position (integer >= 0) or an ISO "
        "time string, found integer -3");
  CHECK(ErrorOf(log + "follow = \"yes\"" + tail) ==
        "clicks.toml:5:10: 'follow' must be true or false, found string \"yes\"");
  CHECK(ErrorOf(log + "types = \"click\"" + tail) ==
        "clicks.toml:5:9: 'types' must be an array of strings such as [\"a\", \"b\"], found string "
        "\"click\"");
  CHECK(ErrorOf(log + "stream = 7" + tail) ==
        "clicks.toml:5:10: 'stream' must be a string, found integer 7");
  CHECK(ErrorOf("[source]\ntype = \"log\"\nschema = { a = \"int64\" }" + tail) ==
        "clicks.toml:1:1: [source] of type \"log\" needs 'path'");
}

TEST_CASE("[[operator]] type errors") {
  CHECK(ErrorOf(Edit("type = \"window\"", "type = \"windw\"")) ==
        "clicks.toml:22:8: unknown operator type 'windw' (expected filter, map, key_by, window, "
        "aggregate, union, window_join, interval_join, deduplicate, top_n, lookup_join, join, process)");
  CHECK(ErrorOf(Edit("type = \"filter\"\n", "")) ==
        "clicks.toml:13:1: [[operator]] #1 needs 'type' (one of filter, map, key_by, window, "
        "aggregate, union, window_join, interval_join, deduplicate, top_n, lookup_join, join, process)");
  CHECK(ErrorOf("[source]\ntype = \"generator\"\n[operator]\ntype = \"filter\"\n"
                "[sink]\ntype = \"null\"\n") ==
        "clicks.toml:3:1: operators are written as [[operator]] tables, found a table");
}

TEST_CASE("filter errors") {
  CHECK(ErrorOf(Edit("where = ", "wher = ")) ==
        "clicks.toml:15:1: unknown key 'wher' in [[operator]] #1 (filter) (did you mean "
        "'where'?)");
  CHECK(ErrorOf(Edit("where = \"amount > 0\"\n", "")) ==
        "clicks.toml:13:1: [[operator]] #1 (filter) needs 'where'");
  CHECK(ErrorOf(Edit("where = \"amount > 0\"", "where = \"\"")) ==
        "clicks.toml:15:9: 'where' must not be empty");
  CHECK(ErrorOf(Edit("where = \"amount > 0\"", "where = true")) ==
        "clicks.toml:15:9: 'where' must be a string, found boolean true");
}

TEST_CASE("key_by errors") {
  CHECK(ErrorOf(Edit("fields = [\"user\"]", "fields = \"user\"")) ==
        "clicks.toml:19:10: 'fields' must be an array of strings such as [\"a\", \"b\"], found "
        "string \"user\"");
  CHECK(ErrorOf(Edit("fields = [\"user\"]", "fields = []")) ==
        "clicks.toml:19:10: 'fields' must not be empty");
  CHECK(ErrorOf(Edit("fields = [\"user\"]", "fields = [\"user\", 1]")) ==
        "clicks.toml:19:19: 'fields' must hold only strings, found integer 1");
  CHECK(ErrorOf(Edit("fields = [\"user\"]", "fields = [\"\"]")) ==
        "clicks.toml:19:11: 'fields' must not hold empty strings");
  CHECK(ErrorOf(Edit("fields = [\"user\"]\n", "")) ==
        "clicks.toml:17:1: [[operator]] #2 (key_by) needs 'fields'");
  CHECK(ErrorOf(Edit("fields = ", "field = ")) ==
        "clicks.toml:19:1: unknown key 'field' in [[operator]] #2 (key_by) (did you mean "
        "'fields'?)");
}

TEST_CASE("window errors") {
  CHECK(ErrorOf(Edit("kind = \"tumbling\"", "kind = \"hopping\"")) ==
        "clicks.toml:23:8: unknown window kind 'hopping' (expected tumbling, sliding, session)");
  CHECK(ErrorOf(Edit("kind = \"tumbling\" ", "")) ==
        "clicks.toml:21:1: [[operator]] #3 (window) needs 'kind' (one of tumbling, sliding, "
        "session)");
  CHECK(ErrorOf(Edit("size = \"10s\"", "size = \"10 s\"")) ==
        std::string("clicks.toml:24:8: invalid duration '10 s': missing unit ") + kDurationHelp);
  CHECK(ErrorOf(Edit("size = \"10s\"", "size = \"10sec\"")) ==
        std::string("clicks.toml:24:8: invalid duration '10sec': unknown unit 'sec' ") +
            kDurationHelp);
  CHECK(ErrorOf(Edit("size = \"10s\"", "size = 10")) ==
        "clicks.toml:24:8: 'size' must be a duration string such as \"10s\" (units us, ms, s, m, "
        "h), found integer 10");
  CHECK(ErrorOf(Edit("size = \"10s\"", "size = \"0s\"")) ==
        "clicks.toml:24:8: 'size' must be greater than 0, found string \"0s\"");
  CHECK(ErrorOf(Edit("size = \"10s\"\n", "")) ==
        "clicks.toml:21:1: [[operator]] #3 (window) of kind \"tumbling\" needs 'size'");
  CHECK(ErrorOf(Edit("size = \"10s\"", "size = \"10s\"\nslide = \"5s\"")) ==
        "clicks.toml:25:1: 'slide' does not apply to [[operator]] #3 (window) of kind "
        "\"tumbling\" (only to sliding)");
  CHECK(ErrorOf(Edit("size = \"10s\"", "size = \"10s\"\ngap = \"5s\"")) ==
        "clicks.toml:25:1: 'gap' does not apply to [[operator]] #3 (window) of kind \"tumbling\" "
        "(only to session)");
  CHECK(ErrorOf(Edit("allowed_lateness = \"0s\"", "allowed_lateness = \"-1s\"")) ==
        std::string("clicks.toml:25:20: invalid duration '-1s': expected a number ") +
            kDurationHelp);
  CHECK(ErrorOf(Edit("allowed_lateness", "lateness")) ==
        "clicks.toml:25:1: unknown key 'lateness' in [[operator]] #3 (window) of kind "
        "\"tumbling\" (expected type, kind, allowed_lateness, aggregates, size)");
  CHECK(ErrorOf(Edit("aggregates = [\"count() as n\", \"sum(amount) as total\", "
                     "\"avg(amount) as mean\"]",
                     "aggregates = []")) == "clicks.toml:26:14: 'aggregates' must not be empty");
  CHECK(ErrorOf(Edit("aggregates = ", "aggregate = ")) ==
        "clicks.toml:26:1: unknown key 'aggregate' in [[operator]] #3 (window) of kind "
        "\"tumbling\" (did you mean 'aggregates'?)");
}

TEST_CASE("sliding and session window errors") {
  CHECK(ErrorOf(Edit("kind = \"tumbling\" ", "kind = \"sliding\"\nslide = \"20s\"")) ==
        "clicks.toml:24:9: 'slide' must be at most 'size' (10s), found 20s");
  CHECK(ErrorOf(Edit("kind = \"tumbling\" ", "kind = \"sliding\"\nslide = \"0s\"")) ==
        "clicks.toml:24:9: 'slide' must be greater than 0, found string \"0s\"");
  CHECK(ErrorOf(Edit("kind = \"tumbling\" ", "kind = \"sliding\"")) ==
        "clicks.toml:21:1: [[operator]] #3 (window) of kind \"sliding\" needs 'slide'");
  CHECK(ErrorOf(Edit("kind = \"tumbling\" ", "kind = \"session\"")) ==
        "clicks.toml:24:1: 'size' does not apply to [[operator]] #3 (window) of kind \"session\" "
        "(only to tumbling, sliding)");
  CHECK(ErrorOf(Edit("kind = \"tumbling\"        # or: kind = \"sliding\", size, slide / kind = "
                     "\"session\", gap\nsize = \"10s\"",
                     "kind = \"session\"\ngap = \"0ms\"")) ==
        "clicks.toml:24:7: 'gap' must be greater than 0, found string \"0ms\"");
}

TEST_CASE("a sliding window with more than 10000 windows per event is refused at the slide") {
  CHECK(ErrorOf(Edit("kind = \"tumbling\" ", "kind = \"sliding\"\nslide = \"1us\"")) ==
        "clicks.toml:24:9: a sliding window of 10s sliding by 1us puts every event in 10000000 "
        "windows, each emitting a row; the limit is 10000 (size/slide): use a slide of at least "
        "1ms, or a tumbling window of 1us and combine its rows downstream");
  // ceil(size / slide) counts: 10s / 999us is 10011 windows; 10s / 1ms is exactly the limit.
  CHECK(ErrorOf(Edit("kind = \"tumbling\" ", "kind = \"sliding\"\nslide = \"999us\"")).find(
            "clicks.toml:24:9: a sliding window of 10s sliding by 999us puts every event in "
            "10011 windows") == 0);
  CHECK(ErrorOf(Edit("kind = \"tumbling\" ", "kind = \"sliding\"\nslide = \"1ms\"")) == "");
}

TEST_CASE("map errors") {
  const std::string head = "[source]\ntype = \"generator\"\n[[operator]]\ntype = \"map\"\n";
  const std::string tail = "\n[sink]\ntype = \"null\"\n";
  CHECK(ErrorOf(head + tail) ==
        "clicks.toml:3:1: [[operator]] #1 (map) needs 'set', 'keep' or both");
  CHECK(ErrorOf(head + "set = [\"value > 3\"]" + tail) ==
        "clicks.toml:5:8: 'set' entries are written \"field = expression\", found \"value > 3\"");
  CHECK(ErrorOf(head + "set = [\"a == 3\"]" + tail) ==
        "clicks.toml:5:8: 'set' entries are written \"field = expression\", found \"a == 3\"");
  CHECK(ErrorOf(head + "set = [\"1x = 3\"]" + tail) ==
        "clicks.toml:5:8: 'set' entry \"1x = 3\": '1x' is not a field name (letters, digits and "
        "'_', not starting with a digit)");
  CHECK(ErrorOf(head + "set = [\"a b = 3\"]" + tail) ==
        "clicks.toml:5:8: 'set' entry \"a b = 3\": 'a b' is not a field name (letters, digits "
        "and '_', not starting with a digit)");
  CHECK(ErrorOf(head + "set = [\"ok = 1\", \"= 3\"]" + tail) ==
        "clicks.toml:5:18: 'set' entry \"= 3\": '' is not a field name (letters, digits and '_', "
        "not starting with a digit)");
  CHECK(ErrorOf(head + "set = [\"x <= 3\"]" + tail) ==
        "clicks.toml:5:8: 'set' entry \"x <= 3\": 'x <' is not a field name (letters, digits and "
        "'_', not starting with a digit)");
  CHECK(ErrorOf(head + "set = [\"x =  \"]" + tail) ==
        "clicks.toml:5:8: 'set' entry \"x =  \" has no expression after '='");
  CHECK(ErrorOf(head + "keep = []" + tail) == "clicks.toml:5:8: 'keep' must not be empty");
  CHECK(ErrorOf(head + "set = \"x = 1\"" + tail) ==
        "clicks.toml:5:7: 'set' must be an array of strings such as [\"a\", \"b\"], found string "
        "\"x = 1\"");
  CHECK(ErrorOf(head + "sets = [\"x = 1\"]" + tail) ==
        "clicks.toml:5:1: unknown key 'sets' in [[operator]] #1 (map) (did you mean 'set'?)");
}

TEST_CASE("running aggregate errors") {
  const std::string head = "[source]\ntype = \"generator\"\n[[operator]]\ntype = \"aggregate\"\n";
  const std::string tail = "\n[sink]\ntype = \"null\"\n";
  CHECK(ErrorOf(head + tail) == "clicks.toml:3:1: [[operator]] #1 (aggregate) needs 'aggregates'");
  CHECK(ErrorOf(head + "aggregates = [\"count()\"]\nsize = \"1s\"" + tail) ==
        "clicks.toml:6:1: unknown key 'size' in [[operator]] #1 (aggregate) (expected type, "
        "aggregates, rows, every, emit)");
  CHECK(ErrorOf(head + "aggregates = [\"count()\", 2]" + tail) ==
        "clicks.toml:5:26: 'aggregates' must hold only strings, found integer 2");
}

TEST_CASE("deduplicate errors") {
  const std::string head = "[source]\ntype = \"generator\"\n[[operator]]\ntype = \"deduplicate\"\n";
  const std::string tail = "\n[sink]\ntype = \"null\"\n";
  CHECK(ErrorOf(head + "keep = \"middle\"" + tail) ==
        "clicks.toml:5:8: unknown row to keep 'middle' (expected first, last)");
  CHECK(ErrorOf(head + "state_ttl = \"soon\"" + tail).find("clicks.toml:5:13: ") == 0);
  CHECK(ErrorOf(head + "aggregates = [\"count()\"]" + tail) ==
        "clicks.toml:5:1: unknown key 'aggregates' in [[operator]] #1 (deduplicate) (expected "
        "type, keep, state_ttl)");
  CHECK(ErrorOf(head + "keep = \"last\"\nstate_ttl = \"10m\"" + tail) == "");
}

TEST_CASE("top_n errors") {
  const std::string head =
      "[source]\ntype = \"generator\"\n[[operator]]\ntype = \"top_n\"\nn = 2\n"
      "order_by = [\"value desc\"]\n";
  const std::string tail = "\n[sink]\ntype = \"null\"\n";
  CHECK(ErrorOf(head + "per_window = \"yes\"" + tail) ==
        "clicks.toml:7:14: 'per_window' must be true or false, found string \"yes\"");
  CHECK(ErrorOf(head + "per_windows = true" + tail) ==
        "clicks.toml:7:1: unknown key 'per_windows' in [[operator]] #1 (top_n) (did you mean "
        "'per_window'?)");
  CHECK(ErrorOf(head + "per_window = true\nrank_field = \"rank\"" + tail) == "");
  CHECK(ErrorOf(head + "with_ties = 1" + tail) ==
        "clicks.toml:7:13: 'with_ties' must be true or false, found integer 1");
  CHECK(ErrorOf(head + "per_window = true\nwith_ties = true" + tail) == "");
}

TEST_CASE("[sink] errors") {
  CHECK(ErrorOf(Edit("path = \"clicks_per_user.csv\"\n", "")) ==
        "clicks.toml:28:1: [sink] of type \"csv\" needs 'path'");
  CHECK(ErrorOf(Edit("[sink]\ntype = \"csv\"", "[sink]\ntype = \"parquet\"")) ==
        "clicks.toml:29:8: unknown sink type 'parquet' (expected csv, jsonl, stdout, null, log, projection)");
  CHECK(ErrorOf(Edit("[sink]\ntype = \"csv\"", "[sink]\ntype = \"stdout\"")) ==
        "clicks.toml:30:1: 'path' does not apply to [sink] of type \"stdout\" (only to csv, jsonl, "
        "log)");
  CHECK(ErrorOf(Edit("path = \"clicks_per_user.csv\"", "path = \"x\"\nformat = \"csv\"")) ==
        "clicks.toml:31:1: 'format' does not apply to [sink] of type \"csv\" (only to stdout)");
  CHECK(ErrorOf(Edit("[sink]\ntype = \"csv\"\npath = \"clicks_per_user.csv\"",
                     "[sink]\ntype = \"stdout\"\nformat = \"xml\"")) ==
        "clicks.toml:30:10: unknown stdout format 'xml' (expected jsonl, csv)");
  CHECK(ErrorOf(Edit("[sink]\ntype = \"csv\"", "[sink]\ntype = \"log\"\nstream = 3")) ==
        "clicks.toml:30:10: 'stream' must be a string, found integer 3");
  CHECK(ErrorOf(Edit("[sink]\ntype = \"csv\"", "[sink]\ntype = \"csv\"\nmode = \"append\"")) ==
        "clicks.toml:30:1: unknown key 'mode' in [sink] of type \"csv\" (expected type, path)");
  CHECK(ErrorOf(Edit("[sink]\ntype = \"csv\"\n", "[sink]\n")) ==
        "clicks.toml:28:1: [sink] needs 'type' (one of csv, jsonl, stdout, null, log, projection)");
}

TEST_CASE("process errors") {
  const std::string head =
      "[source]\ntype = \"generator\"\n[[operator]]\ntype = \"key_by\"\nfields = [\"user\"]\n"
      "[[operator]]\ntype = \"process\"\n";
  const std::string tail = "\n[sink]\ntype = \"null\"\n";
  CHECK(ErrorOf(head + "function = \"nope\"" + tail) ==
        "clicks.toml:8:12: no process function 'nope' (registered: best_until, inactivity)");
  CHECK(ErrorOf(head + "params = { gap = \"1s\" }" + tail) ==
        "clicks.toml:6:1: [[operator]] #2 (process) needs 'function'");
  CHECK(ErrorOf(head + "function = \"inactivity\"\nparams = \"gap=1s\"" + tail) ==
        "clicks.toml:9:10: 'params' must be a table such as { gap = \"30s\" }, found string "
        "\"gap=1s\"");
  CHECK(ErrorOf(head + "function = \"inactivity\"\nparams = { gap = [1] }" + tail) ==
        "clicks.toml:9:18: params.gap must be a string, number or boolean, found an array");
  CHECK(ErrorOf(head + "function = \"inactivity\"\nwhere = \"x\"" + tail) ==
        "clicks.toml:9:1: unknown key 'where' in [[operator]] #2 (process) (expected type, "
        "function, params)");
  CHECK(ErrorOf(head + "function = \"inactivity\"\nparams = { gap = \"1s\" }" + tail) == "");
}

// Errors the planner finds in a process operator: at the operator's table.
std::string PlanErrorOf(const std::string& text) {
  auto r = LoadPipelineString(text, "clicks.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  std::unique_ptr<Pipeline> pipeline;
  return Pipeline::Build(PipelineOptions(), *r, &pipeline).message();
}

TEST_CASE("process planning errors name the operator and the function") {
  const std::string source =
      "[source]\ntype = \"csv\"\npath = \"x.csv\"\nschema = { user = \"string\", ts = "
      "\"timestamp_ms\" }\n";
  const std::string ops =
      "[[operator]]\ntype = \"key_by\"\nfields = [\"user\"]\n[[operator]]\ntype = "
      "\"process\"\nfunction = \"inactivity\"\n";
  const std::string tail = "\n[sink]\ntype = \"null\"\n";
  CHECK(PlanErrorOf(source + "event_time = \"ts\"\n" + ops + "params = { gapp = \"1s\" }" + tail) ==
        "clicks.toml:9:1: operator #2 (process): process function 'inactivity': inactivity "
        "takes the parameter 'gap', not 'gapp'");
  CHECK(PlanErrorOf(source + "event_time = \"ts\"\n" + ops + tail) ==
        "clicks.toml:9:1: operator #2 (process): process function 'inactivity': inactivity needs "
        "params = { gap = \"...\" } with a gap > 0");
  CHECK(PlanErrorOf(source + ops + "params = { gap = \"1s\" }" + tail) ==
        "clicks.toml:8:1: operator #2 (process): a process function's timers run on event time; "
        "set 'event_time' in [source]");
}

TEST_CASE("aggregate emit errors") {
  const std::string head = "[source]\ntype = \"generator\"\n[[operator]]\ntype = \"aggregate\"\n"
                           "aggregates = [\"count() as n\"]\n";
  const std::string tail = "\n[sink]\ntype = \"null\"\n";
  CHECK(ErrorOf(head + "emit = \"retract\"" + tail) ==
        "clicks.toml:6:8: unknown aggregate emit mode 'retract' (expected updates, changelog)");
  CHECK(ErrorOf(head + "rows = 3\nemit = \"changelog\"" + tail) ==
        "clicks.toml:7:1: 'emit' applies to [[operator]] #1 (aggregate) only without 'rows' (a "
        "row window's results are final)");
  CHECK(ErrorOf(head + "emit = \"changelog\"" + tail) == "");
  CHECK(ErrorOf(head + "emit = \"updates\"" + tail) == "");
}
