// Event log benchmark: append throughput (group commit, durable and not), the same events in
// SQLite (WAL mode, one transaction per batch), raw scan throughput, and bytes on disk per event.
//
//   bench_log_bench                      # the table, on SLUICE_LOG_BENCH_EVENTS events (10M)
//   SLUICE_LOG_BENCH_EVENTS=200000 bench_log_bench   # a quick run
//   bench_log_bench --benchmark_filter=BM_  # per-record micro-benchmarks (codec, CRC) as well
//   bench_log_bench --json FILE --markdown FILE  # the table's figures as JSON (with the machine
//                                                # and date) and as the table of docs/log.md
// Environment: SLUICE_LOG_BENCH_EVENTS (events per run), SLUICE_LOG_BENCH_SINGLE (one-event
// appends per single-event run, default 3200), SLUICE_LOG_BENCH_BATCH (events per
// append, default 4096), SLUICE_LOG_BENCH_DIR (scratch directory, default /tmp).
// Events: ~100-byte record payloads, 100 streams, generated ids.
#include <benchmark/benchmark.h>
#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#if SLUICE_HAVE_SQLITE3
#include <sqlite3.h>
#endif

#include "bench_report.h"
#include "codecs/crc32c.h"
#include "codecs/envelope.h"
#include "codecs/event_batch.h"
#include "codecs/record_codec.h"
#include "storage/event_log.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t EnvU64(const char* name, uint64_t def) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : def;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// 64 distinct record payloads of about 100 bytes (user, page, ts, amount).
std::vector<std::string> MakePayloads() {
  Schema s({{"user", Type::kString},
            {"page", Type::kString},
            {"ts", Type::kTimestamp, TimeUnit::kMillis},
            {"amount", Type::kDouble}});
  Batch b;
  b.reset(s);
  std::mt19937 rng(7);
  for (int i = 0; i < 64; ++i) {
    b.columns[0].push_string(fmt::format("u{:06}", rng() % 1000000));
    b.columns[1].push_string(fmt::format("/item/{:08}", rng() % 100000000));
    b.columns[2].push_int(1714564800000 + i);
    b.columns[3].push_double(static_cast<double>(rng() % 10000) / 100);
    b.ts.push_back(0);
  }
  RecordEncoder enc(s);
  std::vector<std::string> out;
  for (int i = 0; i < 64; ++i) out.emplace_back(enc.Encode(b, i));
  return out;
}

uint64_t DiskBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    struct stat sb;
    if (::stat(e.path().c_str(), &sb) == 0) total += static_cast<uint64_t>(sb.st_blocks) * 512;
  }
  return total;
}

struct Row {
  std::string name;
  double seconds = 0;
  uint64_t events = 0;
  std::string note;
};

void PrintTable(const std::vector<Row>& rows) {
  fmt::print("\n{:<46} {:>12} {:>14}  {}\n", "measurement", "seconds", "events/s", "note");
  for (const Row& r : rows) {
    fmt::print("{:<46} {:>12.3f} {:>14.0f}  {}\n", r.name, r.seconds,
               r.seconds > 0 ? r.events / r.seconds : 0, r.note);
  }
}

