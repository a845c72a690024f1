# SPDX-License-Identifier: ISC
# The failover lab topology (sourced after lib.sh).
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
#   hub1: multipoint grip-mp 10.0.2.1/24, cost 10 on the spoke; hub2: grip-mp 10.0.3.1/24, cost 20
#   Each hub advertises the HQ prefix 10.1.0.0/16 and tracks its [hq] link;
#   the spoke advertises 10.0.65.0/24, which each hub's spoke file allows.
#   The HQ router reaches 10.0.65.0/24 statically through hub2 (metric 10)
#   or hub1 (metric 20): the return path avoids the hub the tests fail, so
#   replies keep flowing; the measured direction is spoke -> HQ (the HQ side
#   follows the hubs' reverse routes once FRR/BGP carries them).
#
# topo_up [COST1 COST2] [EXTRA_SITE_LINES]: builds the namespaces and writes
# the three gripd configurations to $T/{hub1,hub2,spoke}; topo_start starts
# the daemons.  Names of the namespaces: $NS_HQHOST $NS_HQRTR $NS_HUB1
# $NS_HUB2 $NS_INET $NS_SPOKE $NS_LAN.

topo_links() {
	NS_HQHOST=$(ns hqhost); NS_HQRTR=$(ns hqrtr); NS_HUB1=$(ns hub1)
	NS_HUB2=$(ns hub2); NS_INET=$(ns inet); NS_SPOKE=$(ns spoke); NS_LAN=$(ns lan)
	for n in $NS_HQRTR $NS_HUB1 $NS_HUB2 $NS_INET $NS_SPOKE; do
		ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1
		ip netns exec "$n" sysctl -qw net.ipv4.conf.all.send_redirects=0
		ip netns exec "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0
		ip netns exec "$n" sysctl -qw net.ipv4.conf.default.rp_filter=0
	done
	veth "$NS_HQHOST" eth0 "$NS_HQRTR" host
	ip -n "$NS_HQHOST" addr add 10.1.0.10/24 dev eth0
	ip -n "$NS_HQRTR" addr add 10.1.0.1/24 dev host
	ip -n "$NS_HQHOST" route add default via 10.1.0.1
	veth "$NS_HQRTR" hub1 "$NS_HUB1" hq
	ip -n "$NS_HQRTR" addr add 10.255.1.1/30 dev hub1
	ip -n "$NS_HUB1" addr add 10.255.1.2/30 dev hq
	veth "$NS_HQRTR" hub2 "$NS_HUB2" hq
	ip -n "$NS_HQRTR" addr add 10.255.2.1/30 dev hub2
	ip -n "$NS_HUB2" addr add 10.255.2.2/30 dev hq
	ip -n "$NS_HQRTR" route add 10.0.65.0/24 via 10.255.2.2 metric 10
	ip -n "$NS_HQRTR" route add 10.0.65.0/24 via 10.255.1.2 metric 20
	veth "$NS_HUB1" wan "$NS_INET" hub1
	ip -n "$NS_HUB1" addr add 198.51.100.2/30 dev wan
	ip -n "$NS_INET" addr add 198.51.100.1/30 dev hub1
	ip -n "$NS_HUB1" route add default via 198.51.100.1
	ip -n "$NS_HUB1" route add 10.1.0.0/16 via 10.255.1.1
	veth "$NS_HUB2" wan "$NS_INET" hub2
	ip -n "$NS_HUB2" addr add 198.51.100.6/30 dev wan
	ip -n "$NS_INET" addr add 198.51.100.5/30 dev hub2
	ip -n "$NS_HUB2" route add default via 198.51.100.5
	ip -n "$NS_HUB2" route add 10.1.0.0/16 via 10.255.2.1
	veth "$NS_SPOKE" wan "$NS_INET" spoke
	ip -n "$NS_SPOKE" addr add 203.0.113.2/24 dev wan
	ip -n "$NS_INET" addr add 203.0.113.1/24 dev spoke
	ip -n "$NS_SPOKE" route add default via 203.0.113.1
	veth "$NS_SPOKE" lan "$NS_LAN" eth0
	ip -n "$NS_SPOKE" addr add 10.0.65.1/24 dev lan
	ip -n "$NS_LAN" addr add 10.0.65.10/24 dev eth0
	ip -n "$NS_LAN" route add default via 10.0.65.1
}

