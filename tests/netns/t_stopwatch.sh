#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
#   +---------------------------+
#   | netns gtPID-lo            |   1) loopback, no loss: IPv4 127.0.0.1 and
#   |  stopwatch send -> recv   |      IPv6 ::1, 5,000 pps for 1 s
#   +---------------------------+
#
#   +---------------------------+          +---------------------------+
#   | netns gtPID-snd           |   veth   | netns gtPID-rcv           |
#   |  sa 192.0.2.1/24          |----------|  sb 192.0.2.2/24          |
#   |     2001:db8:1::1/64      |          |     2001:db8:1::2/64      |
#   |  stopwatch send           |          |  stopwatch recv           |
#   +---------------------------+          +---------------------------+
#      2) ~200 ms outage: `blackhole 192.0.2.2/32` on the sender, midway
#      3) ~200 ms outage: `unreachable 2001:db8:1::2/128` on the sender
#
# Proves the stopwatch tool (tests/tools/stopwatch.c): without loss,
# received == sent, lost == 0, no duplicates, the rate holds; with a route
# removed for ~200 ms the sender keeps its cadence and counts the send errors,
# the receiver reports lost > 0, longest_gap_ms and loss_ms within 150..600,
# every lost packet inside the longest gap, and received + lost == sent.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: $TEST_NAME needs root"
	exit 77
fi
SW=$GRIPD_BUILD/tests/stopwatch
[ -x "$SW" ] || { echo "SKIP: $SW not built"; exit 77; }

RATE=5000

# recv_start NS LISTEN NAME EXPECT: the receiver in the background, JSON to
# $T/NAME.json, log $T/NAME-recv.log; returns once it listens; sets RECV_PID.
recv_start() {
	rm -f "$T/$3.json"
	ip netns exec "$1" timeout 30 "$SW" recv --listen "$2" --rate $RATE \
		--expect "$4" --until-idle 1 --duration 20 --json "$T/$3.json" \
		2>"$T/$3-recv.log" &
	RECV_PID=$!
	PIDS+=("$RECV_PID")
	wait_for 5 grep -q 'listening on' "$T/$3-recv.log"
}

# recv_wait NAME: waits for the receiver, sets R to its JSON (not to be
# called in a subshell: `wait` only knows this shell's children).
recv_wait() {
	wait "$RECV_PID" || true
	R=$(cat "$T/$1.json")
}

# between A LO HI: LO <= A <= HI for decimal numbers (for check).
between() { python3 -c 'import sys; a,l,h=map(float,sys.argv[1:]); sys.exit(not l<=a<=h)' "$@"; }
eq() { [ "$1" = "$2" ]; }

# --- 1) loopback, no loss ---------------------------------------------------
NL=$(ns lo)
for fam in 4 6; do
	if [ $fam = 4 ]; then dst=127.0.0.1:9000; else dst='[::1]:9000'; fi
	echo "# loopback IPv$fam, $RATE pps for 1 s"
	recv_start "$NL" "$dst" "lo$fam" $RATE
	s=$(ip netns exec "$NL" timeout 10 "$SW" send --to "$dst" --rate $RATE \
		--duration 1 --id $((40 + fam)) 2>"$T/lo$fam-send.log")
	recv_wait "lo$fam"
	r=$R
	echo "send: $s"
	echo "recv: $(jget "$r" '{k: j[k] for k in ("received","lost","duplicates","reordered","longest_gap_ms","rate_pps","rx_overflow")}')"
	check "IPv$fam sent all $RATE" eq "$(jget "$s" "j['sent']")" $RATE
	check "IPv$fam no send errors" eq "$(jget "$s" "j['send_errors']")" 0
	check "IPv$fam received == sent" eq "$(jget "$r" "j['received']")" "$(jget "$s" "j['sent']")"
	check "IPv$fam lost == 0" eq "$(jget "$r" "j['lost']")" 0
	check "IPv$fam no duplicates" eq "$(jget "$r" "j['duplicates']")" 0
	check "IPv$fam seqs 0..$((RATE - 1))" eq "$(jget "$r" "(j['first_seq'], j['last_seq'])")" "(0, $((RATE - 1)))"
	check "IPv$fam run id" eq "$(jget "$r" "j['id']")" $((40 + fam))
	check "IPv$fam send rate holds (duration 0.9..1.3 s)" between "$(jget "$s" "j['duration_s']")" 0.9 1.3
