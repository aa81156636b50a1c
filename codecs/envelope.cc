#include "codecs/envelope.h"

#include <atomic>
#include <chrono>
#include <random>

#include <fmt/format.h>

#include "codecs/schema/envelope_generated.h"

namespace sluice {
namespace {

fb::EventId ToFb(const EventId& id) { return fb::EventId(id.hi, id.lo); }
EventId FromFb(const fb::EventId* id) { return id ? EventId{id->hi(), id->lo()} : EventId{}; }

std::string_view View(const flatbuffers::String* s) {
  return s ? std::string_view(s->data(), s->size()) : std::string_view();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string EventId::ToString() const { return fmt::format("{:016x}{:016x}", hi, lo); }

Result<EventId> EventId::Parse(std::string_view text) {
  EventId id;
  int digits = 0;
  for (char c : text) {
    if (c == '-') continue;
    int d = HexDigit(c);
    if (d < 0 || digits >= 32) {
      return Status::InvalidArgument(fmt::format("'{}' is not a 128-bit hex id", text));
    }
    uint64_t& word = digits < 16 ? id.hi : id.lo;
    word = (word << 4) | static_cast<uint64_t>(d);
    ++digits;
  }
  if (digits != 32) return Status::InvalidArgument(fmt::format("'{}' is not a 128-bit hex id", text));
  return id;
}

EventId EventId::Generate() {
  static const uint64_t process_random = [] {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd();
  }();
  static std::atomic<uint64_t> counter{process_random};
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  // 44 bits of milliseconds last until the year 2527; 20 random bits tell processes apart.
  EventId id;
  id.hi = (ms << 20) | (process_random >> 44);
  id.lo = counter.fetch_add(1, std::memory_order_relaxed);
  if (id.empty()) id.lo = 1;
  return id;
}

void EncodeEnvelope(const EnvelopeView& e, flatbuffers::FlatBufferBuilder* fbb) {
  fbb->Clear();
  auto stream = fbb->CreateString(e.stream_id.data(), e.stream_id.size());
  auto type = fbb->CreateString(e.event_type.data(), e.event_type.size());
  auto payload = fbb->CreateVector(reinterpret_cast<const uint8_t*>(e.payload.data()),
                                   e.payload.size());
  flatbuffers::Offset<flatbuffers::String> content;
  if (!e.content_type.empty()) {
    content = fbb->CreateString(e.content_type.data(), e.content_type.size());
  }
  fb::EnvelopeBuilder b(*fbb);
  fb::EventId id = ToFb(e.event_id);
  b.add_event_id(&id);
  b.add_stream_id(stream);
  b.add_stream_version(e.stream_version);
  b.add_global_position(e.global_position);
  b.add_event_type(type);
  b.add_schema_version(e.schema_version);
  b.add_event_time_us(e.event_time_us);
  b.add_payload(payload);
  b.add_append_time_us(e.append_time_us);
  fb::EventId corr = ToFb(e.correlation_id), cause = ToFb(e.causation_id);
  if (!e.correlation_id.empty()) b.add_correlation_id(&corr);
  if (!e.causation_id.empty()) b.add_causation_id(&cause);
  if (!e.content_type.empty()) b.add_content_type(content);
  fb::FinishEnvelopeBuffer(*fbb, b.Finish());
}

Status DecodeEnvelope(const char* data, size_t n, EnvelopeView* out) {
  const auto* buf = reinterpret_cast<const uint8_t*>(data);
  // LMDB keeps values 2-byte aligned only, so alignment is not checked; x86-64 and AArch64 read
  // unaligned scalars correctly.
  flatbuffers::Verifier::Options opts;
  opts.check_alignment = false;
  flatbuffers::Verifier verifier(buf, n, opts);
  if (n < 8 || !fb::EnvelopeBufferHasIdentifier(buf)) {
    return Status::Corruption("not an envelope (bad file identifier)");
  }
  if (!fb::VerifyEnvelopeBuffer(verifier)) {
    return Status::Corruption("envelope fails FlatBuffers verification");
  }
  const fb::Envelope* e = fb::GetEnvelope(buf);
  out->event_id = FromFb(e->event_id());
  out->stream_id = View(e->stream_id());
  out->stream_version = e->stream_version();
  out->global_position = e->global_position();
  out->event_type = View(e->event_type());
  out->schema_version = e->schema_version();
  out->event_time_us = e->event_time_us();
  out->append_time_us = e->append_time_us();
  out->correlation_id = FromFb(e->correlation_id());
  out->causation_id = FromFb(e->causation_id());
  out->content_type = View(e->content_type());
  const auto* p = e->payload();
  out->payload = p ? std::string_view(reinterpret_cast<const char*>(p->data()), p->size())
                   : std::string_view();
  return Status::OK();
}

}  // namespace sluice
