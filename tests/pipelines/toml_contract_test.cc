// The contract pipeline file (tests/data/pipelines/clicks.toml) loads into exactly the expected
// PipelineSpec: every field, the schema's written order, and every recorded position.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pipelines/toml_loader.h"

using namespace sluice;

namespace {

const std::string kContractPath =
    std::string(SLUICE_SOURCE_DIR) + "/tests/data/pipelines/clicks.toml";

void CheckLoc(const SourceLoc& loc, const std::string& file, int line, int column) {
  CHECK(loc.file == file);
  CHECK(loc.line == line);
  CHECK(loc.column == column);
}

}  // namespace

TEST_CASE("contract file: pipeline table") {
  auto r = LoadPipelineFile(kContractPath);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  const PipelineSpec& p = *r;
  CHECK(p.name == "clicks-per-user");
  CHECK(p.file == kContractPath);
  CHECK(p.parallelism == 2);
  CHECK(p.batch_size == 0);  // not given: the engine's default
  CHECK(p.dead_letter_path == "clicks.dlq.jsonl");
  CHECK(p.late_path.empty());
  CheckLoc(p.loc, kContractPath, 1, 1);
}

TEST_CASE("contract file: source table with schema in written order") {
  auto r = LoadPipelineFile(kContractPath);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  const SourceSpec& s = r->source;
  CHECK(s.type == "csv");
  CHECK(s.path == "clicks.csv");
  // Written user, ts, amount: not the alphabetical order toml++ keeps its tables in.
  const std::vector<Field> expected = {{"user", Type::kString, TimeUnit::kMicros},
                                       {"ts", Type::kTimestamp, TimeUnit::kMillis},
                                       {"amount", Type::kDouble, TimeUnit::kMicros}};
  CHECK(s.schema.fields() == expected);
  CHECK(s.event_time == "ts");
  CHECK(s.max_out_of_orderness == 2'000'000);
  CHECK(s.delimiter == ',');
  CHECK(s.events == 0);
  CHECK(s.keys == 1);
  CHECK(s.stream.empty());
  CHECK(s.types.empty());
  CHECK(s.from == "beginning");
  CHECK_FALSE(s.follow);
  CheckLoc(s.loc, kContractPath, 6, 1);
}

TEST_CASE("contract file: filter operator points at its where text") {
  auto r = LoadPipelineFile(kContractPath);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->operators.size() == 3);
  const OperatorSpec& f = r->operators[0];
  CHECK(f.kind == OpKind::kFilter);
  CHECK(f.where == "amount > 0");
  CHECK_FALSE(f.predicate);
  CHECK(f.set.empty());
  CHECK(f.keep.empty());
  CHECK(f.fields.empty());
  CHECK(f.aggregates.empty());
  CheckLoc(f.loc, kContractPath, 15, 10);  // `where = "amount > 0"`: 'a' is column 10
}

TEST_CASE("contract file: key_by operator") {
  auto r = LoadPipelineFile(kContractPath);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->operators.size() == 3);
  const OperatorSpec& k = r->operators[1];
  CHECK(k.kind == OpKind::kKeyBy);
  CHECK(k.fields == std::vector<std::string>{"user"});
  CHECK(k.where.empty());
  CHECK(k.aggregates.empty());
  CheckLoc(k.loc, kContractPath, 17, 1);
}

TEST_CASE("contract file: tumbling window with aggregate positions") {
  auto r = LoadPipelineFile(kContractPath);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->operators.size() == 3);
  const OperatorSpec& w = r->operators[2];
  CHECK(w.kind == OpKind::kWindow);
  CHECK(w.window == WindowKind::kTumbling);
  CHECK(w.size == 10'000'000);
  CHECK(w.slide == 0);
  CHECK(w.gap == 0);
  CHECK(w.allowed_lateness == 0);
  CheckLoc(w.loc, kContractPath, 21, 1);
  REQUIRE(w.aggregates.size() == 3);
  const char* texts[] = {"count() as n", "sum(amount) as total", "avg(amount) as mean"};
  const int columns[] = {16, 32, 56};
  for (size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(w.aggregates[i].text == texts[i]);
    // The planner parses the text; the loader leaves the parsed parts empty.
    CHECK(w.aggregates[i].func.empty());
    CHECK(w.aggregates[i].arg.empty());
    CHECK(w.aggregates[i].alias.empty());
    CheckLoc(w.aggregates[i].loc, kContractPath, 26, columns[i]);
  }
}

TEST_CASE("contract file: sink table") {
  auto r = LoadPipelineFile(kContractPath);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  const SinkSpec& k = r->sink;
  CHECK(k.type == "csv");
  CHECK(k.path == "clicks_per_user.csv");
  CHECK(k.format.empty());
  CHECK(k.stream.empty());
  CHECK(k.event_type.empty());
  CHECK(k.collector == nullptr);
  CheckLoc(k.loc, kContractPath, 28, 1);
}

TEST_CASE("contract file: loading from a string names the given file") {
  auto from_file = LoadPipelineFile(kContractPath);
  REQUIRE(from_file.ok());
  std::FILE* f = std::fopen(kContractPath.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::string text(8192, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  auto r = LoadPipelineString(text, "clicks.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->file == "clicks.toml");
  CheckLoc(r->loc, "clicks.toml", 1, 1);
  CheckLoc(r->operators[0].loc, "clicks.toml", 15, 10);
  CHECK(r->source.schema == from_file->source.schema);
}