done

# --- 2) and 3) a route removed for ~200 ms ------------------------------------
NS_S=$(ns snd)
NS_R=$(ns rcv)
veth "$NS_S" sa "$NS_R" sb
ip -n "$NS_S" addr add 192.0.2.1/24 dev sa
ip -n "$NS_R" addr add 192.0.2.2/24 dev sb
ip -n "$NS_S" addr add 2001:db8:1::1/64 dev sa nodad
ip -n "$NS_R" addr add 2001:db8:1::2/64 dev sb nodad
# Resolve the neighbours first: a send must never wait on ARP/ND here.
wait_for 5 pingq "$NS_S" 192.0.2.2
wait_for 5 pingq "$NS_S" 2001:db8:1::2

# outage NAME DST LISTEN ROUTE: 2 s at $RATE pps; ROUTE (an `ip route`
# prefix + type) is added on the sender 0.6 s in and removed 0.2 s later.
outage() {
	local name=$1 dst=$2 listen=$3 type=$4 prefix=$5 n=$((2 * RATE)) s r sp
	echo "# outage: $type $prefix for ~200 ms"
	recv_start "$NS_R" "$listen" "$name" $n
	ip netns exec "$NS_S" timeout 20 "$SW" send --to "$dst" --rate $RATE \
		--count $n --id 7 >"$T/$name-send.json" 2>"$T/$name-send.log" &
	sp=$!
	PIDS+=("$sp")
	wait_for 5 grep -q 'sending' "$T/$name-send.log"
	sleep 0.6                       # the outage is timed on purpose
	ip -n "$NS_S" route add "$type" "$prefix"
	sleep 0.2
	ip -n "$NS_S" route del "$type" "$prefix"
	wait "$sp" || true
	s=$(cat "$T/$name-send.json")
	recv_wait "$name"
	r=$R
	echo "send: $s"
	echo "recv: $(jget "$r" '{k: j[k] for k in ("received","lost","longest_gap_ms","gap_start_seq","gap_end_seq","lost_in_longest_gap","loss_ms","rx_overflow")}')"
	check "$name: every slot attempted" eq "$(jget "$s" "j['attempted']")" $n
	check "$name: send errors counted" gt "$(jget "$s" "j['send_errors']")" 0
	check "$name: sent + send_errors == attempted" eq \
		"$(jget "$s" "j['sent'] + j['send_errors']")" $n
	check "$name: lost > 0" gt "$(jget "$r" "j['lost']")" 0
	check "$name: received + lost == $n" eq "$(jget "$r" "j['received'] + j['lost']")" $n
	check "$name: longest_gap_ms in 150..600" between "$(jget "$r" "j['longest_gap_ms']")" 150 600
	check "$name: loss_ms in 150..600" between "$(jget "$r" "j['loss_ms']")" 150 600
	check "$name: all loss in the longest gap" eq \
		"$(jget "$r" "j['lost_in_longest_gap']")" "$(jget "$r" "j['lost']")"
	check "$name: the gap is listed in gaps_over_ms" eq "$(jget "$r" \
		"any(g['start_seq'] == j['gap_start_seq'] and g['ms'] >= 150 for g in j['gaps_over_ms'])")" True
	check "$name: receiver kept up (rx_overflow 0)" eq "$(jget "$r" "j['rx_overflow']")" 0
}

outage bh4 192.0.2.2:9000 192.0.2.2:9000 blackhole 192.0.2.2/32
outage ur6 '[2001:db8:1::2]:9000' '[2001:db8:1::2]:9000' unreachable 2001:db8:1::2/128

finish
