// Sources: csv, jsonl and the generator.
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "engine/time_util.h"
#include "operators/generator_source.h"
#include "operators/source.h"

namespace sluice {
namespace {

Schema MakeGeneratorSchema() {
  return Schema({{"key", Type::kInt64, TimeUnit::kMicros},
                 {"ts", Type::kTimestamp, TimeUnit::kMicros},
                 {"value", Type::kDouble, TimeUnit::kMicros}});
}

class GeneratorSource final : public Source {
 public:
  GeneratorSource(uint64_t events, uint64_t keys, size_t batch)
      : events_(events), keys_(keys), batch_(batch) {}
  Status Open() override { return Status::OK(); }
  Status Next(Batch* b, bool* eof) override {
    uint64_t n = std::min<uint64_t>(batch_, events_ - next_);
    auto& key = b->columns[0].i64;
    auto& ts = b->columns[1].i64;
    auto& val = b->columns[2].f64;
    // reserve + push_back: no zero-fill of memory about to be overwritten.
    key.reserve(key.size() + n);
    ts.reserve(ts.size() + n);
    val.reserve(val.size() + n);
    b->ts.reserve(b->ts.size() + n);
    for (uint64_t j = 0; j < n; ++j) {
      uint64_t i = next_ + j;
      key.push_back(static_cast<int64_t>(GeneratorKey(i, keys_)));
      ts.push_back(GeneratorTime(i));
      b->ts.push_back(GeneratorTime(i));
      val.push_back(GeneratorValue(i));
    }
    next_ += n;
    b->source_position = next_;
    *eof = next_ >= events_;
    return Status::OK();
  }

 private:
  uint64_t events_, keys_;
  size_t batch_;
  uint64_t next_ = 0;
};

// Parses one field's text into column c. Returns an empty string or the reason it failed.
std::string ParseInto(std::string_view text, const Field& f, Column* c) {
  if (text.empty()) {
    c->push_null();
    return {};
  }
  switch (f.type) {
    case Type::kString: c->push_string(text); return {};
    case Type::kInt64: {
      int64_t v;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size()) {
        return fmt::format("field '{}': '{}' is not an int64", f.name, text);
      }
      c->push_int(v);
      return {};
    }
    case Type::kDouble: {
      double v;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size()) {
        return fmt::format("field '{}': '{}' is not a double", f.name, text);
      }
      c->push_double(v);
      return {};
    }
    case Type::kBool: {
      std::string t(text);
      for (char& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (t == "true" || t == "1") c->push_int(1);
      else if (t == "false" || t == "0") c->push_int(0);
      else return fmt::format("field '{}': '{}' is not a bool", f.name, text);
      return {};
    }
    case Type::kTimestamp: {
      int64_t v;
      if (!ParseTimestamp(text, f.unit, &v)) {
        return fmt::format("field '{}': '{}' is not a {}", f.name, text, TypeName(f));
      }
      c->push_int(v);
      return {};
    }
  }
  return "unknown type";
}

// Reads a file (or stdin for "-") in blocks and hands out records.
class LineReader {
 public:
  explicit LineReader(std::string path) : path_(std::move(path)) {}
  ~LineReader() {
    if (file_ && file_ != stdin) std::fclose(file_);
  }
  Status Open() {
    file_ = path_ == "-" ? stdin : std::fopen(path_.c_str(), "rb");
    if (!file_) return Status::IOError(fmt::format("cannot open '{}': {}", path_, std::strerror(errno)));
    return Status::OK();
  }
  // Next physical line without terminator; false at end of input.
  bool Next(std::string* line) {
    line->clear();
    for (;;) {
      if (pos_ >= len_) {
        if (eof_) return !line->empty();
        len_ = std::fread(buf_, 1, sizeof(buf_), file_);
        pos_ = 0;
        if (len_ == 0) {
          eof_ = true;
          return !line->empty();
        }
      }
      const char* start = buf_ + pos_;
      const char* nl = static_cast<const char*>(std::memchr(start, '\n', len_ - pos_));
      if (nl) {
        line->append(start, nl - start);
        pos_ += (nl - start) + 1;
        consumed_ += (nl - start) + 1;
        if (!line->empty() && line->back() == '\r') line->pop_back();
        return true;
      }
      line->append(start, len_ - pos_);
      consumed_ += len_ - pos_;
      pos_ = len_;
    }
  }
  uint64_t consumed() const { return consumed_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  char buf_[1 << 16];
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  uint64_t consumed_ = 0;
};

// Splits a CSV record (RFC 4180 quoting). Returns false when a quoted field is not closed.
bool SplitCsv(const std::string& rec, char delim, std::vector<std::string>* fields) {
  fields->clear();
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < rec.size(); ++i) {
    char c = rec[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < rec.size() && rec[i + 1] == '"') {
          cur.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur.push_back(c);
      }
    } else if (c == '"' && cur.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == delim) {
      fields->push_back(std::move(cur));
      cur.clear();
      was_quoted = false;
    } else {
      cur.push_back(c);
    }
  }
  fields->push_back(std::move(cur));
  return !quoted;
}

