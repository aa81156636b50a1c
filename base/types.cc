#include "base/types.h"

#include <fmt/format.h>

namespace sluice {

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kInt64: return "int64";
    case Type::kDouble: return "double";
    case Type::kBool: return "bool";
    case Type::kString: return "string";
    case Type::kTimestamp: return "timestamp";
  }
  return "?";
}

std::string TypeName(const Field& f) {
  if (f.type != Type::kTimestamp) return std::string(TypeName(f.type));
  switch (f.unit) {
    case TimeUnit::kSeconds: return "timestamp_s";
    case TimeUnit::kMillis: return "timestamp_ms";
    case TimeUnit::kMicros: return "timestamp_us";
    case TimeUnit::kIso: return "timestamp";
  }
  return "timestamp";
}

Result<Field> ParseFieldType(std::string_view name, std::string_view t) {
  Field f;
  f.name = std::string(name);
  if (t == "int64" || t == "int" || t == "long") {
    f.type = Type::kInt64;
  } else if (t == "double" || t == "float") {
    f.type = Type::kDouble;
  } else if (t == "bool" || t == "boolean") {
    f.type = Type::kBool;
  } else if (t == "string" || t == "str") {
    f.type = Type::kString;
  } else if (t == "timestamp_ms") {
    f.type = Type::kTimestamp, f.unit = TimeUnit::kMillis;
  } else if (t == "timestamp_us") {
    f.type = Type::kTimestamp, f.unit = TimeUnit::kMicros;
  } else if (t == "timestamp_s") {
    f.type = Type::kTimestamp, f.unit = TimeUnit::kSeconds;
  } else if (t == "timestamp") {
    f.type = Type::kTimestamp, f.unit = TimeUnit::kIso;
  } else {
    return Status::InvalidArgument(fmt::format(
        "field '{}' has unknown type '{}' (expected one of: int64, double, bool, string, "
        "timestamp, timestamp_s, timestamp_ms, timestamp_us)",
        name, t));
  }
  return f;
}

int64_t MicrosPerUnit(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSeconds: return 1'000'000;
    case TimeUnit::kMillis: return 1'000;
    case TimeUnit::kMicros:
    case TimeUnit::kIso: return 1;
  }
  return 1;
}

bool IsNumeric(Type t) { return t == Type::kInt64 || t == Type::kDouble || t == Type::kTimestamp; }

int Schema::IndexOf(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int Schema::AddOrReplace(Field f) {
  int i = IndexOf(f.name);
  if (i >= 0) {
    fields_[i] = std::move(f);
    return i;
  }
  fields_.push_back(std::move(f));
  return static_cast<int>(fields_.size() - 1);
}

std::string Schema::ToString() const {
  std::string out;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i) out += ", ";
    out += fields_[i].name;
    out += ':';
    out += TypeName(fields_[i]);
  }
  return out;
}

std::string Value::ToString() const {
  if (null) return "";
  switch (type) {
    case Type::kInt64:
    case Type::kTimestamp: return fmt::format("{}", i);
    case Type::kDouble: return fmt::format("{}", d);
    case Type::kBool: return i ? "true" : "false";
    case Type::kString: return s;
  }
  return "";
}

bool Value::operator==(const Value& o) const {
  if (null || o.null) return null == o.null;
  if (type == Type::kString || o.type == Type::kString) return type == o.type && s == o.s;
  if (type == Type::kDouble || o.type == Type::kDouble) {
    double a = type == Type::kDouble ? d : static_cast<double>(i);
    double b = o.type == Type::kDouble ? o.d : static_cast<double>(o.i);
    return a == b;
  }
  return i == o.i;
}

}  // namespace sluice
