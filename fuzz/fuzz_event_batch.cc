// Fuzz target: one event batch (codecs/event_batch.h), the body of a format-2 log record, parsed as
// a log reader does: Parse, then every event as an envelope, its payload as a record, and the
// record columns into a batch of a fixed reader schema. A batch that parses must give the same
// events when parsed again at another alignment.
#include <cstdint>
#include <string>
#include <string_view>

#include "codecs/event_batch.h"
#include "codecs/record_codec.h"
#include "fuzz/fuzz_util.h"

namespace sluice {
namespace {

Schema ReaderSchema() {
  return Schema({{"f0", Type::kInt64},
                 {"f1", Type::kString},
                 {"f2", Type::kDouble},
                 {"f3", Type::kTimestamp, TimeUnit::kMillis},
                 {"f4", Type::kBool}});
}

void ReadAll(const EventBatchView& v, std::string* out) {
  static const Schema schema = ReaderSchema();
  static RecordDecoder decoder(schema);
  std::string scratch;
  Batch rows;
  rows.reset(schema);
  for (uint32_t i = 0; i < v.count(); ++i) {
    EnvelopeView e;
    v.Event(i, &e, &scratch);
    out->append(e.event_id.ToString()).append(e.event_type).append(e.content_type);
    out->append(e.payload);
    if (e.content_type == kRecordContentType) (void)decoder.DecodeInto(e.payload, &rows);
  }
  if (v.has_record_columns()) {
    Batch cols;
    cols.reset(schema);
    if (v.AppendRecords(schema, 0, v.count(), &cols).ok()) {
      fuzz::Require(cols.columns[0].size() == v.count());
    }
  }
}

}  // namespace
}  // namespace sluice

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  // Aligned and misaligned copies of the input.
  std::string aligned(reinterpret_cast<const char*>(data), size);
  std::string shifted = " " + aligned;
  EventBatchView a, b;
  const bool ok_a = a.Parse(aligned.data(), aligned.size()).ok();
  const bool ok_b = b.Parse(shifted.data() + 1, size).ok();
  fuzz::Require(ok_a == ok_b);
  if (!ok_a) return 0;
  std::string events_a, events_b;
  ReadAll(a, &events_a);
  ReadAll(b, &events_b);
  fuzz::Require(events_a == events_b);
  return 0;
}
