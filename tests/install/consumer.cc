// A program built against the installed package by check_install.sh: two keyed stages, a C++
// filter and in-memory results, through the public API only.
#include <cstdio>
#include <memory>

#include "sluice/pipeline_builder.h"

using namespace sluice;

int main() {
  auto out = std::make_shared<Collector>();
  std::unique_ptr<Pipeline> pipeline;
  Status s = PipelineBuilder("consumer")
                 .parallelism(2)
                 .generator_source(10000, 10)
                 .key_by({"key"})
                 .tumbling("1ms", {"count() as n"})
                 .map("w", "window_start")
                 .key_by({"w"})
                 .tumbling("1ms", {"max(n) as top", "count() as keys"})
                 .filter([](const RowView& r) { return r.i64("keys") == 10; })
                 .collect(out)
                 .Build(&pipeline);
  if (s.ok()) s = pipeline->Run();
  if (!s.ok() || out->size() != 10) {
    std::fprintf(stderr, "consumer: %s, %zu rows\n", s.ToString().c_str(), out->size());
    return 1;
  }
  std::printf("consumer: %zu rows\n", out->size());
  return 0;
}
