#include "operators/jsonl_source.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "codecs/state_codec.h"

namespace sluice {

static_assert(BlockReader::kPadding >= kJsonPadding, "lines are parsed in place");

namespace {

constexpr uint32_t kPositionVersion = 1;

Status DecodePosition(std::string_view in, uint64_t* offset, uint64_t* next_line) {
  StateReader r(in, "jsonl source position");
  uint32_t version = 0;
  r.ReadHeader(kStateJsonlSource, kPositionVersion, &version);
  *offset = r.Varint();
  *next_line = r.Varint();
  r.ExpectEnd();
  if (r.ok() && *next_line == 0) r.Fail("has line number 0");
  return r.status();
}

std::vector<std::string> FieldNames(const Schema& schema) {
  std::vector<std::string> names;
  for (const Field& f : schema.fields()) names.push_back(f.name);
  return names;
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

std::string Mismatch(const Field& field, const JsonValue& v) {
  return fmt::format("field '{}': expected {}, found {}", field.name, TypeName(field),
                     JsonKindName(v.kind));
}

// A JSON number as an exact int64 (an integer, or a double without fraction in range).
bool ExactInt(const JsonValue& v, int64_t* out) {
  if (v.kind == JsonKind::kInt64) {
    *out = v.i;
    return true;
  }
  if (v.kind == JsonKind::kDouble && std::trunc(v.d) == v.d && v.d >= -9223372036854775808.0 &&
      v.d < 9223372036854775808.0) {
    *out = static_cast<int64_t>(v.d);
    return true;
  }
  return false;
}

}  // namespace

JsonlSource::JsonlSource(const SourceSpec& spec, SourceOptions options)
    : path_(spec.path),
      options_(std::move(options)),
      reader_(spec.path),
      json_(FieldNames(options_.schema)),
      values_(options_.schema.size()) {}

Status JsonlSource::Open() { return reader_.Open(); }

bool JsonlSource::Convert(const JsonValue& in, const Field& field, FieldValue* out,
                          std::string* reason) {
  out->null = false;
  switch (field.type) {
    case Type::kString:
      if (in.kind != JsonKind::kString) break;
      out->s = in.s;
      return true;
    case Type::kBool:
      if (in.kind != JsonKind::kBool) break;
      out->i = in.b;
      return true;
    case Type::kInt64:
      if (!ExactInt(in, &out->i)) break;
      return true;
    case Type::kDouble:
      if (in.kind != JsonKind::kInt64 && in.kind != JsonKind::kUint64 &&
          in.kind != JsonKind::kDouble) {
        break;
      }
      out->d = in.d;
      return true;
    case Type::kTimestamp:
      if (ExactInt(in, &out->i)) return true;
      if (in.kind != JsonKind::kString) break;
      if (ParseTimestamp(in.s, field.unit, &out->i)) return true;
      *reason = NotATypeReason(field, in.s);
      return false;
  }
  *reason = Mismatch(field, in);
  return false;
}

bool JsonlSource::AddRow(std::string_view text, uint64_t line, Batch* batch) {
  auto reject = [&](std::string reason) {
    batch->dead_letters.push_back(
        DeadLetter{options_.name, line, std::move(reason), std::string(text)});
    return false;
  };
  if (!json_.Parse(text, &reason_)) return reject(std::move(reason_));
  const Schema& schema = options_.schema;
  const int et = options_.event_time_index;
  const std::vector<JsonValue>& in = json_.values();
  for (size_t c = 0; c < values_.size(); ++c) {
    if (in[c].kind == JsonKind::kMissing || in[c].kind == JsonKind::kNull) {
      if (static_cast<int>(c) == et) {
        return reject(fmt::format("missing event time '{}'", schema.field(c).name));
      }
      values_[c].null = true;
      continue;
    }
    if (!Convert(in[c], schema.field(c), &values_[c], &reason_)) return reject(std::move(reason_));
  }
  TimeUs ts = 0;
  if (et >= 0 && !EventMicros(values_[et], schema.field(et), &ts, &reason_)) {
    return reject(std::move(reason_));
  }
  for (size_t c = 0; c < values_.size(); ++c) {
    AppendFieldValue(values_[c], schema.field(c).type, &batch->columns[c]);
  }
  batch->ts.push_back(ts);
  return true;
}

Status JsonlSource::Next(Batch* batch, bool* eof) {
  *eof = false;
  size_t rows = 0;
  while (rows < options_.batch_size) {
    std::string_view data = reader_.data();
    const void* nl = std::memchr(data.data(), '\n', data.size());
    if (nl == nullptr && !reader_.eof()) {
      SLUICE_RETURN_IF_ERROR(reader_.Fill());
      continue;
    }
    if (data.empty()) {
      *eof = true;
      break;
    }
    size_t len = nl ? static_cast<const char*>(nl) - data.data() : data.size();
    std::string_view text = data.substr(0, len);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    const uint64_t line = next_line_++;
    if (line == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // byte order mark
    if (!IsBlank(text) && AddRow(text, line, batch)) ++rows;
    reader_.Consume(nl ? len + 1 : len);
  }
  batch->source_position = reader_.consumed();
  return Status::OK();
}

Status JsonlSource::SavePosition(std::string* out) const {
  if (!can_resume()) {
    return Status::InvalidArgument("jsonl source: standard input cannot resume from a checkpoint");
  }
  StateWriter w(out);
  w.PutHeader(kStateJsonlSource, kPositionVersion);
  w.PutVarint(reader_.consumed());
  w.PutVarint(next_line_);
  return Status::OK();
}

Status JsonlSource::RestorePosition(std::string_view in) {
  if (!can_resume()) {
    return Status::InvalidArgument("jsonl source: standard input cannot resume from a checkpoint");
  }
  uint64_t offset = 0, next_line = 1;
  SLUICE_RETURN_IF_ERROR(DecodePosition(in, &offset, &next_line));
  SLUICE_RETURN_IF_ERROR(reader_.SeekToLineStart(offset, "jsonl file"));
  next_line_ = next_line;
  return Status::OK();
}

std::string JsonlSource::DescribePosition(std::string_view saved) const {
  uint64_t offset = 0, next_line = 1;
  if (!DecodePosition(saved, &offset, &next_line).ok()) return "";
  return fmt::format("byte {}, line {}", offset, next_line);
}

}  // namespace sluice
