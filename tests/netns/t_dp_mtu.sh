#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Path MTU through the userspace datapath, with a LAN host behind the spoke:
#
#   +---------------------+      +------------------------------+      +---------------------------+
#   | netns gtPID-lan     | veth | netns gtPID-spoke            | veth | netns gtPID-hub           |
#   |  eth0 192.168.65.2  |------| lan0 192.168.65.1/24         |------| ub 192.0.2.2/24           |
#   |   2001:db8:65::2/64 |      |      2001:db8:65::1/64       |      | gripd                     |
#   |  default via spoke  |      | ua 192.0.2.1/24, forwarding  |      | grip-spoke 10.0.2.2/30    |
#   +---------------------+      | gripd (aes128gcm16 transport |      |   2001:db8:9::2/64        |
#                                |  raw): grip-hub 10.0.2.1/30  |      | lo 10.66.0.N/32,          |
#                                |        2001:db8:9::1/64      |      |    2001:db8:66::N/128     |
#                                | 10.66.0.0/24, 2001:db8:66::/64      +---------------------------+
#                                |   via the tunnel             |
#                                +------------------------------+
#
# The hub side has many loopback addresses so that each probe below uses a
# destination without a cached path MTU.  M is the tunnel MTU the daemon
# computed (`show tunnels json` mtu).
# Proves:
#  - with the TUN at M, the kernel itself enforces M: a local DF ping of
#    M+1 bytes fails with "message too long, mtu=M"; a forwarded one from
#    the LAN gets ICMP "fragmentation needed (mtu = M)" (IPv4) or "Packet
#    too big: mtu=M" (IPv6) from the spoke; M bytes pass;
#  - with the TUN raised to 1500 (so bigger packets reach the daemon), the
#    daemon writes the ICMP itself: a forwarded DF packet from the LAN gets
#    "fragmentation needed (mtu = M)", an IPv6 one "Packet too big: mtu=M",
#    and `show tunnels json` counts mtu_drops and icmp_sent; the LAN host
#    then sends at M (its path MTU cache took the ICMP) and gets through;
#    a locally originated DF packet learns M the same way;
#  - IPv4 without DF bigger than M still gets through (outer fragmentation).
. "$(dirname "$0")/lib.sh"
require_root

LAN=$(ns lan); SPK=$(ns spoke); HUB=$(ns hub)
veth "$LAN" eth0 "$SPK" lan0
veth "$SPK" ua "$HUB" ub
ip -n "$LAN" addr add 192.168.65.2/24 dev eth0
ip -n "$LAN" addr add 2001:db8:65::2/64 dev eth0 nodad
ip -n "$LAN" route add default via 192.168.65.1
ip -n "$LAN" -6 route add default via 2001:db8:65::1
ip -n "$SPK" addr add 192.168.65.1/24 dev lan0
ip -n "$SPK" addr add 2001:db8:65::1/64 dev lan0 nodad
ip -n "$SPK" addr add 192.0.2.1/24 dev ua
ip -n "$HUB" addr add 192.0.2.2/24 dev ub
nsx "$SPK" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
for n in $(seq 1 9); do
	ip -n "$HUB" addr add "10.66.0.$n/32" dev lo
	ip -n "$HUB" addr add "2001:db8:66::$n/128" dev lo
done

C=aes128gcm16
KU=$(key_hex $C spoke-to-hub) KD=$(key_hex $C hub-to-spoke)
p2p_conf "$T/spoke" spoke 192.0.2.1 hub 192.0.2.2 10.0.2.1/30 10.0.2.2 0x5001 0x6001 \
	"$KD" "$KU" $C transport raw " tunnel-address 2001:db8:9::1/64 peer 2001:db8:9::2"
p2p_conf "$T/hub" hub 192.0.2.2 spoke 192.0.2.1 10.0.2.2/30 10.0.2.1 0x6001 0x5001 \
	"$KU" "$KD" $C transport raw " tunnel-address 2001:db8:9::2/64 peer 2001:db8:9::1"
start_gripd "$SPK" "$T/spoke"
start_gripd "$HUB" "$T/hub"
check "spoke: grip-hub up" wait_link "$SPK" grip-hub
check "hub: grip-spoke up" wait_link "$HUB" grip-spoke
ip -n "$SPK" route add 10.66.0.0/24 via 10.0.2.2 dev grip-hub
ip -n "$SPK" -6 route add 2001:db8:66::/64 via 2001:db8:9::2 dev grip-hub
ip -n "$HUB" route add 192.168.65.0/24 via 10.0.2.1 dev grip-spoke
ip -n "$HUB" -6 route add 2001:db8:65::/64 via 2001:db8:9::1 dev grip-spoke
check "LAN reaches the hub side through the tunnel (IPv4)" pingq "$LAN" 10.66.0.9
check "LAN reaches the hub side through the tunnel (IPv6)" pingq "$LAN" 2001:db8:66::9

M=$(tun_get "$T/spoke" hub mtu)
check "tunnel MTU $M is below the 1500-byte underlay" bash -c "[ $M -ge 1280 ] && [ $M -lt 1500 ]"
check "the TUN carries the tunnel MTU" \
	bash -c "ip -n '$SPK' link show grip-hub | grep -q 'mtu $M '"