class CsvSource final : public Source {
 public:
  CsvSource(const SourceSpec& spec, const SourceOptions& o)
      : opts_(o), reader_(spec.path), delim_(spec.delimiter) {}

  Status Open() override {
    SLUICE_RETURN_IF_ERROR(reader_.Open());
    std::string header;
    while (reader_.Next(&header)) {
      ++line_;
      if (!header.empty()) break;
    }
    std::vector<std::string> names;
    SplitCsv(header, delim_, &names);
    header_count_ = names.size();
    for (const Field& f : opts_.schema.fields()) {
      int found = -1;
      for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] == f.name) found = static_cast<int>(i);
      }
      if (found < 0 && !header.empty()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        return Status::InvalidArgument(fmt::format("csv file '{}' has no column '{}' (header: {})",
                                                   opts_.name, f.name, list));
      }
      index_.push_back(found);
    }
    return Status::OK();
  }

  Status Next(Batch* b, bool* eof) override {
    std::string line;
    std::vector<std::string> fields;
    size_t rows = 0;
    *eof = false;
    while (rows < opts_.batch_size) {
      if (!reader_.Next(&line)) {
        *eof = true;
        break;
      }
      uint64_t start_line = ++line_;
      // A quoted field may span lines.
      while (!SplitCsv(line, delim_, &fields)) {
        std::string more;
        if (!reader_.Next(&more)) break;
        ++line_;
        line += '\n';
        line += more;
      }
      if (line.empty()) continue;
      if (fields.size() != header_count_) {
        b->dead_letters.push_back({opts_.name, start_line,
                                   fmt::format("expected {} fields, found {}", header_count_,
                                               fields.size()),
                                   line});
        continue;
      }
      std::string reason;
      size_t c = 0;
      for (; c < index_.size(); ++c) {
        const Field& f = opts_.schema.field(c);
        if (static_cast<int>(c) == opts_.event_time_index && fields[index_[c]].empty()) {
          reason = fmt::format("missing event time '{}'", f.name);
          break;
        }
        reason = ParseInto(fields[index_[c]], f, &b->columns[c]);
        if (!reason.empty()) break;
      }
      if (!reason.empty()) {
        // Roll back the fields already appended for this record.
        for (size_t k = 0; k < c; ++k) Truncate(&b->columns[k], rows);
        b->dead_letters.push_back({opts_.name, start_line, reason, line});
        continue;
      }
      int et = opts_.event_time_index;
      b->ts.push_back(et >= 0 ? RawToMicros(b->columns[et].i64[rows],
                                            opts_.schema.field(et).unit)
                              : 0);
      ++rows;
    }
    b->source_position = reader_.consumed();
    return Status::OK();
  }

 private:
  static void Truncate(Column* c, size_t rows) {
    switch (c->type) {
      case Type::kDouble: c->f64.resize(rows); break;
      case Type::kString:
        c->offsets.resize(rows + 1);
        c->chars.resize(c->offsets.back());
        break;
      default: c->i64.resize(rows); break;
    }
    if (!c->valid.empty()) c->valid.resize(rows);
  }

  SourceOptions opts_;
  LineReader reader_;
  char delim_;
  std::vector<int> index_;
  size_t header_count_ = 0;
  uint64_t line_ = 0;
};

class JsonlSource final : public Source {
 public:
  JsonlSource(const SourceSpec& spec, const SourceOptions& o) : opts_(o), reader_(spec.path) {}
  Status Open() override { return reader_.Open(); }