# topo_keys: one manually keyed SA pair per hub (AES-GCM-128).
topo_keys() {
	K1A=$(key_hex aes128gcm16 hub1-to-spoke); K1B=$(key_hex aes128gcm16 spoke-to-hub1)
	K2A=$(key_hex aes128gcm16 hub2-to-spoke); K2B=$(key_hex aes128gcm16 spoke-to-hub2)
}

_key() { # DIR NAME HEX
	mkdir -p "$1/keys"; echo "$3" >"$1/keys/$2.key"
	chmod 600 "$1/keys/$2.key"; chown gripd "$1/keys/$2.key"
}

# topo_conf COST1 COST2 HELLO HOLD FAILBACK [SPOKE_EXTRA] [HUB_EXTRA]
topo_conf() {
	local c1=${1:-10} c2=${2:-20} hello=${3:-300ms} hold=${4:-900ms} fb=${5:-30s}
	topo_keys
	for h in 1 2; do
		local d=$T/hub$h; mkdir -p "$d"; chmod 755 "$d"
		local kin kout
		if [ $h = 1 ]; then kin=$K1B; kout=$K1A; else kin=$K2B; kout=$K2A; fi
		_key "$d" in "$kin"; _key "$d" out "$kout"
		cat >"$d/gripd.conf" <<EOC
user gripd
control-socket $d/gripd.sock
site hub$h
 role hub
 router-id 10.255.$h.2
 local-address 198.51.100.$((h * 4 - 2))
 datapath userspace
 routes kernel
 multipoint-interface grip-mp
 tunnel-address 10.0.$((h + 1)).1/24
 advertise 10.1.0.0/16
 track hq
 hello-interval $hello
 hold-time $hold
${7:-}
!
spoke branch
 address 203.0.113.2
 tunnel-address 10.0.$((h + 1)).12
 allow 10.0.65.0/24 le 28
 keying manual
 manual-sa in spi 0x0000${h}b01 cipher aes128gcm16 key-file keys/in.key
 manual-sa out spi 0x0000${h}a01 cipher aes128gcm16 key-file keys/out.key
!
EOC
	done
	local d=$T/spoke; mkdir -p "$d"; chmod 755 "$d"
	_key "$d" hub1-in "$K1A"; _key "$d" hub1-out "$K1B"
	_key "$d" hub2-in "$K2A"; _key "$d" hub2-out "$K2B"
	cat >"$d/gripd.conf" <<EOC
user gripd
control-socket $d/gripd.sock
site branch
 role spoke
 router-id 10.0.65.1
 local-address 203.0.113.2
 datapath userspace
 routes kernel
 advertise 10.0.65.0/24
 hello-interval $hello
 hold-time $hold
 failback-delay $fb
${6:-}
!
hub hub1
 address 198.51.100.2
 tunnel-address 10.0.2.12/24 peer 10.0.2.1
 cost $c1
 keying manual
 manual-sa in spi 0x00001a01 cipher aes128gcm16 key-file keys/hub1-in.key
 manual-sa out spi 0x00001b01 cipher aes128gcm16 key-file keys/hub1-out.key
!
hub hub2
 address 198.51.100.6
 tunnel-address 10.0.3.12/24 peer 10.0.3.1
 cost $c2
 keying manual
 manual-sa in spi 0x00002a01 cipher aes128gcm16 key-file keys/hub2-in.key
 manual-sa out spi 0x00002b01 cipher aes128gcm16 key-file keys/hub2-out.key
!
EOC
}

# topo_start: starts the three daemons; sets HUB1_PID HUB2_PID SPOKE_PID.
topo_start() {
	start_gripd "$NS_HUB1" "$T/hub1"; HUB1_PID=$GRIPD_PID
	start_gripd "$NS_HUB2" "$T/hub2"; HUB2_PID=$GRIPD_PID
	start_gripd "$NS_SPOKE" "$T/spoke"; SPOKE_PID=$GRIPD_PID
}

# --- measuring -----------------------------------------------------------------

STOPWATCH=$GRIPD_BUILD/tests/stopwatch
SW_RATE=${SW_RATE:-2000}

