#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# datapath.sh: throughput of gripd's userspace datapath against plain veth,
# a no-crypto TUN<->UDP ceiling (bench/tunudp.c) and strongSwan 5.9 with
# kernel-libipsec (its ESP also runs in userspace over a TUN), all in one
# pair of namespaces, one configuration after the other:
#
#   +----------------------------------+        +----------------------------------+
#   | netns bdPID-bA                   |  veth  | netns bdPID-bB                   |
#   |  va 198.51.100.1/24 (MTU 1500)   |--------|  vb 198.51.100.2/24 (MTU 1500)   |
#   |                                  |        |                                  |
#   |  tunnel: 10.9.0.1                |        |  tunnel: 10.9.0.2                |
#   |   tunudp  tun0 10.9.0.1/30 (1472)|  UDP   |   tun0 10.9.0.2/30               |
#   |   swan    lo 10.9.0.1/32, ipsec0 |  4789  |   lo 10.9.0.2/32, ipsec0         |
#   |   gripd   grip-b 10.9.0.1/30     | ESP... |   grip-a 10.9.0.2/30             |
#   |  iperf3 -c 10.9.0.2 -B 10.9.0.1  |        |  iperf3 -s                       |
#   +----------------------------------+        +----------------------------------+
#
#   name                 tunnel
#   veth                 none (iperf3 between the outer addresses; context)
#   tunudp               bench/tunudp.c: TUN <-> UDP 4789, no crypto (the ceiling)
#   strongswan-gcm128    charon + kernel-libipsec, IKEv2 PSK, tunnel mode,
#   strongswan-gcm256      ESP-in-UDP 4500 (libipsec 5.9.8 always encapsulates),
#   strongswan-chacha      ESP aes128gcm16 / aes256gcm16 / chacha20poly1305
#   gripd-gcm128         gripd userspace datapath, manually keyed, GRE over
#   gripd-gcm256           ESP transport mode, raw ESP (IP protocol 50),
#   gripd-chacha           same three ciphers
#   gripd-gcm128-udp     as gripd-gcm128 with esp-encap udp (4500)
#
# Per configuration: TCP, one stream, TIME s; UDP 1400-byte and 64-byte
# payloads unthrottled (-b 0, or --udp-rate): the receiver's delivered
# Mbit/s, loss and kpps; and the CPU the datapath processes of both sides
# used during the TCP run (100 % = one core; tunudp, charon or gripd, not
# iperf3).  Before measuring, a tunnel must show its outer packets (tcpdump
# on vb) for a ping between the inner addresses, and strongSwan's CHILD_SA
# must be INSTALLED.  A configuration that cannot be brought up prints
# "NAME: not measured (reason)" and the run goes on.
#
# usage: bench/datapath.sh [--only NAME[,NAME...]] [--time SECONDS] [--quick]
#                          [--udp-rate RATE] [--no-udp64] [--keep] [--list]
#   --only     run only these configurations (repeatable, comma lists)
#   --time     seconds per iperf3 run (default 10); --quick is --time 3
#   --udp-rate iperf3 -b for the UDP runs (default 0: unthrottled; e.g.
#              300M to see the loss at a fixed offered load)
#   --keep     keep the work directory (configs, logs, JSON) in /tmp
# Environment: GRIPD_BUILD (default: build-rel, else build, in the source
# tree), GRIPD (the binary, default $GRIPD_BUILD/routed/gripd).
# Needs root, iperf3, tcpdump, python3, cc; strongSwan: strongswan-charon
# strongswan-swanctl libcharon-extra-plugins libstrongswan-extra-plugins.
# The machine's other load shows in the numbers: the load average is printed
# at the start and the end.

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ALL="veth tunudp strongswan-gcm128 strongswan-gcm256 strongswan-chacha gripd-gcm128 gripd-gcm256 gripd-chacha gripd-gcm128-udp"
ONLY=""
TIME=10
UDP64=1
UDP_RATE=0
while [ $# -gt 0 ]; do
	case "$1" in
	--only) ONLY="$ONLY ${2//,/ }"; shift ;;
	--time) TIME=$2; shift ;;
	--quick) TIME=3 ;;
	--no-udp64) UDP64=0 ;;
	--udp-rate) UDP_RATE=$2; shift ;;
	--keep) KEEP_T=1 ;;  # read by the trap in lib.sh
	--list) echo "$ALL" | tr ' ' '\n'; exit 0 ;;
	-h|--help) sed -n '3,/^[^#]/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "datapath.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$TIME" in ''|*[!0-9]*) echo "datapath.sh: --time wants whole seconds" >&2; exit 2 ;; esac
