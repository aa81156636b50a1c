// Reading pipeline files: unreadable paths are IOError naming the path and the reason.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "pipelines/toml_loader.h"

using namespace sluice;

TEST_CASE("a missing pipeline file is an IOError with the path and reason") {
  auto r = LoadPipelineFile("/nonexistent/dir/x.toml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsIOError());
  CHECK(r.status().message() == "cannot open '/nonexistent/dir/x.toml': No such file or directory");
}

TEST_CASE("a directory given as the pipeline file is an IOError") {
  const std::string dir = std::filesystem::temp_directory_path().string();
  auto r = LoadPipelineFile(dir);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsIOError());
  CHECK(r.status().message() == "cannot open '" + dir + "': Is a directory");
}

TEST_CASE("the name defaults to the file's stem and errors name the path as given") {
  const auto dir = std::filesystem::temp_directory_path() / "sluice_toml_io_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "orders.v2.toml").string();
  {
    std::ofstream out(path);
    out << "[source]\ntype = \"generator\"\n[sink]\ntype = \"null\"\n";
  }
  auto r = LoadPipelineFile(path);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->name == "orders.v2");
  CHECK(r->file == path);
  {
    std::ofstream out(path);
    out << "[source]\ntype = \"generator\"\nkeys = 0\n[sink]\ntype = \"null\"\n";
  }
  r = LoadPipelineFile(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsInvalidArgument());
  CHECK(r.status().message() == path + ":3:8: 'keys' must be an integer >= 1, found integer 0");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a device given as the pipeline file is refused without reading it") {
  auto r = LoadPipelineFile("/dev/zero");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsInvalidArgument());
  CHECK(r.status().message() ==
        "'/dev/zero' is a character device, not a pipeline file; give the path of a TOML file");
}

TEST_CASE("a pipeline file larger than 1 MiB is refused; one at the limit is read") {
  const auto dir = std::filesystem::temp_directory_path() / "sluice_toml_io_size_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "big.toml").string();
  const std::string body = "[source]\ntype = \"generator\"\n[sink]\ntype = \"null\"\n";
  auto write = [&](size_t total) {
    std::ofstream out(path, std::ios::binary);
    out << body << '#' << std::string(total - body.size() - 2, 'x') << '\n';
  };
  write(kMaxPipelineFileBytes);
  CHECK(std::filesystem::file_size(path) == kMaxPipelineFileBytes);
  auto r = LoadPipelineFile(path);
  CHECK_MESSAGE(r.ok(), r.status().ToString());
  write(kMaxPipelineFileBytes + 1);
  r = LoadPipelineFile(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsInvalidArgument());
  CHECK(r.status().message() ==
        "'" + path +
            "' is larger than 1048576 bytes (1 MiB), the limit for a pipeline file; a pipeline "
            "file holds its definition only, never data");
  std::filesystem::remove_all(dir);
}