# sw_start SECONDS [FLOWS]: stopwatch receiver on the HQ host and sender(s)
# on the spoke LAN host, for SECONDS; FLOWS > 1 uses distinct source ports
# (and run ids) so multipath hashing spreads them.
sw_start() {
	local secs=$1 flows=${2:-1} n=$((SW_RATE * $1))
	SW_RECV_PIDS=(); SW_SEND_PIDS=()
	for f in $(seq 1 "$flows"); do
		rm -f "$T/sw$f.json"
		ip netns exec "$NS_HQHOST" "$STOPWATCH" recv --listen 10.1.0.10:$((9000 + f)) \
			--id "$f" --expect "$n" --until-idle 2 --duration $((secs + 10)) \
			--gap-threshold-ms 20 --json "$T/sw$f.json" 2>"$T/swrecv$f.log" &
		SW_RECV_PIDS+=($!); PIDS+=($!)
	done
	for f in $(seq 1 "$flows"); do
		wait_for 5 grep -q listening "$T/swrecv$f.log"
	done
	for f in $(seq 1 "$flows"); do
		ip netns exec "$NS_LAN" "$STOPWATCH" send --to 10.1.0.10:$((9000 + f)) \
			--from 10.0.65.10:$((7000 + f)) --id "$f" --rate "$SW_RATE" \
			--count "$n" >"$T/swsend$f.json" 2>&1 &
		SW_SEND_PIDS+=($!); PIDS+=($!)
	done
}

# sw_wait: waits for the run to end; sets SW_GAP_MS and SW_LOST (flow 1, or
# the worst over all flows).
sw_wait() {
	local f=1 g l
	for p in "${SW_SEND_PIDS[@]}"; do wait "$p" || true; done
	for p in "${SW_RECV_PIDS[@]}"; do wait "$p" || true; done
	SW_GAP_MS=0; SW_LOST=0
	for p in "${SW_RECV_PIDS[@]}"; do
		g=$(jget "$(cat "$T/sw$f.json")" 'int(j["longest_gap_ms"])')
		l=$(jget "$(cat "$T/sw$f.json")" 'j["lost"]')
		[ "$g" -gt "$SW_GAP_MS" ] && SW_GAP_MS=$g
		[ "$l" -gt "$SW_LOST" ] && SW_LOST=$l
		f=$((f + 1))
	done
}

# best_hub: the hub the spoke's best route to HQ goes through ("hub1",
# "hub2", "hub1,hub2" for ECMP, or "none").
best_hub() {
	gctl "$T/spoke" show routes json | python3 -c '
import json, sys
j = json.load(sys.stdin)
b = [c["peer"] for r in j["routes"] if r["prefix"] == "10.1.0.0/16"
     for c in r["candidates"] if c["role"] in ("best", "ecmp")]
print(",".join(sorted(b)) or "none")'
}

# adj_state DIR NAME: state of one adjacency.
adj_state() {
	gctl "$1" show adjacencies json | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(([a["state"] for a in j["adjacencies"] if a["name"] == sys.argv[1]] or ["none"])[0])' "$2"
}

is_best() { [ "$(best_hub)" = "$1" ]; }
adj_up() { [ "$(adj_state "$1" "$2")" = UP ]; }

# start_hub N: (re)starts hub N's gripd.
start_hub() {
	start_gripd "$([ "$1" = 1 ] && echo "$NS_HUB1" || echo "$NS_HUB2")" "$T/hub$1"
	eval "HUB$1_PID=$GRIPD_PID"
}

# --- FRR on the data-centre side (needs frr.sh) -----------------------------
#
#   hqrtr AS 65000 --eBGP+BFD-- hub1 AS 65001  (10.255.1.0/30)
#                  --eBGP+BFD-- hub2 AS 65002  (10.255.2.0/30, prepends 2x)
#
# topo_frr replaces hqrtr's static routes to the spoke LAN: zebra, bfdd and
# bgpd run on hqrtr, hub1 and hub2 (instances "hqrtr", "hub1", "hub2"); BFD
# profile "fast" (100 ms x 3) on both sessions.  Each hub redistributes the
# reverse routes gripd put into the kernel (protocol 250, seen by zebra as
# kernel routes, K) through a prefix list that keeps only 10.0.0.0/8 minus
# the HQ (10.1.0.0/16) and the link nets (10.255.0.0/16), so the hubs'
# default and HQ routes stay out of BGP.  hub2 prepends its AS twice, so
# hqrtr prefers hub1 like the spoke does (cost 10 < 20).  The hubs accept
# nothing from hqrtr (and hqrtr sends them nothing): zebra on a hub never
# installs a BGP route next to gripd's kernel routes.
# Call after topo_links; then topo_conf and topo_start as usual.

