#include "serve/metrics.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <iterator>
#include <limits>
#include <vector>

namespace sluice::serve {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(const char* name, const char* help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

ClientMetric Metric(std::vector<ClientMetric::Label> labels, MetricType type, double v) {
  ClientMetric m;
  m.label = std::move(labels);
  if (type == MetricType::Counter) {
    m.counter.value = v;
  } else {
    m.gauge.value = v;
  }
  return m;
}

bool HasTime(int64_t t) { return t != INT64_MIN && t != INT64_MAX; }

// One family per stage figure, with a series per stage, or per lane for a keyed stage.
void AddStageFamily(const std::string& pipeline, const std::vector<StageStats>& stages,
                    const char* name, const char* help, MetricType type,
                    double (*value)(const StageStats&), bool (*present)(const StageStats&),
                    std::vector<MetricFamily>* out) {
  MetricFamily f = Family(name, help, type);
  auto add = [&](const StageStats& stage, const StageStats& s, const std::string& lane) {
    if (present && !present(s)) return;
    f.metric.push_back(
        Metric({{"pipeline", pipeline}, {"stage", stage.name}, {"lane", lane}}, type, value(s)));
  };
  for (const StageStats& stage : stages) {
    if (stage.lanes.empty()) {
      add(stage, stage, "");
    } else {
      for (const StageStats& l : stage.lanes) add(stage, l, std::to_string(l.lane));
    }
  }
  out->push_back(std::move(f));
}

}  // namespace

std::string PipelineMetricsText(const std::string& name, const PipelineStats& st, int64_t now_us) {
  std::vector<MetricFamily> fams;
  const auto C = MetricType::Counter;
  const auto G = MetricType::Gauge;
  const std::vector<ClientMetric::Label> p = {{"pipeline", name}};
  AddStageFamily(
      name, st.stages, "sluice_rows_in_total", "Rows that entered the stage.", C,
      [](const StageStats& s) { return double(s.rows_in); }, nullptr, &fams);
  AddStageFamily(
      name, st.stages, "sluice_rows_out_total", "Rows the stage passed on.", C,
      [](const StageStats& s) { return double(s.rows_out); }, nullptr, &fams);
  AddStageFamily(
      name, st.stages, "sluice_rows_filtered_total", "Rows the stage's filters dropped.", C,
      [](const StageStats& s) { return double(s.filtered); }, nullptr, &fams);
  AddStageFamily(
      name, st.stages, "sluice_rows_late_total",
      "Rows dropped as late by the stage's window or join.", C,
      [](const StageStats& s) { return double(s.late); }, nullptr, &fams);
  AddStageFamily(
      name, st.stages, "sluice_rows_dead_lettered_total",
      "Malformed records sent to the dead-letter file.", C,
      [](const StageStats& s) { return double(s.dead_letters); }, nullptr, &fams);
  AddStageFamily(
      name, st.stages, "sluice_batches_in_total", "Batches the stage handled.", C,
      [](const StageStats& s) { return double(s.batches_in); }, nullptr, &fams);
  AddStageFamily(
      name, st.stages, "sluice_batches_out_total", "Batches the stage passed on with rows.", C,
      [](const StageStats& s) { return double(s.batches_out); }, nullptr, &fams);
  AddStageFamily(
      name, st.stages, "sluice_busy_seconds_total", "Time the stage's steps spent working.", C,
      [](const StageStats& s) { return s.busy_s; }, nullptr, &fams);
  auto keyed = [](const StageStats& s) { return s.lane >= 0; };
  AddStageFamily(
      name, st.stages, "sluice_state_keys",
      "Keys a keyed stage's lane holds state for (what its memory grows with).", G,
      [](const StageStats& s) { return double(s.state_keys); }, keyed, &fams);
  AddStageFamily(
      name, st.stages, "sluice_state_bytes",
      "Size of a keyed stage lane's snapshot in the latest checkpoint.", G,
      [](const StageStats& s) { return double(s.state_bytes); }, keyed, &fams);
  AddStageFamily(
      name, st.stages, "sluice_watermark_seconds",
      "Event-time watermark after the stage's last batch (Unix time).", G,
      [](const StageStats& s) { return s.watermark / 1e6; },
      [](const StageStats& s) { return HasTime(s.watermark); }, &fams);

  // Lags: per stage (whole stage: its lanes' minimum watermark).
  MetricFamily lag =
      Family("sluice_watermark_lag_seconds",
             "Newest event time seen by the sources minus the stage's watermark.", G);
  MetricFamily wall = Family("sluice_watermark_wall_lag_seconds",
                             "Wall-clock time minus the stage's watermark.", G);
  for (const StageStats& s : st.stages) {
    if (!HasTime(s.watermark)) continue;
    std::vector<ClientMetric::Label> l = {{"pipeline", name}, {"stage", s.name}};
    if (HasTime(st.newest_event_time)) {
      lag.metric.push_back(Metric(l, G, (st.newest_event_time - s.watermark) / 1e6));
    }
    wall.metric.push_back(Metric(l, G, (now_us - s.watermark) / 1e6));
  }
  fams.push_back(std::move(lag));
  fams.push_back(std::move(wall));

  MetricFamily newest = Family("sluice_newest_event_time_seconds",
                               "Largest event time the sources produced (Unix time).", G);
  if (HasTime(st.newest_event_time)) {
    newest.metric.push_back(Metric(p, G, st.newest_event_time / 1e6));
  }
  fams.push_back(std::move(newest));

  // In flight: batches the source produced that the output stage has not written yet.
  uint64_t produced = 0, written = 0;
  if (!st.stages.empty()) {
    produced = st.stages.front().batches_out;
    written = st.stages.back().batches_in;
  }
  MetricFamily inflight =
      Family("sluice_in_flight_batches", "Batches read from the sources and not yet written.", G);
  inflight.metric.push_back(Metric(p, G, produced > written ? double(produced - written) : 0));
  fams.push_back(std::move(inflight));

  auto total = [&](const char* n, const char* help, double v) {
    MetricFamily f = Family(n, help, C);
    f.metric.push_back(Metric(p, C, v));
    fams.push_back(std::move(f));
  };
  auto gauge = [&](const char* n, const char* help, double v) {
    MetricFamily f = Family(n, help, G);
    f.metric.push_back(Metric(p, G, v));
    fams.push_back(std::move(f));
  };
  total("sluice_events_in_total",
        "Well-formed events read (a resumed run includes its earlier processes').",
        double(st.events_in));
  total("sluice_records_out_total", "Rows the first sink holds.", double(st.records_out));
  total("sluice_late_events_total", "Events dropped as late.", double(st.late));
  total("sluice_dead_letters_total", "Records in the dead-letter file.", double(st.dead_letters));
  gauge("sluice_elapsed_seconds", "Wall time of the run so far.", st.elapsed_s);
  if (st.input_total > 0) {
    gauge("sluice_input_progress_ratio",
          "Fraction of an input of known size read (events, bytes or log positions).",
          double(st.input_done) / double(st.input_total));
  }

  MetricFamily sink_rows =
      Family("sluice_sink_rows_total",
             "Rows the sink holds (a resumed run includes earlier processes').", C);
  for (const SinkStats& s : st.sinks) {
    sink_rows.metric.push_back(Metric({{"pipeline", name}, {"sink", s.name}}, C, double(s.rows)));
  }
  fams.push_back(std::move(sink_rows));

  total("sluice_checkpoints_total", "Checkpoints this process took.", double(st.checkpoints));
  gauge("sluice_last_checkpoint_id", "Id of the latest committed checkpoint (0: none).",
        double(st.last_checkpoint));
  MetricFamily hist = Family("sluice_checkpoint_duration_seconds",
                             "Time to take a checkpoint (sinks prepared, synced, committed).",
                             MetricType::Histogram);
  ClientMetric h;
  h.label = p;
  for (size_t i = 0; i < std::size(PipelineStats::kCheckpointBuckets); ++i) {
    const uint64_t n = i < st.checkpoint_buckets.size() ? st.checkpoint_buckets[i] : 0;
    h.histogram.bucket.push_back({n, PipelineStats::kCheckpointBuckets[i]});
  }
  const uint64_t count = st.checkpoints;
  h.histogram.bucket.push_back({count, std::numeric_limits<double>::infinity()});
  h.histogram.sample_count = count;
  h.histogram.sample_sum = st.checkpoint_seconds_sum;
  hist.metric.push_back(std::move(h));
  fams.push_back(std::move(hist));
  if (st.has_log_behind) {
    gauge("sluice_log_source_behind_positions",
          "Log positions after the last one the log sources read (a followed log: behind its "
          "head).",
          double(st.log_behind));
  }
  MetricFamily lat = Family("sluice_result_latency_seconds",
                            "Time from the source reading the batch that made a result "
                            "computable to the sinks writing it, per result row.",
                            MetricType::Histogram);
  ClientMetric l;
  l.label = p;
  const LatencyStats& ls = st.latency;
  for (size_t i = 0; i < std::size(LatencyStats::kBuckets); ++i) {
    const uint64_t n = i < ls.buckets.size() ? ls.buckets[i] : 0;
    l.histogram.bucket.push_back({n, LatencyStats::kBuckets[i]});
  }
  l.histogram.bucket.push_back({ls.count, std::numeric_limits<double>::infinity()});
  l.histogram.sample_count = ls.count;
  l.histogram.sample_sum = ls.sum_s;
  lat.metric.push_back(std::move(l));
  fams.push_back(std::move(lat));
  if (!st.recent_checkpoints.empty()) {
    const CheckpointStats& last = st.recent_checkpoints.back();
    gauge("sluice_last_checkpoint_state_bytes",
          "Operator snapshots and source state in the latest checkpoint.",
          double(last.state_bytes));
    gauge("sluice_last_checkpoint_age_seconds", "Time since the latest checkpoint was taken.",
          (now_us - last.taken_at_us) / 1e6);
  }
  return prometheus::TextSerializer().Serialize(fams);
}

std::string ProcessMetricsText() {
  std::vector<MetricFamily> fams;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
                     ru.ru_stime.tv_usec / 1e6;
  MetricFamily c =
      Family("process_cpu_seconds_total", "User and system CPU time spent.", MetricType::Counter);
  c.metric.push_back(Metric({}, MetricType::Counter, cpu));
  fams.push_back(std::move(c));
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  MetricFamily r =
      Family("process_resident_memory_bytes", "Resident memory size.", MetricType::Gauge);
  r.metric.push_back(Metric({}, MetricType::Gauge, double(resident) * sysconf(_SC_PAGESIZE)));
  fams.push_back(std::move(r));
  return prometheus::TextSerializer().Serialize(fams);
}

}  // namespace sluice::serve
