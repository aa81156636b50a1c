# Thin wrapper over CMake, in the manner of DuckDB's Makefile.
#   make          bootstrap packages, configure a Release build, build everything (CLI: build/bin/sluice)
#   make test     build and run the whole test suite through ctest
#   make demo     build and run the clickstream demo
#   make bench    build and run the benchmarks
#   make debug    Debug build with sanitizers in build-debug/

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all bootstrap configure build test demo bench debug clean format

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD_DIR)/CMakeCache.txt: | bootstrap
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: bootstrap $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

demo: build
	scripts/demo $(BUILD_DIR)/bin/sluice

bench: build
	scripts/bench $(BUILD_DIR)

debug:
	$(MAKE) BUILD_DIR=build-debug BUILD_TYPE=Debug CMAKE_FLAGS="-DSLUICE_SANITIZE=ON" build

clean:
	rm -rf $(BUILD_DIR) build-debug

format:
	find engine operators codecs storage pipelines cli tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i