topo_frr_conf() {
	local bfd
	bfd=$(cat <<'EOC'
bfd
 profile fast
  receive-interval 100
  transmit-interval 100
  detect-multiplier 3
 exit
exit
EOC
)
	printf 'hostname spoke\n' | frr_conf spoke zebra
	for i in hqrtr hub1 hub2; do
		printf 'hostname %s\n' "$i" | frr_conf "$i" zebra
		printf 'hostname %s\n%s\n' "$i" "$bfd" | frr_conf "$i" bfdd
	done
	local nb="" h
	for h in 1 2; do nb+=" neighbor 10.255.$h.2 remote-as 6500$h
 neighbor 10.255.$h.2 bfd
 neighbor 10.255.$h.2 bfd profile fast
 neighbor 10.255.$h.2 timers connect 1
 neighbor 10.255.$h.2 advertisement-interval 0
"; done
	frr_conf hqrtr bgpd <<EOC
hostname hqrtr
route-map NOTHING deny 10
exit
router bgp 65000
 bgp router-id 10.255.0.1
 no bgp ebgp-requires-policy
 bgp log-neighbor-changes
 timers bgp 3 9
$nb address-family ipv4 unicast
  neighbor 10.255.1.2 route-map NOTHING out
  neighbor 10.255.2.2 route-map NOTHING out
 exit-address-family
exit
EOC
	for h in 1 2; do
		frr_conf "hub$h" bgpd <<EOC
hostname hub$h
ip prefix-list GRIP-REVERSE seq 5 deny 10.1.0.0/16 le 32
ip prefix-list GRIP-REVERSE seq 10 deny 10.255.0.0/16 le 32
ip prefix-list GRIP-REVERSE seq 15 permit 10.0.0.0/8 le 32
route-map GRIP-REVERSE permit 10
 match ip address prefix-list GRIP-REVERSE
exit
route-map NOTHING deny 10
exit
route-map TO-HQ permit 10
$([ $h = 2 ] && echo " set as-path prepend 65002 65002")
exit
router bgp 6500$h
 bgp router-id 10.255.$h.2
 no bgp ebgp-requires-policy
 bgp log-neighbor-changes
 timers bgp 3 9
 neighbor 10.255.$h.1 remote-as 65000
 neighbor 10.255.$h.1 bfd
 neighbor 10.255.$h.1 bfd profile fast
 neighbor 10.255.$h.1 timers connect 1
 neighbor 10.255.$h.1 advertisement-interval 0
 address-family ipv4 unicast
  redistribute nhrp route-map GRIP-REVERSE
  neighbor 10.255.$h.1 route-map NOTHING in
  neighbor 10.255.$h.1 route-map TO-HQ out
 exit-address-family
exit
EOC
	done
}

# topo_frr: removes hqrtr's static routes to the spoke LAN, writes the FRR
# configurations and starts zebra, bfdd and bgpd in hqrtr, hub1 and hub2.
topo_frr() {
	ip -n "$NS_HQRTR" route del 10.0.65.0/24 via 10.255.2.2 metric 10
	ip -n "$NS_HQRTR" route del 10.0.65.0/24 via 10.255.1.2 metric 20
	topo_frr_conf
	frr_start "$NS_HQRTR" hqrtr zebra bfdd bgpd
	frr_start "$NS_HUB1" hub1 zebra bfdd bgpd
	frr_start "$NS_HUB2" hub2 zebra bfdd bgpd
	frr_start "$NS_SPOKE" spoke zebra
}

