#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Hitless restart (docs/restart.md) in the FRR lab of t_frr_lab.sh: every
# gripd sends its routes through its namespace's zebra 8.4; hqrtr learns the
# spoke LAN by BGP from both hubs.  Two stopwatches run at once (spoke LAN ->
# HQ host and back, 2,000 packets/s each) while:
#   (a) the spoke's gripd is restarted in place (`gripctl restart`)
#   (b) hub1's gripd, the active hub in both directions, is restarted
# Each must lose no packet in either direction: the TUN devices and ESP
# sockets go to the new process, zebra keeps the routes (graceful restart),
# the neighbours keep theirs (GOODBYE "restarting", helper mode), and the
# hub's multipoint routes are carried over.
# Then: the new process runs as the same unprivileged user with the same
# capabilities and nothing ambient; stale routes are swept at convergence;
# a restart with a broken configuration is refused and changes nothing.
# Skips (77) unless root and FRR (8.x) is installed or installable.
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/frr.sh"
[ -x "$STOPWATCH" ] || { echo "SKIP: no stopwatch"; exit 77; }
frr_require

topo_links
topo_frr
topo_conf 10 20 300ms 900ms 3000ms
topo_gripd_zebra
topo_start

check "spoke adjacency with hub1 UP" wait_for 10 adj_up "$T/spoke" hub1
check "spoke adjacency with hub2 UP" wait_for 10 adj_up "$T/spoke" hub2
check "spoke's best path via hub1" wait_for 5 is_best hub1
check "BGP hqrtr - hub1 Established" wait_for 30 bgp_up hqrtr 10.255.1.2
check "BGP hqrtr - hub2 Established" wait_for 30 bgp_up hqrtr 10.255.2.2
two_paths() { [ "$(hq_paths)" = "10.255.1.2*,10.255.2.2" ]; }
check "hqrtr learns 10.0.65.0/24 from both hubs, best via hub1" wait_for 15 two_paths
spoke_n() { frr_vtysh spoke "show ip route" | grep -q '^N>\* 10.1.0.0/16 \[150/10\] via 10.0.2.1, grip-hub1 onlink'; }
check "spoke: zebra has N>* 10.1.0.0/16 via hub1" wait_for 5 spoke_n
check "the HQ host pings the spoke LAN host" \
	ip netns exec "$NS_HQHOST" ping -q -c 2 -i 0.2 -W 1 10.0.65.10

version() { gctl "$1" show version json; }
restarts() { jget "$(version "$1")" 'j["restarts"]'; }
both_start() { sw_start "$1"; sw_start_rev "$1"; }
both_wait() { sw_wait; sw_wait_rev; }
report() {
	echo "   $1: spoke->HQ gap ${SW_GAP_MS} ms (lost ${SW_LOST}), HQ->spoke gap ${SWR_GAP_MS} ms (lost ${SWR_LOST})"
	for n in spoke hub1; do
		echo "   $n counters: $(gctl "$T/$n" show counters json | tr -d '\n' | cut -c1-600)"
	done
}
caps() { # PID: "Uid CapInh CapPrm CapEff CapAmb"
	awk '/^Uid:/{u=$2} /^CapInh:/{i=$2} /^CapPrm:/{p=$2} /^CapEff:/{e=$2} /^CapAmb:/{a=$2}
	     END {print u, i, p, e, a}' "/proc/$1/status"
}
frr_uid=$(id -u frr)

# (a) the spoke restarts in place.
before=$(caps "$SPOKE_PID")
both_start 5
sleep 1.5
rc=0; out=$(gctl "$T/spoke" restart 2>&1) || rc=$?
echo "$out" | sed 's/^/   | /'
check "(a) gripctl restart on the spoke returns 0 once the new process serves" [ $rc -eq 0 ]
check "(a) it says so" grep -q "gripd restarted (restart 1)" <<<"$out"
both_wait
report "spoke restart"
check "(a) spoke restart: 0 packets lost spoke->HQ" [ "$SW_LOST" -eq 0 ]
check "(a) spoke restart: 0 packets lost HQ->spoke" [ "$SWR_LOST" -eq 0 ]
check "(a) same pid (exec in place), restarts = 1" \
	bash -c "[ $(jget "$(version "$T/spoke")" 'j["pid"]') = $SPOKE_PID ] && [ $(restarts "$T/spoke") = 1 ]"
