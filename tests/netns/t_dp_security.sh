#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Three pairs, each a spoke-role gripd per side with one manually keyed
# tunnel (aes128gcm16, transport mode):
#
#   +--------------------------+          +--------------------------+
#   | netns gtPID-aT           |   veth   | netns gtPID-bT           |
#   |  ua 192.0.2.1/24         |----------|  ub 192.0.2.2/24         |
#   |     2001:db8:1::1/64     |          |     2001:db8:1::2/64     |
#   |  grip-b 10.0.2.1/30      |  ESP     |  grip-a 10.0.2.2/30      |
#   |  (attacker: raw sockets) |          |  (receiver under test)   |
#   +--------------------------+          +--------------------------+
#   T = r: ESP as IP protocol 50;  u: ESP in UDP 4500;
#       w: b's inbound key differs from a's outbound key.
#
# b's inbound SAs have "replay-window 2048" (manual SAs default to no
# anti-replay, as in Linux XFRM and IOS).  The tunnels carry IPv4 only and
# IPv6 is off on the TUNs; the adjacency's hellos (UDP 7913) still cross
# them, so "delivered" is judged by counting packets on b's TUN with a
# packet socket, hellos excluded, not by the tunnel counters.
# Proves, against b:
#  (a) replay: an ESP packet (a 1000-byte echo request) captured on the
#      wire and sent again (raw and UDP) is dropped, counted in `show sa
#      json` replay_drops, and not delivered (no echo request on b's TUN;
#      the original was seen there);
#  (a2) the same after `gripctl restart` of b: the new process continues
#      the old process's inbound window (docs/restart.md), so a packet
#      recorded before the restart is still refused as a replay;
#  (b) wrong key: pings fail, auth_failures grows, nothing is delivered,
#      while the direction whose key is right still delivers;
#  (c) an unknown SPI (raw over IPv4 and IPv6, UDP) is counted in
#      unknown_spi;
#  (d) garbage: truncated ESP, reserved SPIs, random bodies under a valid
#      SPI (sequence numbers up to 2^32-1), odd UDP-4500 payloads (empty,
#      keepalive, non-ESP marker, short), and -- with python3-cryptography
#      -- authenticated ESP carrying broken GRE, a bad pad length, a dummy
#      packet and a valid packet from the wrong outer source: the daemon
#      counts them (malformed, auth_failures, gre_malformed, rx_ike,
#      rx_nat_keepalive, rx_not_esp, wrong_outer_source), never crashes,
#      still answers gripctl and still forwards afterwards.
. "$(dirname "$0")/lib.sh"
require_root

C=aes128gcm16
# setup_pair TAG ENCAP [WRONGKEY]: sets A B (namespaces), DA DB (dirs),
# KA (a's outbound key = b's inbound unless WRONGKEY) and KB.
setup_pair() {
	local tag=$1 encap=$2 kbin
	A=$(ns "a$tag"); B=$(ns "b$tag")
	DA=$T/a$tag DB=$T/b$tag
	veth "$A" ua "$B" ub
	ip -n "$A" addr add 192.0.2.1/24 dev ua
	ip -n "$B" addr add 192.0.2.2/24 dev ub
	ip -n "$A" addr add 2001:db8:1::1/64 dev ua nodad
	ip -n "$B" addr add 2001:db8:1::2/64 dev ub nodad
	# No IPv6 on the TUNs created from now on: no MLD/RS in the tunnels.
	nsx "$A" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	nsx "$B" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	KA=$(key_hex $C "a-to-b-$tag") KB=$(key_hex $C "b-to-a-$tag")
	kbin=$KA
	[ -n "${3:-}" ] && kbin=$(key_hex $C "not-the-key-$tag")
	export P2P_SA_OPTS="replay-window 2048"
	p2p_conf "$DA" "a$tag" 192.0.2.1 b 192.0.2.2 10.0.2.1/30 10.0.2.2 0x1001 0x2001 \
		"$KB" "$KA" $C transport "$encap"
	p2p_conf "$DB" "b$tag" 192.0.2.2 a 192.0.2.1 10.0.2.2/30 10.0.2.1 0x2001 0x1001 \
		"$kbin" "$KB" $C transport "$encap"
	unset P2P_SA_OPTS
	# b also listens on IPv6 (raw ESP and UDP 4500) for the garbage tests.
	sed -i 's/^ local-address 192.0.2.2$/&\n local-address 2001:db8:1::2/' "$DB/gripd.conf"
	start_gripd "$A" "$DA"
	start_gripd "$B" "$DB"
	BPID=$GRIPD_PID
	wait_link "$A" grip-b && wait_link "$B" grip-a
}

