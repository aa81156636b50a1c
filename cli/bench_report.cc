#include "cli/bench_report.h"

#include <fmt/format.h>
#include <sys/utsname.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

namespace sluice::cli {
namespace {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Xml(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(std::min(line.size(), colon + 2));
    }
  }
  return "unknown";
}

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IOError(fmt::format("cannot write '{}'", path));
  return Status::OK();
}

const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

// Bars of events/s per query (throughput runs), with the hand-written loop beside when known.
std::string ThroughputSvg(const std::vector<BenchRun>& runs) {
  std::vector<const BenchRun*> t;
  double top = 1;
  for (const BenchRun& r : runs) {
    if (r.mode != "throughput") continue;
    t.push_back(&r);
    top = std::max({top, r.events_per_s(), r.has_baseline ? r.baseline_events_per_s() : 0.0});
  }
  const int bar = 18, gap = 14, left = 70, height = 260, plot = 200;
  const int width = left + static_cast<int>(t.size()) * (2 * bar + gap) + 40;
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n"
      "<text x=\"{}\" y=\"14\">events/s (millions): sluice (blue), hand-written loop (grey)"
      "</text>\n",
      width, height + 20, left);
  for (int k = 0; k <= 4; ++k) {
    const double v = top * k / 4;
    const int y = 20 + plot - static_cast<int>(plot * k / 4);
    s += fmt::format(
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#ddd\"/>"
        "<text x=\"4\" y=\"{}\">{:.1f}</text>\n",
        left, y, width - 10, y, y + 4, v / 1e6);
  }
  for (size_t i = 0; i < t.size(); ++i) {
    const int x = left + static_cast<int>(i) * (2 * bar + gap) + gap / 2;
    const int h = static_cast<int>(plot * t[i]->events_per_s() / top);
    s += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#1f77b4\">"
        "<title>{}: {:.2f} M events/s</title></rect>\n",
        x, 20 + plot - h, bar, h, Xml(t[i]->query), t[i]->events_per_s() / 1e6);
    if (t[i]->has_baseline) {
      const int hb = static_cast<int>(plot * t[i]->baseline_events_per_s() / top);
      s += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#999\">"
          "<title>{} loop: {:.2f} M events/s</title></rect>\n",
          x + bar, 20 + plot - hb, bar, hb, Xml(t[i]->query), t[i]->baseline_events_per_s() / 1e6);
    }
    s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", x, 20 + plot + 16, Xml(t[i]->query));
  }
  return s + "</svg>\n";
}

// p50 (dashed) and p99 (solid) latency against the rate, one colour per query.
std::string LatencySvg(const std::vector<BenchRun>& runs) {
  std::map<std::string, std::vector<const BenchRun*>> by_query;
  double max_rate = 1, max_ms = 0.001;
  for (const BenchRun& r : runs) {
    if (r.mode != "latency") continue;
    by_query[r.query].push_back(&r);
    max_rate = std::max(max_rate, static_cast<double>(r.rate));
    max_ms = std::max(max_ms, r.latency.Percentile(99) / 1000.0);
  }
  const int left = 60, top = 24, w = 480, h = 220;
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n"
      "<text x=\"{}\" y=\"14\">latency (ms) against rate (M events/s): p99 solid, p50 dashed"
      "</text>\n",
      left + w + 120, top + h + 40, left);
  for (int k = 0; k <= 4; ++k) {
    const int y = top + h - h * k / 4;
    s += fmt::format(
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#ddd\"/>"
        "<text x=\"4\" y=\"{}\">{:.2f}</text>\n",
        left, y, left + w, y, y + 4, max_ms * k / 4);
    const int x = left + w * k / 4;
    s += fmt::format("<text x=\"{}\" y=\"{}\">{:.2f}</text>\n", x - 8, top + h + 16,
                     max_rate * k / 4 / 1e6);
  }
  size_t color = 0;
  for (auto& [query, rs] : by_query) {
    std::sort(rs.begin(), rs.end(),
              [](const BenchRun* a, const BenchRun* b) { return a->rate < b->rate; });
    const char* c = kColors[color++ % 10];
    for (double p : {50.0, 99.0}) {
      std::string points;
      for (const BenchRun* r : rs) {
        const double x = left + w * static_cast<double>(r->rate) / max_rate;
        const double y = top + h - h * (r->latency.Percentile(p) / 1000.0) / max_ms;
        points += fmt::format("{:.1f},{:.1f} ", x, y);
      }
      s += fmt::format(
          "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" {}points=\"{}\"/>\n", c,
          p == 50.0 ? "stroke-dasharray=\"4 3\" " : "", points);
    }
    s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n", left + w + 10,
                     top + 12 * static_cast<int>(color), c, Xml(query));
  }
  return s + "</svg>\n";
}

}  // namespace