for n in $ONLY; do
	case " $ALL " in *" $n "*) ;; *) echo "datapath.sh: unknown configuration $n (--list)" >&2; exit 2 ;; esac
done
selected() { [ -z "$ONLY" ] || case " $ONLY " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

[ "$(id -u)" -eq 0 ] || { echo "datapath.sh: needs root"; exit 77; }
for c in iperf3 tcpdump python3 cc ip; do
	command -v "$c" >/dev/null || { echo "datapath.sh: $c missing"; exit 77; }
done

if [ -z "${GRIPD_BUILD:-}" ]; then
	for b in build-rel build; do
		[ -x "$GRIPD_SRC/$b/routed/gripd" ] && { GRIPD_BUILD=$GRIPD_SRC/$b; break; }
	done
fi
GRIPD=${GRIPD:-${GRIPD_BUILD:-/nonexistent}/routed/gripd}

declare -A RES NOTE
ORDER=()

# --- topology -----------------------------------------------------------------------

NSA=$PFX-bA NSB=$PFX-bB
bns bA >/dev/null && bns bB >/dev/null || { echo "datapath.sh: cannot create namespaces"; exit 1; }
bveth "$NSA" va "$NSB" vb 1500 || { echo "datapath.sh: cannot create veth"; exit 1; }
ip -n "$NSA" addr add 198.51.100.1/24 dev va
ip -n "$NSB" addr add 198.51.100.2/24 dev vb
# Offloads stay as the kernel sets them for veth (GSO/GRO on): the tunnels
# cannot use them, the veth baseline can; it is context only.
wait_for 5 pingq "$NSA" 198.51.100.2 || { echo "datapath.sh: veth underlay does not ping"; exit 1; }

# --- measuring ------------------------------------------------------------------------

fmt() { [ "$1" = - ] && echo "-" || echo "$1"; }

# cpu_ticks PID...: user+system clock ticks of these processes (all threads).
cpu_ticks() {
	local p t=0 f
	for p in "$@"; do
		f=$(cut -d')' -f2- "/proc/$p/stat" 2>/dev/null) || continue
		set -- $f
		t=$(( t + ${12} + ${13} ))
	done
	echo $t
}
HZ=$(getconf CLK_TCK)
DP_PIDS=()   # the datapath processes of both sides, for the CPU column

# measure NAME SRC DST: the three iperf3 runs from bA to DST in bB.  The
# CPU column is the datapath processes' CPU (both sides, 100 = one core)
# during the TCP run.
measure() {
	local name=$1 src=$2 dst=$3 tcp u14 u64 cpu=- c0 t0
	c0=$(cpu_ticks "${DP_PIDS[@]}"); t0=$(now_ms)
	iperf_json "$T/$name-tcp.json" "$NSA" "$NSB" "$dst" "$src"
	tcp=$(iperf_parse "$T/$name-tcp.json" tcp)
	[ ${#DP_PIDS[@]} -gt 0 ] &&
		cpu=$(( ($(cpu_ticks "${DP_PIDS[@]}") - c0) * 100000 / HZ / ($(now_ms) - t0 + 1) ))
	iperf_json "$T/$name-udp1400.json" "$NSA" "$NSB" "$dst" "$src" -u -b "$UDP_RATE" -l 1400
	u14=$(iperf_parse "$T/$name-udp1400.json" udp)
	if [ "$UDP64" = 1 ]; then
		iperf_json "$T/$name-udp64.json" "$NSA" "$NSB" "$dst" "$src" -u -b "$UDP_RATE" -l 64
		u64=$(iperf_parse "$T/$name-udp64.json" udp)
	else
		u64="- - -"
	fi
	RES[$name]="$tcp $u14 $u64 $cpu"
	ORDER+=("$name")
	set -- $tcp $u14 $u64 $cpu
	printf '%-18s TCP %8s Mbit/s (CPU %3s%%) | UDP1400 %8s Mbit/s loss %5s%% | UDP64 %7s Mbit/s loss %5s%% %7s kpps\n' \
		"$name" "$1" "$8" "$2" "$3" "$5" "$6" "$7"
}

not_measured() {
	NOTE[$1]=$2
	ORDER+=("$1")
	echo "$1: not measured ($2)"
}

# --- 1. veth ------------------------------------------------------------------------------

run_veth() { DP_PIDS=(); measure veth 198.51.100.1 198.51.100.2; }

# --- 2. tunudp: the no-crypto ceiling -------------------------------------------------

TUNUDP=$T/tunudp
run_tunudp() {
	local pa pb
	if [ ! -x "$TUNUDP" ] && ! cc -O2 -Wall -o "$TUNUDP" "$BENCH_DIR/tunudp.c" -lpthread 2>"$T/tunudp-cc.log"; then
		not_measured tunudp "cc failed: $(head -n 3 "$T/tunudp-cc.log" | tr '\n' ' ')"; return
	fi
	ip netns exec "$NSA" "$TUNUDP" tun0 198.51.100.1 198.51.100.2 >"$T/tunudp-a.log" 2>&1 &
	pa=$!; track $pa
	ip netns exec "$NSB" "$TUNUDP" tun0 198.51.100.2 198.51.100.1 >"$T/tunudp-b.log" 2>&1 &
	pb=$!; track $pb
	if ! wait_for 5 ip -n "$NSA" link show tun0 || ! wait_for 5 ip -n "$NSB" link show tun0; then
		not_measured tunudp "TUN did not appear: $(tail -n 1 "$T/tunudp-a.log")"
		stop_pid $pa; stop_pid $pb; return
	fi
	ip -n "$NSA" addr add 10.9.0.1/30 dev tun0 && ip -n "$NSA" link set tun0 mtu 1472 up
	ip -n "$NSB" addr add 10.9.0.2/30 dev tun0 && ip -n "$NSB" link set tun0 mtu 1472 up
	local c
	c=$(count_outer "$NSB" vb 'udp port 4789' "$NSA" 10.9.0.2)
	if [ "${c:-0}" -lt 5 ]; then
		not_measured tunudp "ping over tun0 did not show UDP 4789 on vb ($c packets)"
	else
		DP_PIDS=("$pa" "$pb")
		measure tunudp 10.9.0.1 10.9.0.2
	fi
	stop_pid $pa; stop_pid $pb
	sed "s/^/# /" "$T/tunudp-a.log" "$T/tunudp-b.log" >&2
}

# --- 3. strongSwan with kernel-libipsec -----------------------------------------------------

swan_down() {
	"$SWAN_PEER" stop -d "$T/$1-a" >/dev/null 2>&1
	"$SWAN_PEER" stop -d "$T/$1-b" >/dev/null 2>&1
	for n in "$NSA:10.9.0.1" "$NSB:10.9.0.2"; do
		ip -n "${n%%:*}" addr del "${n#*:}/32" dev lo 2>/dev/null
		ip -n "${n%%:*}" route flush table 220 2>/dev/null
	done
	return 0
}

# run_swan NAME ESP-PROPOSAL
run_swan() {
	local name=$1 esp=$2 da=$T/$1-a db=$T/$1-b
	if [ ! -x /usr/lib/ipsec/charon ] || ! command -v swanctl >/dev/null; then
		not_measured "$name" "strongSwan not installed (apt-get install strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-extra-plugins)"
		return
	fi
	SWAN_DIRS+=("$da" "$db")
	# The inside addresses live on lo (no dummy module); the traffic
	# selectors are the two /32s, so libipsec routes 10.9.0.2 into ipsec0
	# (table 220, src 10.9.0.1) and nothing else.
	ip -n "$NSA" addr add 10.9.0.1/32 dev lo
	ip -n "$NSB" addr add 10.9.0.2/32 dev lo
	if ! timeout 30 "$SWAN_PEER" start -n "$NSB" -d "$db" -l 198.51.100.2 -r 198.51.100.1 \
		-i b.bench -I a.bench -k bench-psk --local-ts 10.9.0.2/32 --remote-ts 10.9.0.1/32 \
		--esp "$esp" >"$T/$name-start.log" 2>&1 ||
	   ! timeout 30 "$SWAN_PEER" start -n "$NSA" -d "$da" -l 198.51.100.1 -r 198.51.100.2 \
		-i a.bench -I b.bench -k bench-psk --local-ts 10.9.0.1/32 --remote-ts 10.9.0.2/32 \
		--esp "$esp" --initiate >>"$T/$name-start.log" 2>&1; then
		not_measured "$name" "$(grep -h 'swan-peer' "$T/$name-start.log" | tail -n 1)"
		swan_down "$name"; return
	fi
	local sas
	sas=$("$SWAN_PEER" ctl -d "$da" -- --list-sas 2>&1)
	echo "$sas" | sed -n '1,/INSTALLED/p' | sed 's/^/#   /' >&2
	if ! echo "$sas" | grep -q INSTALLED; then
		not_measured "$name" "CHILD_SA not INSTALLED"
		swan_down "$name"; return
	fi
	wait_for 5 pingq "$NSA" 10.9.0.2 -I 10.9.0.1
	local c
	c=$(count_outer "$NSB" vb 'udp port 4500' "$NSA" 10.9.0.2 -I 10.9.0.1)
	if [ "${c:-0}" -lt 5 ]; then
		not_measured "$name" "ping 10.9.0.2 did not show ESP-in-UDP 4500 on vb ($c packets)"
	else
		DP_PIDS=("$(cat "$da/charon.pid")" "$(cat "$db/charon.pid")")
		measure "$name" 10.9.0.1 10.9.0.2
	fi
	swan_down "$name"
}

# --- 4. gripd, manually keyed ---------------------------------------------------------------

# key_hex CIPHER SEED: key || salt, hex, of the cipher's length.
key_hex() {
	local n
	case "$1" in
	aes128gcm16) n=20 ;; aes256gcm16|chacha20poly1305) n=36 ;;
	*) return 1 ;;
	esac
	python3 -c 'import hashlib,sys; print(hashlib.sha512(sys.argv[2].encode()).hexdigest()[:2*int(sys.argv[1])])' "$n" "$2"
}

