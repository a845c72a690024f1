#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Failover of the spoke -> HQ direction, measured with the stopwatch (2,000
# packets/s from the spoke LAN host to the HQ host), in the lab of topo.sh:
#
#   hqhost -- hqrtr --+-- hub1 (cost 10) --+
#                     |                    +-- inet -- spoke -- lan
#                     +-- hub2 (cost 20) --+
#
# Scenarios (issue: adjacency, route decisions and failover):
#   (d) graceful shutdown of hub1 (GOODBYE): 0 packets lost
#   (e) hub1 back: failback only after failback-delay, 0 packets lost
#   (a) kill -9 of hub1's gripd: outage <= hold + 500 ms
#   (b) hub1's underlay link down: outage <= hold + 500 ms
#   (c) hub1's tracked LAN interface down: outage <= hold + 500 ms
#   (f) ECMP at equal cost (reload): both hubs carry traffic, one fails,
#       the other carries all
# The bounds are generous on purpose (2 shared cores); bench/failover.sh
# measures the real distribution.
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/topo.sh"
[ -x "$STOPWATCH" ] || { echo "SKIP: no stopwatch"; exit 77; }

HOLD=900
FAILBACK_MS=3000
BOUND=$((HOLD + 500))
topo_links
# The spoke also advertises a prefix its site file on the hubs does not allow.
topo_conf 10 20 300ms ${HOLD}ms ${FAILBACK_MS}ms " advertise 192.168.99.0/24"
topo_start
check "spoke adjacency with hub1 UP" wait_for 10 adj_up "$T/spoke" hub1
check "spoke adjacency with hub2 UP" wait_for 10 adj_up "$T/spoke" hub2
check "best path via hub1 (lower cost)" wait_for 5 is_best hub1
check "backup via hub2 pre-installed in the kernel" \
	bash -c "ip -n $NS_SPOKE route show 10.1.0.0/16 | grep -q 'grip-hub2'"
check "hub1 has the reverse route to the spoke LAN" \
	bash -c "ip -n $NS_HUB1 route show 10.0.65.0/24 | grep -q 'via 10.0.2.12 dev grip-mp'"
check "traffic flows spoke LAN -> HQ" ip netns exec "$NS_LAN" ping -c 2 -i 0.2 -W 1 10.1.0.10

# Allow-lists: the hub refuses what the spoke's site file does not allow.
refused() { gctl "$T/hub1" show adjacencies json | python3 -c 'import json,sys; print(json.load(sys.stdin)["adjacencies"][0]["prefixes_refused"])'; }
check "hub1 refused 192.168.99.0/24 (counted)" [ "$(refused)" = 1 ]
check "hub1 logged the refusal" grep -q "refused 192.168.99.0/24: not allowed by its site file" "$T/hub1/gripd.log"
check "no route to the refused prefix on hub1" bash -c "! ip -n $NS_HUB1 route show 192.168.99.0/24 | grep -q ."
check "the allowed prefix is accepted" bash -c "ip -n $NS_HUB1 route show 10.0.65.0/24 | grep -q grip-mp"

# clear adjacency: it goes down and forms again.
gctl "$T/spoke" clear adjacency hub2 >/dev/null
check "clear adjacency hub2: it forms again" wait_for 5 adj_up "$T/spoke" hub2
flaps() { gctl "$T/spoke" show adjacencies json | python3 -c 'import json,sys; print([a["flaps"] for a in json.load(sys.stdin)["adjacencies"] if a["name"] == sys.argv[1]][0])' "$1"; }
check "clear adjacency hub2: counted as a flap" [ "$(flaps hub2)" = 1 ]
check "best path still via hub1" is_best hub1

report() { # NAME: prints the measured figures
	echo "   $1: longest gap ${SW_GAP_MS} ms, lost ${SW_LOST} packets"
	echo "$1 $SW_GAP_MS $SW_LOST" >>"$T/results.txt"
}

# (d) graceful shutdown: GOODBYE, the spoke switches before hub1 stops.
sw_start 4
sleep 1.5
kill -TERM "$HUB1_PID"
sw_wait
report "goodbye"
check "(d) GOODBYE: 0 packets lost" [ "$SW_LOST" -eq 0 ]
check "(d) spoke now uses hub2" is_best hub2
check "hub1 removed its reverse route on exit" \
	bash -c "! ip -n $NS_HUB1 route show proto 250 | grep -q ."