std::string MachineJson() {
  utsname u{};
  uname(&u);
  return fmt::format("\"cpu\":{},\"hardware_threads\":{},\"kernel\":{}", JsonString(CpuModel()),
                     std::thread::hardware_concurrency(),
                     JsonString(std::string(u.sysname) + " " + u.release));
}

std::string BenchMarkdown(const std::vector<BenchRun>& runs) {
  utsname u{};
  uname(&u);
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  std::string out =
      fmt::format("Measured {} on {} ({} hardware threads, {} {}) by `sluice bench`.\n", date,
                  CpuModel(), std::thread::hardware_concurrency(), u.sysname, u.release);
  std::map<std::string, double> measured;  // query -> its throughput run's events/s
  bool any_throughput = false, any_latency = false;
  for (const BenchRun& r : runs) {
    if (r.mode == "throughput") {
      measured[r.query] = r.events_per_s();
      any_throughput = true;
    } else {
      any_latency = true;
    }
  }
  if (any_throughput) {
    out +=
        "\n| query | P | events | results | M events/s | hand loop M events/s | loop / sluice | "
        "CPU s per M events | peak RSS |\n|---|---|---|---|---|---|---|---|---|\n";
    for (const BenchRun& r : runs) {
      if (r.mode != "throughput") continue;
      std::string loop = "—", ratio = "—";
      if (r.has_baseline) {
        loop = fmt::format("{:.2f}", r.baseline_events_per_s() / 1e6);
        ratio = fmt::format("{:.2f}", r.baseline_events_per_s() / std::max(1.0, r.events_per_s()));
        if (!r.baseline_matches()) ratio += " (results differ)";
      }
      out += fmt::format("| {} | {} | {} | {} | {:.2f} | {} | {} | {:.2f} | {:.0f} MB |\n", r.query,
                         r.parallelism, r.events, r.results, r.events_per_s() / 1e6, loop, ratio,
                         r.cpu_s_per_million(), r.peak_rss_mb);
    }
  }
  if (any_latency) {
    out +=
        "\n| query | P | rate | share of max | results | at end | p50 | p90 | p99 | p99.9 | max "
        "|\n|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const BenchRun& r : runs) {
      if (r.mode != "latency") continue;
      const auto m = measured.find(r.query);
      const std::string share =
          m != measured.end() && m->second > 0
              ? fmt::format("{:.0f}%", 100.0 * static_cast<double>(r.rate) / m->second)
              : "—";
      out += fmt::format(
          "| {} | {} | {:.2f} M/s | {} | {} | {} | {:.2f} ms | {:.2f} ms | {:.2f} ms | {:.2f} ms | "
          "{:.2f} ms |\n",
          r.query, r.parallelism, r.rate / 1e6, share, r.latency.count(), r.latency.unmeasured(),
          r.latency.Percentile(50) / 1e3, r.latency.Percentile(90) / 1e3,
          r.latency.Percentile(99) / 1e3, r.latency.Percentile(99.9) / 1e3, r.latency.max() / 1e3);
    }
  }
  return out;
}