# Counters of b (the receiver).
b_rx() { tun_get "$DB" a counters.rx_packets; }
b_in() { sa_get "$DB" a in "$1"; }
b_unknown() { jget "$(gctl "$DB" show sa json)" "j['unknown_spi']"; }
b_dp() { jget "$(gctl "$DB" show counters json)" "j['datapath']['$1']"; }
# settles FN EXPECTED: polls until FN prints EXPECTED (5 s).
settles() { wait_for 5 bash -c "[ \"\$($1)\" = '$2' ]"; }
export -f b_rx b_in b_unknown b_dp tun_get sa_get gctl jget
export DB GRIPCTL

declare -A PAIR_A PAIR_B PAIR_DA PAIR_DB PAIR_KA PAIR_BPID
for t in r u w; do
	case $t in r) setup_pair r raw ;; u) setup_pair u udp ;; w) setup_pair w raw wrong ;; esac
	PAIR_A[$t]=$A PAIR_B[$t]=$B PAIR_DA[$t]=$DA PAIR_DB[$t]=$DB PAIR_KA[$t]=$KA PAIR_BPID[$t]=$BPID
done
use() { A=${PAIR_A[$1]} B=${PAIR_B[$1]} DA=${PAIR_DA[$1]} DB=${PAIR_DB[$1]} KA=${PAIR_KA[$1]} BPID=${PAIR_BPID[$1]}; export DB; }

# --- (a) replay ----------------------------------------------------------------
for t in r u; do
	use $t
	enc=raw; [ $t = u ] && enc=udp
	check "$enc: a reaches b" pingq "$A" 10.0.2.2
	capture_start "$B" ub "$T/cap-$t" 1 8 1000
	count_start "$B" grip-a 1 1000 3 "$T/n-$t"
	check "$enc: ping a -> b (1000 bytes)" pingq "$A" 10.0.2.2 -s 1000
	check "$enc: captured that ESP packet on b's wire" capture_wait "$T/cap-$t"
	check "$enc: b's TUN saw the echo request (the counter works)" gt "$(count_wait "$T/n-$t")" 0
	rp0=$(b_in replay_drops)
	hex=$(head -n1 "$T/cap-$t")
	count_start "$B" grip-a 1 1000 1.5 "$T/n-$t"
	pkt "$A" send "$hex" "$hex" "$hex"
	check "$enc replay: three copies counted in replay_drops" settles "b_in replay_drops" $((rp0 + 3))
	check "$enc replay: not delivered (no echo request on b's TUN)" [ "$(count_wait "$T/n-$t")" = 0 ]
	check "$enc replay: no auth failure for a replay" [ "$(b_in auth_failures)" = 0 ]
	check "$enc: the tunnel still works after the replay" pingq "$A" 10.0.2.2
done

# --- (a2) replay across an in-place restart ----------------------------------
# gripctl restart hands b's inbound windows to its next process: a packet
# recorded before the restart is still a replay after it.
use r
capture_start "$B" ub "$T/cap-rs" 1 8 1000
count_start "$B" grip-a 1 1000 3 "$T/n-rs"
check "restart: ping a -> b (1000 bytes) before b restarts" pingq "$A" 10.0.2.2 -s 1000
check "restart: captured that ESP packet on b's wire" capture_wait "$T/cap-rs"
check "restart: b's TUN saw it" gt "$(count_wait "$T/n-rs")" 0
hex=$(head -n1 "$T/cap-rs")
check "restart: b restarts in place" gctl "$DB" restart
check "restart: b's new SA continues the old window" \
	wait_for 5 grep -q "inbound SA 0x00002001 continues the previous process's anti-replay window" "$DB/gripd.log"
check "restart: same pid" kill -0 "$BPID"
count_start "$B" grip-a 1 1000 1.5 "$T/n-rs"
pkt "$A" send "$hex" "$hex" "$hex"
check "restart: the recorded packet is a replay (3 counted)" settles "b_in replay_drops" 3
check "restart: not delivered" [ "$(count_wait "$T/n-rs")" = 0 ]
check "restart: the tunnel works after the restart" pingq "$A" 10.0.2.2

