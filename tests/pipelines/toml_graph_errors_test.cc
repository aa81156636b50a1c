// Shape errors of the graph keys, each at FILE:LINE:COL of the offending key or value. The cases
// edit tests/data/pipelines/graph.toml, whose line numbers the comments refer to: sources at
// lines 4 (bids) and 12 (auctions), operators at 20 (filter big_bids), 26 (interval_join
// matched), 38 (key_by) and 42 (window per_seller), sinks at 49 and 54.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "pipelines/toml_loader.h"
#include "toml_edit_util.h"

using namespace sluice;

namespace {

std::string Graph() { return testing::DataPipeline("graph.toml"); }

// The graph file with the first occurrence of `from` replaced by `to`.
std::string Edit(const std::string& from, const std::string& to) {
  return testing::ReplaceFirst(Graph(), from, to);
}

// The interval join's table (lines 27-36 after its header at 26) replaced by `body`.
const std::string kJoinBody =
    "name = \"matched\"\n"
    "type = \"interval_join\"\n"
    "inputs = [\"big_bids\", \"auctions\"]\n"
    "left_key = [\"auction\"]\n"
    "right_key = [\"id\"]\n"
    "lower = \"-1h\"             # the auction opened at most an hour before the bid\n"
    "upper = \"0s\"\n"
    "join = \"inner\"\n"
    "left_prefix = \"bid_\"\n"
    "right_prefix = \"auction_\"\n";
std::string Operator2(const std::string& body) { return Edit(kJoinBody, body); }

// The error message of loading `text` as g.toml ("" when it loads).
std::string ErrorOf(const std::string& text) { return testing::LoadError(text, "g.toml"); }

const char* kDurationHelp = "(write e.g. \"250ms\", \"10s\", \"1m30s\"; units us, ms, s, m, h)";

}  // namespace

TEST_CASE("the graph file itself has no error") { CHECK(ErrorOf(Graph()) == ""); }

TEST_CASE("with several sources each needs a name, reported at the source without one") {
  CHECK(ErrorOf(Edit("name = \"auctions\"\n", "")) ==
        "g.toml:12:1: [[source]] #2 needs 'name': a pipeline with several sources names each one, "
        "for the 'input' of operators and sinks");
  CHECK(ErrorOf(Edit("name = \"bids\"\n", "")) ==
        "g.toml:4:1: [[source]] #1 needs 'name': a pipeline with several sources names each one, "
        "for the 'input' of operators and sinks");
}

TEST_CASE("source name and idle_timeout errors") {
  CHECK(ErrorOf(Edit("name = \"bids\"", "name = \"bid-s\"")) ==
        "g.toml:5:8: 'name' must be letters, digits and '_', not starting with a digit (it is how "
        "`input` refers to it), found \"bid-s\"");
  CHECK(ErrorOf(Edit("name = \"bids\"", "name = \"9bids\"")) ==
        "g.toml:5:8: 'name' must be letters, digits and '_', not starting with a digit (it is how "
        "`input` refers to it), found \"9bids\"");
  CHECK(ErrorOf(Edit("name = \"bids\"", "name = \"\"")) == "g.toml:5:8: 'name' must not be empty");
  CHECK(ErrorOf(Edit("name = \"bids\"", "name = 3")) ==
        "g.toml:5:8: 'name' must be a string, found integer 3");
  CHECK(ErrorOf(Edit("idle_timeout = \"30s\"", "idle_timeout = \"30 s\"")) ==
        std::string("g.toml:18:16: invalid duration '30 s': missing unit ") + kDurationHelp);
  CHECK(ErrorOf(Edit("idle_timeout = \"30s\"", "idle_timeout = \"-30s\"")) ==
        std::string("g.toml:18:16: invalid duration '-30s': expected a number ") + kDurationHelp);
  CHECK(ErrorOf(Edit("idle_timeout = \"30s\"", "idle_timeout = 30")) ==
        "g.toml:18:16: 'idle_timeout' must be a duration string such as \"10s\" (units us, ms, s, "
        "m, h), found integer 30");
  CHECK(ErrorOf(Edit("idle_timeout = \"30s\"", "idle_timout = \"30s\"")) ==
        "g.toml:18:1: unknown key 'idle_timout' in [[source]] #2 of type \"csv\" (did you mean "
        "'idle_timeout'?)");
  // The graph keys are accepted everywhere but listed nowhere: the messages stay as they were.
  CHECK(ErrorOf(Edit("idle_timeout = \"30s\"", "colour = \"red\"")) ==
        "g.toml:18:1: unknown key 'colour' in [[source]] #2 of type \"csv\" (expected type, "
        "event_time, max_out_of_orderness, path, schema, delimiter)");
  CHECK(
      ErrorOf(Edit("[[source]]\nname = \"bids\"", "[[source]]\nname = \"bids\"\ninput = \"x\"")) ==
      "g.toml:6:1: unknown key 'input' in [[source]] #1 of type \"csv\" (expected type, "
      "event_time, max_out_of_orderness, path, schema, delimiter)");
}

