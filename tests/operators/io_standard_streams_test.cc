// Path "-" reads standard input; the stdout sink writes standard output.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "io_test_util.h"

using namespace sluice;
using namespace sluice::testing;

namespace {

// Points file descriptor `fd` at `path` for the object's lifetime.
class Redirect {
 public:
  Redirect(int fd, const std::string& path, int flags) : fd_(fd), saved_(::dup(fd)) {
    int f = ::open(path.c_str(), flags, 0644);
    REQUIRE(f >= 0);
    ::dup2(f, fd_);
    ::close(f);
  }
  ~Redirect() {
    ::dup2(saved_, fd_);
    ::close(saved_);
  }

 private:
  int fd_;
  int saved_;
};

}  // namespace

TEST_CASE("csv source reads standard input for path dash") {
  ScratchDir dir("stdin");
  WriteFile(dir.file("in.csv"), "user,ts,amount\na,1,2\nb,3,x\n");
  Schema schema({{"user", Type::kString},
                 {"ts", Type::kTimestamp, TimeUnit::kMillis},
                 {"amount", Type::kDouble}});
  Redirect in(STDIN_FILENO, dir.file("in.csv"), O_RDONLY);
  SourceRun run = RunSource("csv", "-", schema, 1);
  REQUIRE(run.open.ok());
  REQUIRE(run.batch.size() == 1);
  CHECK(run.batch.columns[0].str(0) == "a");
  REQUIRE(run.batch.dead_letters.size() == 1);
  CHECK(run.batch.dead_letters[0].source == "-");
  CHECK(run.batch.dead_letters[0].line == 3);
}

TEST_CASE("stdout sink writes csv or json lines with the file encoders") {
  ScratchDir dir("stdout");
  Schema schema({{"k", Type::kString}, {"v", Type::kDouble}});
  Batch b;
  b.reset(schema);
  b.columns[0].push_string("a,b");
  b.columns[1].push_double(1.5);
  b.columns[0].push_string("c");
  b.columns[1].push_null();
  b.ts = {0, 0};
  for (const char* format : {"csv", "jsonl"}) {
    const std::string out = dir.file(std::string("out.") + format);
    {
      std::fflush(stdout);
      Redirect redirect(STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC);
      SinkSpec spec;
      spec.type = "stdout";
      spec.format = format;
      auto sink = MakeSink(spec);
      REQUIRE(sink.ok());
      REQUIRE((*sink)->Open(schema).ok());
      REQUIRE((*sink)->Write(b).ok());
      REQUIRE((*sink)->Close().ok());
      CHECK((*sink)->rows() == 2);
    }
    if (std::string(format) == "csv") {
      CHECK(ReadFile(out) == "k,v\n\"a,b\",1.5\nc,\n");
    } else {
      CHECK(ReadFile(out) == "{\"k\":\"a,b\",\"v\":1.5}\n{\"k\":\"c\",\"v\":null}\n");
    }
  }
}