# --- (b) wrong key -------------------------------------------------------------
use w
check "wrong key: a -> b pings fail" ping_fails "$A" 10.0.2.2
check "wrong key: auth_failures grew (>= 3)" bash -c "[ \$(b_in auth_failures) -ge 3 ]"
check "wrong key: nothing delivered to b's TUN" [ "$(b_rx)" = 0 ]
check "wrong key: b's inbound SA counted no packet" [ "$(b_in packets)" = 0 ]
af=$(b_in auth_failures)
check "wrong key: b -> a pings fail (a's replies are rejected)" ping_fails "$B" 10.0.2.1
check "wrong key: the direction with the right key delivers (a's rx_packets > 0)" \
	gt "$(tun_get "$DA" b counters.rx_packets)" 0
check "wrong key: a's replies counted as auth failures at b" gt "$(b_in auth_failures)" "$af"
check "wrong key: still nothing delivered to b's TUN" [ "$(b_rx)" = 0 ]

# --- (c) unknown SPI ---------------------------------------------------------------
body=$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')
use r
u0=$(b_unknown)
pkt "$A" esp 192.0.2.1 192.0.2.2 raw 0xdeadbeef 1 "$body"
check "unknown SPI (raw, IPv4 outer) counted" settles b_unknown $((u0 + 1))
pkt "$A" esp 2001:db8:1::1 2001:db8:1::2 raw 0xdeadbee0 1 "$body"
check "unknown SPI (raw, IPv6 outer) counted" settles b_unknown $((u0 + 2))
use u
u0=$(b_unknown)
pkt "$A" esp 192.0.2.1 192.0.2.2 udp 0xdeadbeef 1 "$body"
check "unknown SPI (UDP 4500) counted" settles b_unknown $((u0 + 1))

