#include "storage/stored_record.h"

#include <fmt/format.h>

#include "codecs/coding.h"
#include "storage/log_keys.h"
#include "storage/log_record.h"

namespace sluice {

Status StoredRecord::Parse(uint64_t position, std::string_view value) {
  count_ = 0;
  log::RecordFrame frame;
  SLUICE_RETURN_IF_ERROR(log::UnframeRecord(position, value, &frame));
  std::string_view body = frame.body;
  if (frame.type == log::kBatchType) {
    compressed_ = frame.compression != log::kUncompressed;
    if (compressed_) SLUICE_RETURN_IF_ERROR(Inflate(position, &body));
    Status s = batch_.Parse(body.data(), body.size());
    if (!s.ok()) {
      return Status::Corruption(fmt::format("record at position {}: {}", position, s.message()));
    }
    if (batch_.first_position() != position) {
      return Status::Corruption(fmt::format("record at position {} claims position {}", position,
                                            batch_.first_position()));
    }
    is_batch_ = true;
    first_position_ = position;
    count_ = batch_.count();
    return Status::OK();
  }
  Status s = DecodeEnvelope(body.data(), body.size(), &single_);
  if (!s.ok()) {
    return Status::Corruption(fmt::format("record at position {}: {}", position, s.message()));
  }
  if (single_.global_position != position) {
    return Status::Corruption(
        fmt::format("record at position {} claims position {}", position, single_.global_position));
  }
  is_batch_ = false;
  compressed_ = false;
  first_position_ = position;
  count_ = 1;
  return Status::OK();
}

Status StoredRecord::Inflate(uint64_t position, std::string_view* body) {
  if (!zstd_) zstd_ = std::make_unique<ZstdDecompressor>();
  uint64_t size = 0;
  Status s = ZstdDecompressor::ContentSize(*body, log::kMaxInflatedBatchBytes, &size);
  if (s.ok()) {
    inflated_.resize((size + 7) / 8);
    s = zstd_->Decompress(*body, reinterpret_cast<char*>(inflated_.data()), size);
  }
  if (!s.ok()) {
    return Status::Corruption(fmt::format("record at position {}: {}", position, s.message()));
  }
  *body = std::string_view(reinterpret_cast<const char*>(inflated_.data()), size);
  return Status::OK();
}

void StoredRecord::Event(uint32_t i, EnvelopeView* out) {
  if (is_batch_) {
    batch_.Event(i, out, &scratch_);
  } else {
    *out = single_;
  }
}

Status ReadEventAt(lmdb::Txn* txn, lmdb::Dbi events_db, uint64_t position, StoredRecord* record,
                   EnvelopeView* event) {
  lmdb::Cursor c;
  SLUICE_RETURN_IF_ERROR(c.Open(txn, events_db));
  bool found = c.Seek(BigEndianKey(position).view());
  if (!found) {
    found = c.Last();
  } else if (log::DecodePosition(c.key()) != position) {
    found = c.Prev();
  }
  SLUICE_RETURN_IF_ERROR(c.status());
  if (!found) return Status::NotFound(fmt::format("no event at position {}", position));
  const uint64_t key = log::DecodePosition(c.key());
  SLUICE_RETURN_IF_ERROR(record->Parse(key, c.value()));
  if (position < record->first_position() || position > record->last_position()) {
    return Status::NotFound(fmt::format("no event at position {}", position));
  }
  if (event) record->Event(static_cast<uint32_t>(position - key), event);
  return Status::OK();
}

}  // namespace sluice
