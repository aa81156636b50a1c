// JsonlSource: reads JSON lines, one object per line, from a file or standard input.
//
// Schema fields are taken from the members of the same name; other members are ignored. An absent
// member or JSON null is a null value, except for the event time, where it makes the line a dead
// letter, as do invalid JSON, a line that is not an object and a member of the wrong type.
// Blank lines are skipped. Driven by one thread at a time.
#pragma once

#include <string>
#include <vector>

#include "codecs/json.h"
#include "operators/record_parse.h"
#include "operators/source.h"

namespace sluice {

class JsonlSource final : public Source {
 public:
  JsonlSource(const SourceSpec& spec, SourceOptions options);

  Status Open() override;
  Status Next(Batch* batch, bool* eof) override;

  // A file (not standard input) can resume. The position (codecs/state_codec.h) is
  //   jsonl-position := header(kStateJsonlSource, 1) offset:varint next_line:varint
  // offset = bytes consumed (a line start, or the end of the file), next_line = number of the line
  // there. A file now shorter than offset, or whose byte before offset is not a line feed, is
  // Corruption on restore.
  bool can_resume() const override { return path_ != "-"; }
  Status SavePosition(std::string* out) const override;
  Status RestorePosition(std::string_view in) override;
  // "byte <offset>, line <next_line>".
  std::string DescribePosition(std::string_view saved) const override;
  // Bytes of the file.
  bool Progress(uint64_t* done, uint64_t* total) const override {
    return reader_.Progress(done, total);
  }

 private:
  // Appends the object on `line` to *batch as a row, or a dead letter. True for a row.
  bool AddRow(std::string_view text, uint64_t line, Batch* batch);
  // Converts a member to a value of `field`; false with *reason when its type does not fit.
  static bool Convert(const JsonValue& in, const Field& field, FieldValue* out,
                      std::string* reason);

  const std::string path_;
  const SourceOptions options_;
  BlockReader reader_;
  JsonObjectReader json_;
  uint64_t next_line_ = 1;
  std::vector<FieldValue> values_;
  std::string reason_;
};

}  // namespace sluice
