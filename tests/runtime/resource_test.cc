// Bounded memory and stopping: long runs keep a flat footprint; Stop() ends a run cleanly.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "sluice/pipeline_builder.h"
#include "test_util.h"

using namespace sluice;
using sluice::testing::ScratchDir;

namespace {

// Peak RSS in MB of a child process that runs W2 over `events` generated events.
long PeakRssMbOfRun(uint64_t events) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::unique_ptr<Pipeline> p;
    Status s = PipelineBuilder("rss")
                   .parallelism(2)
                   .generator_source(events, 1000)
                   .key_by({"key"})
                   .tumbling("10ms", {"count() as n", "sum(value) as total"})
                   .null_sink()
                   .Build(&p);
    if (s.ok()) s = p->Run();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long mb = s.ok() ? ru.ru_maxrss / 1024 : -1;
    ssize_t w = write(fds[1], &mb, sizeof(mb));
    (void)w;
    _exit(0);
  }
  close(fds[1]);
  long mb = -1;
  ssize_t r = read(fds[0], &mb, sizeof(mb));
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  REQUIRE(r == sizeof(mb));
  return mb;
}

}  // namespace

// Skipped under AddressSanitizer, whose quarantine and shadow memory make peak RSS meaningless.
TEST_CASE("memory stays flat when the input grows tenfold" *
          doctest::skip(sluice::testing::kAddressSanitizer)) {
  long small = PeakRssMbOfRun(500'000);
  long large = PeakRssMbOfRun(5'000'000);
  REQUIRE(small > 0);
  INFO("peak RSS: " << small << " MB for 0.5M events, " << large << " MB for 5M events");
  // Input grows by 4.5M events (over 100 MB of rows); the footprint may not grow with it.
  CHECK(large < small + 16);
}

TEST_CASE("Stop ends a running pipeline with Aborted and commits no output") {
  ScratchDir dir("stop");
  std::unique_ptr<Pipeline> p;
  REQUIRE(PipelineBuilder("stop")
              .generator_source(2'000'000'000, 10)
              .csv_sink(dir.file("out.csv"))
              .Build(&p)
              .ok());
  std::thread stopper([&] {
    while (p->Stats().events_in < 100'000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    p->Stop();
  });
  Status s = p->Run();
  stopper.join();
  CHECK(s.code() == Status::Code::kAborted);
  CHECK(p->Stats().events_in < 2'000'000'000);
  CHECK_FALSE(std::filesystem::exists(dir.file("out.csv")));
  CHECK_FALSE(std::filesystem::exists(dir.file("out.csv.inprogress")));
}
