// Idle sources (docs/semantics.md, "Several sources"): a followed log that produces nothing
// holds the merged watermark back, so no window of the other source fires, until idle_timeout
// lets the merge go on without it.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "../storage/log_test_util.h"
#include "sluice/pipeline_builder.h"
#include "test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

// Runs a pipeline of the csv `clicks` and the (empty, followed) log in `log` with the given
// idle timeout; returns how many window rows it emitted within `wait`, then stops it.
size_t WindowsWithin(const std::string& clicks, const std::string& log, const std::string& idle,
                     std::chrono::milliseconds wait) {
  SourceSpec followed;
  followed.type = "log";
  followed.path = log;
  followed.schema = Schema({{"user", Type::kString}, {"ts", Type::kTimestamp, TimeUnit::kMillis}});
  followed.event_time = "ts";
  followed.follow = true;
  auto out = std::make_shared<Collector>();
  std::unique_ptr<Pipeline> p;
  Status s = PipelineBuilder("idle")
                 .parallelism(1)
                 .csv_source(clicks, {{"user", "string"}, {"ts", "timestamp_ms"}})
                 .event_time("ts")
                 .as("clicks")
                 .source(followed)
                 .idle_timeout(idle)
                 .as("followed")
                 .union_of({"clicks", "followed"})
                 .key_by({"user"})
                 .tumbling("1s", {"count() as n"})
                 .collect(out)
                 .Build(&p);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  Status run;
  std::thread t([&] { run = p->Run(); });
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (out->rows().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const size_t rows = out->rows().size();
  p->Stop();
  t.join();
  return rows;
}

}  // namespace

TEST_CASE("an idle source stops holding the watermark back after idle_timeout") {
  ScratchDir dir("idle");
  const std::string clicks = dir.file("clicks.csv");
  WriteFile(clicks, "user,ts\na,100\nb,900\na,1500\nb,2500\na,3100\n");
  TempDir log;
  OpenLog(log.path());  // an empty log: the followed source never produces a row
  // Without a timeout the empty log holds the watermark at -infinity: nothing fires.
  CHECK(WindowsWithin(clicks, log.path(), "0s", std::chrono::milliseconds(1500)) == 0);
  // With one, the windows that the csv's own watermark closes fire while the log stays quiet.
  CHECK(WindowsWithin(clicks, log.path(), "200ms", std::chrono::seconds(30)) > 0);
}