TEST_CASE("'source' must be one table or an array of tables") {
  const std::string tail = "\n[sink]\ntype = \"null\"\n";
  CHECK(ErrorOf("source = 3" + tail) ==
        "g.toml:1:10: 'source' must be a table, written [source] (or several, written "
        "[[source]]), found integer 3");
  CHECK(ErrorOf("source = []" + tail) ==
        "g.toml:1:10: 'source' must be a table, written [source] (or several, written "
        "[[source]]), found an array");
  CHECK(ErrorOf("source = [{ type = \"generator\" }, 2]" + tail) ==
        "g.toml:1:10: 'source' must be a table, written [source] (or several, written "
        "[[source]]), found an array");
}

TEST_CASE("names are unique across sources and operators; the later use is reported") {
  CHECK(ErrorOf(Edit("name = \"auctions\"", "name = \"bids\"")) ==
        "g.toml:13:8: name 'bids' is already taken by [[source]] #1 (line 5); sources and "
        "operators need distinct names");
  CHECK(ErrorOf(Edit("name = \"big_bids\"", "name = \"auctions\"")) ==
        "g.toml:21:8: name 'auctions' is already taken by [[source]] #2 (line 13); sources and "
        "operators need distinct names");
  CHECK(ErrorOf(Edit("name = \"per_seller\"", "name = \"matched\"")) ==
        "g.toml:43:8: name 'matched' is already taken by [[operator]] #2 (line 27); sources and "
        "operators need distinct names");
  // A single [source] table and an operator.
  CHECK(ErrorOf("[source]\nname = \"s\"\ntype = \"generator\"\n[[operator]]\nname = \"s\"\n"
                "type = \"filter\"\nwhere = \"true\"\n[sink]\ntype = \"null\"\n") ==
        "g.toml:5:8: name 's' is already taken by [source] (line 2); sources and operators need "
        "distinct names");
  // A projection sink's name is the read model's, not a graph name.
  CHECK(ErrorOf(Edit("[[sink]]\ninput = \"big_bids\"\ntype = \"jsonl\"\npath = \"big_bids.jsonl\"",
                     "[[sink]]\ninput = \"big_bids\"\ntype = \"projection\"\nname = \"bids\"")) ==
        "");
}

