#include <doctest/doctest.h>
#include <flatbuffers/flatbuffers.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "codecs/envelope.h"

namespace sluice {
namespace {

EnvelopeView FullEnvelope(std::string_view payload) {
  EnvelopeView e;
  e.event_id = EventId{0x0123456789abcdefULL, 0x1122334455667788ULL};
  e.stream_id = "order-17";
  e.stream_version = 3;
  e.global_position = 42;
  e.event_type = "OrderPlaced";
  e.schema_version = 2;
  e.event_time_us = -5;  // before the epoch
  e.append_time_us = 1714564800250000;
  e.correlation_id = EventId{9, 10};
  e.causation_id = EventId{11, 12};
  e.content_type = kJsonContentType;
  e.payload = payload;
  return e;
}

TEST_CASE("envelope: every field survives encode and decode") {
  std::string payload("a\0b", 3);
  EnvelopeView in = FullEnvelope(payload);
  flatbuffers::FlatBufferBuilder fbb;
  EncodeEnvelope(in, &fbb);
  std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  EnvelopeView out;
  REQUIRE(DecodeEnvelope(bytes.data(), bytes.size(), &out).ok());
  CHECK(out.event_id == in.event_id);
  CHECK(out.stream_id == "order-17");
  CHECK(out.stream_version == 3);
  CHECK(out.global_position == 42);
  CHECK(out.event_type == "OrderPlaced");
  CHECK(out.schema_version == 2);
  CHECK(out.event_time_us == -5);
  CHECK(out.append_time_us == 1714564800250000);
  CHECK(out.correlation_id == EventId{9, 10});
  CHECK(out.causation_id == EventId{11, 12});
  CHECK(out.content_type == kJsonContentType);
  CHECK(out.payload == payload);
}

TEST_CASE("envelope: absent optional fields decode as empty") {
  EnvelopeView in;
  in.stream_id = "s";
  in.event_type = "T";
  flatbuffers::FlatBufferBuilder fbb;
  EncodeEnvelope(in, &fbb);
  EnvelopeView out;
  REQUIRE(DecodeEnvelope(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize(), &out)
              .ok());
  CHECK(out.correlation_id.empty());
  CHECK(out.causation_id.empty());
  CHECK(out.content_type.empty());
  CHECK(out.payload.empty());
}

TEST_CASE("envelope: decoding at an odd address works") {
  flatbuffers::FlatBufferBuilder fbb;
  EncodeEnvelope(FullEnvelope("xyz"), &fbb);
  std::string bytes =
      "!" + std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  EnvelopeView out;
  REQUIRE(DecodeEnvelope(bytes.data() + 1, bytes.size() - 1, &out).ok());
  CHECK(out.payload == "xyz");
}

TEST_CASE("envelope: truncated or garbled bytes are corruption and never read") {
  flatbuffers::FlatBufferBuilder fbb;
  EncodeEnvelope(FullEnvelope("payload"), &fbb);
  std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  EnvelopeView out;
  // A cut either fails verification or removes only trailing padding: never a garbled read.
  int rejected = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    Status s = DecodeEnvelope(bytes.data(), n, &out);
    if (s.IsCorruption()) {
      ++rejected;
      continue;
    }
    REQUIRE(s.ok());
    CHECK(out.payload == "payload");
    CHECK(out.stream_id == "order-17");
  }
  CHECK(rejected >= static_cast<int>(bytes.size()) - 8);
  std::string wrong_id = bytes;
  wrong_id[4] = 'X';  // file identifier
  CHECK(DecodeEnvelope(wrong_id.data(), wrong_id.size(), &out).IsCorruption());
  std::string bad_root = bytes;
  bad_root[0] = '\x7f';
  bad_root[1] = '\x7f';  // root offset points outside the buffer
  CHECK(DecodeEnvelope(bad_root.data(), bad_root.size(), &out).IsCorruption());
}

TEST_CASE("event id: text form round trip and generated ids differ and grow") {
  EventId id{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  CHECK(id.ToString() == "0123456789abcdeffedcba9876543210");
  Result<EventId> parsed = EventId::Parse("01234567-89ab-cdef-fedc-ba9876543210");
  REQUIRE(parsed.ok());
  CHECK(*parsed == id);
  CHECK_FALSE(EventId::Parse("0123").ok());
  CHECK_FALSE(EventId::Parse("0123456789abcdeffedcba987654321g").ok());
  EventId a = EventId::Generate(), b = EventId::Generate();
  CHECK_FALSE(a.empty());
  CHECK(a != b);
  CHECK(a < b);
}

TEST_CASE("event id: a forked child does not repeat the parent's ids") {
  EventId before = EventId::Generate();  // state initialized before the fork
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    EventId child = EventId::Generate();
    ssize_t n = ::write(fds[1], &child, sizeof(child));
    _exit(n == sizeof(child) ? 0 : 1);
  }
  ::close(fds[1]);
  EventId parent = EventId::Generate();
  EventId child;
  REQUIRE(::read(fds[0], &child, sizeof(child)) == static_cast<ssize_t>(sizeof(child)));
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(child != parent);
  CHECK(child != before);
  CHECK(child.lo != parent.lo);
}

}  // namespace
}  // namespace sluice
