#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# The main job, from a fresh Debian 12 machine: installs what it needs,
# builds gripd, and runs the lab in network namespaces (tests/netns/lab.sh),
# printing what gripctl shows.  Everything it creates is removed at the end.
# Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh build lab
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)"
GRIPD_BUILD=$PWD/build GRIPD_SRC=$PWD exec bash tests/netns/lab.sh "$@"
