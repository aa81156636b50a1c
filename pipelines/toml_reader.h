// TomlReader: typed, position-reporting access to the tables of one parsed pipeline file.
//
// Each getter checks one key's shape and, when it is wrong, returns InvalidArgument
// "FILE:LINE:COL: message" at the offending key or value, saying what is accepted. Used by the
// loader (toml_loader.cc) and the operator reader (toml_operators.cc); not a public API.
// Thread-compatible; the document text must remain live while the reader is used.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "pipelines/toml_text.h"
#include "sluice/pipeline_spec.h"

namespace sluice {

// A table being read, and how messages name it: "[source] of type \"csv\"", "[[operator]] #2".
struct Table {
  const toml::table* table;
  const toml::node* node;  // where "needs 'key'" errors point: the table's header
  std::string what;
};

// Keys that only some types of a table accept: key -> the types that accept it, in order.
using KeyOwners = std::vector<std::pair<std::string, std::vector<std::string>>>;

bool Contains(const std::vector<std::string>& names, std::string_view name);

class TomlReader {
 public:
  TomlReader(std::string file, std::string_view doc) : file_(std::move(file)), text_(doc) {}

  const std::string& file() const { return file_; }

  SourceLoc Loc(const toml::source_position& at) const {
    return SourceLoc{file_, static_cast<int>(at.line), static_cast<int>(at.column)};
  }
  // Position of byte `offset` of a string value's text (offset 0: just inside the quotes).
  SourceLoc TextLoc(const toml::node& str, size_t offset) const;

  Status Error(const toml::source_position& at, const std::string& msg) const {
    return Status::InvalidArgument(Loc(at).Prefix() + msg);
  }
  Status Error(const toml::node& n, const std::string& msg) const {
    return Error(n.source().begin, msg);
  }
  // "<what> needs '<key>'" at the table's header.
  Status Missing(const Table& t, const char* key) const;

  // Accepts the `common` keys and, of the `owned` ones, those whose owners include `type`;
  // any other key is an error (with a suggestion for a likely typo). `unlisted` keys are accepted
  // too and suggested for typos, but not listed in the "expected ..." of the message (the graph
  // keys name/input/inputs, which every table of its kind takes, are kept out of it so that
  // the messages about the keys of one type stay short and as they were).
  Status CheckKeys(const Table& t, const std::vector<std::string>& common, const KeyOwners& owned,
                   const std::string& type, const std::vector<std::string>& unlisted = {}) const;
  // A non-empty string. Leaves *out alone when the key is absent and not required.
  Status GetString(const Table& t, const char* key, std::string* out, bool required) const;
  // true or false. Leaves *out alone when the key is absent.
  Status GetBool(const Table& t, const char* key, bool* out) const;
  // An integer from `min` to `max`. Leaves *out alone when the key is absent and not required.
  Status GetInt(const Table& t, const char* key, int64_t min, int64_t max, int64_t* out,
                bool required) const;
  // A duration string (ParseDuration) in microseconds; `positive` refuses zero.
  Status GetDuration(const Table& t, const char* key, int64_t* out, bool required,
                     bool positive) const;
  // A duration string that may start with '-' ("-5s"), in microseconds.
  Status GetSignedDuration(const Table& t, const char* key, int64_t* out, bool required) const;
  // A name other tables refer to (`name`, of a source or an operator): letters, digits and '_',
  // not starting with a digit. Leaves *out alone when the key is absent.
  Status GetName(const Table& t, const char* key, std::string* out) const;
  // A non-empty array of non-empty strings; appends the string nodes to *out.
  Status GetStrings(const Table& t, const char* key, std::vector<const toml::node*>* out,
                    bool required) const;
  // A required string naming one of `choices`; `noun` names it in messages ("source type").
  Status GetOneOf(const Table& t, const char* key, const std::vector<std::string>& choices,
                  const char* noun, std::string* out) const;
  // A schema table of `field = "type"` entries (a source's, a lookup table's), its fields in the
  // order they are written.
  Status ReadSchema(const toml::node& n, Schema* schema) const;

 private:
  std::string file_;
  TomlText text_;
};

}  // namespace sluice
