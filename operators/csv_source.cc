#include "operators/csv_source.h"

#include <fmt/format.h>

namespace sluice {

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
  batch->ts.push_back(et >= 0 ? EventMicros(values_[et], schema.field(et)) : 0);
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

}  // namespace sluice
