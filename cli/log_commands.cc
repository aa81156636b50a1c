#include "cli/log_commands.h"

#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/time_util.h"
#include "cli/log_append.h"
#include "codecs/envelope.h"
#include "codecs/json.h"
#include "codecs/record_codec.h"
#include "codecs/zstd_codec.h"
#include "storage/event_log.h"

namespace sluice::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::atomic<bool> g_interrupted{false};

int Fail(const Status& s) {
  fmt::print(stderr, "sluice: {}\n", s.ToString());
  return s.IsInvalidArgument() ? kExitUsage : kExitFailure;
}

// Opens an existing log (never creates one).
std::unique_ptr<EventLog> OpenOrReport(const std::string& dir, bool read_only, int* code) {
  LogOptions o;
  o.read_only = read_only;
  o.create_if_missing = false;
  std::unique_ptr<EventLog> log;
  Status s = EventLog::Open(o, dir, &log);
  if (!s.ok()) *code = Fail(s);
  return log;
}

// ---- log read ----

struct ReadArgs {
  std::string log, from = "beginning", stream;
  std::vector<std::string> types;
  uint64_t limit = 0;  // 0 = no limit
  bool follow = false;
};

void AppendId(const char* name, const EventId& id, std::string* out) {
  if (id.empty()) return;
  out->append(fmt::format(",\"{}\":\"{}\"", name, id.ToString()));
}

// One event as a JSON object (see docs/log.md).
void EventToJson(const EnvelopeView& e, std::string* out) {
  out->clear();
  out->append(fmt::format("{{\"position\":{},\"stream\":", e.global_position));
  AppendJsonString(e.stream_id, out);
  out->append(fmt::format(",\"version\":{},\"type\":", e.stream_version));
  AppendJsonString(e.event_type, out);
  out->append(fmt::format(",\"id\":\"{}\"", e.event_id.ToString()));
  out->append(",\"event_time\":");
  AppendJsonString(FormatIso(e.event_time_us), out);
  out->append(",\"append_time\":");
  AppendJsonString(FormatIso(e.append_time_us), out);
  out->append(fmt::format(",\"schema_version\":{}", e.schema_version));
  AppendId("correlation_id", e.correlation_id, out);
  AppendId("causation_id", e.causation_id, out);
  if (!e.content_type.empty()) {
    out->append(",\"content_type\":");
    AppendJsonString(e.content_type, out);
  }
  out->append(",\"payload\":");
  size_t mark = out->size();
  if (e.content_type == kRecordContentType && RecordToJson(e.payload, out).ok()) {
    // done
  } else {
    out->resize(mark);
    std::string hex;
    hex.reserve(e.payload.size() * 2);
    for (unsigned char c : e.payload) hex += fmt::format("{:02x}", c);
    out->append("{\"hex\":\"" + hex + "\"}");
  }
  out->push_back('}');
}

int RunRead(const ReadArgs& a) {
  ReadOptions ro;
  ro.stream = a.stream;
  ro.types = a.types;
  if (a.from != "beginning") {
    uint64_t pos = 0;
    int64_t us = 0;
    auto [p, ec] = std::from_chars(a.from.data(), a.from.data() + a.from.size(), pos);
    if (ec == std::errc() && p == a.from.data() + a.from.size()) {
      if (a.stream.empty()) {
        ro.from_position = pos;
      } else {
        ro.from_version = pos;  // with --stream, --from is a stream version
      }
    } else if (ParseTimestamp(a.from, TimeUnit::kIso, &us)) {
      ro.min_event_time = us;
    } else {
      return Fail(Status::InvalidArgument(
          fmt::format("--from '{}' is neither a position nor an ISO-8601 time", a.from)));
    }
  }
  int code = 0;
  auto log = OpenOrReport(a.log, true, &code);
  if (!log) return code;
  std::unique_ptr<LogIterator> it;
  Status s = log->NewIterator(ro, &it);
  if (!s.ok()) return Fail(s);
  std::signal(SIGINT, [](int) { g_interrupted = true; });
  std::string line;
  uint64_t printed = 0;
  for (;;) {
    for (; it->Valid(); it->Next()) {
      if (a.limit && printed >= a.limit) return 0;
      EventToJson(it->event(), &line);
      line.push_back('\n');
      std::fwrite(line.data(), 1, line.size(), stdout);
      ++printed;
    }
    if (!it->status().ok()) {
      std::fflush(stdout);
      return Fail(it->status());
    }
    if (!a.follow || g_interrupted) break;
    std::fflush(stdout);
    it->Release();
    Result<uint64_t> lastpos = log->LastPosition();
    log->WaitForAppend(lastpos.ok() ? *lastpos : 0, 200);
    if (g_interrupted) break;
    s = it->Refresh();
    if (!s.ok()) return Fail(s);
  }
  return g_interrupted ? 130 : 0;
}

// ---- stats, verify, truncate ----

