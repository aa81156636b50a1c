// `sluice bench`: throughput runs with their hand-written loops (result counts must match),
// latency runs with percentiles, the JSON document and the report directory, and its errors.
// Figures themselves are never checked (no timing assertions): only that they are present.
#include <doctest/doctest.h>

#include <string>

#include "../runtime/test_util.h"
#include "cli_util.h"

using sluice::testing::Outcome;
using sluice::testing::ReadFile;
using sluice::testing::ScratchDir;
using sluice::testing::Sluice;
using sluice::testing::WriteFile;

namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("sluice bench nexmark: throughput beside the hand-written loops, JSON and report") {
  ScratchDir dir("bench-nexmark");
  Outcome o = Sluice(
      "bench nexmark -q --queries q0,q1,q2 --events 30000 -p 2 --json b.json "
      "--report rep",
      dir.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  CHECK(o.output.find("query") != std::string::npos);
  CHECK(o.output.find("MISMATCH") == std::string::npos);
  const std::string json = ReadFile(dir.file("b.json"));
  CHECK(json.find("\"machine\":{\"cpu\":") != std::string::npos);
  CHECK(Count(json, "\"mode\":\"throughput\"") == 3);
  CHECK(Count(json, "\"matches\":true") == 3);
  CHECK(json.find("\"events\":30000") != std::string::npos);
  for (const char* f : {"index.html", "throughput.svg", "latency.svg", "bench.json"}) {
    CAPTURE(f);
    CHECK(!ReadFile(dir.file(std::string("rep/") + f)).empty());
  }
  CHECK(ReadFile(dir.file("rep/throughput.svg")).rfind("<svg", 0) == 0);
  CHECK(Count(ReadFile(dir.file("rep/throughput.svg")), "<rect") == 6);  // 3 queries, 3 loops
  CHECK(ReadFile(dir.file("rep/index.html")).find("http") == std::string::npos);  // no fetches
}

TEST_CASE("sluice bench nexmark --rate: latency percentiles of every result") {
  ScratchDir dir("bench-latency");
  Outcome o = Sluice(
      "bench nexmark -q --queries q0 --rate 20000,40k --seconds 0.3 --json l.json "
      "--report rep",
      dir.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  const std::string json = ReadFile(dir.file("l.json"));
  CHECK(Count(json, "\"mode\":\"latency\"") == 2);
  CHECK(Count(json, "\"mode\":\"throughput\"") == 0);  // absolute rates need no throughput run
  CHECK(json.find("\"rate\":20000") != std::string::npos);
  CHECK(json.find("\"rate\":40000") != std::string::npos);
  CHECK(json.find("\"p99.9\":") != std::string::npos);
  CHECK(json.find("\"count\":0,") == std::string::npos);                  // every run saw results
  CHECK(Count(ReadFile(dir.file("rep/latency.svg")), "<polyline") == 2);  // p50 and p99
  // A share of the measured throughput runs a throughput pass first.
  o = Sluice(
      "bench nexmark -q --queries q2 --events 20000 --rate 5% --seconds 0.2 --json s.json "
      "--markdown s.md",
      dir.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  const std::string shares = ReadFile(dir.file("s.json"));
  CHECK(Count(shares, "\"mode\":\"throughput\"") == 1);
  CHECK(Count(shares, "\"mode\":\"latency\"") == 1);
  // The same figures as Markdown tables for the docs: the machine and date, one row per run.
  const std::string md = ReadFile(dir.file("s.md"));
  CHECK(md.rfind("Measured 20", 0) == 0);
  CHECK(Count(md, "\n| q2 | ") == 2);
  CHECK(md.find("| 5% |") != std::string::npos);
}

TEST_CASE(
    "sluice bench nexmark --rate: windows that only the input's end closed are not measured") {
  ScratchDir dir("bench-latency-windows");
  // q5 with windows ending every 50 ms over 0.6 s of paced input: the windows that closed while
  // events flowed are measured; those open at the end are counted apart.
  Outcome o = Sluice(
      "bench nexmark -q --queries q5 --var size=200ms --var slide=50ms "
      "--rate 50000 --seconds 0.6 --json w.json",
      dir.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  const std::string json = ReadFile(dir.file("w.json"));
  CHECK(json.find("\"count\":0,") == std::string::npos);
  CHECK(json.find("\"at_end\":0,") == std::string::npos);
  CHECK(json.find("\"at_end\":") != std::string::npos);
}

TEST_CASE("sluice bench pipeline runs any pipeline file with null sinks") {
  ScratchDir dir("bench-pipeline");
  WriteFile(dir.file("p.toml"),
            "[source]\ntype = \"generator\"\nevents = 1000\nkeys = 10\n"
            "[[operator]]\ntype = \"key_by\"\nfields = [\"key\"]\n"
            "[[operator]]\ntype = \"window\"\nkind = \"tumbling\"\nsize = \"1ms\"\n"
            "aggregates = [\"count() as n\"]\n"
            "[sink]\ntype = \"csv\"\npath = \"must-not-appear.csv\"\n");
  Outcome o = Sluice("bench pipeline p.toml -q --events 50000 --json p.json", dir.file(""));
  INFO(o.output);
  REQUIRE(o.code == 0);
  CHECK(ReadFile(dir.file("p.json")).find("\"events\":50000") != std::string::npos);
  CHECK(!std::filesystem::exists(dir.file("must-not-appear.csv")));
  o = Sluice("bench pipeline p.toml -q --rate 1000", dir.file(""));
  CHECK(o.code != 0);
  CHECK(o.output.find("--rate needs a nexmark source") != std::string::npos);
}

TEST_CASE("sluice bench errors") {
  ScratchDir dir("bench-errors");
  Outcome o = Sluice("bench nexmark --queries q0 --rate fast", dir.file(""));
  CHECK(o.code != 0);
  CHECK(o.output.find("--rate 'fast': write events per second") != std::string::npos);
  o = Sluice("bench nexmark --queries q99", dir.file(""));
  CHECK(o.code != 0);
  CHECK(o.output.find("q99") != std::string::npos);
  o = Sluice("bench nexmark --queries q0 --var input=/tmp", dir.file(""));
  CHECK(o.code != 0);
  CHECK(o.output.find("runs on the generator") != std::string::npos);
  o = Sluice("bench nexmark --query-dir /nonexistent", dir.file(""));
  CHECK(o.code != 0);
  CHECK(o.output.find("no Nexmark query files") != std::string::npos);
  o = Sluice("bench --help");
  CHECK(o.code == 0);
  CHECK(o.output.find("nexmark") != std::string::npos);
}