std::string BenchTable(const std::vector<BenchRun>& runs) {
  std::string out = fmt::format(
      "{:<12} {:<10} {:>2} {:>11} {:>10} {:>7} {:>9} {:>9} {:>7} {:>10} "
      "{:>6}  {}\n",
      "query", "mode", "P", "events", "results", "time_s", "Mev/s", "cpu_s/Mev", "rss_MB",
      "loop_Mev/s", "ratio", "latency");
  for (const BenchRun& r : runs) {
    std::string loop = "-", ratio = "-", latency;
    if (r.has_baseline) {
      loop = fmt::format("{:.2f}", r.baseline_events_per_s() / 1e6);
      ratio = fmt::format("{:.2f}", r.baseline_events_per_s() / std::max(1.0, r.events_per_s()));
      if (!r.baseline_matches()) ratio += " MISMATCH";
    }
    if (r.mode == "latency") {
      latency = fmt::format(
          "rate {:.2f} M/s: p50 {:.2f} p90 {:.2f} p99 {:.2f} p99.9 {:.2f} "
          "max {:.2f} ms",
          r.rate / 1e6, r.latency.Percentile(50) / 1e3, r.latency.Percentile(90) / 1e3,
          r.latency.Percentile(99) / 1e3, r.latency.Percentile(99.9) / 1e3, r.latency.max() / 1e3);
    }
    out += fmt::format(
        "{:<12} {:<10} {:>2} {:>11} {:>10} {:>7.2f} {:>9.2f} {:>9.2f} {:>7.0f} "
        "{:>10} {:>6}  {}\n",
        r.query, r.mode, r.parallelism, r.events, r.results, r.wall_s, r.events_per_s() / 1e6,
        r.cpu_s_per_million(), r.peak_rss_mb, loop, ratio, latency);
  }
  return out;
}

std::string BenchJson(const std::vector<BenchRun>& runs) {
  std::string out = "{\"machine\":{" + MachineJson() + "},\"runs\":[";
  for (size_t i = 0; i < runs.size(); ++i) {
    const BenchRun& r = runs[i];
    if (i) out += ",";
    out += fmt::format(
        "\n{{\"query\":{},\"mode\":\"{}\",\"parallelism\":{},\"events\":{},\"results\":{},"
        "\"wall_s\":{:.6f},\"events_per_s\":{:.1f},\"cpu_s\":{:.6f},"
        "\"cpu_s_per_million_events\":{:.6f},\"peak_rss_mb\":{:.1f}",
        JsonString(r.query), r.mode, r.parallelism, r.events, r.results, r.wall_s, r.events_per_s(),
        r.cpu_s, r.cpu_s_per_million(), r.peak_rss_mb);
    if (r.has_baseline) {
      out += fmt::format(",\"baseline\":{{\"events_per_s\":{:.1f},\"results\":{},\"matches\":{}}}",
                         r.baseline_events_per_s(), r.baseline_results,
                         r.baseline_matches() ? "true" : "false");
    }
    if (r.mode == "latency") {
      out += fmt::format(
          ",\"rate\":{},\"latency_us\":{{\"count\":{},\"at_end\":{},\"p50\":{},\"p90\":{},"
          "\"p99\":{},\"p99.9\":{},\"max\":{},\"mean\":{:.1f}}}",
          r.rate, r.latency.count(), r.latency.unmeasured(), r.latency.Percentile(50),
          r.latency.Percentile(90), r.latency.Percentile(99), r.latency.Percentile(99.9),
          r.latency.max(), r.latency.mean());
    }
    out += "}";
  }
  return out + "\n]}\n";
}

Status WriteBenchReport(const std::string& dir, const std::vector<BenchRun>& runs) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(fmt::format("cannot create '{}': {}", dir, ec.message()));
  SLUICE_RETURN_IF_ERROR(WriteText(dir + "/throughput.svg", ThroughputSvg(runs)));
  SLUICE_RETURN_IF_ERROR(WriteText(dir + "/latency.svg", LatencySvg(runs)));
  SLUICE_RETURN_IF_ERROR(WriteText(dir + "/bench.json", BenchJson(runs)));
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>sluice bench</title>\n"
      "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>\n"
      "<h1>sluice bench</h1>\n<p>" +
      Xml(MachineJson()) +
      "</p>\n<h2>Throughput</h2>\n<img src=\"throughput.svg\" alt=\"throughput\">\n"
      "<h2>Latency</h2>\n<img src=\"latency.svg\" alt=\"latency\">\n<h2>Runs</h2>\n<pre>" +
      Xml(BenchTable(runs)) +
      "</pre>\n<p>Raw figures: <a href=\"bench.json\">bench.json</a></p>\n"
      "</body></html>\n";
  return WriteText(dir + "/index.html", html);
}

}  // namespace sluice::cli
