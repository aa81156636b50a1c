#include "operators/nexmark_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "codecs/state_codec.h"
#include "operators/csv_source.h"

namespace sluice {
namespace {

constexpr uint32_t kPositionVersion = 1;

Status DecodePosition(std::string_view in, uint64_t* next) {
  StateReader r(in, "nexmark source position");
  uint32_t version = 0;
  r.ReadHeader(kStateNexmarkSource, kPositionVersion, &version);
  *next = r.Varint();
  r.ExpectEnd();
  return r.status();
}

}  // namespace

NexmarkSource::NexmarkSource(NexmarkTable table, uint64_t events, const NexmarkConfig& config,
                             SourceOptions options, uint64_t rate, int64_t max_batch_delay_us)
    : table_(table),
      events_(events),
      config_(config),
      generator_(std::make_unique<NexmarkGenerator>(config)),
      options_(std::move(options)),
      rate_(rate),
      max_batch_delay_us_(max_batch_delay_us) {}

Status NexmarkSource::Open() {
  if (rate_ == 0) return Status::OK();
  NexmarkConfig paced = config_;
  paced.rate = rate_;
  generator_ = std::make_unique<NexmarkGenerator>(paced);  // takes milliseconds: before the start
  // Event 0 is due at the next whole millisecond of the wall clock, its date_time: so an event's
  // date_time is never after it is due, and at most 1 ms before. Sources of one run share it.
  std::shared_ptr<PaceClock> pace = options_.pace ? options_.pace : std::make_shared<PaceClock>();
  std::call_once(pace->once, [&] {
    using std::chrono::milliseconds;
    using std::chrono::system_clock;
    pace->base_ms =
        std::chrono::duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() +
        1;
    std::this_thread::sleep_until(system_clock::time_point(milliseconds(pace->base_ms)));
    pace->start = std::chrono::steady_clock::now();
  });
  start_ = pace->start;
  generator_->set_base_time_ms(pace->base_ms);
  return Status::OK();
}

uint64_t NexmarkSource::WaitForDue() const {
  using std::chrono::microseconds;
  const uint64_t first = NexmarkGenerator::NextOf(table_, next_);
  if (first >= events_) return events_;
  auto due_us = [&](uint64_t n) {
    return static_cast<int64_t>((static_cast<unsigned __int128>(n) * 1'000'000) / rate_);
  };
  // The batch is full once the event of its last row is due.
  uint64_t full = first;
  const uint64_t before = NexmarkGenerator::CountBefore(table_, first);
  while (full < events_ &&
         NexmarkGenerator::CountBefore(table_, full + 1) - before < options_.batch_size) {
    full = NexmarkGenerator::NextOf(table_, full + 1);
  }
  const int64_t send_at =
      std::min(due_us(std::min(full, events_ - 1)), due_us(first) + max_batch_delay_us_);
  const auto now_us = [&] {
    return std::chrono::duration_cast<microseconds>(std::chrono::steady_clock::now() - start_)
        .count();
  };
  for (int64_t now = now_us(); now < send_at; now = now_us()) {
    std::this_thread::sleep_for(microseconds(std::min<int64_t>(send_at - now, 10'000)));
  }
  // Every event due by now: n * 10^6 / rate <= now.
  const uint64_t due =
      static_cast<uint64_t>((static_cast<unsigned __int128>(now_us()) * rate_) / 1'000'000) + 1;
  return std::min(due, events_);
}

Status NexmarkSource::Next(Batch* batch, bool* eof) {
  const uint64_t end = rate_ > 0 ? WaitForDue() : events_;
  generator_->Fill(table_, &next_, end, options_.batch_size, batch);
  if (options_.event_time_index < 0) std::fill(batch->ts.begin(), batch->ts.end(), 0);
  batch->source_position = next_;
  *eof = NexmarkGenerator::NextOf(table_, next_) >= events_;
  return Status::OK();
}

Status NexmarkSource::SavePosition(std::string* out) const {
  StateWriter w(out);
  w.PutHeader(kStateNexmarkSource, kPositionVersion);
  w.PutVarint(next_);
  return Status::OK();
}

Status NexmarkSource::RestorePosition(std::string_view in) {
  uint64_t next = 0;
  SLUICE_RETURN_IF_ERROR(DecodePosition(in, &next));
  if (next > events_) {
    return Status::InvalidArgument(
        fmt::format("nexmark source: the checkpointed position (event {}) is past its {} events",
                    next, events_));
  }
  next_ = next;
  return Status::OK();
}

std::string NexmarkSource::DescribePosition(std::string_view saved) const {
  uint64_t next = 0;
  if (!DecodePosition(saved, &next).ok()) return "";
  return fmt::format("event {}", next);
}

Result<std::unique_ptr<Source>> MakeNexmarkSource(const SourceSpec& spec,
                                                  const SourceOptions& options) {
  auto table = ParseNexmarkTable(spec.table);
  if (!table.ok()) return table.status();
  const Schema expected = NexmarkSchema(*table);
  if (!(options.schema == expected)) {
    return Status::InvalidArgument(
        fmt::format("nexmark source: the {} table's schema is ({}), got ({})", spec.table,
                    expected.ToString(), options.schema.ToString()));
  }
  if (!spec.path.empty() && spec.rate > 0) {
    return Status::InvalidArgument(
        "nexmark source: 'rate' paces the generator; it does not apply to files ('dir')");
  }
  if (!spec.path.empty()) {
    SourceSpec csv = spec;
    csv.type = "csv";
    csv.path = spec.path + "/" + spec.table + ".csv";
    csv.delimiter = ',';
    SourceOptions o = options;
    o.name = csv.path;
    return std::unique_ptr<Source>(std::make_unique<CsvSource>(csv, std::move(o)));
  }
  NexmarkConfig config;
  config.seed = spec.seed;
  return std::unique_ptr<Source>(
      std::make_unique<NexmarkSource>(*table, spec.events, config, options, spec.rate,
                                      spec.max_batch_delay));
}

}  // namespace sluice
