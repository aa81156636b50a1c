// The dead-letter writer.
#include <doctest/doctest.h>

#include <filesystem>

#include "io_test_util.h"

using namespace sluice;
using namespace sluice::testing;

TEST_CASE("dead-letter writer creates its file only for the first record") {
  ScratchDir dir("dlq");
  DeadLetterWriter clean(dir.file("d.jsonl"));
  REQUIRE(clean.Write({}).ok());
  REQUIRE(clean.Close().ok());
  CHECK_FALSE(std::filesystem::exists(dir.file("d.jsonl")));
  CHECK(clean.count() == 0);
}

TEST_CASE("dead-letter writer writes one escaped JSON object per record") {
  ScratchDir dir("dlq2");
  WriteFile(dir.file("d.jsonl"), "left by an earlier run\n");
  DeadLetterWriter w(dir.file("d.jsonl"));
  REQUIRE(w.Write({{"in.csv", 7, "bad \"thing\"", "a,b\tc"}}).ok());
  REQUIRE(w.Write({{"in.csv", 9, "x", "multi\nline\x02"}, {"in.csv", 10, "y", ""}}).ok());
  REQUIRE(w.Close().ok());
  CHECK(w.count() == 3);
  CHECK(w.path() == dir.file("d.jsonl"));
  CHECK(ReadFile(dir.file("d.jsonl")) ==
        "{\"source\":\"in.csv\",\"line\":7,\"reason\":\"bad \\\"thing\\\"\",\"raw\":\"a,b\\tc\"}\n"
        "{\"source\":\"in.csv\",\"line\":9,\"reason\":\"x\",\"raw\":\"multi\\nline\\u0002\"}\n"
        "{\"source\":\"in.csv\",\"line\":10,\"reason\":\"y\",\"raw\":\"\"}\n");
}

TEST_CASE("dead-letter lines of binary input are valid JSON") {
  ScratchDir dir("dlq4");
  DeadLetterWriter w(dir.file("d.jsonl"));
  const std::string raw("\xff\xfe\x00\x80ok\xc3", 7);
  REQUIRE(w.Write({{"in.csv", 3, "expected 2 fields, found 1", raw}}).ok());
  REQUIRE(w.Close().ok());
  CHECK(ReadFile(dir.file("d.jsonl")) ==
        "{\"source\":\"in.csv\",\"line\":3,\"reason\":\"expected 2 fields, found 1\","
        "\"raw\":\"\xEF\xBF\xBD\xEF\xBF\xBD\\u0000\xEF\xBF\xBDok\xEF\xBF\xBD\"}\n");
}

TEST_CASE("dead-letter writer fails when its file cannot be created") {
  ScratchDir dir("dlq3");
  DeadLetterWriter w(dir.file("no/d.jsonl"));
  CHECK(w.Write({}).ok());  // nothing to write, nothing created
  Status s = w.Write({{"in.csv", 1, "r", "raw"}});
  CHECK(s.IsIOError());
  CHECK(s.message().find(dir.file("no/d.jsonl")) != std::string::npos);
}

TEST_CASE("dead-letter writer refuses to resume when committed records were overwritten") {
  ScratchDir dir("dlq5");
  std::string state;
  {
    DeadLetterWriter w(dir.file("d.jsonl"));
    REQUIRE(w.Write({{"in.csv", 1, "r", "one"}, {"in.csv", 2, "r", "two"}}).ok());
    REQUIRE(w.Sync(&state).ok());
    REQUIRE(w.Write({{"in.csv", 3, "r", "three"}}).ok());  // after the checkpoint
    REQUIRE(w.Close().ok());
  }
  {
    DeadLetterWriter w(dir.file("d.jsonl"));
    REQUIRE(w.Resume(state).ok());  // intact: cut back to the two committed records
    REQUIRE(w.Write({{"in.csv", 3, "r", "three"}}).ok());
    std::string again;
    REQUIRE(w.Sync(&again).ok());
    REQUIRE(w.Close().ok());
    DeadLetterWriter v(dir.file("d.jsonl"));
    CHECK(v.Resume(again).ok());  // the checksum goes on across the resume
  }
  std::string text = ReadFile(dir.file("d.jsonl"));
  text[20] = '#';
  WriteFile(dir.file("d.jsonl"), text);
  DeadLetterWriter w(dir.file("d.jsonl"));
  Status s = w.Resume(state);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("cannot resume: the ") == 0);
  CHECK(s.message().find(" bytes of dead-letter file '" + dir.file("d.jsonl") +
                         "' that the checkpoint committed were changed since") !=
        std::string::npos);
}
