#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The failover lab of topo.sh with the data-centre side on FRR: hqrtr learns
# the spoke LAN 10.0.65.0/24 by eBGP from both hubs (BFD 100 ms x 3), each
# hub redistributing gripd's kernel reverse route; hub2 prepends, so HQ
# prefers hub1 in both directions like the spoke does (cost 10 < 20).
#
#   hqhost -- hqrtr AS65000 --+-- hub1 AS65001 (cost 10) --+
#                             |                            +-- inet -- spoke -- lan
#                             +-- hub2 AS65002 (cost 20) --+
#
# Two stopwatches run at once (spoke LAN -> HQ host and HQ host -> spoke
# LAN, 2,000 packets/s each) through:
#   (a) kill -9 of hub1's gripd only (hub1's box and BGP stay up): the
#       reverse route goes with the TUN, hub1's bgpd withdraws it
#   (a') hub1's gripd restarted: failback, no loss either way (HQ moves back
#       as soon as hub1 has the route; the spoke after failback-delay)
#   (b) hub1's box dies: kill -9 of its gripd and its hq link down at once
#   (c) hub1's box hangs silently: its gripd and FRR daemons frozen with
#       SIGSTOP, links stay up (only BFD can tell hqrtr)
# Bound: each direction's outage <= 1500 ms (hold 900 ms; generous, 2 shared
# cores).  Skips (77) unless root and FRR (8.x) is installed or installable.
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/frr.sh"
[ -x "$STOPWATCH" ] || { echo "SKIP: no stopwatch"; exit 77; }
frr_require

HOLD=900
FAILBACK_MS=3000
BOUND=1500
topo_links
topo_frr
topo_conf 10 20 300ms ${HOLD}ms ${FAILBACK_MS}ms
topo_gripd_zebra
topo_start

check "spoke adjacency with hub1 UP" wait_for 10 adj_up "$T/spoke" hub1
check "spoke adjacency with hub2 UP" wait_for 10 adj_up "$T/spoke" hub2
check "spoke's best path via hub1" wait_for 5 is_best hub1
check "hqrtr has no static route to the spoke LAN" \
	bash -c "! ip -n $NS_HQRTR route show 10.0.65.0/24 proto boot | grep -q ."
check "BGP hqrtr - hub1 Established" wait_for 30 bgp_up hqrtr 10.255.1.2
check "BGP hqrtr - hub2 Established" wait_for 30 bgp_up hqrtr 10.255.2.2

# The hub's zebra sees gripd's route as a kernel route and leaves it alone.
check "hub1: gripd's reverse route in the kernel through zebra (proto nhrp, grip-mp)" \
	wait_for 5 bash -c "ip -n $NS_HUB1 route show 10.0.65.0/24 proto nhrp | grep -q 'via 10.0.2.12 dev grip-mp'"
k_sel() { # NAME: zebra lists 10.0.65.0/24 as a selected kernel route
	frr_vtysh "$1" "show ip route 10.0.65.0/24 json" | python3 -c '
import json, sys
r = json.load(sys.stdin).get("10.0.65.0/24", [])
sys.exit(0 if any(x["protocol"] == "nhrp" and x.get("selected") and
    x.get("distance") == 150 for x in r) else 1)'
}
check "hub1: zebra shows 10.0.65.0/24 as N (nhrp), distance 150, selected" wait_for 5 k_sel hub1
check "hub2: zebra shows 10.0.65.0/24 as N (nhrp), distance 150, selected" wait_for 5 k_sel hub2
spoke_n() { frr_vtysh spoke "show ip route" | grep -q '^N>\* 10.1.0.0/16 \[150/10\] via 10.0.2.1, grip-hub1 onlink'; }
check "spoke: vtysh shows N>* 10.1.0.0/16 [150/10] via hub1" wait_for 5 spoke_n
zclient_nhrp() { frr_vtysh spoke "show zebra client summary" | grep -q nhrp; }
check "spoke: gripd listed in 'show zebra client summary' (as nhrp)" zclient_nhrp

check "hub1: only gripd's route to the spoke LAN in the kernel" \
	[ "$(ip -n "$NS_HUB1" route show 10.0.65.0/24 | wc -l)" = 1 ]
echo "   hub1 kernel:  $(ip -n "$NS_HUB1" route show 10.0.65.0/24)"
echo "   hub1 zebra:   $(frr_vtysh hub1 'show ip route 10.0.65.0/24 longer-prefixes' | grep -E '^N' | head -n 1)"
echo "   spoke zebra:  $(frr_vtysh spoke 'show ip route' | grep -E '^N' | head -n 1)"

two_paths() { [ "$(hq_paths)" = "10.255.1.2*,10.255.2.2" ]; }
check "hqrtr learns 10.0.65.0/24 from both hubs, best via hub1" wait_for 15 two_paths
echo "   hqrtr paths:  $(hq_paths)"
frr_vtysh hqrtr "show ip bgp 10.0.65.0/24" | sed 's/^/   | /'
check "hqrtr's kernel route via hub1 (proto bgp)" \
	bash -c "ip -n $NS_HQRTR route show 10.0.65.0/24 | grep -q 'via 10.255.1.2 .*proto bgp'"