TEST_CASE("operator name, input and inputs errors") {
  CHECK(ErrorOf(Edit("name = \"big_bids\"", "name = \"big bids\"")) ==
        "g.toml:21:8: 'name' must be letters, digits and '_', not starting with a digit (it is how "
        "`input` refers to it), found \"big bids\"");
  CHECK(ErrorOf(Edit("input = \"bids\"", "input = \"bids\"\ninputs = [\"bids\"]")) ==
        "g.toml:23:1: [[operator]] #1 (filter) has both 'input' and 'inputs'; write one input as "
        "input = \"a\" or several as inputs = [\"a\", \"b\"]");
  CHECK(ErrorOf(Edit("name = \"big_bids\"", "inputs = [\"bids\"]")) ==
        "g.toml:22:1: [[operator]] #1 (filter) has both 'input' and 'inputs'; write one input as "
        "input = \"a\" or several as inputs = [\"a\", \"b\"]");
  CHECK(ErrorOf(Edit("input = \"bids\"", "input = \"\"")) ==
        "g.toml:22:9: 'input' must not be empty");
  CHECK(ErrorOf(Edit("input = \"bids\"", "input = [\"bids\"]")) ==
        "g.toml:22:9: 'input' must be a string, found an array");
  CHECK(ErrorOf(Edit("input = \"bids\"", "inputs = []")) ==
        "g.toml:22:10: 'inputs' must not be empty");
  CHECK(ErrorOf(Edit("input = \"bids\"", "inputs = [\"bids\", \"\"]")) ==
        "g.toml:22:19: 'inputs' must not hold empty strings");
  CHECK(ErrorOf(Edit("input = \"bids\"", "inputs = \"bids\"")) ==
        "g.toml:22:10: 'inputs' must be an array of strings such as [\"a\", \"b\"], found string "
        "\"bids\"");
  CHECK(ErrorOf(Edit("input = \"bids\"", "inptu = \"bids\"")) ==
        "g.toml:22:1: unknown key 'inptu' in [[operator]] #1 (filter) (did you mean 'input'?)");
  CHECK(ErrorOf(Edit("input = \"bids\"", "colour = \"bids\"")) ==
        "g.toml:22:1: unknown key 'colour' in [[operator]] #1 (filter) (expected type, where)");
  CHECK(ErrorOf(
            Edit("fields = [\"auction_seller\"]", "fields = [\"auction_seller\"]\nname = \"9\"")) ==
        "g.toml:41:8: 'name' must be letters, digits and '_', not starting with a digit (it is how "
        "`input` refers to it), found \"9\"");
}

TEST_CASE("union errors") {
  CHECK(ErrorOf(Operator2("type = \"union\"\ninputs = [\"big_bids\"]\n")) ==
        "g.toml:28:10: a union needs at least 2 inputs, found 1");
  CHECK(ErrorOf(Operator2("type = \"union\"\ninput = \"big_bids\"\n")) ==
        "g.toml:28:1: 'input' does not apply to [[operator]] #2 (union): a union reads several "
        "inputs, written inputs = [\"a\", \"b\"]");
  CHECK(ErrorOf(Operator2("type = \"union\"\n")) ==
        "g.toml:26:1: [[operator]] #2 (union) needs 'inputs', the names of the sources or "
        "operators it merges");
  CHECK(ErrorOf(Operator2("type = \"union\"\ninputs = [\"a\", \"b\"]\nwhere = \"x\"\n")) ==
        "g.toml:29:1: unknown key 'where' in [[operator]] #2 (union) (expected type, name, "
        "inputs)");
  CHECK(ErrorOf(Operator2("type = \"union\"\ninputs = [\"a\", \"b\"]\nname = \"1u\"\n")) ==
        "g.toml:29:8: 'name' must be letters, digits and '_', not starting with a digit (it is how "
        "`input` refers to it), found \"1u\"");
  CHECK(ErrorOf(Operator2("type = \"union\"\ninputs = [\"a\", \"b\"]\n")) == "");
}

TEST_CASE("interval_join input errors") {
  CHECK(ErrorOf(Edit("inputs = [\"big_bids\", \"auctions\"]",
                     "inputs = [\"big_bids\", \"auctions\", \"bids\"]")) ==
        "g.toml:29:10: an interval_join needs exactly 2 inputs (left, right), found 3");
  CHECK(ErrorOf(Edit("inputs = [\"big_bids\", \"auctions\"]", "inputs = [\"big_bids\"]")) ==
        "g.toml:29:10: an interval_join needs exactly 2 inputs (left, right), found 1");
  CHECK(ErrorOf(Edit("inputs = [\"big_bids\", \"auctions\"]", "input = \"big_bids\"")) ==
        "g.toml:29:1: 'input' does not apply to [[operator]] #2 (interval_join): an interval_join "
        "reads two inputs, written inputs = [\"left\", \"right\"]");
  CHECK(ErrorOf(Edit("inputs = [\"big_bids\", \"auctions\"]\n", "")) ==
        "g.toml:26:1: [[operator]] #2 (interval_join) needs 'inputs', the names of its left and "
        "right inputs");
}

