#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# The README's main job must keep working: run the lab and check that it
# reported its measurements.
. "$(dirname "$0")/lib.sh"
require_root
out=$T/lab.out
GRIPD_BUILD=$GRIPD_BUILD bash "$(dirname "$0")/lab.sh" >"$out" 2>&1
rc=$?
check "lab.sh exits 0 (rc=$rc)" [ "$rc" -eq 0 ]
check "lab measured the outage" grep -q "measured outage: [0-9]* ms" "$out"
check "lab failed back" grep -q "failback: 0 packets lost" "$out"
check "lab restarted the spoke in place without loss" grep -q "in-place restart: 0 packets lost" "$out"
check "lab finished" grep -q "lab finished" "$out"
[ $FAILS -eq 0 ] || tail -n 60 "$out"
finish
