// Fuzz target: a whole pipeline file, loaded (TOML shape checks) and, when it loads, planned as
// `sluice validate` does (expressions, aggregates, operator order). Nothing is opened or run.
#include <cstdint>
#include <memory>

#include "sluice/options.h"
#include "runtime/plan.h"
#include "fuzz/fuzz_util.h"
#include "pipelines/toml_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  auto spec = LoadPipelineString(fuzz::AsText(data, size), "fuzz.toml");
  if (!spec.ok()) {
    fuzz::Require(!spec.status().message().empty());
    return 0;
  }
  std::unique_ptr<Plan> plan;
  (void)BuildPlan(*spec, PipelineOptions(), &plan);
  return 0;
}
