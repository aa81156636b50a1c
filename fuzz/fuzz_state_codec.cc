// Fuzz target: checkpointed state read back (codecs/state_codec.h readers). The first byte picks
// the reader; for records that carry a checksum, odd choices append a correct one so that the
// fields after it are reached:
//   0, 1  checkpoint record (storage/checkpoint_store.h)
//   2, 3  projection info (storage/projection_store.h)
//   4     tumbling window snapshot    5  sliding window snapshot
//   6     session window snapshot     7  running aggregate snapshot
//   8     window Top-N snapshot (with ties)
// A keyed snapshot that restores is snapshotted again and its windows fired at end of input.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "codecs/coding.h"
#include "codecs/crc32c.h"
#include "fuzz/fuzz_util.h"
#include "operators/keyed_operator.h"
#include "storage/checkpoint_store.h"
#include "storage/projection_store.h"

namespace sluice {
namespace {

std::string WithChecksum(std::string_view body) {
  std::string out(body);
  PutFixed32(&out, crc32c::Mask(crc32c::Value(body.data(), body.size())));
  return out;
}

Schema KeyedInput() {
  return Schema(
      {{"k", Type::kString}, {"v", Type::kInt64}, {"d", Type::kDouble}, {"s", Type::kString}});
}

// The definition the snapshots of tests/data/checkpoint were written with
// (tests/operators/snapshot_compat_test.cc), so those seeds restore.
KeyedStageDef KeyedDef(OpKind kind, WindowKind window, const Schema& schema) {
  KeyedStageDef def;
  def.kind = kind;
  def.window = window;
  def.size = 300;
  def.slide = window == WindowKind::kSliding ? 100 : 300;
  def.gap = 50;
  def.allowed_lateness = 60;
  def.key_columns = {0};
  struct Agg {
    AggFunc f;
    int input;
  };
  for (Agg a : {Agg{AggFunc::kCount, -1}, Agg{AggFunc::kSum, 1}, Agg{AggFunc::kAvg, 2},
                Agg{AggFunc::kMax, 3}, Agg{AggFunc::kLast, 3}, Agg{AggFunc::kCountDistinct, 3}}) {
    auto field = AggregateResultField(a.f, a.input >= 0 ? &schema.field(a.input) : nullptr,
                                      "a" + std::to_string(def.aggregates.size()));
    fuzz::Require(field.ok());
    def.aggregates.push_back({a.f, a.input, *field});
  }
  return def;
}

// A window Top-N keeping ties: the 2 first rows by v desc per key and window_end, ranked.
Schema TopNInput() {
  return Schema({{"k", Type::kString}, {"v", Type::kInt64}, {"window_end", Type::kTimestamp}});
}
KeyedStageDef TopNDef() {
  KeyedStageDef def;
  def.kind = OpKind::kTopN;
  def.key_columns = {0};
  def.top_n = 2;
  def.order = {{1, true}};
  def.rank_field = "rank";
  def.window_end_column = 2;
  def.with_ties = true;
  return def;
}

void RestoreKeyed(const KeyedStageDef& def, const Schema& schema, std::string_view snapshot) {
  auto op = MakeKeyedOperator(def, schema);
  fuzz::Require(op.ok());
  if (!(*op)->Restore(snapshot).ok()) return;
  std::string again;
  (*op)->Snapshot(&again);
  Batch in;
  in.reset(schema);
  in.last = true;
  in.watermark = kMaxTime;
  Batch out;
  out.reset((*op)->output_schema());
  (void)(*op)->Process(in, &out);
}

}  // namespace
}  // namespace sluice

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  if (size == 0) return 0;
  const std::string_view rest = fuzz::AsText(data + 1, size - 1);
  switch (data[0] % 9) {
    case 0:
    case 1: {
      CheckpointRecord record;
      const std::string bytes = data[0] % 2 ? WithChecksum(rest) : std::string(rest);
      if (DecodeCheckpoint(bytes, &record).ok()) (void)EncodeCheckpoint(record);
      break;
    }
    case 2:
    case 3: {
      ProjectionInfo info;
      const std::string bytes = data[0] % 2 ? WithChecksum(rest) : std::string(rest);
      if (DecodeProjectionInfo(bytes, &info).ok()) (void)EncodeProjectionInfo(info);
      break;
    }
    case 8: {
      static const Schema schema = TopNInput();
      static const KeyedStageDef def = TopNDef();
      RestoreKeyed(def, schema, rest);
      break;
    }
    default: {
      static const Schema schema = KeyedInput();
      const uint8_t c = data[0] % 9;
      const OpKind kind = c == 7 ? OpKind::kAggregate : OpKind::kWindow;
      const WindowKind window = c == 5   ? WindowKind::kSliding
                                : c == 6 ? WindowKind::kSession
                                         : WindowKind::kTumbling;
      RestoreKeyed(KeyedDef(kind, window, schema), schema, rest);
    }
  }
  return 0;
}
