#include "codecs/envelope.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "codecs/schema/envelope_generated.h"

namespace sluice {
namespace {

fb::EventId ToFb(const EventId& id) { return fb::EventId(id.hi, id.lo); }
EventId FromFb(const fb::EventId* id) {
  return id == nullptr ? EventId{} : EventId{id->hi(), id->lo()};
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
  if (digits != 32)
    return Status::InvalidArgument(fmt::format("'{}' is not a 128-bit hex id", text));
  return id;
}

namespace {

// Per-process id state. A forked child reseeds (pthread_atfork), or parent and child would hand
// out the same ids.
struct IdState {
  std::atomic<uint64_t> random{0};
  std::atomic<uint64_t> counter{0};
  void Seed() {
    std::random_device rd;
    uint64_t r = (uint64_t{rd()} << 32) ^ rd() ^ static_cast<uint64_t>(::getpid());
    random.store(r);
    counter.store(r * 0x9e3779b97f4a7c15ULL);
  }
  IdState() {
    Seed();
    ::pthread_atfork(nullptr, nullptr, [] { State().Seed(); });
  }
  static IdState& State() {
    static IdState state;
    return state;
  }
};

}  // namespace

EventId EventId::Generate() { return GenerateBlock(1); }

EventId EventId::GenerateBlock(uint64_t n) {
  IdState& st = IdState::State();
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  // 44 bits of milliseconds last until the year 2527; 20 random bits tell processes apart, and
  // the counter (random start) keeps ids unique within a process.
  EventId id;
  id.hi = (ms << 20) | (st.random.load(std::memory_order_relaxed) >> 44);
  id.lo = st.counter.fetch_add(n, std::memory_order_relaxed);
  // A block that would wrap around lo starts again at 1 (the skipped ids are never handed out).
  while (id.lo == 0 || id.lo > UINT64_MAX - n) {
    id.lo = st.counter.fetch_add(n, std::memory_order_relaxed);
  }
  return id;
}

void EncodeEnvelope(const EnvelopeView& e, flatbuffers::FlatBufferBuilder* fbb) {
  fbb->Clear();
  auto stream = fbb->CreateString(e.stream_id.data(), e.stream_id.size());
  auto type = fbb->CreateString(e.event_type.data(), e.event_type.size());
  auto payload =
      fbb->CreateVector(reinterpret_cast<const uint8_t*>(e.payload.data()), e.payload.size());
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

// Alignment of a finished envelope's start: FlatBufferBuilder pads the buffer to its largest
// scalar (the 8-byte ids and ulong fields), so every field sits at an offset aligned to its size.
constexpr size_t kEnvelopeAlign = 8;

Status DecodeEnvelope(const char* data, size_t n, EnvelopeView* out) {
  if (n < 8) return Status::Corruption("not an envelope (bad file identifier)");
  // A record's envelope starts kHeaderSize (5) bytes into its LMDB value, which LMDB keeps only
  // 2-byte aligned, so the bytes are usually misaligned. FlatBuffers reads scalars in place
  // (ReadScalar dereferences a T*), so they are verified and read in an aligned copy instead, with
  // the verifier's alignment check on: every scalar it lets through is then read aligned. The
  // string and payload views handed out point at the same offsets in the caller's bytes.
  const char* base = data;
  if (reinterpret_cast<uintptr_t>(data) % kEnvelopeAlign != 0) {
    thread_local std::vector<uint64_t> scratch;
    scratch.resize((n + sizeof(uint64_t) - 1) / sizeof(uint64_t));
    std::memcpy(scratch.data(), data, n);
    base = reinterpret_cast<const char*>(scratch.data());
  }
  const auto* buf = reinterpret_cast<const uint8_t*>(base);
  if (!fb::EnvelopeBufferHasIdentifier(buf)) {
    return Status::Corruption("not an envelope (bad file identifier)");
  }
  flatbuffers::Verifier verifier(buf, n);
  if (!fb::VerifyEnvelopeBuffer(verifier)) {
    return Status::Corruption("envelope fails FlatBuffers verification");
  }
  // Maps a view into the aligned bytes back to the caller's bytes.
  auto view = [&](const char* p, size_t len) { return std::string_view(data + (p - base), len); };
  auto str = [&](const flatbuffers::String* s) {
    return s ? view(s->c_str(), s->size()) : std::string_view();
  };
  const fb::Envelope* e = fb::GetEnvelope(buf);
  out->event_id = FromFb(e->event_id());
  out->stream_id = str(e->stream_id());
  out->stream_version = e->stream_version();
  out->global_position = e->global_position();
  out->event_type = str(e->event_type());
  out->schema_version = e->schema_version();
  out->event_time_us = e->event_time_us();
  out->append_time_us = e->append_time_us();
  out->correlation_id = FromFb(e->correlation_id());
  out->causation_id = FromFb(e->causation_id());
  out->content_type = str(e->content_type());
  const auto* p = e->payload();
  out->payload = p ? view(reinterpret_cast<const char*>(p->data()), p->size()) : std::string_view();
  return Status::OK();
}

#ifndef SLUICE_FLATC
#define SLUICE_FLATC "flatc"
#endif

namespace {

// Runs argv, returning its exit status and combined stdout/stderr.
Status RunCapture(const std::vector<std::string>& args, int* exit_status, std::string* output) {
  int fds[2];
  if (::pipe(fds) != 0) return Status::IOError(fmt::format("pipe: {}", std::strerror(errno)));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Status::IOError(fmt::format("cannot run {}: {}", args[0], std::strerror(rc)));
  }
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) output->append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return Status::OK();
}

std::string FirstErrorLine(const std::string& out) {
  size_t at = out.find("error:");
  std::string rest = at == std::string::npos ? out : out.substr(at + 6);
  size_t b = rest.find_first_not_of(" \n\t");
  if (b == std::string::npos) return "flatc failed";
  rest = rest.substr(b);
  return rest.substr(0, rest.find('\n'));
}

}  // namespace

Result<SchemaCheck> CheckSchemaEvolution(const std::string& old_fbs, const std::string& new_fbs) {
  for (const std::string* f : {&old_fbs, &new_fbs}) {
    struct stat st;
    if (::stat(f->c_str(), &st) != 0) {
      return Status::NotFound(fmt::format("cannot read schema '{}': {}", *f, std::strerror(errno)));
    }
  }
  // Each file must parse on its own, so a syntax error is not reported as an incompatibility.
  for (const std::string* f : {&old_fbs, &new_fbs}) {
    int code = 0;
    std::string out;
    SLUICE_RETURN_IF_ERROR(RunCapture({SLUICE_FLATC, "--conform", *f, *f}, &code, &out));
    if (code != 0) {
      return Status::InvalidArgument(
          fmt::format("schema '{}' does not parse: {}", *f, FirstErrorLine(out)));
    }
  }
  int code = 0;
  std::string out;
  SLUICE_RETURN_IF_ERROR(RunCapture({SLUICE_FLATC, "--conform", old_fbs, new_fbs}, &code, &out));
  SchemaCheck check;
  check.compatible = code == 0;
  if (!check.compatible) {
    std::string line = FirstErrorLine(out);
    constexpr std::string_view kPrefix = "schemas don't conform: ";
    if (line.rfind(kPrefix, 0) == 0) line = line.substr(kPrefix.size());
    check.reason = line;
  }
  return check;
}

}  // namespace sluice