// Appends `events` events in batches from `threads` appenders; returns seconds.
double AppendRun(const std::string& dir, uint64_t events, uint64_t batch, int threads,
                 SyncMode sync, const std::vector<std::string>& payloads) {
  std::filesystem::remove_all(dir);
  LogOptions o;
  o.sync = sync;
  o.initial_map_size = uint64_t{1} << 30;
  std::unique_ptr<EventLog> log;
  Status s = EventLog::Open(o, dir, &log);
  if (!s.ok()) {
    fmt::print(stderr, "open: {}\n", s.ToString());
    std::exit(1);
  }
  const uint64_t batches = (events + batch - 1) / batch;
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::vector<EventData> data(batch);
      for (uint64_t b = t; b < batches; b += threads) {
        uint64_t n = std::min(batch, events - b * batch);
        data.resize(n);
        for (uint64_t i = 0; i < n; ++i) {
          uint64_t k = b * batch + i;
          data[i].type = "Click";
          data[i].event_time = static_cast<TimeUs>(k);
          data[i].content_type = kRecordContentType;
          data[i].payload = payloads[k % payloads.size()];
        }
        Status st = log->Append(fmt::format("stream-{}", b % 100), data);
        if (!st.ok()) {
          fmt::print(stderr, "append: {}\n", st.ToString());
          std::exit(1);
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  if (sync == SyncMode::kNoSync) log->Flush();
  return Seconds(start, Clock::now());
}

#if SLUICE_HAVE_SQLITE3
// The generator's three fields (key, ts, value) as typed record columns, one AppendRecords per
// batch, one stream: what a pipeline's log sink writes. Leaves the log in `dir`.
double RecordAppendRun(const std::string& dir, uint64_t events, uint64_t batch, SyncMode sync,
                       LogCompression compression = LogCompression::kNone) {
  std::filesystem::remove_all(dir);
  LogOptions o;
  o.sync = sync;
  o.compression = compression;
  o.initial_map_size = uint64_t{1} << 30;
  std::unique_ptr<EventLog> log;
  if (Status s = EventLog::Open(o, dir, &log); !s.ok()) {
    fmt::print(stderr, "open: {}\n", s.ToString());
    std::exit(1);
  }
  const Schema schema({{"key", Type::kInt64},
                       {"ts", Type::kTimestamp, TimeUnit::kMicros},
                       {"value", Type::kDouble}});
  Batch rows;
  auto start = Clock::now();
  for (uint64_t first = 0; first < events; first += batch) {
    const uint64_t n = std::min(batch, events - first);
    rows.reset(schema);
    for (uint64_t k = first; k < first + n; ++k) {
      rows.columns[0].push_int(static_cast<int64_t>((k * 0x9E3779B97F4A7C15ull >> 40) % 1000));
      rows.columns[1].push_int(static_cast<int64_t>(k));
      rows.columns[2].push_double(static_cast<double>(k % 100));
      rows.ts.push_back(static_cast<TimeUs>(k));
    }
    RecordRows r{.rows = &rows, .schema = &schema, .end = n, .event_type = "Gen"};
    if (Status st = log->AppendRecords("gen", r); !st.ok()) {
      fmt::print(stderr, "append: {}\n", st.ToString());
      std::exit(1);
    }
  }
  if (sync == SyncMode::kNoSync) log->Flush();
  return Seconds(start, Clock::now());
}

// Scans the record log in `dir` as the log source does: whole columns per run of a batch.
Row RecordScan(const std::string& dir, uint64_t events, std::string name, bool by_copy = true) {
  std::unique_ptr<EventLog> log;
  LogOptions ro;
  ro.read_only = true;
  ro.read_by_copy = by_copy;
  if (!EventLog::Open(ro, dir, &log).ok()) std::exit(1);
  const Schema schema({{"key", Type::kInt64},
                       {"ts", Type::kTimestamp, TimeUnit::kMicros},
                       {"value", Type::kDouble}});
  Batch rows;
  rows.reset(schema);
  std::unique_ptr<LogIterator> it;
  log->NewIterator({}, &it);
  uint64_t count = 0;
  auto start = Clock::now();
  while (it->Valid()) {
    const uint32_t run = it->PassingRun(4096);
    if (run == 0 ||
        !it->record_batch()
             ->AppendRecords(schema, it->record_index(), it->record_index() + run, &rows)
             .ok()) {
      std::exit(1);
    }
    count += run;
    it->Advance(run);
    if (rows.columns[0].size() >= 4096) rows.reset(schema);
  }
  const double secs = Seconds(start, Clock::now());
  return {std::move(name), secs, count,
          count == events ? "as the log source reads" : "COUNT MISMATCH"};
}

// The p99 and the largest of the appenders' latencies together.
void TailLatencies(const std::vector<std::vector<double>>& per_thread, double* p99, double* max) {
  std::vector<double> all;
  for (const auto& l : per_thread) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  *p99 = all.empty() ? 0 : all[std::min(all.size() - 1, all.size() * 99 / 100)];
  *max = all.empty() ? 0 : all.back();
}

// Runs body(t, timed) on `threads` threads, t = 0.., where timed(op) runs op() and records its
// latency; returns the wall seconds of the whole and fills the tail latencies (µs).
template <typename Body>
double TimedAppenders(int threads, const Body& body, double* p99_us, double* max_us) {
  std::vector<std::vector<double>> lat(threads);
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto timed = [&](const auto& op) {
        auto a = Clock::now();
        op();
        lat[t].push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
      };
      body(t, timed);
    });
  }
  for (auto& th : pool) th.join();
  const double secs = Seconds(start, Clock::now());
  TailLatencies(lat, p99_us, max_us);
  return secs;
}

