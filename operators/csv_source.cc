#include "operators/csv_source.h"

#include <fmt/format.h>

#include "codecs/state_codec.h"

namespace sluice {
namespace {

constexpr uint32_t kPositionVersion = 1;

struct CsvPosition {
  uint64_t offset = 0;
  uint64_t next_line = 1;
  uint64_t header_fields = 0;
  bool empty = false;
};

Status DecodePosition(std::string_view in, CsvPosition* p) {
  StateReader r(in, "csv source position");
  uint32_t version = 0;
  r.ReadHeader(kStateCsvSource, kPositionVersion, &version);
  p->offset = r.Varint();
  p->next_line = r.Varint();
  p->header_fields = r.Varint();
  p->empty = r.Bool();
  r.ExpectEnd();
  if (r.ok() && p->next_line == 0) r.Fail("has line number 0");
  return r.status();
}

}  // namespace

CsvSource::CsvSource(const SourceSpec& spec, SourceOptions options)
    : path_(spec.path),
      delimiter_(spec.delimiter),
      options_(std::move(options)),
      reader_(spec.path),
      values_(options_.schema.size()) {}

Result<bool> CsvSource::NextRecord(uint64_t* line) {
  for (;;) {
    CsvScan scan = ScanCsvRecord(reader_.data(), delimiter_, reader_.eof(), &record_);
    if (scan == CsvScan::kEnd) return false;
    if (scan == CsvScan::kNeedMore) {
      SLUICE_RETURN_IF_ERROR(reader_.Fill());
      continue;
    }
    *line = next_line_;
    next_line_ += record_.newlines + 1;
    if (!record_.raw.empty()) return true;
    reader_.Consume(record_.consumed);  // a blank line
  }
}

Status CsvSource::Open() {
  SLUICE_RETURN_IF_ERROR(reader_.Open());
  uint64_t line = 0;
  SLUICE_ASSIGN_OR_RETURN(bool have_header, NextRecord(&line));
  if (!have_header) {
    empty_ = true;
    return Status::OK();
  }
  std::vector<std::string> names;
  for (const CsvField& f : record_.fields) {
    std::string name;
    if (f.escaped) {
      AppendCsvUnescaped(f.text, &name);
    } else {
      name.assign(f.text);
    }
    if (names.empty() && name.compare(0, 3, "\xEF\xBB\xBF") == 0) name.erase(0, 3);  // BOM
    size_t b = name.find_first_not_of(' '), e = name.find_last_not_of(' ');
    name = b == std::string::npos ? "" : name.substr(b, e - b + 1);
    names.push_back(std::move(name));
  }
  reader_.Consume(record_.consumed);
  header_fields_ = names.size();
  column_.clear();
  for (const Field& field : options_.schema.fields()) {
    size_t c = 0;
    while (c < names.size() && names[c] != field.name) ++c;
    if (c == names.size()) {
      return Status::InvalidArgument(fmt::format("csv file '{}' has no column '{}' (header: {})",
                                                 path_, field.name, fmt::join(names, ", ")));
    }
    column_.push_back(c);
  }
  return Status::OK();
}

void CsvSource::Reject(uint64_t line, std::string reason, Batch* batch) const {
  batch->dead_letters.push_back(
      DeadLetter{options_.name, line, std::move(reason), std::string(record_.raw)});
}

bool CsvSource::AddRow(uint64_t line, Batch* batch) {
  if (!record_.error.empty()) {
    Reject(line, std::string(record_.error), batch);
    return false;
  }
  if (record_.fields.size() != header_fields_) {
    Reject(line, fmt::format("expected {} fields, found {}", header_fields_, record_.fields.size()),
           batch);
    return false;
  }
  const Schema& schema = options_.schema;
  const int et = options_.event_time_index;
  std::string reason;
  for (size_t c = 0; c < values_.size(); ++c) {
    const Field& field = schema.field(c);
    const CsvField& f = record_.fields[column_[c]];
    FieldValue& v = values_[c];
    if (f.text.empty()) {
      if (static_cast<int>(c) == et) {
        Reject(line, fmt::format("missing event time '{}'", field.name), batch);
        return false;
      }
      v.null = true;
      continue;
    }
    std::string_view text = f.text;
    if (f.escaped && field.type != Type::kString) {
      scratch_.clear();
      AppendCsvUnescaped(f.text, &scratch_);
      text = scratch_;
    }
    if (!ParseFieldText(text, field, &v, &reason)) {
      Reject(line, std::move(reason), batch);
      return false;
    }
  }
  TimeUs ts = 0;
  if (et >= 0 && !EventMicros(values_[et], schema.field(et), &ts, &reason)) {
    Reject(line, std::move(reason), batch);
    return false;
  }
  for (size_t c = 0; c < values_.size(); ++c) {
    const CsvField& f = record_.fields[column_[c]];
    Column* column = &batch->columns[c];
    if (f.escaped && column->type == Type::kString) {
      scratch_.clear();
      AppendCsvUnescaped(f.text, &scratch_);
      column->push_string(scratch_);
    } else {
      AppendFieldValue(values_[c], column->type, column);
    }
  }
  batch->ts.push_back(ts);
  return true;
}

Status CsvSource::Next(Batch* batch, bool* eof) {
  *eof = false;
  if (empty_) {
    *eof = true;
    return Status::OK();
  }
  size_t rows = 0;
  while (rows < options_.batch_size) {
    uint64_t line = 0;
    SLUICE_ASSIGN_OR_RETURN(bool more, NextRecord(&line));
    if (!more) {
      *eof = true;
      break;
    }
    if (AddRow(line, batch)) ++rows;
    reader_.Consume(record_.consumed);
  }
  batch->source_position = reader_.consumed();
  return Status::OK();
}

Status CsvSource::SavePosition(std::string* out) const {
  if (!can_resume()) {
    return Status::InvalidArgument("csv source: standard input cannot resume from a checkpoint");
  }
  StateWriter w(out);
  w.PutHeader(kStateCsvSource, kPositionVersion);
  w.PutVarint(reader_.consumed());
  w.PutVarint(next_line_);
  w.PutVarint(header_fields_);
  w.PutBool(empty_);
  return Status::OK();
}

Status CsvSource::RestorePosition(std::string_view in) {
  if (!can_resume()) {
    return Status::InvalidArgument("csv source: standard input cannot resume from a checkpoint");
  }
  CsvPosition p;
  SLUICE_RETURN_IF_ERROR(DecodePosition(in, &p));
  if (p.empty || empty_) {
    if (p.empty && empty_) return Status::OK();  // nothing to read then or now
    if (empty_) SLUICE_RETURN_IF_ERROR(reader_.SeekToLineStart(p.offset, "csv file"));
    return Status::Corruption(fmt::format("csv file '{}' {} a header, but {} at the checkpoint",
                                          path_, empty_ ? "has no" : "now has",
                                          p.empty ? "had none" : "had one"));
  }
  if (p.header_fields != header_fields_) {
    return Status::Corruption(
        fmt::format("csv file '{}' has {} header fields, the checkpoint was taken with {}", path_,
                    header_fields_, p.header_fields));
  }
  if (p.offset < reader_.consumed()) {
    return Status::Corruption(
        fmt::format("csv file '{}': the checkpointed position (byte {}) lies inside the header",
                    path_, p.offset));
  }
  SLUICE_RETURN_IF_ERROR(reader_.SeekToLineStart(p.offset, "csv file"));
  next_line_ = p.next_line;
  return Status::OK();
}

std::string CsvSource::DescribePosition(std::string_view saved) const {
  CsvPosition p;
  if (!DecodePosition(saved, &p).ok()) return "";
  if (p.empty) return "empty file";
  return fmt::format("byte {}, line {}", p.offset, p.next_line);
}

}  // namespace sluice