after=$(caps "$SPOKE_PID")
echo "   caps before: $before  after: $after"
check "(a) same user and capabilities, nothing inheritable or ambient" \
	[ "$after" = "$frr_uid 0000000000000000 0000000000003400 0000000000003400 0000000000000000" ]
check "(a) the spoke's log shows the handover" \
	grep -q "restart: handing .* descriptor(s) over" "$T/spoke/gripd.log"
check "(a) the new process adopted its tunnels (no new TUN)" \
	grep -q "restarted in place" "$T/spoke/gripd.log"
check "(a) hub1 kept the spoke's routes while it restarted" \
	grep -qi "restarting" "$T/hub1/gripd.log"
check "(a) spoke adjacency with hub1 UP again" wait_for 10 adj_up "$T/spoke" hub1
check "(a) spoke adjacency with hub2 UP again" wait_for 10 adj_up "$T/spoke" hub2
check "(a) zebra's table complete after convergence: N>* 10.1.0.0/16 via hub1" \
	wait_for 10 bash -c "grep -q 'start-up table complete' $T/spoke/gripd.log"
check "(a) exactly one nhrp route to 10.1.0.0/16 in the spoke's zebra" \
	[ "$(frr_vtysh spoke 'show ip route 10.1.0.0/16 json' | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin).get("10.1.0.0/16", []) if r["protocol"] == "nhrp"))')" = 1 ]
check "(a) still N>* via hub1" spoke_n

# (b) hub1 (active both ways) restarts in place.
both_start 5
sleep 1.5
rc=0; out=$(gctl "$T/hub1" restart 2>&1) || rc=$?
echo "$out" | sed 's/^/   | /'
check "(b) gripctl restart on hub1 returns 0" [ $rc -eq 0 ]
both_wait
report "hub1 restart"
check "(b) hub1 restart: 0 packets lost spoke->HQ" [ "$SW_LOST" -eq 0 ]
check "(b) hub1 restart: 0 packets lost HQ->spoke" [ "$SWR_LOST" -eq 0 ]
check "(b) hqrtr kept both paths, best via hub1" two_paths
check "(b) hub1 carried its multipoint routes over" \
	grep -q "multipoint route(s) kept" "$T/hub1/gripd.log"
check "(b) spoke adjacency with hub1 UP again" wait_for 10 adj_up "$T/spoke" hub1
check "(b) hub1's reverse route still in its kernel (proto nhrp, grip-mp)" \
	bash -c "ip -n $NS_HUB1 route show 10.0.65.0/24 proto nhrp | grep -q 'dev grip-mp'"

# (c) a broken configuration: the restart is refused, nothing changes.
pid=$(jget "$(version "$T/hub2")" 'j["pid"]')
cp "$T/hub2/gripd.conf" "$T/hub2/gripd.conf.good"
printf 'site bogus\n hello 5q\n!\n' >>"$T/hub2/gripd.conf"
rc=0; out=$(gctl "$T/hub2" restart 2>&1) || rc=$?
echo "$out" | sed 's/^/   | /'
check "(c) restart with a broken file fails (exit 1)" [ $rc -eq 1 ]
check "(c) the error names file:line:col" grep -q "gripd.conf:[0-9]*:[0-9]*: error:" <<<"$out"
check "(c) same process, no restart counted" \
	bash -c "[ $(jget "$(version "$T/hub2")" 'j["pid"]') = $pid ] && [ $(restarts "$T/hub2") = 0 ]"
check "(c) hub2's adjacency with the spoke still UP" adj_up "$T/spoke" hub2
cp "$T/hub2/gripd.conf.good" "$T/hub2/gripd.conf"

# A second restart of the same process works too (state carried twice).
gctl "$T/spoke" restart >/dev/null 2>&1 || true
check "second restart of the spoke: restarts = 2" bash -c "[ $(restarts "$T/spoke") = 2 ]"
check "spoke adjacency with hub1 UP after the second restart" wait_for 10 adj_up "$T/spoke" hub1

check "no sanitizer report" bash -c "! grep -q Sanitizer $T/*/gripd.log"
frr_stop_all
finish
