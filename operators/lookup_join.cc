#include "operators/lookup_join.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "base/key.h"
#include "operators/source.h"

namespace sluice {
namespace {

constexpr uint32_t kNoRow = std::numeric_limits<uint32_t>::max();

// Row r of `columns` has a null among the `key` columns.
bool NullKey(const std::vector<Column>& columns, const std::vector<int>& key, size_t r) {
  for (int k : key) {
    if (!columns[k].is_valid(r)) return true;
  }
  return false;
}

// Rows `rows` of `in`, in that order; kNoRow gives a null.
Column Gather(const Column& in, const std::vector<uint32_t>& rows) {
  Column out(in.type);
  out.reserve(rows.size());
  for (uint32_t r : rows) {
    if (r == kNoRow) {
      out.push_null();
    } else {
      out.push_from(in, r);
    }
  }
  return out;
}

template <typename T>
void GatherVec(std::vector<T>* v, const std::vector<uint32_t>& rows) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (uint32_t r : rows) out.push_back((*v)[r]);
  *v = std::move(out);
}

// The file's bytes, hashed: IOError naming it when it cannot be read.
Result<std::string> ContentDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::IOError(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  }
  return fmt::format("{:016x}", HashKey(text.str()));
}

}  // namespace

Result<std::string> LookupTableFormat(const LookupTableSpec& spec) {
  if (!spec.format.empty()) {
    if (spec.format == "csv" || spec.format == "jsonl") return spec.format;
    return Status::InvalidArgument(
        fmt::format("unknown table format '{}' (expected csv, jsonl)", spec.format));
  }
  const std::string ext = std::filesystem::path(spec.path).extension().string();
  if (ext == ".csv") return std::string("csv");
  if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") return std::string("jsonl");
  return Status::InvalidArgument(
      fmt::format("cannot tell the format of table '{}' from its extension; set format = \"csv\" "
                  "or \"jsonl\"",
                  spec.path));
}

Status LoadLookupTable(const LookupTableSpec& spec, LookupTable* out) {
  if (spec.path.empty()) return Status::InvalidArgument("a lookup table needs a path");
  if (spec.path == "-") {
    return Status::InvalidArgument(
        "a lookup table is read from a file, not from standard input ('-')");
  }
  if (spec.schema.size() == 0) return Status::InvalidArgument("a lookup table needs a schema");
  SLUICE_ASSIGN_OR_RETURN(const std::string format, LookupTableFormat(spec));
  // Read whole and hashed, so only a regular file will do (not a device or a pipe that never
  // ends).
  std::error_code ec;
  const auto status = std::filesystem::status(spec.path, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a regular file; a lookup table is read from a file", spec.path));
  }
  SLUICE_ASSIGN_OR_RETURN(out->digest, ContentDigest(spec.path));
  SourceSpec src;
  src.type = format;
  src.path = spec.path;
  SourceOptions options;
  options.schema = spec.schema;
  options.name = spec.path;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Source> source, MakeSource(src, options));
  SLUICE_RETURN_IF_ERROR(source->Open());
  out->schema = spec.schema;
  out->rows.reset(spec.schema);
  for (bool eof = false; !eof;) {
    SLUICE_RETURN_IF_ERROR(source->Next(&out->rows, &eof));
    if (!out->rows.dead_letters.empty()) {
      const DeadLetter& d = out->rows.dead_letters.front();
      return Status::InvalidArgument(fmt::format("{}:{}: {}", spec.path, d.line, d.reason));
    }
    if (out->rows.size() >= kNoRow) {
      return Status::InvalidArgument(
          fmt::format("table '{}' has more than {} rows", spec.path, kNoRow - 1));
    }
  }
  return Status::OK();
}

LookupJoin::LookupJoin(LookupTable table, std::vector<int> key, std::vector<int> table_key,
                       JoinType type)
    : table_(std::move(table)), key_(std::move(key)), left_(type == JoinType::kLeft) {
  std::string encoded;
  const std::vector<Column>& columns = table_.rows.columns;
  for (size_t r = 0; r < table_.rows.size(); ++r) {
    if (NullKey(columns, table_key, r)) continue;
    encoded.clear();
    EncodeKeyRow(columns, table_key, r, &encoded);
    index_[encoded].push_back(static_cast<uint32_t>(r));
    ++indexed_;
  }
}

Status LookupJoin::Apply(Batch* batch) const {
  const size_t n = batch->size();
  // For each output row: the input row (src) and the table row (tab, kNoRow for none).
  thread_local std::vector<uint32_t> src, tab;
  thread_local std::vector<uint8_t> sel;
  thread_local std::string encoded;
  src.clear();
  tab.clear();
  sel.assign(n, 0);
  bool repeats = false;  // some input row gives several output rows
  for (size_t r = 0; r < n; ++r) {
    const absl::InlinedVector<uint32_t, 1>* match = nullptr;
    if (!NullKey(batch->columns, key_, r)) {
      encoded.clear();
      EncodeKeyRow(batch->columns, key_, r, &encoded);
      auto it = index_.find(encoded);
      if (it != index_.end()) match = &it->second;
    }
    if (match != nullptr) {
      repeats = repeats || match->size() > 1;
      for (uint32_t t : *match) {
        src.push_back(static_cast<uint32_t>(r));
        tab.push_back(t);
      }
    } else if (left_) {
      src.push_back(static_cast<uint32_t>(r));
      tab.push_back(kNoRow);
    } else {
      continue;
    }
    sel[r] = 1;
  }
  if (!repeats) {
    // Each row at most once: drop the unmatched ones in place.
    batch->compact(sel.data());
  } else {
    for (Column& c : batch->columns) c = Gather(c, src);
    GatherVec(&batch->ts, src);
    GatherVec(&batch->wm, src);
    if (!batch->pos.empty()) GatherVec(&batch->pos, src);
    if (!batch->key_hash.empty()) {
      batch->keys = Gather(batch->keys, src);
      GatherVec(&batch->key_hash, src);
    }
  }
  for (const Column& c : table_.rows.columns) batch->columns.push_back(Gather(c, tab));
  return Status::OK();
}

}  // namespace sluice