std::string TimeText(TimeUs t) { return t == 0 ? "-" : FormatIso(t); }

int RunStats(const std::string& dir) {
  int code = 0;
  auto log = OpenOrReport(dir, true, &code);
  if (!log) return code;
  LogStats st;
  Status s = log->GetStats(&st);
  if (!s.ok()) return Fail(s);
  fmt::print("events            {}\n", st.events);
  fmt::print("batches           {}\n", st.batches);
  if (st.batches > 0) {
    fmt::print("events per batch  {:.1f}\n",
               static_cast<double>(st.events) / static_cast<double>(st.batches));
  }
  fmt::print("streams           {}\n", st.streams);
  fmt::print("first position    {}\n", st.first_position);
  fmt::print("last position     {}\n", st.last_position);
  fmt::print("next position     {}\n", st.next_position);
  fmt::print("first event time  {}\n", TimeText(st.first_event_time));
  fmt::print("last event time   {}\n", TimeText(st.last_event_time));
  fmt::print("first append time {}\n", TimeText(st.first_append_time));
  fmt::print("last append time  {}\n", TimeText(st.last_append_time));
  fmt::print("events bytes      {}\n", st.events_bytes);
  fmt::print("index bytes       {}\n", st.index_bytes);
  fmt::print("used bytes        {}\n", st.used_bytes);
  fmt::print("file bytes        {} ({} on disk)\n", st.file_bytes, st.disk_bytes);
  fmt::print("map size          {}\n", st.map_size);
  if (st.events > 0) {
    fmt::print("bytes per event   {:.1f}\n",
               static_cast<double>(st.events_bytes + st.index_bytes) / st.events);
  }
  fmt::print("compressed        {} of {} batches (zstd)\n", st.compressed_batches, st.batches);
  if (st.record_bytes > 0) {
    fmt::print("compression ratio {:.2f} ({} bytes of records, {} inflated)\n",
               static_cast<double>(st.inflated_bytes) / static_cast<double>(st.record_bytes),
               st.record_bytes, st.inflated_bytes);
  }
  return 0;
}

int RunVerify(const std::string& dir) {
  LogOptions o;
  o.read_only = true;
  std::unique_ptr<EventLog> log;
  Status open = EventLog::Open(o, dir, &log);
  if (open.IsCorruption()) {
    // LMDB's own pages are damaged (or the file is cut short): no record can be checked.
    fmt::print(stderr,
               "sluice: log '{}' is corrupt: {}\nhint: the damage is below the records, so "
               "`sluice log truncate` cannot repair it; restore the log from a backup "
               "(`mdb_copy -c` takes one while writers run)\n",
               dir, open.message());
    return kExitFailure;
  }
  if (!open.ok()) return Fail(open);
  uint64_t checked = 0, events = 0;
  Status s = log->Verify(
      [](uint64_t pos, const Status& problem) {
        fmt::print("position {}: {}\n", pos, problem.message());
      },
      &checked, &events);
  if (s.IsCorruption()) {
    fmt::print(stderr, "sluice: log '{}' is corrupt: {}\n", dir, s.message());
    return kExitFailure;
  }
  if (!s.ok()) return Fail(s);
  fmt::print("ok: {} events in {} record(s) checked\n", events, checked);
  return 0;
}

struct TruncateArgs {
  std::string log;
  uint64_t before = 0;  // 0 = not given
  bool all = false;
};

// Removing every event takes --all: a --before past the end is refused, since a mistyped
// position would otherwise empty the log without a word.
int RunTruncate(const TruncateArgs& a) {
  if ((a.before == 0) == !a.all) {
    return Fail(Status::InvalidArgument(
        "log truncate: give either --before N (the first position to keep) or --all"));
  }
  int code = 0;
  auto log = OpenOrReport(a.log, false, &code);
  if (!log) return code;
  LogStats st;
  Status s = log->GetStats(&st);
  if (!s.ok()) return Fail(s);
  if (!a.all && st.events > 0 && a.before > st.last_position) {
    fmt::print(stderr,
               "sluice: refusing to truncate: --before {} is past the last position ({}), so all "
               "{} events would be removed. To remove every event, run `sluice log truncate {} "
               "--all`\n",
               a.before, st.last_position, st.events, a.log);
    return kExitUsage;
  }
  const uint64_t before = a.all ? st.next_position : a.before;
  uint64_t removed = 0;
  s = log->Truncate(before, &removed);
  if (!s.ok()) return Fail(s);
  fmt::print("removed {} events before position {}\n", removed, before);
  return 0;
}

int RunSchemaCheck(const std::string& old_fbs, const std::string& new_fbs) {
  Result<SchemaCheck> r = CheckSchemaEvolution(old_fbs, new_fbs);
  if (!r.ok()) {
    fmt::print(stderr, "sluice: {}\n", r.status().message());
    return kExitUsage;
  }
  if (!r->compatible) {
    fmt::print("incompatible: {} cannot read data written with {}: {}\n", new_fbs, old_fbs,
               r->reason);
    return kExitFailure;
  }
  fmt::print("compatible: {} reads data written with {}\n", new_fbs, old_fbs);
  return 0;
}

}  // namespace

