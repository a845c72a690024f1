#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# The whole test suite, from a fresh Debian 12 machine: installs what it
# needs, builds gripd with ASan+UBSan, runs every ctest lane (unit, fuzz
# corpus replay, netns, interop) and ends with ctest's summary.  Run as root
# (the netns lanes need it; without root they are skipped).
#   ./scripts/test.sh            everything
#   ./scripts/test.sh -L unit    any extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh build test
build=${GRIPD_TEST_BUILD:-build-test}
cmake -S . -B "$build" -DGRIPD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j"$(nproc)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure --timeout 900 "$@"
