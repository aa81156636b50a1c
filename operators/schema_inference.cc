#include "operators/schema_inference.h"

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "base/time_util.h"
#include "codecs/csv.h"
#include "operators/record_parse.h"

namespace sluice {
namespace {

// Kinds of values seen in one field, as bits.
enum Kind : uint8_t { kBool = 1, kInt = 2, kDouble = 4, kTime = 8, kText = 16 };

uint8_t ClassifyText(std::string_view text) {
  const std::string_view t = TrimSpaces(text);
  int64_t i;
  double d;
  if (EqualsNoCase(t, "true") || EqualsNoCase(t, "false")) return kBool;
  if (ParseInt64Text(t, &i)) return kInt;
  if (ParseDoubleText(t, &d)) return kDouble;
  if (ParseTimestamp(t, TimeUnit::kIso, &i)) return kTime;
  return kText;
}

Field FieldOf(std::string name, uint8_t kinds) {
  Field f{std::move(name), Type::kString, TimeUnit::kMicros};
  switch (kinds) {
    case kBool:
      f.type = Type::kBool;
      break;
    case kInt:
      f.type = Type::kInt64;
      break;
    case kDouble:
    case kInt | kDouble:
      f.type = Type::kDouble;
      break;
    case kTime:
      f.type = Type::kTimestamp, f.unit = TimeUnit::kIso;
      break;
    default:
      break;
  }
  return f;
}

// The sample without a last record cut short (unless it is the whole input).
std::string_view Complete(std::string_view sample, bool at_eof) {
  if (at_eof) return sample;
  const size_t nl = sample.rfind('\n');
  return nl == std::string_view::npos ? std::string_view() : sample.substr(0, nl + 1);
}

}  // namespace

Result<InferredSchema> InferCsvSchema(std::string_view sample, bool at_eof, size_t max_records,
                                      char delim) {
  std::string_view data = Complete(sample, at_eof);
  CsvRecord rec;
  std::vector<std::string> names;
  std::vector<uint8_t> kinds;
  InferredSchema out;
  std::string unescaped;
  bool header = true;
  while (out.records < max_records) {
    if (ScanCsvRecord(data, delim, /*at_eof=*/true, &rec) != CsvScan::kRecord) break;
    data.remove_prefix(rec.consumed);
    if (header) {
      if (rec.raw.empty()) continue;  // blank lines before the header
      if (!rec.error.empty()) {
        return Status::InvalidArgument(fmt::format("the CSV header is malformed: {}", rec.error));
      }
      for (const CsvField& f : rec.fields) {
        unescaped.clear();
        if (f.escaped) {
          AppendCsvUnescaped(f.text, &unescaped);
        } else {
          unescaped.assign(f.text);
        }
        std::string name(TrimSpaces(unescaped));
        if (name.empty()) {
          return Status::InvalidArgument(
              fmt::format("the CSV header has an empty name (column {})", names.size() + 1));
        }
        for (const std::string& n : names) {
          if (n == name) {
            return Status::InvalidArgument(
                fmt::format("the CSV header names column '{}' twice", name));
          }
        }
        names.push_back(std::move(name));
      }
      kinds.assign(names.size(), 0);
      header = false;
      continue;
    }
    if (rec.raw.empty()) continue;
    ++out.records;
    if (!rec.error.empty() || rec.fields.size() != names.size()) continue;
    for (size_t c = 0; c < names.size(); ++c) {
      if (TrimSpaces(rec.fields[c].text).empty()) continue;
      kinds[c] |= rec.fields[c].escaped ? kText : ClassifyText(rec.fields[c].text);
    }
  }
  if (header) return Status::InvalidArgument("the CSV input has no header line to name fields");
  std::vector<Field> fields;
  for (size_t c = 0; c < names.size(); ++c) fields.push_back(FieldOf(names[c], kinds[c]));
  out.schema = Schema(std::move(fields));
  return out;
}

Result<InferredSchema> InferJsonlSchema(std::string_view sample, bool at_eof, size_t max_records) {
  std::string_view data = Complete(sample, at_eof);
  std::vector<std::string> names;
  std::vector<uint8_t> kinds;
  absl::flat_hash_map<std::string, size_t> index;
  simdjson::dom::parser parser;
  InferredSchema out;
  size_t objects = 0;
  while (!data.empty() && out.records < max_records) {
    size_t nl = data.find('\n');
    std::string_view line = data.substr(0, nl);
    data.remove_prefix(nl == std::string_view::npos ? data.size() : nl + 1);
    if (TrimSpaces(line).empty()) continue;
    ++out.records;
    simdjson::dom::object obj;
    if (parser.parse(line.data(), line.size()).get(obj) != simdjson::SUCCESS) continue;
    ++objects;
    for (auto [key, value] : obj) {
      auto [it, added] = index.try_emplace(std::string(key), names.size());
      if (added) {
        names.emplace_back(key);
        kinds.push_back(0);
      }
      uint8_t& k = kinds[it->second];
      switch (value.type()) {
        case simdjson::dom::element_type::NULL_VALUE:
          break;
        case simdjson::dom::element_type::BOOL:
          k |= kBool;
          break;
        case simdjson::dom::element_type::INT64:
          k |= kInt;
          break;
        case simdjson::dom::element_type::UINT64:
        case simdjson::dom::element_type::DOUBLE:
          k |= kDouble;
          break;
        case simdjson::dom::element_type::STRING: {
          std::string_view s = value.get_string().value_unsafe();
          int64_t us;
          k |= ParseTimestamp(s, TimeUnit::kIso, &us) ? kTime : kText;
          break;
        }
        default:
          k |= kText;
          break;
      }
    }
  }
  if (objects == 0) {
    return Status::InvalidArgument("the JSON-lines input has no object to take field names from");
  }
  std::vector<Field> fields;
  for (size_t c = 0; c < names.size(); ++c) fields.push_back(FieldOf(names[c], kinds[c]));
  out.schema = Schema(std::move(fields));
  return out;
}

}  // namespace sluice