TEST_CASE("join key errors") {
  const std::string keys = "left_key = [\"auction\"]\nright_key = [\"id\"]";
  CHECK(ErrorOf(Edit(keys, "key = [\"auction\"]\nleft_key = [\"auction\"]")) ==
        "g.toml:31:1: [[operator]] #2 (interval_join) has both 'key' and 'left_key': write key = "
        "[...] when both inputs call the key fields alike, else left_key and right_key");
  CHECK(ErrorOf(Edit(keys, "right_key = [\"id\"]\nkey = [\"auction\"]")) ==
        "g.toml:31:1: [[operator]] #2 (interval_join) has both 'key' and 'right_key': write key = "
        "[...] when both inputs call the key fields alike, else left_key and right_key");
  CHECK(ErrorOf(Edit(keys, "left_key = [\"auction\"]")) ==
        "g.toml:26:1: [[operator]] #2 (interval_join) needs 'right_key' to go with 'left_key'");
  CHECK(ErrorOf(Edit(keys, "right_key = [\"id\"]")) ==
        "g.toml:26:1: [[operator]] #2 (interval_join) needs 'left_key' to go with 'right_key'");
  CHECK(ErrorOf(Edit(keys + "\n", "")) ==
        "g.toml:26:1: [[operator]] #2 (interval_join) needs 'key' (the key fields, named alike in "
        "both inputs) or 'left_key' and 'right_key'");
  CHECK(ErrorOf(Edit(keys, "left_key = [\"auction\"]\nright_key = [\"id\", \"ts\"]")) ==
        "g.toml:31:13: 'right_key' must name as many fields as 'left_key' (1), found 2");
  CHECK(ErrorOf(Edit(keys, "left_key = []\nright_key = [\"id\"]")) ==
        "g.toml:30:12: 'left_key' must not be empty");
  CHECK(ErrorOf(Edit(keys, "key = [\"auction\", 2]")) ==
        "g.toml:30:19: 'key' must hold only strings, found integer 2");
  CHECK(ErrorOf(Edit(keys, "keys = [\"auction\"]")) ==
        "g.toml:30:1: unknown key 'keys' in [[operator]] #2 (interval_join) (did you mean 'key'?)");
  CHECK(ErrorOf(Edit("left_prefix = \"bid_\"", "left_prefix = \"\"")) ==
        "g.toml:35:15: 'left_prefix' must not be empty");
  CHECK(ErrorOf(Edit("right_prefix = \"auction_\"", "right_prefix = 1")) ==
        "g.toml:36:16: 'right_prefix' must be a string, found integer 1");
}

TEST_CASE("interval_join bound and type errors") {
  const std::string lower = "lower = \"-1h\"";
  CHECK(ErrorOf(Edit(lower, "lower = \"1s\"")) ==
        "g.toml:32:9: 'lower' (1s) must be at most 'upper' (0s): a right row matches a left row "
        "when left.ts + lower <= right.ts <= left.ts + upper");
  CHECK(ErrorOf(Edit("upper = \"0s\"", "upper = \"-2h\"")) ==
        "g.toml:32:9: 'lower' (-1h) must be at most 'upper' (-2h): a right row matches a left row "
        "when left.ts + lower <= right.ts <= left.ts + upper");
  CHECK(ErrorOf(Edit(lower, "lower = \"--1h\"")) ==
        std::string("g.toml:32:9: invalid duration '--1h': expected a number ") + kDurationHelp);
  CHECK(ErrorOf(Edit(lower, "lower = \"+1h\"")) ==
        std::string("g.toml:32:9: invalid duration '+1h': expected a number ") + kDurationHelp);
  CHECK(ErrorOf(Edit(lower, "lower = \"-1 h\"")) ==
        std::string("g.toml:32:9: invalid duration '-1 h': missing unit ") + kDurationHelp);
  CHECK(ErrorOf(Edit(lower, "lower = \"-\"")) ==
        std::string("g.toml:32:9: invalid duration '-': empty ") + kDurationHelp);
  CHECK(ErrorOf(Edit(lower, "lower = -3600")) ==
        "g.toml:32:9: 'lower' must be a duration string such as \"10s\" or \"-5s\" (units us, ms, "
        "s, m, h), found integer -3600");
  CHECK(ErrorOf(Edit(lower, "")) == "g.toml:26:1: [[operator]] #2 (interval_join) needs 'lower'");
  CHECK(ErrorOf(Edit("upper = \"0s\"\n", "")) ==
        "g.toml:26:1: [[operator]] #2 (interval_join) needs 'upper'");
  CHECK(ErrorOf(Edit("join = \"inner\"", "join = \"outer\"")) ==
        "g.toml:34:8: unknown join type 'outer' (expected inner, left, right, full)");
  CHECK(ErrorOf(Edit("join = \"inner\"", "join = true")) ==
        "g.toml:34:8: 'join' must be a string, one of inner, left, right, full, found boolean "
        "true");
  CHECK(ErrorOf(Edit("join = \"inner\"", "size = \"1s\"")) ==
        "g.toml:34:1: unknown key 'size' in [[operator]] #2 (interval_join) (expected type, name, "
        "inputs, lower, upper, join, key, left_key, right_key, left_prefix, right_prefix)");
}

