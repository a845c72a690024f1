#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# A hub with one multipoint tunnel and three spokes behind an "internet"
# router namespace:
#
#                        +--------------------------------------+
#                        | netns gtPID-hub                      |
#                        |  gripd role hub (userspace datapath) |
#                        |  grip-mp 10.0.2.1/24 2001:db8:2::1/64 |
#                        |  ip_forward=1, send_redirects=0      |
#                        |  eth0 198.51.100.1/24                |
#                        +------------------+-------------------+
#                                           | veth
#                        +------------------+-------------------+
#                        | netns gtPID-inet (router)            |
#                        |  198.51.100.254/24, 203.0.113.N*4+1/30 |
#                        +----+--------------+--------------+---+
#                        veth |         veth |         veth |
#   +-------------------------+-+ +----------+------------+ +-+---------------------+
#   | gtPID-s1                  | | gtPID-s2              | | gtPID-s3              |
#   |  eth0 203.0.113.6/30      | |  eth0 203.0.113.10/30 | |  eth0 203.0.113.14/30 |
#   |  grip-hub 10.0.2.11/24    | |  grip-hub 10.0.2.12   | |  grip-hub 10.0.2.13   |
#   |   2001:db8:2::11/64       | |   2001:db8:2::12      | |   2001:db8:2::13      |
#   |  aes128gcm16 transport raw| |  aes256gcm16 tunnel udp| |  chacha20 transport udp|
#   +---------------------------+ +-----------------------+ +-----------------------+
#
# Each spoke is a point-to-point tunnel to the hub with its own manually
# keyed SA pair; the hub has the three as neighbours on grip-mp.
# Proves: `show tunnels json` on the hub has a multipoint object with 3
# neighbours and every spoke "ready"; every spoke reaches the hub's inner
# addresses (IPv4 and IPv6) and the hub reaches every spoke's (the
# multipoint TUN maps the inner next hop to the right spoke and SA); every
# spoke reaches every other spoke's inner addresses THROUGH the hub (TTL
# 63: one forwarding hop) with a TCP transfer across the hub too; the hub's
# per-spoke SAs all count packets with no auth failures; a spoke sending
# with another spoke's inner source address is dropped by the hub and
# counted as spoofed_inner_source; a packet for an inner address no spoke
# has is counted in no_neighbour_drops.
. "$(dirname "$0")/lib.sh"
require_root

HUB=$(ns hub)
INET=$(ns inet)
veth "$HUB" eth0 "$INET" ih
ip -n "$HUB" addr add 198.51.100.1/24 dev eth0
ip -n "$INET" addr add 198.51.100.254/24 dev ih
ip -n "$HUB" route add default via 198.51.100.254
nsx "$INET" sysctl -qw net.ipv4.ip_forward=1
nsx "$HUB" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
	net.ipv4.conf.default.send_redirects=0 net.ipv6.conf.all.forwarding=1

CIPHER=([1]=aes128gcm16 [2]=aes256gcm16 [3]=chacha20poly1305)
MODE=([1]=transport [2]=tunnel [3]=transport)
ENCAP=([1]=raw [2]=udp [3]=udp)
SP=()
HD=$T/hub
mkdir -p "$HD/keys"
chmod 755 "$HD"
cat >"$HD/gripd.conf" <<EOC
user gripd
control-socket $HD/gripd.sock
site hub
 role hub
 router-id 10.0.0.1
 local-address 198.51.100.1
 datapath userspace
 multipoint-interface grip-mp
 tunnel-address 10.0.2.1/24
 tunnel-address 2001:db8:2::1/64