# topo_gripd_zebra: after topo_conf, the three gripds send their routes
# through their namespace's zebra (route type NHRP) instead of the kernel.
# zebra's socket is mode 0700 frr:frr, so gripd runs as user frr
# (docs/frr.md), and its key files belong to frr.
topo_gripd_zebra() {
	local n
	for n in hub1 hub2 spoke; do
		sed -i "s|^ routes kernel| routes zebra\n zebra-socket $(_frr_dir $n)/zserv.api|; s|^user gripd|user frr\ngroup frr|" \
			"$T/$n/gripd.conf"
		chown frr "$T/$n"/keys/*.key
	done
}

# bgp_state NAME PEER: the BGP state of a neighbor ("Established", ...).
bgp_state() {
	frr_vtysh "$1" "show bgp neighbors $2 json" 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j.get(sys.argv[1], {}).get("bgpState", "none"))' "$2"
}
bgp_up() { [ "$(bgp_state "$1" "$2")" = Established ]; }

# hq_paths: hqrtr's BGP paths to 10.0.65.0/24, "NEXTHOP[*]" each (* = best),
# sorted, comma-separated ("none" if there are none).
hq_paths() {
	frr_vtysh hqrtr "show ip bgp 10.0.65.0/24 json" 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
p = [x["nexthops"][0]["ip"] + ("*" if x.get("bestpath", {}).get("overall") else "")
     for x in j.get("paths", [])]
print(",".join(sorted(p)) or "none")'
}

# hq_via: the gateway of hqrtr's kernel route to 10.0.65.0/24 (or "none").
hq_via() {
	local v
	v=$(ip -n "$NS_HQRTR" route show 10.0.65.0/24 | grep -o 'via [0-9.]*' | head -n 1) || true
	echo "${v#via }" | grep . || echo none
}
is_hq_via() { [ "$(hq_via)" = "$1" ]; }

# sw_start_rev SECONDS: the reverse stopwatch, HQ host -> spoke LAN host
# (receiver on 10.0.65.10:9100 in $NS_LAN, sender from 10.1.0.10:7100).
sw_start_rev() {
	local secs=$1 n=$((SW_RATE * $1))
	rm -f "$T/swr.json"
	ip netns exec "$NS_LAN" "$STOPWATCH" recv --listen 10.0.65.10:9100 \
		--id 100 --expect "$n" --until-idle 2 --duration $((secs + 10)) \
		--gap-threshold-ms 20 --json "$T/swr.json" 2>"$T/swrrecv.log" &
	SWR_RECV_PID=$!; PIDS+=($!)
	wait_for 5 grep -q listening "$T/swrrecv.log"
	ip netns exec "$NS_HQHOST" "$STOPWATCH" send --to 10.0.65.10:9100 \
		--from 10.1.0.10:7100 --id 100 --rate "$SW_RATE" \
		--count "$n" >"$T/swrsend.json" 2>&1 &
	SWR_SEND_PID=$!; PIDS+=($!)
}

# sw_wait_rev: waits for the reverse run; sets SWR_GAP_MS and SWR_LOST.
sw_wait_rev() {
	wait "$SWR_SEND_PID" || true
	wait "$SWR_RECV_PID" || true
	SWR_GAP_MS=$(jget "$(cat "$T/swr.json")" 'int(j["longest_gap_ms"])')
	SWR_LOST=$(jget "$(cat "$T/swr.json")" 'j["lost"]')
}

# sw_start_idle IDLE SECONDS: sw_start with one flow and the receiver's
# --until-idle set to IDLE seconds: sw_start's 2 s ends the receiver in the
# middle of an outage longer than that (a hold time of 3 s), and the gap
# would never be seen.  Sets the same variables; sw_wait reads the result.
sw_start_idle() {
	local idle=$1 secs=$2 n=$((SW_RATE * $2))
	SW_RECV_PIDS=(); SW_SEND_PIDS=()
	rm -f "$T/sw1.json"
	ip netns exec "$NS_HQHOST" "$STOPWATCH" recv --listen 10.1.0.10:9001 \
		--id 1 --expect "$n" --until-idle "$idle" --duration $((secs + idle + 8)) \
		--gap-threshold-ms 20 --json "$T/sw1.json" 2>"$T/swrecv1.log" &
	SW_RECV_PIDS+=($!); PIDS+=($!)
	wait_for 5 grep -q listening "$T/swrecv1.log"
	ip netns exec "$NS_LAN" "$STOPWATCH" send --to 10.1.0.10:9001 \
		--from 10.0.65.10:7001 --id 1 --rate "$SW_RATE" \
		--count "$n" >"$T/swsend1.json" 2>&1 &
	SW_SEND_PIDS+=($!); PIDS+=($!)
}