  Status Next(Batch* b, bool* eof) override {
    std::string line;
    size_t rows = 0;
    *eof = false;
    while (rows < opts_.batch_size) {
      if (!reader_.Next(&line)) {
        *eof = true;
        break;
      }
      uint64_t lineno = ++line_;
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      std::string reason = ParseRecord(line, b, rows);
      if (!reason.empty()) {
        b->dead_letters.push_back({opts_.name, lineno, reason, line});
        continue;
      }
      ++rows;
    }
    b->source_position = reader_.consumed();
    return Status::OK();
  }

 private:
  std::string ParseRecord(const std::string& line, Batch* b, size_t rows) {
    simdjson::dom::element doc;
    auto err = parser_.parse(line).get(doc);
    if (err) return fmt::format("invalid JSON: {}", simdjson::error_message(err));
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) return "invalid JSON: not an object";
    std::vector<Value> values;
    for (size_t c = 0; c < opts_.schema.size(); ++c) {
      const Field& f = opts_.schema.field(c);
      simdjson::dom::element v;
      Value out = Value::Null(f.type);
      if (!obj[f.name].get(v) && !v.is_null()) {
        std::string reason = Convert(v, f, &out);
        if (!reason.empty()) return reason;
      }
      if (static_cast<int>(c) == opts_.event_time_index && out.null) {
        return fmt::format("missing event time '{}'", f.name);
      }
      values.push_back(std::move(out));
    }
    for (size_t c = 0; c < values.size(); ++c) b->columns[c].push_value(values[c]);
    int et = opts_.event_time_index;
    b->ts.push_back(et >= 0 ? RawToMicros(values[et].i, opts_.schema.field(et).unit) : 0);
    (void)rows;
    return {};
  }

  static std::string Convert(simdjson::dom::element v, const Field& f, Value* out) {
    auto mismatch = [&](const char* want) {
      return fmt::format("field '{}': expected {}, found {}", f.name, want,
                         v.is_string() ? "string" : v.is_bool() ? "bool" : v.is_number() ? "number"
                                                                                          : "other");
    };
    switch (f.type) {
      case Type::kString: {
        std::string_view s;
        if (v.get_string().get(s)) return mismatch("string");
        *out = Value::String(std::string(s));
        return {};
      }
      case Type::kBool: {
        bool x;
        if (v.get_bool().get(x)) return mismatch("bool");
        *out = Value::Bool(x);
        return {};
      }
      case Type::kInt64: {
        int64_t x;
        if (v.get_int64().get(x)) return mismatch("int64");
        *out = Value::Int(x);
        return {};
      }
      case Type::kDouble: {
        double x;
        if (v.get_double().get(x)) return mismatch("double");
        *out = Value::Double(x);
        return {};
      }
      case Type::kTimestamp: {
        int64_t x;
        std::string_view s;
        if (!v.get_int64().get(x)) {
          *out = Value::Timestamp(x);
          return {};
        }
        if (!v.get_string().get(s) && ParseTimestamp(s, f.unit, &x)) {
          *out = Value::Timestamp(x);
          return {};
        }
        return fmt::format("field '{}': not a {}", f.name, TypeName(f));
      }
    }
    return "unknown type";
  }

  SourceOptions opts_;
  LineReader reader_;
  simdjson::dom::parser parser_;
  uint64_t line_ = 0;
};

}  // namespace

Schema GeneratorSchema() { return MakeGeneratorSchema(); }

Result<std::unique_ptr<Source>> MakeSource(const SourceSpec& spec, const SourceOptions& options) {
  if (spec.type == "generator") {
    if (spec.keys == 0) return Status::InvalidArgument("generator keys must be >= 1");
    return std::unique_ptr<Source>(new GeneratorSource(spec.events, spec.keys, options.batch_size));
  }
  if (spec.type == "csv") return std::unique_ptr<Source>(new CsvSource(spec, options));
  if (spec.type == "jsonl") return std::unique_ptr<Source>(new JsonlSource(spec, options));
  return Status::InvalidArgument(
      fmt::format("unknown source type '{}' (expected csv, jsonl, generator)", spec.type));
}

}  // namespace sluice