TEST_CASE("window_join errors") {
  const std::string head =
      "type = \"window_join\"\ninputs = [\"big_bids\", \"auctions\"]\nleft_key = [\"auction\"]\n"
      "right_key = [\"id\"]\n";  // lines 27-30
  CHECK(ErrorOf(Operator2(head + "kind = \"tumbling\"\nsize = \"1m\"\n")) == "");
  CHECK(ErrorOf(Operator2(head + "kind = \"tumbling\"\nsize = \"1m\"\njoin = \"left\"\n")) ==
        "g.toml:33:1: 'join' does not apply to [[operator]] #2 (window_join) of kind \"tumbling\": "
        "window joins are inner (an interval_join can be left, right or full)");
  CHECK(ErrorOf(Operator2(head + "size = \"1m\"\n")) ==
        "g.toml:26:1: [[operator]] #2 (window_join) needs 'kind' (one of tumbling, sliding, "
        "session)");
  CHECK(ErrorOf(Operator2(head + "kind = \"hopping\"\n")) ==
        "g.toml:31:8: unknown window kind 'hopping' (expected tumbling, sliding, session)");
  CHECK(ErrorOf(Operator2(head + "kind = \"tumbling\"\n")) ==
        "g.toml:26:1: [[operator]] #2 (window_join) of kind \"tumbling\" needs 'size'");
  CHECK(ErrorOf(Operator2(head + "kind = \"tumbling\"\nsize = \"1m\"\nslide = \"1s\"\n")) ==
        "g.toml:33:1: 'slide' does not apply to [[operator]] #2 (window_join) of kind "
        "\"tumbling\" (only to sliding)");
  CHECK(ErrorOf(Operator2(head + "kind = \"session\"\ngap = \"1m\"\nsize = \"1s\"\n")) ==
        "g.toml:33:1: 'size' does not apply to [[operator]] #2 (window_join) of kind \"session\" "
        "(only to tumbling, sliding)");
  CHECK(ErrorOf(Operator2(head + "kind = \"sliding\"\nsize = \"1m\"\n")) ==
        "g.toml:26:1: [[operator]] #2 (window_join) of kind \"sliding\" needs 'slide'");
  CHECK(ErrorOf(Operator2(head + "kind = \"sliding\"\nsize = \"1m\"\nslide = \"2m\"\n")) ==
        "g.toml:33:9: 'slide' must be at most 'size' (1m), found 2m");
  CHECK(ErrorOf(Operator2(head + "kind = \"sliding\"\nsize = \"1m\"\nslide = \"1us\"\n"))
            .find("g.toml:33:9: a sliding window of 1m sliding by 1us puts every event in") == 0);
  CHECK(ErrorOf(Operator2(head + "kind = \"session\"\ngap = \"0s\"\n")) ==
        "g.toml:32:7: 'gap' must be greater than 0, found string \"0s\"");
  CHECK(ErrorOf(
            Operator2(head + "kind = \"tumbling\"\nsize = \"1m\"\naggregates = [\"count()\"]\n")) ==
        "g.toml:33:1: unknown key 'aggregates' in [[operator]] #2 (window_join) of kind "
        "\"tumbling\" (expected type, name, inputs, kind, key, left_key, right_key, left_prefix, "
        "right_prefix, size)");
  CHECK(ErrorOf(Operator2(head + "kind = \"tumbling\"\nsize = \"1m\"\nlower = \"0s\"\n")) ==
        "g.toml:33:1: unknown key 'lower' in [[operator]] #2 (window_join) of kind \"tumbling\" "
        "(expected type, name, inputs, kind, key, left_key, right_key, left_prefix, right_prefix, "
        "size)");
  const std::string one_input =
      "type = \"window_join\"\ninputs = [\"big_bids\"]\nkey = [\"auction\"]\nkind = \"tumbling\"\n"
      "size = \"1s\"\n";
  CHECK(ErrorOf(Operator2(one_input)) ==
        "g.toml:28:10: a window_join needs exactly 2 inputs (left, right), found 1");
  CHECK(ErrorOf(Operator2("type = \"window_join\"\ninput = \"big_bids\"\nkey = [\"auction\"]\n"
                          "kind = \"tumbling\"\nsize = \"1s\"\n")) ==
        "g.toml:28:1: 'input' does not apply to [[operator]] #2 (window_join) of kind "
        "\"tumbling\": a window_join reads two inputs, written inputs = [\"left\", \"right\"]");
}