!
EOC
for i in 1 2 3; do
	S=$(ns "s$i")
	SP[$i]=$S
	veth "$S" eth0 "$INET" "is$i"
	ip -n "$S" addr add "203.0.113.$((4 * i + 2))/30" dev eth0
	ip -n "$INET" addr add "203.0.113.$((4 * i + 1))/30" dev "is$i"
	ip -n "$S" route add default via "203.0.113.$((4 * i + 1))"
	c=${CIPHER[$i]}
	kup=$(key_hex "$c" "s$i-to-hub") kdown=$(key_hex "$c" "hub-to-s$i")
	p2p_conf "$T/s$i" "s$i" "203.0.113.$((4 * i + 2))" hub 198.51.100.1 \
		"10.0.2.1$i/24" 10.0.2.1 $((0x3000 + i)) $((0x4000 + i)) "$kdown" "$kup" \
		"$c" "${MODE[$i]}" "${ENCAP[$i]}" \
		" tunnel-address 2001:db8:2::1$i/64 peer 2001:db8:2::1"
	echo "$kup" >"$HD/keys/s$i-in.key"
	echo "$kdown" >"$HD/keys/s$i-out.key"
	cat >>"$HD/gripd.conf" <<EOC
spoke s$i
 address 203.0.113.$((4 * i + 2))
 tunnel-address 10.0.2.1$i
 tunnel-address 2001:db8:2::1$i
 keying manual
 manual-sa in spi $((0x4000 + i)) cipher $c key-file keys/s$i-in.key
 manual-sa out spi $((0x3000 + i)) cipher $c key-file keys/s$i-out.key
 esp-mode ${MODE[$i]}
 esp-encap ${ENCAP[$i]}