# (e) failback: hub1 returns; the switch waits for failback-delay, 0 loss.
sw_start 8
sleep 1
t0=$(date +%s%N)
start_hub 1
wait_for 10 adj_up "$T/spoke" hub1
t_up=$(( ($(date +%s%N) - t0) / 1000000 ))
check "(e) hub1 held down right after it came back" is_best hub2
wait_for 10 is_best hub1
t_sw=$(( ($(date +%s%N) - t0) / 1000000 ))
sw_wait
report "failback"
echo "   failback: adjacency up after ${t_up} ms, switch after ${t_sw} ms (delay ${FAILBACK_MS} ms)"
# From the spoke's own log: adjacency UP -> hold-down over (ms clocks).
log_ms() { grep "$1" "$T/spoke/gripd.log" | tail -n 1 | awk '{split($1,t,":"); printf "%d\n", (t[1]*3600+t[2]*60+t[3])*1000}'; }
held=$(( $(log_ms "failback hold-down over") - $(log_ms "hub hub1: adjacency INIT -> UP") ))
echo "   failback: hold-down lasted ${held} ms by the spoke's log"
check "(e) switched back only after failback-delay (${held} ms)" [ "$held" -ge $((FAILBACK_MS - 5)) ]
check "(e) failback: 0 packets lost" [ "$SW_LOST" -eq 0 ]

wait_failback() {
	wait_for 10 adj_up "$T/spoke" hub1 && wait_for $((FAILBACK_MS / 1000 + 5)) is_best hub1
}

# (a) kill -9: nothing tells the spoke; the hold timer does.
sw_start 5
sleep 1.5
kill -KILL "$HUB1_PID"
sw_wait
report "kill9"
check "(a) kill -9: outage ${SW_GAP_MS} ms <= ${BOUND} ms" [ "$SW_GAP_MS" -le $BOUND ]
check "(a) spoke uses hub2" is_best hub2
start_hub 1
check "hub1 back after kill -9" wait_failback

# (b) hub1's underlay link down.
sw_start 5
sleep 1.5
ip -n "$NS_HUB1" link set wan down
sw_wait
report "underlay"
check "(b) underlay down: outage ${SW_GAP_MS} ms <= ${BOUND} ms" [ "$SW_GAP_MS" -le $BOUND ]
check "(b) hub1's own adjacency went down at once (underlay event)" \
	grep -q "adjacency UP -> DOWN (tunnel down)" "$T/hub1/gripd.log"
ip -n "$NS_HUB1" link set wan up
ip -n "$NS_HUB1" route replace default via 198.51.100.1   # the kernel dropped it
check "hub1 back after underlay up" wait_failback

# (c) hub1's tracked LAN interface down: it withdraws what it advertises.
sw_start 5
sleep 1.5
ip -n "$NS_HUB1" link set hq down
sw_wait
report "track"
check "(c) tracked interface down: outage ${SW_GAP_MS} ms <= ${BOUND} ms" [ "$SW_GAP_MS" -le $BOUND ]
check "(c) hub1 logged the withdrawal" grep -q "tracked interface hq down" "$T/hub1/gripd.log"
check "(c) spoke uses hub2" is_best hub2
ip -n "$NS_HUB1" link set hq up
ip -n "$NS_HUB1" route replace 10.1.0.0/16 via 10.255.1.1   # the kernel dropped it
check "hub1 advertises again once hq is up" wait_failback

# (f) ECMP: equal cost by reloading the spoke.
sed -i 's/^ cost 20$/ cost 10/' "$T/spoke/gripd.conf"
kill -HUP "$SPOKE_PID"
check "(f) ECMP after reload" wait_for 5 is_best hub1,hub2
check "(f) a cost change keeps the adjacency (no flap)" \
	grep -q "hub hub2: changed, cost now 10 (tunnel and adjacency kept)" "$T/spoke/gripd.log"
ip netns exec "$NS_SPOKE" sysctl -qw net.ipv4.fib_multipath_hash_policy=1
rx() { gctl "$1" show tunnels json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["multipoint"]["counters"]["rx_packets"])'; }
r1=$(rx "$T/hub1"); r2=$(rx "$T/hub2")
sw_start 5 8
sleep 1.5
n1=$(rx "$T/hub1"); n2=$(rx "$T/hub2")
check "(f) ECMP: hub1 carries traffic ($((n1 - r1)) packets)" [ $((n1 - r1)) -gt 100 ]
check "(f) ECMP: hub2 carries traffic ($((n2 - r2)) packets)" [ $((n2 - r2)) -gt 100 ]
kill -KILL "$HUB1_PID"
sw_wait
report "ecmp-kill9"
check "(f) ECMP, one hub killed: outage ${SW_GAP_MS} ms <= ${BOUND} ms" [ "$SW_GAP_MS" -le $BOUND ]
check "(f) the other carries all" is_best hub2

echo "--- results (scenario, longest gap ms, lost packets):"
cat "$T/results.txt"
check "no sanitizer report" bash -c "! grep -q Sanitizer $T/*/gripd.log"
finish