# gripd_conf DIR SITE LOCAL HUB PEER INNER PEERINNER SPIIN SPIOUT KEYIN KEYOUT CIPHER ENCAP
gripd_conf() {
	local d=$1
	mkdir -p "$d/keys"; chmod 755 "$d"
	echo "${10}" >"$d/keys/in.key"; echo "${11}" >"$d/keys/out.key"
	chmod 600 "$d"/keys/*.key
	getent passwd gripd >/dev/null && chown gripd "$d"/keys/*.key
	cat >"$d/gripd.conf" <<EOC
! generated by bench/datapath.sh
$(getent passwd gripd >/dev/null && echo "user gripd")
control-socket $d/gripd.sock
site $2
 role spoke
 router-id $6
 local-address $3
 datapath userspace
!
hub $4
 address $5
 interface grip-$4
 tunnel-address $6/30 peer $7
 keying manual
 manual-sa in spi $8 cipher ${12} key-file keys/in.key
 manual-sa out spi $9 cipher ${12} key-file keys/out.key
 esp-mode transport
 esp-encap ${13}
!
EOC
}

# run_gripd NAME CIPHER ENCAP
run_gripd() {
	local name=$1 cipher=$2 encap=$3 da=$T/$1-a db=$T/$1-b pa pb
	if [ ! -x "$GRIPD" ]; then
		not_measured "$name" "no gripd binary at $GRIPD; set GRIPD_BUILD"; return
	fi
	local ka kb
	ka=$(key_hex "$cipher" "bench-a-to-b-$cipher")
	kb=$(key_hex "$cipher" "bench-b-to-a-$cipher")
	gripd_conf "$da" bench-a 198.51.100.1 b 198.51.100.2 10.9.0.1 10.9.0.2 0x0000b001 0x0000a001 "$kb" "$ka" "$cipher" "$encap"
	gripd_conf "$db" bench-b 198.51.100.2 a 198.51.100.1 10.9.0.2 10.9.0.1 0x0000a001 0x0000b001 "$ka" "$kb" "$cipher" "$encap"
	if ! timeout 10 "$GRIPD" -n -f "$da/gripd.conf" >"$T/$name-check.log" 2>&1; then
		not_measured "$name" "config rejected: $(head -n 2 "$T/$name-check.log" | tr '\n' ' ')"; return
	fi
	ip netns exec "$NSA" "$GRIPD" -F -f "$da/gripd.conf" >"$da/gripd.log" 2>&1 &
	pa=$!; track $pa
	ip netns exec "$NSB" "$GRIPD" -F -f "$db/gripd.conf" >"$db/gripd.log" 2>&1 &
	pb=$!; track $pb
	local why=""
	if ! wait_for 10 test -S "$da/gripd.sock" || ! wait_for 10 test -S "$db/gripd.sock"; then
		why="no control socket after 10 s: $(tail -n 1 "$da/gripd.log" "$db/gripd.log" 2>/dev/null | grep -v '^==' | tr '\n' ' ')"
	elif ! wait_for 10 link_up "$NSA" grip-b || ! wait_for 10 link_up "$NSB" grip-a; then
		why="grip-b/grip-a not up after 10 s"
	elif ! wait_for 5 pingq "$NSA" 10.9.0.2; then
		why="no ping over the tunnel"
	else
		local filt='ip proto 50' c
		[ "$encap" = udp ] && filt='udp port 4500'
		c=$(count_outer "$NSB" vb "$filt" "$NSA" 10.9.0.2)
		[ "${c:-0}" -ge 5 ] || why="ping did not show '$filt' on vb ($c packets)"
	fi
	if [ -n "$why" ]; then
		not_measured "$name" "$why"
	else
		DP_PIDS=("$pa" "$pb")
		measure "$name" 10.9.0.1 10.9.0.2
		if [ -x "${GRIPD%/gripd}/gripctl" ]; then
			timeout 5 "${GRIPD%/gripd}/gripctl" -s "$da/gripd.sock" show tunnels json >"$T/$name-tunnels-a.json" 2>/dev/null
			timeout 5 "${GRIPD%/gripd}/gripctl" -s "$db/gripd.sock" show sa json >"$T/$name-sa-b.json" 2>/dev/null
		fi
	fi
	stop_pid $pa; stop_pid $pb
}

# --- the run ---------------------------------------------------------------------------

log "datapath.sh: $(date -u +%FT%TZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), ${TIME}s per run"
log "gripd: $GRIPD$( [ -f "${GRIPD_BUILD:-/x}/CMakeCache.txt" ] && grep -q 'GRIPD_SANITIZE:BOOL=ON' "$GRIPD_BUILD/CMakeCache.txt" && echo ' (SANITIZER BUILD: slow, numbers not representative)')"
log "work directory $T"

selected veth && run_veth
selected tunudp && run_tunudp
selected strongswan-gcm128 && run_swan strongswan-gcm128 aes128gcm16
selected strongswan-gcm256 && run_swan strongswan-gcm256 aes256gcm16
selected strongswan-chacha && run_swan strongswan-chacha chacha20poly1305
selected gripd-gcm128 && run_gripd gripd-gcm128 aes128gcm16 raw
selected gripd-gcm256 && run_gripd gripd-gcm256 aes256gcm16 raw
selected gripd-chacha && run_gripd gripd-chacha chacha20poly1305 raw
selected gripd-gcm128-udp && run_gripd gripd-gcm128-udp aes128gcm16 udp

# --- summary ----------------------------------------------------------------------------

echo
echo "## datapath throughput, ${TIME} s per run, UDP -b $UDP_RATE, $(date -u +%F), load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| configuration | TCP Mbit/s | datapath CPU % (TCP) | UDP 1400 Mbit/s | loss % | UDP 64 Mbit/s | loss % | UDP 64 kpps |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for n in "${ORDER[@]}"; do
	if [ -n "${RES[$n]:-}" ]; then
		set -- ${RES[$n]}
		echo "| $n | $1 | $8 | $2 | $3 | $5 | $6 | $7 |"
	else
		echo "| $n | not measured: ${NOTE[$n]} | | | | | | |"
	fi
done

# ratio A B FIELD: A/B for one field (1 TCP, 2 UDP1400 Mbit/s, 7 UDP64 kpps).
ratio() {
	[ -n "${RES[$1]:-}" ] && [ -n "${RES[$2]:-}" ] || { echo "-"; return; }
	local a b
	a=$(echo ${RES[$1]} | cut -d' ' -f"$3"); b=$(echo ${RES[$2]} | cut -d' ' -f"$3")
	python3 -c 'import sys
try:
    a, b = float(sys.argv[1]), float(sys.argv[2]); print("%.2f" % (a / b) if b else "-")
except ValueError:
    print("-")' "$a" "$b"
}
have_gripd=0
for n in "${ORDER[@]}"; do case "$n" in gripd-*) [ -n "${RES[$n]:-}" ] && have_gripd=1 ;; esac; done
if [ $have_gripd = 1 ]; then
	echo
	echo "| ratio | TCP | UDP 1400 | UDP 64 (kpps) |"
	echo "|---|---:|---:|---:|"
	for n in "${ORDER[@]}"; do
		case "$n" in gripd-*) ;; *) continue ;; esac
		[ -n "${RES[$n]:-}" ] || continue
		s=strongswan-${n#gripd-}; s=${s%-udp}
		echo "| $n / $s | $(ratio "$n" "$s" 1) | $(ratio "$n" "$s" 2) | $(ratio "$n" "$s" 7) |"
		echo "| $n / tunudp | $(ratio "$n" tunudp 1) | $(ratio "$n" tunudp 2) | $(ratio "$n" tunudp 7) |"
	done
fi
log "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