!
EOC
done
chmod 600 "$HD"/keys/*.key
chown gripd "$HD"/keys/*.key

start_gripd "$HUB" "$HD"
for i in 1 2 3; do start_gripd "${SP[$i]}" "$T/s$i"; done
check "hub: grip-mp up" wait_link "$HUB" grip-mp
for i in 1 2 3; do check "s$i: grip-hub up" wait_link "${SP[$i]}" grip-hub; done
check "underlay: s1 reaches the hub" pingq "${SP[1]}" 198.51.100.1

j=$(gctl "$HD" show tunnels json)
check "hub: multipoint interface grip-mp" [ "$(jget "$j" "j['multipoint']['interface']")" = grip-mp ]
check "hub: multipoint has 3 neighbours" [ "$(jget "$j" "j['multipoint']['neighbours']")" = 3 ]
check "hub: multipoint READY" [ "$(jget "$j" "j['multipoint']['state'].upper()")" = READY ]
check "hub: all three spokes ready on the multipoint shape" \
	[ "$(jget "$j" "sorted((t['name'], t['shape'], t['state'].lower()) for t in j['tunnels'])")" = \
	"[('s1', 'multipoint', 'ready'), ('s2', 'multipoint', 'ready'), ('s3', 'multipoint', 'ready')]" ]

# --- spoke <-> hub ---------------------------------------------------------------
for i in 1 2 3; do
	check "s$i -> hub 10.0.2.1" pingq "${SP[$i]}" 10.0.2.1
	check "s$i -> hub 2001:db8:2::1" pingq "${SP[$i]}" 2001:db8:2::1
	check "hub -> s$i 10.0.2.1$i" pingq "$HUB" "10.0.2.1$i"
	check "hub -> s$i 2001:db8:2::1$i" pingq "$HUB" "2001:db8:2::1$i"
done

# --- spoke <-> spoke through the hub ---------------------------------------
# ttl_is NS DST TTL: the echo reply arrives with that TTL (64 - hops).
ttl_is() {
	local out
	out=$(nsx "$1" timeout 8 ping -n -c 1 -i 0.2 -w 5 "$2" 2>&1) || true
	grep -Eq "(ttl|hlim)=$3 " <<<"$out"
}
for i in 1 2 3; do
	for k in 1 2 3; do
		[ $i = $k ] && continue
		check "s$i -> s$k 10.0.2.1$k through the hub (ttl 63)" ttl_is "${SP[$i]}" "10.0.2.1$k" 63
		check "s$i -> s$k 2001:db8:2::1$k through the hub (hlim 63)" ttl_is "${SP[$i]}" "2001:db8:2::1$k" 63
	done
done
check "TCP 512 KiB s1 -> s2 through the hub (IPv4)" tcp_xfer "${SP[1]}" "${SP[2]}" 10.0.2.12 524288
check "TCP 512 KiB s3 -> s1 through the hub (IPv6)" tcp_xfer "${SP[3]}" "${SP[1]}" 2001:db8:2::11 524288

# --- counters ------------------------------------------------------------------
sj=$(gctl "$HD" show sa json)
check "hub: 6 SAs (one pair per spoke)" [ "$(jget "$sj" "len(j['sas'])")" = 6 ]
for i in 1 2 3; do
	check "hub: s$i SA pair counts packets both ways" \
		[ "$(jget "$sj" "all(s['packets'] > 10 for s in j['sas'] if s['peer']=='s$i')")" = True ]
	check "hub: s$i SA cipher ${CIPHER[$i]}, ${MODE[$i]}, ${ENCAP[$i]}" \
		[ "$(jget "$sj" "sorted(set((s['cipher'], s['mode'], s['encap']) for s in j['sas'] if s['peer']=='s$i'))")" = \
		"[('${CIPHER[$i]}', '${MODE[$i]}', '${ENCAP[$i]}')]" ]
	ssj=$(gctl "$T/s$i" show sa json)
	check "s$i: SA pair counts packets both ways" \
		[ "$(jget "$ssj" "all(s['packets'] > 10 for s in j['sas'])")" = True ]
	check "s$i: no auth failures or replays" \
		[ "$(jget "$ssj" "sum(s['auth_failures'] + s['replay_drops'] for s in j['sas'])")" = 0 ]
done
check "hub: no auth failures, replays, malformed, unknown SPI" \
	[ "$(jget "$sj" "sum(s['auth_failures'] + s['replay_drops'] + s['malformed'] for s in j['sas']) + j['unknown_spi']")" = 0 ]
j=$(gctl "$HD" show tunnels json)
check "hub: multipoint counters moved" \
	[ "$(jget "$j" "j['multipoint']['counters']['tx_packets'] > 100 and j['multipoint']['counters']['rx_packets'] > 100")" = True ]
# The kernel's own IPv6 multicast (MLD, router solicitations) on grip-mp has
# no neighbour either, so compare before and after three unicast requests
# to an inner address that no spoke has.
nd=$(jget "$j" "j['multipoint']['counters']['no_neighbour_drops']")
check "hub: 10.0.2.99 (no such spoke) is unreachable" ping_fails "$HUB" 10.0.2.99
check "hub: ... and counted in no_neighbour_drops" \
	gt "$(tun_get "$HD" mp counters.no_neighbour_drops)" $((nd + 2))

# --- spoofed inner source -------------------------------------------------------
# s1 sends an echo request to the hub with s2's inner address as source.
# Delivery is judged by counting ICMP on s2's TUN (the tunnel
# counters also move with the adjacency's hellos).
before=$(tun_get "$HD" s1 counters.spoofed_inner_source)
count_start "${SP[2]}" grip-hub 1 0 2 "$T/spoof-s2"
pkt "${SP[1]}" echo4 10.0.2.12 10.0.2.1
pkt "${SP[1]}" echo4 10.0.2.12 10.0.2.13
check "hub: s1 claiming s2's inner address is counted as spoofed (twice)" \
	wait_for 5 bash -c "[ \$('$GRIPCTL' -s '$HD/gripd.sock' show tunnels json | python3 -c 'import json,sys; print([t for t in json.load(sys.stdin)[\"tunnels\"] if t[\"name\"]==\"s1\"][0][\"counters\"][\"spoofed_inner_source\"])') -ge $((before + 2)) ]"
check "s2 got no ICMP caused by the spoofed packets" [ "$(count_wait "$T/spoof-s2")" = 0 ]
check "s1 still reaches s3 afterwards" pingq "${SP[1]}" 10.0.2.13

for d in "$HD" "$T/s1" "$T/s2" "$T/s3"; do
	check "no sanitizer report in ${d##*/}" bash -c "! grep -q Sanitizer '$d/gripd.log'"
done
finish
