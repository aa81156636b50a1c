#include "operators/nexmark_files.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "base/write_error.h"

namespace sluice {
namespace {

constexpr size_t kFlushBytes = size_t{1} << 20;
constexpr uint64_t kChunkEvents = NexmarkGenerator::kProportion * 4096;
constexpr int64_t kSideInputKeys = 10'000;

// One output file: rows are formatted into a buffer written out a megabyte at a time.
class CsvFile {
 public:
  explicit CsvFile(std::string path) : path_(std::move(path)) {}
  ~CsvFile() {
    if (f_ != nullptr) std::fclose(f_);
  }

  Status Open() {
    f_ = std::fopen(path_.c_str(), "wb");
    if (f_ == nullptr) {
      return Status::IOError(fmt::format("cannot create '{}': {}", path_, std::strerror(errno)));
    }
    return Status::OK();
  }
  std::string& buffer() { return buf_; }
  Status MaybeFlush() { return buf_.size() >= kFlushBytes ? Flush() : Status::OK(); }
  Status Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) {
      return WriteError("", path_, errno);
    }
    buf_.clear();
    return Status::OK();
  }
  Status Close() {
    SLUICE_RETURN_IF_ERROR(Flush());
    std::FILE* f = f_;
    f_ = nullptr;
    if (std::fclose(f) != 0) return WriteError("", path_, errno);
    return Status::OK();
  }

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
  std::string buf_;
};

// Appends the rows of `batch` as CSV lines (int64 and timestamps as integers).
void AppendRows(const Batch& batch, std::string* out) {
  const size_t rows = batch.size();
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < batch.columns.size(); ++c) {
      if (c > 0) out->push_back(',');
      const Column& col = batch.columns[c];
      if (col.type == Type::kString) {
        out->append(col.str(r));
      } else {
        fmt::format_to(std::back_inserter(*out), "{}", col.i64[r]);
      }
    }
    out->push_back('\n');
  }
}

std::string Header(const Schema& schema) {
  std::string h;
  for (const Field& f : schema.fields()) h += (h.empty() ? "" : ",") + f.name;
  return h + "\n";
}

}  // namespace

Status WriteNexmarkFiles(const std::string& dir, uint64_t events, const NexmarkConfig& config,
                         const std::function<void(uint64_t)>& progress) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::IOError(fmt::format("cannot create directory '{}': {}", dir, ec.message()));
  }
  const NexmarkGenerator gen(config);
  constexpr std::array<NexmarkTable, 3> kTables = {NexmarkTable::kPerson, NexmarkTable::kAuction,
                                                   NexmarkTable::kBid};
  std::array<std::unique_ptr<CsvFile>, 3> files;
  std::array<Batch, 3> batches;
  for (size_t t = 0; t < kTables.size(); ++t) {
    const Schema schema = NexmarkSchema(kTables[t]);
    files[t] =
        std::make_unique<CsvFile>(fmt::format("{}/{}.csv", dir, NexmarkTableName(kTables[t])));
    SLUICE_RETURN_IF_ERROR(files[t]->Open());
    files[t]->buffer() = Header(schema);
    batches[t].reset(schema);
  }
  // Chunk by chunk of events, each table's rows of the chunk: every file stays in event order.
  for (uint64_t start = 0; start < events; start += kChunkEvents) {
    const uint64_t end = std::min(events, start + kChunkEvents);
    for (size_t t = 0; t < kTables.size(); ++t) {
      uint64_t next = start;
      while (next < end) {
        batches[t].clear();
        gen.Fill(kTables[t], &next, end, 4096, &batches[t]);
        AppendRows(batches[t], &files[t]->buffer());
        SLUICE_RETURN_IF_ERROR(files[t]->MaybeFlush());
      }
    }
    if (progress) progress(end);
  }
  for (auto& f : files) SLUICE_RETURN_IF_ERROR(f->Close());

  CsvFile side(dir + "/side_input.csv");
  SLUICE_RETURN_IF_ERROR(side.Open());
  side.buffer() = "key,value\n";
  for (int64_t k = 0; k < kSideInputKeys; ++k) {
    fmt::format_to(std::back_inserter(side.buffer()), "{},{}\n", k, NexmarkSideInputValue(k));
  }
  return side.Close();
}

}  // namespace sluice
