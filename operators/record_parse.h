// Text record I/O shared by the file sources and sinks:
//   BlockReader  reads a file (or standard input) in large blocks for the csv and jsonl sources;
//   FieldValue   typed parsing of field text ("42", "1e3", "true", timestamps) into column values;
//   PendingFile  output written beside its target and renamed over it on commit.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/batch.h"
#include "base/status.h"
#include "base/time_util.h"

namespace sluice {

// Reads its input in blocks of kBlockSize bytes without a system call per record. The bytes read
// and not yet consumed are data(); they stay put until Consume() or Fill().
// Not thread-safe.
class BlockReader {
 public:
  static constexpr size_t kBlockSize = 1 << 20;
  // Readable bytes after data().end(), whatever their value (simdjson's requirement).
  static constexpr size_t kPadding = 64;

  // `path` "-" is standard input.
  explicit BlockReader(std::string path);
  ~BlockReader();
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;

  // IOError "cannot open '<path>': <reason>" when the file cannot be opened.
  Status Open();
  std::string_view data() const { return {buf_.data() + begin_, end_ - begin_}; }
  // Marks the first n bytes of data() used. REQUIRES: n <= data().size().
  void Consume(size_t n) {
    begin_ += n;
    consumed_ += n;
  }
  // Reads more input after data() (moving data() to the front of the buffer, and growing the
  // buffer when data() fills it). Views into data() are invalidated. Sets eof() at the end.
  Status Fill();
  bool eof() const { return eof_; }
  // Bytes consumed since Open(), counting those skipped by Seek().
  uint64_t consumed() const { return consumed_; }
  // For resuming from a checkpoint. REQUIRES: Open() succeeded on a path other than "-".
  // Goes on reading at byte `offset` of the file, as though the bytes before it had been consumed:
  // data() is empty, consumed() == offset and eof() is false. An offset past the end of the file
  // is not an error here (the next Fill() reaches the end); callers check FileSize() first.
  // InvalidArgument for standard input, IOError when the file cannot be repositioned.
  Status Seek(uint64_t offset);
  // Seek(offset) for a file source resuming at a line start it saved; `what` names the input in
  // messages ("csv file"). Corruption "<what> '<path>' is shorter (N bytes) than the checkpointed
  // position (M bytes)" when the file no longer reaches `offset`, and Corruption "... was
  // rewritten: byte M is not the start of a line" when the byte before `offset` is not a line
  // feed (a position that ends the file needs none). After an error the reader is unusable.
  Status SeekToLineStart(uint64_t offset, std::string_view what);
  // The file's current size in bytes. InvalidArgument for standard input, IOError on failure.
  Result<uint64_t> FileSize() const;
  // Progress through a regular file: consumed() of its size at Open(). False for standard input
  // and other inputs of unknown size.
  bool Progress(uint64_t* done, uint64_t* total) const {
    if (size_at_open_ == 0) return false;
    *done = consumed_;
    *total = size_at_open_;
    return true;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
  std::vector<char> buf_;  // capacity + kPadding bytes
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t consumed_ = 0;
  uint64_t size_at_open_ = 0;  // 0: not a regular file, or empty
};

// A field value parsed from text, before it is appended to its column.
struct FieldValue {
  bool null = true;
  int64_t i = 0;       // int64, bool (0/1), timestamp (raw in the field's unit)
  double d = 0;        // double
  std::string_view s;  // string: points at the text that was parsed
};

// `s` without leading and trailing spaces and tabs.
std::string_view TrimSpaces(std::string_view s);
// Whether `a` equals `lower` (lowercase ASCII) ignoring the case of a's letters.
bool EqualsNoCase(std::string_view a, std::string_view lower);

// Strict parsers of whole strings. Numbers take an optional leading '+'; doubles accept
// exponents and "nan"/"inf"/"infinity" in any case; bools accept true/false/1/0 in any case.
bool ParseInt64Text(std::string_view text, int64_t* out);
bool ParseDoubleText(std::string_view text, double* out);
bool ParseBoolText(std::string_view text, bool* out);

// Parses non-empty `text` as a value of `field` (spaces around numbers, bools and timestamps are
// ignored; strings are taken as they are). On malformed text returns false and sets *reason to
// "field '<name>': '<text>' is not a <type>" (or "an int64").
bool ParseFieldText(std::string_view text, const Field& field, FieldValue* out,
                    std::string* reason);
// "field '<name>': '<text>' is not a <type>".
std::string NotATypeReason(const Field& field, std::string_view text);

// Appends `v` to `column` (whose type is `type`).
inline void AppendFieldValue(const FieldValue& v, Type type, Column* column) {
  if (v.null) {
    column->push_null();
    return;
  }
  switch (type) {
    case Type::kDouble:
      column->push_double(v.d);
      break;
    case Type::kString:
      column->push_string(v.s);
      break;
    default:
      column->push_int(v.i);
      break;
  }
}

// Event time in microseconds of a non-null value of `field` (int64 and double fields count
// microseconds). False, with *reason, when it overflows or lies outside the supported range
// (kMinEventTime..kMaxEventTime, base/time_util.h): such a row is a dead letter.
bool EventMicros(const FieldValue& v, const Field& field, TimeUs* us, std::string* reason);

// An output file written as "<path>.inprogress" and renamed to `path` by Commit(), so a reader
// never sees a partial file under the final name. Discard() (and the destructor, unless committed
// or detached) removes the temporary file. Not thread-safe.
//
// Checkpointed runs (docs/fault-tolerance.md) also use Sync(), which makes what was written
// durable and reports the committed length, Detach(), which closes the file but keeps it, and
// Resume(), which reopens it in a later process, cutting off whatever was written after the
// committed length.
// The crc32c of the first `bytes` bytes of the file at `path`: IOError when it cannot be read
// or is shorter.
Status FileCrc(const std::string& path, uint64_t bytes, uint32_t* crc);

class PendingFile {
 public:
  explicit PendingFile(std::string path);
  ~PendingFile();
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  // IOError "cannot create '<path>': <reason>" when the temporary file cannot be created.
  Status Open();
  // Reopens the temporary file, keeping its first `bytes` bytes and appending after them.
  // Corruption when it is missing or shorter than `bytes`, or when `crc` is given and the
  // crc32c of those bytes differs (they were changed after the checkpoint); these bytes are read
  // once to check them and to go on with the checksum. When the file is missing because an
  // earlier process already renamed it (the target exists with exactly `bytes` bytes, and the
  // checksum), the file counts as committed: Write() is refused and Commit() succeeds at once.
  Status Resume(uint64_t bytes, const uint32_t* crc = nullptr);
  // Writes all of `data`. IOError naming the path on failure.
  Status Write(std::string_view data);
  // Flushes and fsyncs everything written; *bytes receives the file's length and *crc the
  // crc32c of all of it.
  Status Sync(uint64_t* bytes, uint32_t* crc);
  // fsyncs, closes the temporary file and renames it over the target.
  Status Commit();
  void Discard();
  // Closes the temporary file and leaves it in place for Resume().
  void Detach();
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_; }
  uint64_t bytes() const { return bytes_; }

 private:
  std::string path_;
  std::string temp_;
  std::FILE* file_ = nullptr;
  uint64_t bytes_ = 0;      // length of the temporary file
  uint32_t crc_ = 0;        // crc32c of its bytes_ bytes
  bool committed_ = false;  // renamed by an earlier process (see Resume)
};

}  // namespace sluice
