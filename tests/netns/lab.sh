#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The gripd lab (README "main job"): a spoke with two hubs and an HQ, each a
# network namespace, GRE over ESP through gripd's userspace datapath.
#
#   hqhost          hqrtr                 hub1 (gripd)          inet            spoke (gripd)      lan
#  10.1.0.10 ---- 10.1.0.1                                                                        10.0.65.10
#                 10.255.1.1 ------- 10.255.1.2  [hq]                                                  |
#                 10.255.2.1 ---+    198.51.100.2 [wan] ---- 198.51.100.1                         10.0.65.1 [lan]
#                               |                            203.0.113.1 ---------------- 203.0.113.2 [wan]
#                               +-- 10.255.2.2  [hq]         198.51.100.5                       |
#                                   hub2 (gripd)             /                      grip-hub1 10.0.2.12/24
#                                   198.51.100.6 [wan] -----+                       grip-hub2 10.0.3.12/24
#
# It brings the lab up, shows the adjacencies and routes, sends 2,000
# packets/s from the spoke LAN to the HQ host, kills hub1's gripd, reports
# the measured outage while traffic moves to hub2, brings hub1 back (failback
# after failback-delay, make-before-break, no loss), restarts the spoke's
# gripd in place (gripctl restart, no loss), stops hub1 gracefully (GOODBYE)
# and tears it all down.
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/topo.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
c() { local who=$1; shift; printf '%s$ gripctl %s\n' "$who" "$*"; gctl "$T/$who" "$@"; }

FAILBACK=5
say "building the lab (7 namespaces, veth links, gripd on spoke, hub1 and hub2)"
topo_links
topo_conf 10 20 300ms 900ms ${FAILBACK}s
topo_start
wait_for 10 adj_up "$T/spoke" hub1 && wait_for 10 adj_up "$T/spoke" hub2 &&
	wait_for 5 is_best hub1 || { echo "lab did not come up"; tail "$T"/*/gripd.log; exit 1; }
c spoke show adjacencies
c spoke show routes
printf 'spoke$ ip route show proto gripd\n'; ip -n "$NS_SPOKE" route show proto 250
c hub1 show adjacencies
c hub1 show routes
c spoke show sa

say "traffic: the spoke LAN host reaches the HQ host through hub1"
run ip netns exec "$NS_LAN" ping -c 3 -i 0.2 -W 1 10.1.0.10

say "failing hub1 (kill -9 of its gripd) under 2,000 packets/s"
sw_start 5
sleep 1.5
kill -KILL "$HUB1_PID"
echo "hub1 killed; the spoke notices when its hold time (900 ms) runs out"
sw_wait
echo "measured outage: ${SW_GAP_MS} ms, ${SW_LOST} packets lost (hello 300 ms, hold 900 ms)"
c spoke show adjacencies
c spoke show routes
run ip netns exec "$NS_LAN" ping -c 2 -i 0.2 -W 1 10.1.0.10

say "hub1 back: held down for failback-delay (${FAILBACK} s), then make-before-break"
sw_start $((FAILBACK + 5))
sleep 1
start_hub 1
wait_for 10 adj_up "$T/spoke" hub1
c spoke show routes
wait_for $((FAILBACK + 3)) is_best hub1
sw_wait
echo "failback: ${SW_LOST} packets lost, longest gap ${SW_GAP_MS} ms"
c spoke show routes

say "hitless restart of the spoke's gripd (gripctl restart) under 2,000 packets/s"
sw_start 4
sleep 1.5
c spoke restart
sw_wait
echo "in-place restart: ${SW_LOST} packets lost, longest gap ${SW_GAP_MS} ms"
c spoke show version
printf 'spoke$ ip route show proto gripd\n'; ip -n "$NS_SPOKE" route show proto 250

say "graceful shutdown of hub1 (GOODBYE)"
sw_start 4
sleep 1.5
kill -TERM "$HUB1_PID"
sw_wait
echo "planned maintenance: ${SW_LOST} packets lost, longest gap ${SW_GAP_MS} ms"
c spoke show adjacencies

say "tearing down"
echo "lab finished: failover after a hub failure, failback, an in-place restart and a planned shutdown, measured."
