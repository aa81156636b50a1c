// The README's pipeline, declared in C++: purchases per user in 10-second tumbling windows.
// Run `build/bin/sluice generate clickstream --out demo-out/clicks.csv` first.
#include <cstdio>

#include "sluice/pipeline_builder.h"

using namespace sluice;

int main() {
  std::unique_ptr<Pipeline> pipeline;
  Status s = PipelineBuilder("clicks-per-user")
                 .parallelism(2)
                 .csv_source("demo-out/clicks.csv", {{"user", "string"}, {"page", "string"},
                                                     {"ts", "timestamp_ms"}, {"amount", "double"}})
                 .event_time("ts", "2s")
                 .dead_letter_path("demo-out/clicks-per-user.dlq.jsonl")
                 .filter([](const RowView& r) { return r.f64("amount") > 0; })  // or "amount > 0"
                 .key_by({"user"})
                 .tumbling("10s", {"count() as n", "sum(amount) as total", "avg(amount) as mean"})
                 .csv_sink("demo-out/clicks_per_user_cpp.csv")
                 .Build(&pipeline);
  if (s.ok()) s = pipeline->Run();
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  PipelineStats st = pipeline->Stats();
  std::printf("%llu events in, %llu results out\n",
              static_cast<unsigned long long>(st.events_in),
              static_cast<unsigned long long>(st.records_out));
  return 0;
}