// The event-sourcing pattern: `threads` appenders, each appending one event at a time to its own
// stream with the expected version, durable; `total` events in all. Returns seconds and fills
// the p99 and the largest append latency (µs).
double SingleEventRun(const std::string& dir, int threads, uint64_t total, double* p99_us,
                      double* max_us) {
  std::filesystem::remove_all(dir);
  std::unique_ptr<EventLog> log;
  if (Status s = EventLog::Open(LogOptions{}, dir, &log); !s.ok()) std::exit(1);
  const std::string payload = MakePayloads()[0];
  const uint64_t per = total / threads;
  auto body = [&](int t, const auto& timed) {
    const std::string stream = fmt::format("account-{}", t);
    EventData e{.type = "Deposited", .content_type = kRecordContentType, .payload = payload};
    for (uint64_t v = 0; v < per; ++v) {
      timed([&] {
        if (Status st = log->Append(stream, {&e, 1}, {.expected_version = v}); !st.ok()) {
          fmt::print(stderr, "append: {}\n", st.ToString());
          std::exit(1);
        }
      });
    }
  };
  return TimedAppenders(threads, body, p99_us, max_us);
}

void SqliteCheck(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    fmt::print(stderr, "sqlite {}: {}\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

// The same events in SQLite: WAL, synchronous=FULL, one transaction per batch, with the same
// indexes as the log (position key, (stream, version), unique event id).
double SqliteRun(const std::string& path, uint64_t events, uint64_t batch,
                 const std::vector<std::string>& payloads) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  sqlite3* db = nullptr;
  SqliteCheck(sqlite3_open(path.c_str(), &db), db, "open");
  const char* ddl =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
      "CREATE TABLE events(position INTEGER PRIMARY KEY, stream TEXT NOT NULL,"
      " version INTEGER NOT NULL, id BLOB NOT NULL UNIQUE, type TEXT NOT NULL,"
      " event_time INTEGER, append_time INTEGER, content_type TEXT, payload BLOB);"
      "CREATE UNIQUE INDEX events_stream ON events(stream, version);";
  SqliteCheck(sqlite3_exec(db, ddl, nullptr, nullptr, nullptr), db, "ddl");
  sqlite3_stmt* ins = nullptr;
  SqliteCheck(
      sqlite3_prepare_v2(db, "INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?)", -1, &ins, nullptr), db,
      "prepare");
  std::vector<uint64_t> versions(100, 0);
  auto start = Clock::now();
  uint64_t pos = 0;
  for (uint64_t b = 0; b * batch < events; ++b) {
    SqliteCheck(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
    std::string stream = fmt::format("stream-{}", b % 100);
    uint64_t n = std::min(batch, events - b * batch);
    int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    for (uint64_t i = 0; i < n; ++i) {
      EventId id = EventId::Generate();
      char idb[16];
      std::memcpy(idb, &id.hi, 8);
      std::memcpy(idb + 8, &id.lo, 8);
      const std::string& p = payloads[(pos) % payloads.size()];
      sqlite3_bind_int64(ins, 1, static_cast<int64_t>(++pos));
      sqlite3_bind_text(ins, 2, stream.data(), static_cast<int>(stream.size()), SQLITE_STATIC);
      sqlite3_bind_int64(ins, 3, static_cast<int64_t>(++versions[b % 100]));
      sqlite3_bind_blob(ins, 4, idb, 16, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 5, "Click", 5, SQLITE_STATIC);
      sqlite3_bind_int64(ins, 6, static_cast<int64_t>(pos));
      sqlite3_bind_int64(ins, 7, now);
      sqlite3_bind_text(ins, 8, kRecordContentType.data(),
                        static_cast<int>(kRecordContentType.size()), SQLITE_STATIC);
      sqlite3_bind_blob(ins, 9, p.data(), static_cast<int>(p.size()), SQLITE_STATIC);
      SqliteCheck(sqlite3_step(ins), db, "insert");
      sqlite3_reset(ins);
    }
    SqliteCheck(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  }
  double secs = Seconds(start, Clock::now());
  sqlite3_finalize(ins);
  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return secs;
}

// SingleEventRun's pattern on SQLite (WAL, synchronous=FULL): one connection per appender,
// BEGIN IMMEDIATE, read the stream's version, insert the next one, COMMIT.
double SqliteSingleEventRun(const std::string& path, int threads, uint64_t total, double* p99_us,
                            double* max_us) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  {
    sqlite3* db = nullptr;
    SqliteCheck(sqlite3_open(path.c_str(), &db), db, "open");
    SqliteCheck(sqlite3_exec(db,
                             "PRAGMA journal_mode=WAL; CREATE TABLE events(position INTEGER "
                             "PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL, type "
                             "TEXT, payload BLOB); CREATE UNIQUE INDEX events_stream ON "
                             "events(stream, version);",
                             nullptr, nullptr, nullptr),
                db, "ddl");
    sqlite3_close(db);
  }
  const std::string payload = MakePayloads()[0];
  const uint64_t per = total / threads;
  auto body = [&](int t, const auto& timed) {
    sqlite3* db = nullptr;
    SqliteCheck(sqlite3_open(path.c_str(), &db), db, "open");
    sqlite3_busy_timeout(db, 60000);
    SqliteCheck(sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr), db,
                "pragma");
    sqlite3_stmt* get = nullptr;
    sqlite3_stmt* ins = nullptr;
    SqliteCheck(sqlite3_prepare_v2(db,
                                   "SELECT coalesce(max(version), 0) FROM events WHERE "
                                   "stream = ?",
                                   -1, &get, nullptr),
                db, "prepare");
    SqliteCheck(sqlite3_prepare_v2(db,
                                   "INSERT INTO events(stream, version, type, payload) "
                                   "VALUES(?, ?, 'Deposited', ?)",
                                   -1, &ins, nullptr),
                db, "prepare");
    const std::string stream = fmt::format("account-{}", t);
    for (uint64_t v = 0; v < per; ++v) {
      timed([&] {
        SqliteCheck(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db, "begin");
        sqlite3_bind_text(get, 1, stream.data(), static_cast<int>(stream.size()), SQLITE_STATIC);
        SqliteCheck(sqlite3_step(get), db, "select");
        if (static_cast<uint64_t>(sqlite3_column_int64(get, 0)) != v) std::exit(1);
        sqlite3_reset(get);
        sqlite3_bind_text(ins, 1, stream.data(), static_cast<int>(stream.size()), SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, static_cast<int64_t>(v + 1));
        sqlite3_bind_blob(ins, 3, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
        SqliteCheck(sqlite3_step(ins), db, "insert");
        sqlite3_reset(ins);
        SqliteCheck(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
      });
    }
    sqlite3_finalize(get);
    sqlite3_finalize(ins);
    sqlite3_close(db);
  };
  return TimedAppenders(threads, body, p99_us, max_us);
}
#endif

// The figures as JSON and as docs/log.md's Performance table (Markdown), when paths are given.
bool WriteReports(const std::string& json_path, const std::string& markdown_path,
                  const std::vector<Row>& rows, uint64_t n, uint64_t batch, double disk_per_event,
                  double record_disk_per_event, double zstd_disk_per_event,
                  double sqlite_disk_per_event) {
  using bench::JsonText;
  if (!json_path.empty()) {
    std::string out = fmt::format(
        "{{\n  \"benchmark\": \"bench_log_bench\",\n  \"date\": {},\n  \"machine\": {},\n"
        "  \"events\": {},\n  \"batch\": {},\n  \"disk_bytes_per_event\": {:.1f},\n"
        "  \"record_disk_bytes_per_event\": {:.1f},\n"
        "  \"record_zstd_disk_bytes_per_event\": {:.1f},\n"
        "  \"sqlite_disk_bytes_per_event\": {:.1f},\n  \"runs\": [\n",
        JsonText(bench::Today()), JsonText(bench::Machine()), n, batch, disk_per_event,
        record_disk_per_event, zstd_disk_per_event, sqlite_disk_per_event);
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      out += fmt::format(
          "    {{\"measurement\": {}, \"seconds\": {:.6f}, \"events\": {}, "
          "\"events_per_second\": {:.0f}, \"note\": {}}}{}\n",
          JsonText(r.name), r.seconds, r.events, r.seconds > 0 ? r.events / r.seconds : 0.0,
          JsonText(r.note), i + 1 < rows.size() ? "," : "");
    }
    out += "  ]\n}\n";
    if (!bench::WriteWholeFile(json_path, out)) return false;
  }
  if (!markdown_path.empty()) {
    std::string out = fmt::format(
        "Measured {} on {} by `bench_log_bench` ({} events, {} per append).\n\n"
        "| measurement | events/s | note |\n|---|---|---|\n",
        bench::Today(), bench::Machine(), n, batch);
    for (const Row& r : rows) {
      out += fmt::format("| {} | {:.0f} | {} |\n", r.name,
                         r.seconds > 0 ? r.events / r.seconds : 0.0, r.note);
    }
    out += fmt::format(
        "\nSize on disk per event: sluice {:.1f} B (opaque ~119-byte payloads), {:.1f} B (3 typed "
        "fields), {:.1f} B (3 typed fields, zstd level 1)",
        disk_per_event, record_disk_per_event, zstd_disk_per_event);
    if (sqlite_disk_per_event > 0) out += fmt::format(", SQLite {:.1f} B", sqlite_disk_per_event);
    out += ".\n";
    if (!bench::WriteWholeFile(markdown_path, out)) return false;
  }
  return true;
}

int RunTable(const std::string& json_path, const std::string& markdown_path) {
  const uint64_t n = EnvU64("SLUICE_LOG_BENCH_EVENTS", 10'000'000);
  const uint64_t batch = EnvU64("SLUICE_LOG_BENCH_BATCH", 4096);
  const char* base_env = std::getenv("SLUICE_LOG_BENCH_DIR");
  const std::string base =
      fmt::format("{}/sluice-log-bench-{}", base_env ? base_env : "/tmp", ::getpid());
  std::filesystem::create_directories(base);
  const std::vector<std::string> payloads = MakePayloads();
  fmt::print("events {}  batch {}  payload ~{} bytes  crc32c {}  scratch {}\n", n, batch,
             payloads[0].size(), crc32c::HardwareAccelerated() ? "sse4.2" : "table", base);
  std::vector<Row> rows;

  const std::string logdir = base + "/log";
  double t = AppendRun(logdir, n, batch, 1, SyncMode::kDurable, payloads);
  rows.push_back({"sluice append, durable commit per batch", t, n, "1 appender"});
  t = AppendRun(logdir, n, batch, 4, SyncMode::kDurable, payloads);
  rows.push_back({"sluice append, durable, group commit", t, n, "4 appenders"});
  t = AppendRun(logdir, n, batch, 1, SyncMode::kNoSync, payloads);
  rows.push_back({"sluice append, no-sync + Flush at end", t, n, "1 appender"});

  // The log left by the last run: scans and size.
  std::unique_ptr<EventLog> log;
  LogOptions ro;
  ro.read_only = true;
  if (!EventLog::Open(ro, logdir, &log).ok()) return 1;
  {
    lmdb::Txn txn;
    lmdb::Dbi events;
    log->env()->BeginRead(&txn);
    txn.OpenDbi("sluice.events", false, &events);
    lmdb::Cursor c;
    c.Open(&txn, events);
    uint64_t count = 0, bytes = 0;
    auto start = Clock::now();
    for (bool ok = c.First(); ok; ok = c.Next()) {
      ++count;
      bytes += c.value().size();
    }
    const uint64_t records = count;
    rows.push_back({"raw cursor scan (no checks)", Seconds(start, Clock::now()), n,
                    fmt::format("{} records of {:.0f} B; reads no value bytes", records,
                                double(bytes) / records)});
    uint32_t x = 0;
    start = Clock::now();
    count = 0;
    for (bool ok = c.First(); ok; ok = c.Next()) {
      ++count;
      x ^= crc32c::Value(c.value().data() + 4, c.value().size() - 4);
    }
    benchmark::DoNotOptimize(x);
    rows.push_back({"scan with CRC check", Seconds(start, Clock::now()), n,
                    crc32c::HardwareAccelerated() ? "crc32c in hardware" : "crc32c by table"});
  }
  {
    std::unique_ptr<LogIterator> it;
    log->NewIterator({}, &it);
    uint64_t count = 0, payload = 0;
    auto start = Clock::now();
    for (; it->Valid(); it->Next()) {
      ++count;
      payload += it->event().payload.size();
    }
    rows.push_back({"LogIterator scan (CRC + verify + decode)", Seconds(start, Clock::now()), count,
                    it->status().ok() ? "" : it->status().ToString()});
  }
  LogStats st;
  log->GetStats(&st);
  uint64_t log_disk = DiskBytes(logdir);
  log.reset();

  // Pipeline-written events: three typed fields per event.
  const std::string recdir = base + "/records";
  t = RecordAppendRun(recdir, n, batch, SyncMode::kDurable);
  rows.push_back({"sluice record append (3 typed fields), durable", t, n, "1 appender"});
  t = RecordAppendRun(recdir, n, batch, SyncMode::kNoSync);
  rows.push_back({"sluice record append (3 typed fields), no-sync", t, n, "1 appender"});
  rows.push_back(RecordScan(recdir, n, "record scan, whole columns (CRC + verify + copy)"));
  rows.push_back(RecordScan(recdir, n, "record scan, through the map (read_by_copy = false)",
                            /*by_copy=*/false));
  const uint64_t record_disk = DiskBytes(recdir);
  const std::string zdir = base + "/records-zstd";
  t = RecordAppendRun(zdir, n, batch, SyncMode::kDurable, LogCompression::kZstd);
  rows.push_back({"sluice record append (3 typed fields), zstd level 1, durable", t, n,
                  "1 appender"});
  rows.push_back(RecordScan(zdir, n, "record scan of zstd batches (CRC + inflate + verify + copy)"));
  const uint64_t zstd_disk = DiskBytes(zdir);

#if SLUICE_HAVE_SQLITE3
  const std::string sqlite_path = base + "/events.sqlite";
  t = SqliteRun(sqlite_path, n, batch, payloads);
  rows.push_back({"SQLite WAL append, one txn per batch", t, n, "synchronous=FULL"});
  uint64_t sqlite_disk = 0;
  {
    struct stat sb;
    if (::stat(sqlite_path.c_str(), &sb) == 0) sqlite_disk = uint64_t(sb.st_blocks) * 512;
  }
#endif
  // One-event durable appends with an expected version, 1 and 16 appenders.
  const uint64_t single = EnvU64("SLUICE_LOG_BENCH_SINGLE", 3200);
  for (int threads : {1, 16}) {
    double p99 = 0, max = 0;
    t = SingleEventRun(base + "/single", threads, single, &p99, &max);
    rows.push_back({fmt::format("sluice one-event durable appends, {} appender(s)", threads), t,
                    single / threads * threads,
                    fmt::format("expected version; p99 {:.0f} µs, max {:.0f} µs", p99, max)});
  }
#if SLUICE_HAVE_SQLITE3
  for (int threads : {1, 16}) {
    double p99 = 0, max = 0;
    t = SqliteSingleEventRun(base + "/single.sqlite", threads, single, &p99, &max);
    rows.push_back({fmt::format("SQLite one-event appends, {} appender(s)", threads), t,
                    single / threads * threads,
                    fmt::format("WAL, synchronous=FULL; p99 {:.0f} µs, max {:.0f} µs", p99, max)});
  }
#endif
  PrintTable(rows);
  fmt::print(
      "\nsize on disk per event: sluice {:.1f} B (events {:.1f} + indexes {:.1f}); "
      "3 typed fields: {:.1f} B, zstd {:.1f} B",
      double(log_disk) / n, double(st.events_bytes) / n, double(st.index_bytes) / n,
      double(record_disk) / n, double(zstd_disk) / n);
#if SLUICE_HAVE_SQLITE3
  fmt::print(", SQLite {:.1f} B\n", double(sqlite_disk) / n);
  fmt::print("sluice durable single appender vs SQLite: {:.1f}x\n",
             std::find_if(
                 rows.begin(), rows.end(),
                 [](const Row& r) {
                   return r.name.rfind("SQLite WAL", 0) == 0;
                 })->seconds /
                 rows[0].seconds);
#else
  fmt::print("\n(SQLite not available)\n");
  const uint64_t sqlite_disk = 0;
#endif
  std::filesystem::remove_all(base);
  if (!WriteReports(json_path, markdown_path, rows, n, batch, double(log_disk) / n,
                    double(record_disk) / n, double(zstd_disk) / n, double(sqlite_disk) / n)) {
    fmt::print(stderr, "bench_log_bench: cannot write the reports\n");
    return 1;
  }
  return 0;
}

// ---- micro-benchmarks: per-record costs ----

void BM_EncodeEnvelope(benchmark::State& state) {
  std::vector<std::string> payloads = MakePayloads();
  flatbuffers::FlatBufferBuilder fbb(1024);
  EnvelopeView e;
  e.event_id = EventId::Generate();
  e.stream_id = "stream-17";
  e.event_type = "Click";
  e.content_type = kRecordContentType;
  e.payload = payloads[0];
  for (auto _ : state) {
    EncodeEnvelope(e, &fbb);
    benchmark::DoNotOptimize(fbb.GetBufferPointer());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeEnvelope);

void BM_DecodeEnvelope(benchmark::State& state) {
  std::vector<std::string> payloads = MakePayloads();
  flatbuffers::FlatBufferBuilder fbb(1024);
  EnvelopeView e;
  e.stream_id = "stream-17";
  e.event_type = "Click";
  e.payload = payloads[0];
  EncodeEnvelope(e, &fbb);
  std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  EnvelopeView out;
  for (auto _ : state) benchmark::DoNotOptimize(DecodeEnvelope(bytes.data(), bytes.size(), &out));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeEnvelope);

void BM_Crc32c(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(crc32c::Value(data.data(), data.size()));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(256)->Arg(4096);

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  bool micro = false;
  std::string json_path, markdown_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    micro |= a.rfind("--benchmark", 0) == 0;
    if (a == "--json" && i + 1 < argc) json_path = argv[++i];
    if (a == "--markdown" && i + 1 < argc) markdown_path = argv[++i];
  }
  benchmark::Initialize(&argc, argv);
  if (micro) {
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
  }
  return sluice::RunTable(json_path, markdown_path);
}
