// The registry of operator types (operators/operator_types.h) against what reads it: one entry
// per OpKind, each name and key accepted by the pipeline-file loader, each key documented in
// docs/pipelines.md, and each definition line starting with the type's name.
#include "operators/operator_types.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pipelines/toml_errors.h"
#include "toml_edit_util.h"

using namespace sluice;

namespace {

// A pipeline file around one [[operator]] table holding `body` (type, kind, keys).
std::string OneOperator(const std::string& body) {
  return "[source]\ntype = \"generator\"\n\n[[operator]]\n" + body + "\n[sink]\ntype = \"null\"\n";
}

// `type = "..."` and, for a type with kinds, `kind = "..."` (the first kind unless given).
std::string TypeLines(const OperatorType& type, const std::string& kind = "") {
  std::string out = "type = \"" + type.name + "\"\n";
  if (!type.kinds.empty()) out += "kind = \"" + (kind.empty() ? type.kinds[0] : kind) + "\"\n";
  return out;
}

std::string ErrorOf(const std::string& text) { return testing::LoadError(text, "p.toml"); }

std::string ReadDoc(const std::string& name) {
  std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/docs/" + name);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The text of the section headed "### <title>" of `doc`, up to the next heading ("" when none).
std::string Section(const std::string& doc, const std::string& title) {
  const std::string head = "\n### " + title + "\n";
  const size_t at = doc.find(head);
  if (at == std::string::npos) return "";
  const size_t end = doc.find("\n#", at + head.size());
  return doc.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// Every key of `type`: those of all its kinds and those of some.
std::vector<std::string> AllKeys(const OperatorType& type) {
  std::vector<std::string> keys = type.keys;
  for (const auto& [key, kinds] : type.kind_keys) keys.push_back(key);
  return keys;
}

}  // namespace

TEST_CASE("operator types: one entry per OpKind, in OpKind order, with distinct names") {
  const std::vector<OperatorType>& types = OperatorTypes();
  REQUIRE(types.size() == kOperatorKinds);
  std::set<std::string> names;
  for (size_t i = 0; i < kOperatorKinds; ++i) {
    const OpKind kind = static_cast<OpKind>(i);
    int entries = 0;
    for (const OperatorType& t : types) entries += t.kind == kind;
    CHECK(entries == 1);
    const OperatorType& t = OperatorTypeOf(kind);
    CHECK(t.kind == kind);
    CHECK(&t == &types[i]);
    CHECK(FindOperatorType(t.name) == &t);
    CHECK(names.insert(t.name).second);
    CHECK(static_cast<bool>(t.describe));
    CHECK(t.min_inputs >= 1);
    CHECK((t.max_inputs == 0 || t.max_inputs >= t.min_inputs));
    for (const auto& [key, kinds] : t.kind_keys) {
      INFO(t.name << " " << key);
      for (const std::string& k : kinds) {
        CHECK(std::find(t.kinds.begin(), t.kinds.end(), k) != t.kinds.end());
      }
    }
  }
  CHECK(FindOperatorType("windw") == nullptr);
  CHECK(OperatorTypeNames().size() == kOperatorKinds);
}

TEST_CASE("operator types: the loader reads each type's table as that type") {
  for (const OperatorType& type : OperatorTypes()) {
    INFO(type.name);
    // Required keys are missing, so the table is refused, but as a table of this type (a type
    // without required keys loads).
    const std::string e = ErrorOf(OneOperator(TypeLines(type)));
    CHECK((e.empty() || e.find("[[operator]] #1 (" + type.name + ")") != std::string::npos));
    CHECK(e.find("unknown operator type") == std::string::npos);
  }
  CHECK(ErrorOf(OneOperator("type = \"windw\"")) ==
        "p.toml:5:8: unknown operator type 'windw' (expected " + JoinNames(OperatorTypeNames()) +
            ")");
}

TEST_CASE("operator types: the loader accepts each type's keys and refuses others") {
  for (const OperatorType& type : OperatorTypes()) {
    for (const std::string& key : AllKeys(type)) {
      if (key == "kind") continue;  // TypeLines writes it
      std::string kind;
      for (const auto& [owned, kinds] : type.kind_keys) {
        if (owned == key) kind = kinds[0];
      }
      INFO(type.name << " " << key << " " << kind);
      // The value, an integer, is wrong for every key: the error, if about this key, is about
      // its value.
      const std::string e = ErrorOf(OneOperator(TypeLines(type, kind) + key + " = 0\n"));
      CHECK(e.find("unknown key '" + key + "'") == std::string::npos);
      CHECK(e.find("'" + key + "' does not apply") == std::string::npos);
    }
    INFO(type.name);
    CHECK(ErrorOf(OneOperator(TypeLines(type) + "zzz_not_a_key = 0\n"))
              .find("unknown key 'zzz_not_a_key'") != std::string::npos);
  }
}

TEST_CASE("operator types: docs/pipelines.md documents each type, its keys and kinds") {
  const std::string doc = ReadDoc("pipelines.md");
  for (const OperatorType& type : OperatorTypes()) {
    INFO(type.name);
    const std::string section = Section(doc, type.name);
    REQUIRE(!section.empty());
    for (const std::string& key : AllKeys(type)) {
      INFO(key);
      CHECK(section.find("`" + key + "`") != std::string::npos);
    }
    for (const std::string& kind : type.kinds) {
      INFO(kind);
      CHECK(section.find("\"" + kind + "\"") != std::string::npos);
    }
    if (type.several_inputs()) CHECK(section.find("`inputs`") != std::string::npos);
  }
  // The graph keys every operator takes.
  const std::string graph = Section(doc, "Names and inputs");
  for (const char* key : {"name", "input", "inputs"}) {
    CHECK(graph.find(std::string("`") + key + "`") != std::string::npos);
  }
}

TEST_CASE("operator types: a definition line starts with the type's name") {
  for (const OperatorType& type : OperatorTypes()) {
    OperatorSpec op;
    op.kind = type.kind;
    const std::string line = type.describe(op);
    INFO(type.name << ": " << line);
    CHECK(line.rfind(type.name, 0) == 0);
    CHECK((line.size() == type.name.size() || line[type.name.size()] == ' '));
  }
}
