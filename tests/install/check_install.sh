#!/usr/bin/env bash
# Installs the build in BUILD_DIR into a scratch prefix, builds a program against the installed
# CMake package (find_package(sluice), sluice::sluice) and runs it; then checks that the public
# API (sluice/pipeline_builder.h) brings in only sluice/ and base/status.h, base/types.h, not the
# engine's internals such as base/batch.h.
#   check_install.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > /dev/null
mkdir "$work/app"
cp "$src/tests/install/consumer.cc" "$work/app/app.cc"
cat > "$work/app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.22)
project(consumer CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(sluice REQUIRED)
add_executable(app app.cc)
target_link_libraries(app PRIVATE sluice::sluice)
CMAKE
cmake -S "$work/app" -B "$work/app/build" -DCMAKE_PREFIX_PATH="$work/prefix" > /dev/null
cmake --build "$work/app/build" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$work/app/build/app"

headers=$(echo '#include "sluice/pipeline_builder.h"' |
  ${CXX:-c++} -std=c++20 -I"$work/prefix/include/sluice" -x c++ -E - |
  grep -o "\"$work/prefix/include/sluice/[^\"]*\"" | sed "s#\"$work/prefix/include/sluice/##; s#\"##" |
  sort -u)
allowed='^(sluice/[a-z_]+\.h|base/status\.h|base/types\.h)$'
leaked=$(echo "$headers" | grep -Ev "$allowed" || true)
if [ -n "$leaked" ]; then
  echo "the public API includes internal headers:" $leaked
  exit 1
fi
echo "public API headers:" $headers