TEST_CASE("sink input errors") {
  CHECK(ErrorOf(Edit("input = \"per_seller\"", "input = \"\"")) ==
        "g.toml:50:9: 'input' must not be empty");
  CHECK(ErrorOf(Edit("input = \"per_seller\"", "input = [\"per_seller\"]")) ==
        "g.toml:50:9: 'input' must be a string, found an array");
  CHECK(ErrorOf(Edit("input = \"per_seller\"", "inputs = [\"per_seller\"]")) ==
        "g.toml:50:1: unknown key 'inputs' in [sink] of type \"csv\" (did you mean 'input'?)");
  CHECK(ErrorOf(Edit("input = \"per_seller\"", "mode = \"append\"")) ==
        "g.toml:50:1: unknown key 'mode' in [sink] of type \"csv\" (expected type, path)");
}

TEST_CASE("join (regular) errors") {
  const std::string head =
      "type = \"join\"\ninputs = [\"big_bids\", \"auctions\"]\nleft_key = [\"auction\"]\n"
      "right_key = [\"id\"]\n";  // lines 27-30
  CHECK(ErrorOf(Operator2(head)) == "");
  CHECK(ErrorOf(Operator2(head + "state_ttl = \"1h\"\nright_ttl = \"0s\"\n")) == "");
  CHECK(ErrorOf(Operator2(head + "join = \"left\"\n")) ==
        "g.toml:31:1: 'join' does not apply to [[operator]] #2 (join): regular joins are inner "
        "(an interval_join can be left, right or full)");
  CHECK(ErrorOf(Operator2(head + "left_ttl = \"soon\"\n")).find("g.toml:31:12: ") == 0);
  CHECK(ErrorOf(Operator2(head + "state_ttl = 5\n")) ==
        "g.toml:31:13: 'state_ttl' must be a duration string such as \"10s\" (units us, ms, s, m, "
        "h), found integer 5");
  CHECK(ErrorOf(Operator2(head + "lower = \"1s\"\n")) ==
        "g.toml:31:1: unknown key 'lower' in [[operator]] #2 (join) (expected type, name, inputs, "
        "key, left_key, right_key, left_prefix, right_prefix, state_ttl, left_ttl, right_ttl)");
  CHECK(ErrorOf(Operator2("type = \"join\"\ninputs = [\"big_bids\", \"auctions\"]\n")) ==
        "g.toml:26:1: [[operator]] #2 (join) needs 'key' (the key fields, named alike in both "
        "inputs) or 'left_key' and 'right_key'");
}

TEST_CASE("aggregate rows and every") {
  const std::string window = "type = \"window\"\nkind = \"tumbling\"\nsize = \"1m\"\n";
  auto with = [&](const std::string& keys) {
    return Edit(window, "type = \"aggregate\"\n" + keys);
  };
  CHECK(ErrorOf(with("")) == "");
  CHECK(ErrorOf(with("rows = 10\n")) == "");
  CHECK(ErrorOf(with("rows = 10\nevery = 10\n")) == "");
  CHECK(ErrorOf(with("every = 2\n")) ==
        "g.toml:45:1: 'every' applies to [[operator]] #4 (aggregate) only with 'rows' (an "
        "aggregate over the last rows of each key)");
  CHECK(ErrorOf(with("rows = 0\n")).find("g.toml:45:8: ") == 0);
  CHECK(ErrorOf(with("rows = 3\nevery = 4\n")).find("g.toml:46:9: ") == 0);
  CHECK(ErrorOf(with("rows = \"3\"\n")).find("g.toml:45:8: ") == 0);
}