void AddLogCommands(CLI::App& app, int* exit_code) {
  CLI::App* logcmd = app.add_subcommand("log", "Append to, read, check and trim event logs");
  logcmd->require_subcommand(1);

  auto ap = std::make_shared<AppendArgs>();
  CLI::App* append = logcmd->add_subcommand(
      "append", "Append the records of a CSV or JSON-lines file to a stream, one event each");
  append->add_option("LOG", ap->log, "Log directory (created when missing)")->required();
  append->add_option("FILE", ap->input, "Input file; - for standard input")->capture_default_str();
  append->add_option("--stream", ap->stream, "Stream to append to")->required();
  append->add_option("--type", ap->type, "Event type of the appended events")->required();
  append->add_option("--format", ap->format, "csv or jsonl (default: from the file name)");
  append->add_option("--schema", ap->schema,
                     "Fields to read, e.g. \"user:string,ts:timestamp_ms,amount:double\" "
                     "(default: inferred from the header and first records of FILE)");
  append->add_option("--event-time", ap->event_time, "Timestamp field holding event time");
  append->add_option("--dead-letter", ap->dead_letter,
                     "Where malformed records go, appended (default LOG.dlq.jsonl)");
  append
      ->add_option("--batch-size", ap->batch_size,
                   "Rows per commit (default 4096); each commit is durable, so larger batches "
                   "append faster (a file input killed mid-batch goes on from its last commit)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  append
      ->add_option("--compression", ap->compression,
                   "How the appended batches are stored: none or zstd (smaller, slower)")
      ->check(CLI::IsMember({"none", "zstd"}))
      ->capture_default_str();
  append
      ->add_option("--compression-level", ap->compression_level,
                   "zstd level: higher is smaller and slower")
      ->check(CLI::Range(kZstdMinLevel, kZstdMaxLevel))
      ->capture_default_str();
  append->add_flag("--from-scratch", ap->from_scratch,
                   "Append the whole file, ignoring how far earlier appends of it got");
  append->callback([ap, exit_code] { *exit_code = RunAppend(*ap); });

  auto rd = std::make_shared<ReadArgs>();
  CLI::App* read = logcmd->add_subcommand("read", "Print events as JSON lines");
  read->add_option("LOG", rd->log, "Log directory")->required();
  read->add_option("--from", rd->from,
                   "Global position (stream version with --stream), or an ISO-8601 event time")
      ->capture_default_str();
  read->add_option("--stream", rd->stream, "Only this stream, in version order");
  read->add_option("--type", rd->types, "Only this event type (repeatable)");
  read->add_option("--limit", rd->limit, "Stop after this many events (0 = all)");
  read->add_flag("--follow", rd->follow, "Keep waiting for new events (Ctrl-C stops)");
  read->callback([rd, exit_code] { *exit_code = RunRead(*rd); });

  auto dir = std::make_shared<std::string>();
  CLI::App* stats = logcmd->add_subcommand("stats", "Counts, positions, times and sizes");
  stats->add_option("LOG", *dir, "Log directory")->required();
  stats->callback([dir, exit_code] { *exit_code = RunStats(*dir); });

  auto vdir = std::make_shared<std::string>();
  CLI::App* verify = logcmd->add_subcommand(
      "verify", "Check every record (checksum, envelope, indexes); exit 1 naming bad positions");
  verify->add_option("LOG", *vdir, "Log directory")->required();
  verify->callback([vdir, exit_code] { *exit_code = RunVerify(*vdir); });

  auto ta = std::make_shared<TruncateArgs>();
  CLI::App* trunc = logcmd->add_subcommand(
      "truncate",
      "Remove events before a position (retention); positions and versions are not reused");
  trunc->add_option("LOG", ta->log, "Log directory")->required();
  trunc->add_option("--before", ta->before,
                    "First position to keep (refused when past the last event: use --all)");
  trunc->add_flag("--all", ta->all, "Remove every event");
  trunc->callback([ta, exit_code] { *exit_code = RunTruncate(*ta); });

  CLI::App* schema = app.add_subcommand("schema", "FlatBuffers schema tools");
  schema->require_subcommand(1);
  auto files = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* check = schema->add_subcommand(
      "check", "Exit 0 when NEW.fbs can read what OLD.fbs wrote (flatc --conform), 1 when not");
  check->add_option("OLD", files->first, "Schema the data was written with")->required();
  check->add_option("NEW", files->second, "Schema that will read it")->required();
  check->callback([files, exit_code] { *exit_code = RunSchemaCheck(files->first, files->second); });
}

}  // namespace sluice::cli
