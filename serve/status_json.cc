#include "serve/status_json.h"

#include <fmt/format.h>

#include "codecs/json.h"
#include "operators/operator_types.h"

namespace sluice::serve {
namespace {

void Str(std::string_view key, std::string_view v, std::string* out) {
  AppendJsonString(key, out);
  out->push_back(':');
  AppendJsonString(v, out);
}

// A time in microseconds as seconds, or null when there is none yet (or the input ended).
std::string TimeOrNull(int64_t t) {
  if (t == INT64_MIN || t == INT64_MAX) return "null";
  return fmt::format("{:.6f}", t / 1e6);
}

void StageFigures(const StageStats& s, std::string* out) {
  *out += fmt::format(
      "\"rows_in\":{},\"rows_out\":{},\"filtered\":{},\"late\":{},\"dead_letters\":{},"
      "\"batches_in\":{},\"batches_out\":{},\"busy_s\":{:.6f},\"watermark_s\":{},"
      "\"state_keys\":{},\"state_bytes\":{}",
      s.rows_in, s.rows_out, s.filtered, s.late, s.dead_letters, s.batches_in, s.batches_out,
      s.busy_s, TimeOrNull(s.watermark), s.state_keys, s.state_bytes);
}

void Source(const SourceSpec& s, std::string* out) {
  out->push_back('{');
  Str("name", s.name, out);
  out->push_back(',');
  Str("type", s.type, out);
  out->push_back(',');
  Str("path", s.path, out);
  out->push_back('}');
}

void Sink(const SinkSpec& s, std::string* out) {
  out->push_back('{');
  Str("type", s.type, out);
  out->push_back(',');
  Str("path", s.path, out);
  out->push_back(',');
  Str("name", s.name, out);
  out->push_back(',');
  Str("input", s.input, out);
  out->push_back('}');
}

}  // namespace

std::string StatusJson(const PipelineSpec& spec, uint32_t lanes, bool running,
                       const PipelineStats& st, int64_t now_us) {
  std::string out = "{";
  Str("pipeline", spec.name, &out);
  out += ",";
  Str("file", spec.file, &out);
  out += fmt::format(",\"running\":{},\"parallelism\":{},\"elapsed_s\":{:.6f}",
                     running ? "true" : "false", lanes, st.elapsed_s);
  out += fmt::format(
      ",\"events_in\":{},\"records_out\":{},\"late\":{},\"dead_letters\":{},\"events_per_s\":{:."
      "1f}",
      st.events_in, st.records_out, st.late, st.dead_letters, st.events_per_s());
  if (st.input_total > 0) {
    out += fmt::format(",\"input\":{{\"done\":{},\"total\":{},\"fraction\":{:.6f}}}", st.input_done,
                       st.input_total, static_cast<double>(st.input_done) / st.input_total);
  } else {
    out += ",\"input\":null";
  }
  out += fmt::format(",\"newest_event_time_s\":{},\"now_s\":{:.6f}",
                     TimeOrNull(st.newest_event_time), now_us / 1e6);

  // The definition.
  out += ",\"definition\":{\"sources\":[";
  Source(spec.source, &out);
  for (const SourceSpec& s : spec.more_sources) {
    out += ",";
    Source(s, &out);
  }
  out += "],\"operators\":[";
  for (size_t i = 0; i < spec.operators.size(); ++i) {
    const OperatorSpec& op = spec.operators[i];
    if (i) out += ",";
    out += "{";
    Str("type", OperatorTypeOf(op.kind).name, &out);
    out += ",";
    Str("name", op.name, &out);
    out += ",\"inputs\":[";
    for (size_t j = 0; j < op.inputs.size(); ++j) {
      if (j) out += ",";
      AppendJsonString(op.inputs[j], &out);
    }
    out += "]}";
  }
  out += "],\"sinks\":[";
  Sink(spec.sink, &out);
  for (const SinkSpec& s : spec.more_sinks) {
    out += ",";
    Sink(s, &out);
  }
  out += "],";
  Str("state_dir", spec.state_dir, &out);
  out += fmt::format(",\"checkpoint_interval_s\":{:.6f}}}", spec.checkpoint_interval / 1e6);

  // The stages, in the order batches pass them, and the edges between them.
  out += ",\"stages\":[";
  for (size_t i = 0; i < st.stages.size(); ++i) {
    const StageStats& s = st.stages[i];
    if (i) out += ",";
    out += "{";
    Str("name", s.name, &out);
    out += ",";
    StageFigures(s, &out);
    out += ",\"lanes\":[";
    for (size_t j = 0; j < s.lanes.size(); ++j) {
      if (j) out += ",";
      out += fmt::format("{{\"lane\":{},", s.lanes[j].lane);
      StageFigures(s.lanes[j], &out);
      out += "}";
    }
    out += "]}";
  }
  out += "],\"edges\":[";
  for (size_t i = 0; i + 1 < st.stages.size(); ++i) {
    if (i) out += ",";
    out += "{";
    Str("from", st.stages[i].name, &out);
    out += ",";
    Str("to", st.stages[i + 1].name, &out);
    out += "}";
  }
  out += "]";

  out += ",\"sinks\":[";
  for (size_t i = 0; i < st.sinks.size(); ++i) {
    if (i) out += ",";
    out += "{";
    Str("name", st.sinks[i].name, &out);
    out += fmt::format(",\"rows\":{}}}", st.sinks[i].rows);
  }
  out += "]";
  out += st.has_log_behind ? fmt::format(",\"log_behind\":{}", st.log_behind)
                           : std::string(",\"log_behind\":null");
  const LatencyStats& l = st.latency;
  out += fmt::format(
      ",\"latency_ms\":{{\"count\":{},\"mean\":{:.3f},\"p50\":{:.3f},\"p90\":{:.3f},"
      "\"p99\":{:.3f},\"max\":{:.3f}}}",
      l.count, l.count ? l.sum_s * 1e3 / l.count : 0.0, l.p50_us / 1e3, l.p90_us / 1e3,
      l.p99_us / 1e3, l.max_us / 1e3);
  out +=
      fmt::format(",\"checkpoints\":{{\"taken\":{},\"last_id\":{},\"resumed_from\":{},\"recent\":[",
                  st.checkpoints, st.last_checkpoint, st.resumed_from);
  for (size_t i = 0; i < st.recent_checkpoints.size(); ++i) {
    const CheckpointStats& c = st.recent_checkpoints[i];
    if (i) out += ",";
    out +=
        fmt::format("{{\"id\":{},\"taken_at_s\":{:.6f},\"duration_s\":{:.6f},\"state_bytes\":{}}}",
                    c.id, c.taken_at_us / 1e6, c.duration_s, c.state_bytes);
  }
  out += "]}}";
  return out;
}

}  // namespace sluice::serve
