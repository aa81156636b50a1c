// Fuzz target: one stored log record value, decoded as a reader of the event log does. The first
// byte picks what the rest is:
//   0  a whole record value: framing and CRC, then the envelope or event batch
//      (storage/log_format.h)
//   1  an envelope body, framed here with a correct CRC so that the FlatBuffers verifier and the
//      envelope fields are reached
//   2  a record payload (codecs/record_codec.h), decoded into a batch and to JSON
// A payload that decodes must decode again identically once re-encoded.
#include <cstdint>
#include <string>
#include <string_view>

#include "codecs/envelope.h"
#include "codecs/record_codec.h"
#include "fuzz/fuzz_util.h"
#include "storage/log_format.h"
#include "storage/log_internal.h"
#include "storage/log_record.h"
#include "storage/stored_record.h"

namespace sluice {
namespace {

constexpr uint64_t kPosition = 1;

Schema PayloadSchema() {
  return Schema({{"user", Type::kString},
                 {"ts", Type::kTimestamp, TimeUnit::kMicros},
                 {"amount", Type::kDouble},
                 {"n", Type::kInt64},
                 {"ok", Type::kBool}});
}

void DecodePayload(std::string_view payload) {
  static const Schema schema = PayloadSchema();
  static RecordDecoder decoder(schema);
  static RecordEncoder encoder(schema);
  std::string json;
  (void)RecordToJson(payload, &json);
  Batch batch;
  batch.reset(schema);
  if (!decoder.DecodeInto(payload, &batch).ok()) return;
  fuzz::Require(batch.columns[0].size() == 1);
  batch.ts.push_back(0);
  batch.wm.push_back(kMinTime);
  const std::string again(encoder.Encode(batch, 0));
  Batch round;
  round.reset(schema);
  fuzz::Require(decoder.DecodeInto(again, &round).ok());
  round.ts.push_back(0);
  round.wm.push_back(kMinTime);
  fuzz::Require(std::string(encoder.Encode(round, 0)) == again);
}

void DecodeValue(std::string_view value) {
  StoredRecord record;
  if (!record.Parse(kPosition, value).ok()) return;
  for (uint32_t i = 0; i < record.count(); ++i) {
    EnvelopeView event;
    record.Event(i, &event);
    (void)event.event_id.ToString();
    DecodePayload(event.payload);
  }
}

}  // namespace
}  // namespace sluice

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  if (size == 0) return 0;
  const std::string_view rest = fuzz::AsText(data + 1, size - 1);
  if (data[0] == 'z' || data[0] == 'Z') {
    // A compressed batch with a valid checksum: 'z' takes the bytes as the zstd frame, 'Z'
    // compresses them so that the inflated EventBatch is what varies.
    std::string frame(rest);
    if (data[0] == 'Z') {
      static ZstdCompressor compressor;
      fuzz::Require(compressor.Compress(rest, 1, &frame).ok());
    }
    std::string value(log::kBatchHeaderSize + frame.size(), '\0');
    log::FrameRecord(log::kBatchType, frame, value.data(), log::kZstd);
    DecodeValue(value);
    return 0;
  }
  switch (data[0] % 3) {
    case 0:
      DecodeValue(rest);
      break;
    case 1: {
      std::string value(log::kHeaderSize + rest.size(), '\0');
      log::FrameRecord(log::kEventType, rest, value.data());
      DecodeValue(value);
      EnvelopeView event;
      if (DecodeEnvelope(rest.data(), rest.size(), &event).ok()) DecodePayload(event.payload);
      break;
    }
    default:
      DecodePayload(rest);
  }
  return 0;
}