# out NS ARGS...: ping's output (one probe, 3 s), never failing.
out() { local n=$1; shift; nsx "$n" timeout 5 ping -n -c 1 -W 3 "$@" 2>&1 || true; }
has() { grep -Eq -- "$1" <<<"$2"; }
ctr() { tun_get "$T/spoke" hub "counters.$1"; }

# --- TUN at the tunnel MTU: the kernel enforces it ----------------------------------
o=$(out "$SPK" -M do -s $((M - 27)) 10.66.0.1)
check "kernel: local DF ping of M+1 fails with mtu=$M" has "message too long, mtu=$M" "$o"
o=$(out "$LAN" -M do -s $((M - 27)) 10.66.0.2)
check "kernel: forwarded DF ping of M+1 gets Frag needed (mtu = $M) from the spoke" \
	has "From 192.168.65.1 .*Frag needed and DF set \(mtu = $M\)" "$o"
check "kernel: forwarded DF ping of exactly M passes" pingq "$LAN" 10.66.0.3 -M do -s $((M - 28))
o=$(out "$LAN" -s $((M - 47)) 2001:db8:66::1)
check "kernel: forwarded IPv6 ping of M+1 gets Packet too big: mtu=$M" \
	has "Packet too big: mtu=$M" "$o"
check "kernel: forwarded IPv6 ping of exactly M passes" pingq "$LAN" 2001:db8:66::2 -s $((M - 48))
check "daemon saw nothing too big yet (mtu_drops 0)" [ "$(ctr mtu_drops)" = 0 ]

# --- TUN raised to 1500: the daemon enforces M ----------------------------------
ip -n "$SPK" link set grip-hub mtu 1500
# The daemon writes its "fragmentation needed" into the TUN from the next
# hop's inner address (the far end of the tunnel): one of the spoke's own
# addresses would be dropped by its kernel as a martian source.
d0=$(ctr mtu_drops) i0=$(ctr icmp_sent)
o=$(out "$LAN" -M do -s $((M - 27)) 10.66.0.4)
check "daemon: forwarded DF ping of M+1 gets Frag needed (mtu = $M) from the tunnel" \
	has "From 10\.0\.2\.[12] .*Frag needed and DF set \(mtu = $M\)" "$o"
check "daemon: mtu_drops counted" gt "$(ctr mtu_drops)" "$d0"
check "daemon: icmp_sent counted" gt "$(ctr icmp_sent)" "$i0"
o=$(out "$LAN" -M do -s $((M - 27)) 10.66.0.4)
check "LAN host learned M: the next M+1 DF ping fails locally" has "mtu=$M" "$o"
check "LAN host gets through at M" pingq "$LAN" 10.66.0.4 -M do -s $((M - 28))
check "TCP 1 MiB from the LAN host through the raised TUN" tcp_xfer "$LAN" "$HUB" 10.66.0.5 1048576

d0=$(ctr mtu_drops) i0=$(ctr icmp_sent)
o=$(out "$LAN" -s $((M - 47)) 2001:db8:66::3)
check "daemon: forwarded IPv6 ping of M+1 gets Packet too big: mtu=$M from the tunnel" \
	has "From 2001:db8:9::[12] .*Packet too big: mtu=$M" "$o"
check "daemon: IPv6 mtu_drops counted" gt "$(ctr mtu_drops)" "$d0"
check "daemon: IPv6 icmp_sent counted" gt "$(ctr icmp_sent)" "$i0"
check "LAN host gets through at M (IPv6)" pingq "$LAN" 2001:db8:66::3 -s $((M - 48))
check "TCP 1 MiB from the LAN host through the raised TUN (IPv6)" tcp_xfer "$LAN" "$HUB" 2001:db8:66::5 1048576

# Locally originated: the daemon's ICMP comes back in through the TUN.
d0=$(ctr mtu_drops) i0=$(ctr icmp_sent)
o=$(out "$SPK" -M do -s $((M - 27)) 10.66.0.6)
check "daemon: local DF ping of M+1 is dropped and answered (icmp_sent)" gt "$(ctr icmp_sent)" "$i0"
check "daemon: the spoke's kernel learned M from it (mtu=$M)" \
	has "mtu = $M|mtu=$M" "$o$(out "$SPK" -M do -s $((M - 27)) 10.66.0.6)"
o=$(out "$SPK" -s $((M - 47)) 2001:db8:66::6)
check "daemon: local IPv6 ping of M+1: the spoke's kernel learned M" \
	has "mtu=$M" "$o$(out "$SPK" -s $((M - 47)) 2001:db8:66::6)"

# Without DF an IPv4 packet bigger than M is sent in outer fragments.
check "IPv4 without DF, M+100 bytes, still gets through" \
	pingq "$LAN" 10.66.0.7 -M dont -s $((M + 72))
check "no sanitizer report" bash -c "! grep -q Sanitizer '$T/spoke/gripd.log' '$T/hub/gripd.log'"
finish
