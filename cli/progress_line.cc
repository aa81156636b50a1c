#include "cli/progress_line.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sluice::cli {

std::string Thousands(uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(i, ",");
  return s;
}

std::string FormatEta(double seconds) {
  const uint64_t s = static_cast<uint64_t>(std::max(0.0, std::ceil(seconds)));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string ProgressLine::Render(const PipelineStats& st) {
  std::string counts = fmt::format("{} events, {} results, {:.1f} s, {} events/s",
                                   Thousands(st.events_in), Thousands(st.records_out), st.elapsed_s,
                                   Thousands(static_cast<uint64_t>(st.events_per_s())));
  if (st.input_total == 0) return fmt::format("{}: {}", name_, counts);
  const uint64_t done = std::min(st.input_done, st.input_total);
  if (!have_first_) {
    have_first_ = true;
    first_done_ = done;
    first_elapsed_ = st.elapsed_s;
  }
  const double fraction = static_cast<double>(done) / static_cast<double>(st.input_total);
  const int filled = std::clamp(static_cast<int>(fraction * kBarWidth), 0, kBarWidth);
  std::string bar(filled, '#');
  bar.append(kBarWidth - filled, '-');
  std::string eta = "--:--";
  const double dt = st.elapsed_s - first_elapsed_;
  if (done > first_done_ && dt > 0) {
    const double rate = static_cast<double>(done - first_done_) / dt;
    eta = FormatEta(static_cast<double>(st.input_total - done) / rate);
  }
  return fmt::format("{}: {:3.0f}% [{}] {}, {} left", name_, std::floor(fraction * 100), bar,
                     counts, eta);
}

std::string StageRows(const PipelineStats& st) {
  std::string out;
  for (const StageStats& g : st.stages) {
    out += fmt::format("  {}: {} in, {} out", g.name, Thousands(g.rows_in), Thousands(g.rows_out));
    if (g.filtered) out += fmt::format(", {} filtered", Thousands(g.filtered));
    out += fmt::format(", {} late", Thousands(g.late));
    if (g.dead_letters) out += fmt::format(", {} dead letters", Thousands(g.dead_letters));
    out += '\n';
  }
  return out;
}

}  // namespace sluice::cli
