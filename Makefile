# Thin wrapper over CMake, in the manner of DuckDB's Makefile.
#   make          bootstrap packages, configure a Release build, build everything (CLI: build/bin/sluice)
#   make test     build and run the whole test suite through ctest
#   make demo     build and run the clickstream demo
#   make bench    build and run the benchmarks
#   make debug    Debug build with sanitizers in build-debug/
#   make asan     AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/; runs every
#                 test but the long crash test and the install test (which links a program without
#                 the sanitizer runtimes against the instrumented libraries)
#   make tsan     ThreadSanitizer build in build-tsan/; runs the runtime and storage tests
#   make fuzz     clang-14 libFuzzer build in build-fuzz/; runs each fuzz target for FUZZ_SECONDS
#                 (default 60) over its corpus in tests/fuzz (scripts/fuzz)
# Sanitizer reports fail the run (halt_on_error); see docs/reliability.md.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60

ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$(CURDIR)/scripts/ubsan.supp
TSAN_ENV = TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/scripts/tsan.supp"

.PHONY: all bootstrap configure build test demo bench debug asan tsan fuzz clean format

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

asan:
	$(MAKE) BUILD_DIR=build-asan \
	  CMAKE_FLAGS="$(CMAKE_FLAGS) -DSLUICE_SANITIZE=ON -DSLUICE_BUILD_BENCH=OFF" build
	cd build-asan && $(ASAN_ENV) ctest --output-on-failure -j $(JOBS) -E '^(crash|install)$$'

tsan:
	$(MAKE) BUILD_DIR=build-tsan \
	  CMAKE_FLAGS="$(CMAKE_FLAGS) -DSLUICE_TSAN=ON -DSLUICE_BUILD_BENCH=OFF" configure
	cmake --build build-tsan -j $(JOBS) --target test_runtime test_storage
	cd build-tsan && $(TSAN_ENV) ctest --output-on-failure -j $(JOBS) -R '^(runtime|storage)$$'

fuzz:
	$(MAKE) BUILD_DIR=build-fuzz CMAKE_FLAGS="$(CMAKE_FLAGS) -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DSLUICE_FUZZ=ON -DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_BENCH=OFF" configure
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	scripts/fuzz build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) build-debug build-asan build-tsan build-fuzz

format:
	find base sluice expr runtime operators codecs storage pipelines cli tests bench fuzz -name '*.h' -o -name '*.cc' | xargs clang-format -i
