#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The gripd lab (README "main job").  At this stage of the project:
#
#   +--------------------------------------+
#   | netns lab-spoke                      |
#   |   gripd -F -f etc/examples/spoke/... |  <- the shipped example spoke
#   |   (drops to user gripd)              |     config: two hubs, west-1
#   +--------------------------------------+     and west-2
#
# It checks the configuration, starts the daemon in a namespace, shows what
# gripctl reports (text and JSON), reloads, and tears everything down.
# Later issues grow this into spoke + two hubs + HQ with traffic failing over.
. "$(dirname "$0")/lib.sh"
require_root

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

cp -r "$GRIPD_SRC/etc/examples/spoke" "$T/etc"
# git keeps no 0600 modes; the daemon refuses secrets others could read.
find "$T/etc" -path '*/keys/*' -type f -exec chmod 600 {} + -exec chown gripd {} +
mkdir -p "$T/run" && chown gripd "$T/run"
SOCK=$T/run/gripd.sock
NS=$(ns lab-spoke)

say "check the example spoke configuration"
run "$GRIPD" -n -f "$T/etc/gripd.conf"
say "normalized (gripd -n -v)"
run "$GRIPD" -n -v -f "$T/etc/gripd.conf"

say "start gripd in namespace $NS"
ip netns exec "$NS" "$GRIPD" -F -f "$T/etc/gripd.conf" -s "$SOCK" >"$T/gripd.log" 2>&1 &
GPID=$!
PIDS+=($GPID)
wait_for 10 test -S "$SOCK" || { cat "$T/gripd.log"; exit 1; }
sed 's/^/  log: /' "$T/gripd.log"
grep -E '^(Uid|CapEff|CapPrm|NoNewPrivs)' /proc/$GPID/status | sed 's/^/  \/proc: /'

c() { run "$GRIPCTL" -s "$SOCK" "$@"; }
say "gripctl"
c show version
c show tunnels
c show tunnels json
c show adjacencies
c show routes json
c show counters
c show config

say "reload (SIGHUP) with an unchanged configuration"
kill -HUP $GPID
sleep 0.3
tail -n 3 "$T/gripd.log" | sed 's/^/  log: /'

say "stop"
kill -TERM $GPID
wait $GPID && echo "gripd exited cleanly"
echo
echo "lab finished: gripd started, answered gripctl, reloaded and stopped."