only_spoke() {
	[ "$(frr_vtysh hqrtr 'show ip bgp json' | python3 -c 'import json,sys; print(",".join(sorted(json.load(sys.stdin)["routes"])))')" = 10.0.65.0/24 ]
}
check "the hubs advertise nothing but the spoke LAN" only_spoke

bfd_ok() { # all BFD peers of hqrtr up, 100 ms both ways, multiplier 3
	frr_vtysh hqrtr "show bfd peers json" | python3 -c '
import json, sys
p = json.load(sys.stdin)
ok = len(p) == 2 and all(x["status"] == "up" and x["transmit-interval"] == 100 and
     x["receive-interval"] == 100 and x["detect-multiplier"] == 3 and
     x["remote-transmit-interval"] == 100 and x["remote-receive-interval"] == 100
     for x in p)
sys.exit(0 if ok else 1)'
}
check "BFD peers Up, 100 ms x 3 both ways" wait_for 10 bfd_ok
frr_vtysh hqrtr "show bfd peers brief" | sed 's/^/   | /'
check "the HQ host pings the spoke LAN host" \
	ip netns exec "$NS_HQHOST" ping -q -c 2 -i 0.2 -W 1 10.0.65.10

report() { # NAME
	echo "   $1: spoke->HQ gap ${SW_GAP_MS} ms (lost ${SW_LOST}), HQ->spoke gap ${SWR_GAP_MS} ms (lost ${SWR_LOST})"
	echo "$1 $SW_GAP_MS $SW_LOST $SWR_GAP_MS $SWR_LOST" >>"$T/results.txt"
}
# both_start SECONDS / both_wait: the two stopwatches at once.
both_start() { sw_start "$1"; sw_start_rev "$1"; }
both_wait() { sw_wait; sw_wait_rev; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
back_to_normal() { # hub1 carries both directions again
	wait_for 15 adj_up "$T/spoke" hub1 && wait_for $((FAILBACK_MS / 1000 + 5)) is_best hub1 &&
		wait_for 15 two_paths && wait_for 10 bfd_ok
}

# (a) only hub1's gripd dies; its box, BGP and BFD stay up.
both_start 5
sleep 1.5
t0=$(date +%s%N)
kill -KILL "$HUB1_PID"
wait_for 5 is_hq_via 10.255.2.2 && echo "   (a) hqrtr's kernel route via hub2 after $(ms_since "$t0") ms"
both_wait
report "gripd-kill9"
check "(a) spoke->HQ outage ${SW_GAP_MS} ms <= ${BOUND} ms" [ "$SW_GAP_MS" -le $BOUND ]
check "(a) HQ->spoke outage ${SWR_GAP_MS} ms <= ${BOUND} ms" [ "$SWR_GAP_MS" -le $BOUND ]
check "(a) hub1's reverse route went with its TUN" \
	bash -c "! ip -n $NS_HUB1 route show 10.0.65.0/24 | grep -q ."
check "(a) hqrtr keeps only hub2's path" [ "$(hq_paths)" = "10.255.2.2*" ]
check "(a) BGP hqrtr - hub1 still Established (withdrawal, no session loss)" bgp_up hqrtr 10.255.1.2
check "(a) spoke uses hub2" is_best hub2
spoke_n_hub2() { frr_vtysh spoke "show ip route" | grep -q '^N>\* 10.1.0.0/16 \[150/20\] via 10.0.3.1, grip-hub2 onlink'; }
check "(a) the spoke's zebra withdrew hub1's path: N>* via hub2 [150/20]" wait_for 3 spoke_n_hub2

# (a') hub1's gripd returns: the spoke waits failback-delay before it moves
# back; hub1 reinstalls its reverse route as soon as the adjacency is UP, and
# BGP moves HQ->spoke back at once (hqrtr has no failback delay).
both_start 8
sleep 1
t0=$(date +%s%N)
start_hub 1
wait_for 10 is_hq_via 10.255.1.2 && t_hq=$(ms_since "$t0") || t_hq=none
wait_for $((FAILBACK_MS / 1000 + 8)) is_best hub1 && t_sp=$(ms_since "$t0") || t_sp=none
both_wait
report "failback"
echo "   (a') after the restart: HQ->spoke back on hub1 after ${t_hq} ms, spoke->HQ after ${t_sp} ms"
check "(a') failback: 0 packets lost spoke->HQ" [ "$SW_LOST" -eq 0 ]
check "(a') failback: 0 packets lost HQ->spoke" [ "$SWR_LOST" -eq 0 ]
check "(a') hub1 back in both directions" back_to_normal

# (b) hub1's box dies: gripd killed and its hq link down at the same moment.
both_start 5
sleep 1.5
t0=$(date +%s%N)
kill -KILL "$HUB1_PID"; ip -n "$NS_HUB1" link set hq down
wait_for 5 is_hq_via 10.255.2.2 && echo "   (b) hqrtr's kernel route via hub2 after $(ms_since "$t0") ms"
both_wait
report "box-dies"
check "(b) spoke->HQ outage ${SW_GAP_MS} ms <= ${BOUND} ms" [ "$SW_GAP_MS" -le $BOUND ]
check "(b) HQ->spoke outage ${SWR_GAP_MS} ms <= ${BOUND} ms" [ "$SWR_GAP_MS" -le $BOUND ]
check "(b) hqrtr keeps only hub2's path" [ "$(hq_paths)" = "10.255.2.2*" ]
bgp_down() { ! bgp_up "$@"; }
check "(b) BGP hqrtr - hub1 down" bgp_down hqrtr 10.255.1.2
grep -h "10.255.1.2" "$T/frr-hqrtr/bgpd.log" | grep -i down | tail -n 1 | sed 's/^/   | /' || true
ip -n "$NS_HUB1" link set hq up
ip -n "$NS_HUB1" route replace 10.1.0.0/16 via 10.255.1.1   # the kernel dropped it
start_hub 1
check "(b) BGP hqrtr - hub1 Established again" wait_for 30 bgp_up hqrtr 10.255.1.2
check "(b) hub1 back in both directions" back_to_normal

# (c) hub1's box hangs: gripd and its FRR daemons frozen (SIGSTOP), every
# link stays up, the TUN and the reverse route stay: hub1 silently
# blackholes both directions.  Only BFD (300 ms) tells hqrtr; the hold timer
# (900 ms) tells the spoke.
hub1_frr=$(cat "$T/frr-hub1/bgpd.pid" "$T/frr-hub1/bfdd.pid" "$T/frr-hub1/zebra.pid")
both_start 5
sleep 1.5
t0=$(date +%s%N)
kill -STOP "$HUB1_PID" $hub1_frr
wait_for 5 is_hq_via 10.255.2.2 && echo "   (c) hqrtr's kernel route via hub2 after $(ms_since "$t0") ms"
both_wait
report "box-hangs"
check "(c) spoke->HQ outage ${SW_GAP_MS} ms <= ${BOUND} ms" [ "$SW_GAP_MS" -le $BOUND ]
check "(c) HQ->spoke outage ${SWR_GAP_MS} ms <= ${BOUND} ms" [ "$SWR_GAP_MS" -le $BOUND ]
check "(c) hqrtr keeps only hub2's path" [ "$(hq_paths)" = "10.255.2.2*" ]
check "(c) spoke uses hub2" is_best hub2
grep -h "neighbor 10.255.1.2 .*BFD Down" "$T/frr-hqrtr/bgpd.log" | tail -n 1 | sed 's/^/   | /' || true
check "(c) BFD took the session down (Cease/BFD Down)" \
	grep -q "neighbor 10.255.1.2 .*Cease/BFD Down" "$T/frr-hqrtr/bgpd.log"
kill -KILL "$HUB1_PID" $hub1_frr   # the frozen box is switched off

# zebra restart on the spoke: gripd reconnects (backoff) and reinstalls.
spoke_has_n() { frr_vtysh spoke "show ip route" | grep -q '^N>\* 10.1.0.0/16'; }
zpid=$(cat "$(_frr_dir spoke)/zebra.pid")
kill -KILL "$zpid"
check "zebra killed on the spoke: gripd notices" wait_for 5 grep -q "zebra: .*\(closed\|lost\|disconnect\)" "$T/spoke/gripd.log"
frr_start "$NS_SPOKE" spoke zebra
check "zebra back: gripd reconnected and reinstalled 10.1.0.0/16 (N>*)" wait_for 10 spoke_has_n
check "zebra back: the kernel has it again (proto nhrp)" \
	wait_for 5 bash -c "ip -n $NS_SPOKE route show 10.1.0.0/16 proto nhrp | grep -q grip-hub2"
check "gripd logged the new session" bash -c "grep -c \"zebra: session to .* up\" $T/spoke/gripd.log | grep -qv \"^1$\""

echo "--- results (scenario, spoke->HQ gap ms, lost, HQ->spoke gap ms, lost):"
cat "$T/results.txt"
check "no sanitizer report" bash -c "! grep -q Sanitizer $T/*/gripd.log"
frr_stop_all
frr_left() { # FRR daemons still running in this run's namespaces
	for n in $NS_HQRTR $NS_HUB1 $NS_HUB2 $NS_SPOKE; do
		for p in $(ip netns pids "$n"); do
			case $(cat "/proc/$p/comm" 2>/dev/null) in zebra|bgpd|bfdd) echo "$p" ;; esac
		done
	done
}
check "every FRR daemon stopped" [ -z "$(frr_left)" ]
finish