# --- (d) garbage ---------------------------------------------------------------------
rnd() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
for t in r u; do
	use $t
	enc=raw; [ $t = u ] && enc=udp
	af0=$(b_in auth_failures) mf0=$(b_in malformed)
	count_start "$B" grip-a notudp:7913 0 4 "$T/g-$t"
	# Truncated ESP: no room for SPI, sequence number, IV or ICV (raw IP
	# packets of 0-3 bytes of ESP, then SPI+seq with 0-15 more bytes).
	pkt "$A" send $(python3 -c 'import socket, struct
for n in range(4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + n, 1, 0, 64, 50, 0,
                    socket.inet_aton("192.0.2.1"), socket.inet_aton("192.0.2.2"))
    print((h + bytes(n)).hex())')
	pkt "$A" esp 192.0.2.1 192.0.2.2 $enc 0x2001 7 "" r1 r4 r8 r15 r23
	# Reserved SPIs 0 and 1..255, and sequence number 0.
	pkt "$A" esp 192.0.2.1 192.0.2.2 $enc 255 5 r40
	pkt "$A" esp 192.0.2.1 192.0.2.2 $enc 1 5 r40
	pkt "$A" esp 192.0.2.1 192.0.2.2 $enc 0x2001 0 r40
	# Random bodies under the right SPI, sequence numbers across the space
	# (authentication fails before any of them may move the window).
	pkt "$A" esp 192.0.2.1 192.0.2.2 $enc 0x2001 1000,65536,0x7fffffff,0xfffffffe,0xffffffff \
		r24 r25 r33 r64 r200 r1400
	# The same over IPv6 outer addresses (wrong family for the SA).
	pkt "$A" esp 2001:db8:1::1 2001:db8:1::2 $enc 0x2001 9 r64 "" r3
	# Odd UDP-4500 payloads (both pairs have the UDP sockets open).
	k0=$(b_dp rx_nat_keepalive) i0=$(b_dp rx_ike) ne0=$(b_dp rx_not_esp)
	pkt "$A" udp 192.0.2.1 192.0.2.2 4500 "" ff 00 00000000 "00000000$(rnd 100)" \
		000001 "00000001$(rnd 40)" "000000ff$(rnd 40)" r1400
	pkt "$A" udp 2001:db8:1::1 2001:db8:1::2 4500 ff r7
	check "$enc garbage: NAT keepalives counted" settles "b_dp rx_nat_keepalive" $((k0 + 2))
	check "$enc garbage: non-ESP marker (IKE) counted" settles "b_dp rx_ike" $((i0 + 2))
	check "$enc garbage: invalid UDP payloads counted as not ESP" \
		bash -c "[ \$(b_dp rx_not_esp) -ge $((ne0 + 3)) ]"
	check "$enc garbage: daemon alive" kill -0 "$BPID"
	check "$enc garbage: gripctl still answers" bash -c "gctl '$DB' show version >/dev/null"
	af=$(b_in auth_failures) mf=$(b_in malformed)
	check "$enc garbage: auth failures counted ($af0 -> $af)" gt "$af" $((af0 + 19))
	check "$enc garbage: malformed counted ($mf0 -> $mf)" gt "$mf" "$mf0"
	check "$enc garbage: nothing delivered (b's TUN saw nothing but hellos)" \
		[ "$(count_wait "$T/g-$t")" = 0 ]
	check "$enc garbage: a -> b still forwards" pingq "$A" 10.0.2.2
	check "$enc garbage: b -> a still forwards" pingq "$B" 10.0.2.1
done

# Authenticated ESP with broken contents (needs python3-cryptography).
use r
if ! python3 -c 'import cryptography.hazmat.primitives.ciphers.aead' 2>/dev/null; then
	echo "# skip: python3-cryptography missing, no authenticated-garbage checks"
else
	# a's next real sequence numbers stay inside the 2048-packet window.
	seq=$(( $(sa_get "$DA" b out packets) + 1000 ))
	gre() { echo "${1:-0000}${2:-0800}$3"; }   # flags/version, protocol, rest
	echo_in=$(pkt "$A" echo4hex 10.0.2.1 10.0.2.2)
	gm0=$(tun_get "$DB" a counters.gre_malformed) mf0=$(b_in malformed)
	g() { seq=$((seq + 1)); pkt "$A" gcm "$1" 192.0.2.2 raw 0x2001 $seq "$KA" "$2" "$3"; }
	count_start "$B" grip-a 1 0 1 "$T/c"
	g 192.0.2.1 47 "$(gre 0000 0800 "$echo_in")"
	check "crafted ESP (RFC 4106) is accepted and delivered" [ "$(count_wait "$T/c")" = 1 ]
	count_start "$B" grip-a notudp:7913 0 3 "$T/c"
	g 192.0.2.1 47 "00"                                  # GRE cut short
	g 192.0.2.1 47 "$(gre 0001 0800 "$echo_in")"         # GRE version 1
	g 192.0.2.1 47 "$(gre 4000 0800 "$echo_in")"         # routing bit
	g 192.0.2.1 47 "$(gre 2000 0800 "$echo_in")"         # key bit, no key configured
	g 192.0.2.1 47 "$(gre 8000 0800 "0000")"             # checksum bit, cut short
	g 192.0.2.1 4 "4500001400"                           # IP in ESP, cut short
	g 192.0.2.1 41 "$(rnd 30)"                           # IPv6 in ESP, cut short
	check "authenticated broken GRE / inner IP counted in gre_malformed" \
		bash -c "[ \$(tun_get '$DB' a counters.gre_malformed) -ge $((gm0 + 5)) ]"
	g 192.0.2.1 -1 "$(rnd 20)ff2f"                       # pad length 255 > payload
	check "authenticated bad pad length counted as malformed" gt "$(b_in malformed)" "$mf0"
	g 192.0.2.1 59 ""                                    # dummy packet (RFC 4303 2.6)
	wo0=$(tun_get "$DB" a counters.wrong_outer_source)
	g 192.0.2.77 47 "$(gre 0000 0800 "$echo_in")"        # right SA, wrong outer source
	check "valid ESP from the wrong outer source counted" \
		settles "tun_get $DB a counters.wrong_outer_source" $((wo0 + 1))
	check "none of these delivered" [ "$(count_wait "$T/c")" = 0 ]
	check "after authenticated garbage: a -> b still forwards" pingq "$A" 10.0.2.2
	check "after authenticated garbage: b -> a still forwards" pingq "$B" 10.0.2.1
fi

for t in r u w; do
	check "pair $t: no sanitizer report" \
		bash -c "! grep -q Sanitizer '${PAIR_DA[$t]}/gripd.log' '${PAIR_DB[$t]}/gripd.log'"
done
finish
