#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench/inject.sh - route injection speed through gripd + zebra against
# zebra's own speed, in the same namespace with the same zebra.
#
#   sudo GRIPD_BUILD=$PWD/build-rel bench/inject.sh [--counts "1000 10000"]
#        [--runs 5] [--compare OTHER_BUILD] [--probe PROBE] [--keep]
#        [--shape gw|dev|both] [--pin] [--poll] [--settled]
#
# Topology: tests/netns/topo.sh (hub1 and the spoke; hub2 is not started).
# hub1 runs FRR's zebra (private run directory, owned by frr) and gripd with
# `routes zebra`, `user frr` and `debug adjacency`.  Per N and per round,
# interleaved so that both sides see the same machine noise:
#
#   gripd  The spoke advertises N /32s out of 10.128.0.0/16 (hub1's spoke
#          stanza allows 10.128.0.0/16 le 32).  hub1's gripd is started
#          fresh, then the spoke's.  t0 = hub1's log line "adjacency ...
#          INIT -> UP" (ms time stamps).  add = t0 until `ip -ts monitor
#          route` in hub1's namespace shows all N 10.128.* nhrp routes: it
#          includes the adjacency's UPDATE transfer, gripd's RIB and zebra.
#          Broken down by hub1's log lines: "UPDATE <v> complete: N
#          prefixes" (the whole set is in; gripd with the patch of
#          2026-12-05) or else the debug line "N prefixes received" (after
#          the RIB took the set, before the routes go to zebra), and by the
#          first route the monitor sees.  Then the spoke gets SIGTERM
#          (GOODBYE): withdraw = hub1's log line "adjacency UP -> DOWN" until
#          the monitor shows no 10.128.* route left.  hub1's gripd is then
#          stopped.
#   zebra  tests/zclient_probe alone on the same zebra (hub1's gripd is
#          stopped: zebra sends the notes of type nhrp to the first client
#          of that type) is told `bench`: it sets N /32s (10.200.0.0
#          upwards), waits for every INSTALLED note, withdraws them
#          and waits for every REMOVED note.  Route shape (--shape):
#          gw (default): the shape of gripd's routes, a gateway on a
#          connected subnet plus ifindex, onlink (via 10.255.1.1 dev hq,
#          hqrtr's address on hub1's hq /30), with the distance, metric and
#          tag zebra shows for gripd's 10.128.0.0/32 in the first gripd run
#          (defaults 150 / 10 / 0 if that query fails); dev: the older
#          interface-only shape (dev hq, metric 1); both: one run of each
#          per round, their order alternating.  t0 = the probe's "bench start
#          epoch_ms=" line, or (an older probe) the moment the command file
#          is written (the probe polls it every 5 ms).  add = t0 until the
#          monitor shows all N; withdraw = t0 + the probe's own add time
#          (its last INSTALLED note) until none is left.
#
# --poll: inside the measured windows, poll the monitor file every 50 ms
# (grep, date, a subshell) in both arms, instead of sleeping through them.
# For comparison with the sets measured before the script slept.
#
# --settled: the spoke's gripd is started with its path to hub1 blackholed
# (a route in the inet namespace) and the path opened 1.5 s later, so that
# the spoke's start-up is over when the adjacency comes up, as when a hub
# meets a spoke that is already running; by default the spoke starts and
# the adjacency comes up at once, its start-up sharing the 2 CPUs with zebra.
#
# --pin: zebra on CPU 1, everything else (this script, both gripds, the
# probe, ip monitor) on CPU 0 (taskset), in gripd and zebra-alone runs.
#
# --compare B: a second gripd build, run in the same rounds (order A Z B Z,
# then B Z A Z, ...; Z = zebra alone).  --probe: the zclient_probe to use
# (default: the one in GRIPD_BUILD).  Output: one line per sample (with the
# load average at its start), then per N and build a table with medians and
# min..max; the overhead is given on the medians and as the median (min..max)
# of the per-round ratios against the zebra-alone run right after it.
# Needs root, FRR (zebra, vtysh, user frr), python3 and a build with
# tests/zclient_probe (cmake --build "$GRIPD_BUILD" --target zclient_probe).

COUNTS="1000 10000"
RUNS=5
KEEP=0
COMPARE=
PROBE=
SHAPE=gw
PIN=0
POLL=0
SETTLED=0
while [ $# -gt 0 ]; do
	case "$1" in
	--counts) COUNTS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--compare) COMPARE=$(cd "$2" && pwd); shift 2 ;;
	--probe) PROBE=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--shape) SHAPE=$2; shift 2 ;;
	--pin) PIN=1; shift ;;
	--poll) POLL=1; shift ;;
	--settled) SETTLED=1; shift ;;
	--light) shift ;; # the kernel is no longer polled: always light
	-h|--help) sed -n '3,57p' "$0"; exit 0 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
case "$SHAPE" in
gw|dev) SHAPES=$SHAPE ;;
both) SHAPES="gw dev" ;;
*) echo "--shape: gw, dev or both" >&2; exit 2 ;;
esac

HERE=$(cd "$(dirname "$0")" && pwd)
: "${GRIPD_BUILD:=$HERE/../build-rel}"
GRIPD_BUILD=$(cd "$GRIPD_BUILD" && pwd)
export GRIPD_BUILD
. "$HERE/../tests/netns/lib.sh"
. "$HERE/../tests/netns/topo.sh"
set +e # the measuring loops handle their own failures
require_root
ZEBRA=/usr/lib/frr/zebra
: "${PROBE:=$GRIPD_BUILD/tests/zclient_probe}"
if [ ! -x $ZEBRA ] || ! command -v vtysh >/dev/null || ! getent passwd frr >/dev/null; then
	echo "SKIP: FRR not installed"; exit 77
fi
[ -x "$PROBE" ] || { echo "SKIP: $PROBE not built"; exit 77; }
if [ "$SHAPES" != dev ] && [[ "$("$PROBE" -h 2>&1)" != *"-G BENCH_GW4"* ]]; then
	echo "SKIP: $PROBE has no -G (gateway-shaped bench routes); use --shape dev"; exit 77
fi
if [ $PIN = 1 ]; then
	command -v taskset >/dev/null || { echo "SKIP: --pin needs taskset"; exit 77; }
	[ "$(nproc)" -ge 2 ] || { echo "SKIP: --pin needs 2 CPUs"; exit 77; }
	# This shell and all it starts from now on (gripds, probe, ip
	# monitor) on CPU 0; zebra is started on CPU 1 below.
	taskset -p -c 0 $$ >/dev/null || { echo "taskset failed"; exit 1; }
	ZPIN="taskset -c 1"
else
	ZPIN=
fi
for b in "$GRIPD_BUILD" $COMPARE; do
	[ -x "$b/routed/gripd" ] || { echo "SKIP: $b/routed/gripd not built"; exit 77; }
	if grep -q 'GRIPD_SANITIZE:BOOL=ON' "$b/CMakeCache.txt" 2>/dev/null; then
		echo "WARNING: $b is a sanitizer build; the numbers mean nothing" >&2
	fi
done
GRIPD_A=$GRIPD

RUN=$T/frr-hub1
ZEBRA_PID=
MON_PID=
SPOKE_PID=
HUB1_PID=
PROBE_PID=
bench_cleanup() {
	[ -n "$MON_PID" ] && kill -TERM "$MON_PID" 2>/dev/null
	[ -n "$PROBE_PID" ] && kill -TERM "$PROBE_PID" 2>/dev/null
	[ -n "$SPOKE_PID" ] && kill -TERM "$SPOKE_PID" 2>/dev/null
	[ -n "$HUB1_PID" ] && kill -TERM "$HUB1_PID" 2>/dev/null
	sleep 0.5
	[ -s "$RUN/zebra.pid" ] && kill -TERM "$(cat "$RUN/zebra.pid")" 2>/dev/null
	[ -n "$ZEBRA_PID" ] && kill -TERM "$ZEBRA_PID" 2>/dev/null
	sleep 0.3
	if [ $KEEP = 1 ]; then echo "--- kept $T"; FAILS=1; fi
	cleanup
}
trap bench_cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# log_ms HH:MM:SS.mmm: the epoch ms of a gripd log time stamp (today).
log_ms() { date -d "$(date +%F) $1" +%s%3N; }
# kcount ROOT: hub1's kernel routes of proto nhrp within ROOT.
kcount() { ip -n "$NS_HUB1" -4 route show proto nhrp root "$1" | wc -l; }
load() { cut -d' ' -f1 /proc/loadavg; }
# mon_start FILE: timestamped route events of hub1's kernel into FILE.
mon_start() {
	ip -n "$NS_HUB1" -ts -rcvbuf 33554432 monitor route >"$1" 2>&1 &
	MON_PID=$!
	sleep 0.2
}
mon_stop() { [ -n "$MON_PID" ] && kill -TERM "$MON_PID" 2>/dev/null; wait "$MON_PID" 2>/dev/null; MON_PID=; }
# mon_n FILE PREFIX: route events for PREFIX* seen so far (adds + deletes).
mon_n() { grep -c "^\[[^]]*\] \(Deleted \)\?$2" "$1"; }
# settle N: seconds to sleep, without polling anything, while N routes go
# in (or out): the script's own grep/date/bash processes took CPU from zebra
# and gripd inside the measured window (perf: more than gripd itself).
settle() { local ms=$((400 + $1 * 6 / 100)); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
# window_wait FILE PREFIX COUNT N: inside a measured window.  By default
# sleeps (settle N); with --poll, polls FILE every 50 ms until COUNT events
# are in it (mon_wait), the method of the sets before 2026-12-05's fourth,
# but now in both arms alike (before, only the gripd run polled the growing
# monitor file; the zebra-alone run polled a one-line state file).
window_wait() {
	if [ $POLL = 1 ]; then mon_wait "$1" "$2" "$3" 60; else sleep "$(settle "$4")"; fi
}
# mon_wait FILE PREFIX COUNT SECONDS: until COUNT events are in FILE.
mon_wait() {
	local deadline=$(( $(now_ms) + $4 * 1000 ))
	while [ "$(mon_n "$1" "$2")" -lt "$3" ]; do
		[ "$(now_ms)" -lt $deadline ] || return 1
		sleep 0.05
	done
}
# mon_times FILE PREFIX N: "FIRST FULL EMPTY ADDS DELS": epoch ms of the
# first add, of the event that made N routes starting with PREFIX present,
# of the one that left none after that, the event counts, and the epoch ms
# of the first delete after N were present (-1: not seen).
mon_times() {
	python3 - "$@" <<'EOP'
import sys, datetime
f, pfx, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
have, first, full, empty, adds, dels, fdel = set(), -1, -1, -1, 0, 0, -1
for line in open(f):
    if not line.startswith("["):
        continue
    ts, _, rest = line.partition("] ")
    w = rest.split()
    gone = w and w[0] == "Deleted"
    if gone:
        w = w[1:]
    if not w or not w[0].startswith(pfx) or "nhrp" not in w:
        continue
    t = int(datetime.datetime.fromisoformat(ts[1:]).timestamp() * 1000)
    if gone:
        dels += 1; have.discard(w[0])
        if full >= 0 and fdel < 0:
            fdel = t
        if full >= 0 and not have and empty < 0:
            empty = t
    else:
        adds += 1; have.add(w[0])
        if first < 0:
            first = t
        if len(have) >= n and full < 0:
            full = t
print(first, full, empty, adds, dels, fdel)
EOP
}
# d A B: B - A, or -1 when either is unknown (< 0 or empty).
d() { if [ -n "$1" ] && [ -n "$2" ] && [ "$1" -ge 0 ] && [ "$2" -ge 0 ]; then echo $(( $2 - $1 )); else echo -1; fi; }
# cpu_ms PID...: CPU time so far of the processes' live threads, ms
# (/proc/PID/task/*/schedstat, ns).  Read only outside the measured
# windows; a difference covers the window and the sleep after it.
cpu_ms() {
	local p f v s=0
	for p in "$@"; do
		[ -n "$p" ] || continue
		for f in /proc/"$p"/task/*/schedstat; do
			read -r v _ 2>/dev/null <"$f" && s=$((s + v))
		done
	done
	echo $((s / 1000000))
}

# --- set-up ---------------------------------------------------------------------
topo_links
topo_conf 10 20 1s 4s 5s
mkdir -p "$RUN"
echo "hostname hub1" >"$RUN/zebra.conf"
chown -R frr:frr "$RUN"
ip netns exec "$NS_HUB1" $ZPIN $ZEBRA -d -u frr -g frr -f "$RUN/zebra.conf" -i "$RUN/zebra.pid" \
	-z "$RUN/zserv.api" --vty_socket "$RUN" -P 0 --log "file:$RUN/zebra.log" 2>>"$T/zebra.err"
wait_for 10 test -S "$RUN/zserv.api" && wait_for 5 test -s "$RUN/zebra.pid" ||
	{ echo "zebra did not start"; exit 1; }
ZEBRA_PID=$(cat "$RUN/zebra.pid")
sed -i "s|^ routes kernel| routes zebra\n zebra-socket $RUN/zserv.api|; s|^user gripd|user frr\ndebug adjacency|; s|^ allow 10.0.65.0/24 le 28| allow 10.0.65.0/24 le 28\n allow 10.128.0.0/16 le 32|" \
	"$T/hub1/gripd.conf"
chown frr "$T"/hub1/keys/*.key
"$GRIPD" -n -f "$T/hub1/gripd.conf" >/dev/null || { echo "hub1 config rejected"; exit 1; }
cp "$T/spoke/gripd.conf" "$T/spoke.base"

# The gateway for the gateway-shaped bench routes: hqrtr on hub1's hq link.
BENCH_GW=10.255.1.1
ip -n "$NS_HUB1" -4 route get "$BENCH_GW" | grep -q 'dev hq' ||
	{ echo "$BENCH_GW is not on hub1's hq subnet"; exit 1; }
# Distance, metric and tag of gripd's routes in zebra (read in the first
# gripd run; these defaults are what `routes zebra` sends in this set-up).
R_DIST=150 R_METRIC=10 R_TAG=0 R_SEEN=0

SAMPLES=$T/samples.txt
: >"$SAMPLES"
echo "# A = $GRIPD_BUILD${COMPARE:+; B = $COMPARE}; probe $PROBE"
echo "# zebra alone, route shape(s): $SHAPES (gw = via $BENCH_GW dev hq onlink, gripd's distance/metric/tag; dev = dev hq, metric 1, distance 150)"
if [ $PIN = 1 ]; then
	echo "# pinned: zebra (pid $ZEBRA_PID) $(taskset -c -p "$ZEBRA_PID" | sed 's/.*: //') , this script and its children CPU $(taskset -c -p $$ | sed 's/.*: //')"
else
	echo "# not pinned"
fi
[ $SETTLED = 1 ] && echo "# --settled: the spoke starts 1.5 s before its path to hub1 opens"
if [ $POLL = 1 ]; then
	echo "# --poll: the script polls the monitor file every 50 ms inside the windows, in both arms"
else
	echo "# the script sleeps through the measured windows"
fi
echo "# $(nproc --all) CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# spoke_conf N: the spoke's configuration advertising N /32s out of 10.128.0.0/16.
spoke_conf() {
	python3 - "$1" "$T/spoke.base" >"$T/spoke/gripd.conf" <<'EOP'
import sys
n, base = int(sys.argv[1]), sys.argv[2]
for line in open(base):
    sys.stdout.write(line)
    if line.startswith(" advertise 10.0.65.0/24"):
        for i in range(n):
            sys.stdout.write(" advertise 10.128.%d.%d/32\n" % (i >> 8, i & 255))
EOP
}

# log_after LINE REGEX: the ms time stamp of the first line after LINE of
# hub1's log that matches REGEX (empty if none).
log_after() {
	local l
	l=$(tail -n +$(($1 + 1)) "$T/hub1/gripd.log" | grep -m1 -E "$2")
	[ -n "$l" ] && log_ms "${l%% *}"
}

# gripd_run BUILD-LABEL N RUN: one add through gripd, then the spoke's
# GOODBYE; appends a sample line.
gripd_run() {
	local b=$1 n=$2 r=$3 nlog t_up t_cmp t_rcv t_down mt k_left ld
	local log=$T/hub1/gripd.log mon=$T/mon-gripd-$b-$n-$r.txt
	[ "$b" = B ] && GRIPD=$COMPARE/routed/gripd || GRIPD=$GRIPD_A
	ld=$(load)
	nlog=$(cat "$log" 2>/dev/null | wc -l)
	start_gripd "$NS_HUB1" "$T/hub1"; HUB1_PID=$GRIPD_PID
	wait_for 10 bash -c "tail -n +$((nlog + 1)) '$log' | grep -q 'zebra: session .* up'" ||
		{ echo "hub1: no zebra session"; return 1; }
	[ "$(kcount 10.128.0.0/16)" = 0 ] || { echo "stale routes before the run"; return 1; }
	mon_start "$mon"
	local z0 h0 z1 h1 s1 z2 h2
	z0=$(cpu_ms "$ZEBRA_PID") h0=$(cpu_ms "$HUB1_PID")
	[ $SETTLED = 1 ] && ip -n "$NS_INET" route add blackhole 198.51.100.2/32
	ip netns exec "$NS_SPOKE" "$GRIPD" -F -f "$T/spoke/gripd.conf" >>"$T/spoke/gripd.log" 2>&1 &
	SPOKE_PID=$!; disown "$SPOKE_PID"
	if [ $SETTLED = 1 ]; then
		sleep 1.5
		ip -n "$NS_INET" route del blackhole 198.51.100.2/32
	fi
	# Polling stops once the adjacency is up: the add runs undisturbed.
	wait_for 30 bash -c "tail -n +$((nlog + 1)) '$log' | grep -q 'INIT -> UP'"
	window_wait "$mon" 10.128. "$n" "$n"
	mon_wait "$mon" 10.128. "$n" 60
	z1=$(cpu_ms "$ZEBRA_PID") h1=$(cpu_ms "$HUB1_PID") s1=$(cpu_ms "$SPOKE_PID")
	[ $R_SEEN = 0 ] && route_params
	sleep 0.3
	# The spoke says GOODBYE: its N prefixes leave the kernel.
	kill -TERM "$SPOKE_PID"
	window_wait "$mon" 10.128. $((2 * n)) "$n"
	wait_for 10 bash -c "! kill -0 $SPOKE_PID 2>/dev/null"
	SPOKE_PID=
	mon_wait "$mon" 10.128. $((2 * n)) 10
	z2=$(cpu_ms "$ZEBRA_PID") h2=$(cpu_ms "$HUB1_PID")
	sleep 0.2
	k_left=$(kcount 10.128.0.0/16)
	mon_stop
	kill -TERM "$HUB1_PID"
	wait_for 10 bash -c "! kill -0 $HUB1_PID 2>/dev/null"
	HUB1_PID=
	t_up=$(log_after "$nlog" 'adjacency .*INIT -> UP')
	t_cmp=$(log_after "$nlog" "UPDATE [0-9]+ complete: $((n + 1)) prefixes")
	t_rcv=$(log_after "$nlog" "debug: .* $((n + 1)) prefixes received")
	t_down=$(log_after "$nlog" 'adjacency UP -> DOWN')
	mt=($(mon_times "$mon" 10.128. "$n"))
	echo "gripd b=$b n=$n run=$r load=$ld add=$(d "$t_up" "${mt[1]}") del=$(d "$t_down" "${mt[2]}") upd=$(d "$t_up" "$t_cmp") rib=$(d "$t_up" "$t_rcv") first=$(d "$t_up" "${mt[0]}") span=$(d "${mt[0]}" "${mt[1]}") dfirst=$(d "$t_down" "${mt[5]}") dspan=$(d "${mt[5]}" "${mt[2]}") zcpu=$((z1 - z0)) hcpu=$((h1 - h0)) scpu=$s1 zcpu_del=$((z2 - z1)) hcpu_del=$((h2 - h1)) adds=${mt[3]} dels=${mt[4]} left=$k_left ok=$([ -n "$t_up" ] && [ -n "$t_down" ] && [ "$k_left" = 0 ] && echo 1 || echo 0)" |
		tee -a "$SAMPLES"
}

# route_params: distance, metric and tag of gripd's 10.128.0.0/32 in zebra
# (once, while a gripd run has all its routes in), for the gw shape.
route_params() {
	local v
	v=$(vtysh --vty_socket "$RUN" -c 'show ip route 10.128.0.0/32 json' 2>/dev/null |
		python3 -c 'import json,sys
r = json.load(sys.stdin)["10.128.0.0/32"][0]
nh = r["nexthops"][0]
print(r["distance"], r["metric"], r.get("tag", 0), nh.get("ip", "-"), nh.get("interfaceName", "-"), int(nh.get("onLink", False)))' 2>/dev/null)
	R_SEEN=1
	if [ -z "$v" ]; then
		echo "# gripd's routes in zebra: not read; using distance $R_DIST metric $R_METRIC tag $R_TAG"
		return
	fi
	set -- $v
	R_DIST=$1 R_METRIC=$2 R_TAG=$3
	echo "# gripd's routes in zebra: distance $1 metric $2 tag $3 via $4 dev $5 onlink=$6; gw-shaped bench: via $BENCH_GW dev hq onlink, distance $1 metric $2 tag $3"
}

# zebra_run N RUN SHAPE: zclient_probe's bench with N routes of SHAPE (gw or
# dev); appends a sample line.
zebra_run() {
	local n=$1 r=$2 shape=$3 t0 t_start st padd pdel mt ld sargs
	local mon=$T/mon-zebra-$shape-$n-$r.txt plog=$T/probe-$shape-$n-$r.log
	if [ "$shape" = gw ]; then
		sargs="-G $BENCH_GW -M $R_METRIC -d $R_DIST -t $R_TAG"
	else
		sargs="-d 150" # the old bench: dev hq, metric 1
	fi
	ld=$(load)
	rm -f "$T/pstate" "$T/pcmd"
	ip netns exec "$NS_HUB1" "$PROBE" -z "$RUN/zserv.api" -i hq -g 10.255.1.1 -n "$n" $sargs \
		-s "$T/pstate" -C "$T/pcmd" 2>"$plog" &
	PROBE_PID=$!
	wait_for 10 grep -q '^installed' "$T/pstate" || { echo "probe did not start"; return 1; }
	rm -f "$T/pstate"
	mon_start "$mon"
	sleep 0.1
	local z0 p0 z2 p2
	z0=$(cpu_ms "$ZEBRA_PID") p0=$(cpu_ms "$PROBE_PID")
	echo bench >"$T/pcmd.tmp"
	t0=$(now_ms)
	mv "$T/pcmd.tmp" "$T/pcmd"
	# add and withdraw, undisturbed (or, --poll, polled as the gripd run is);
	# the probe withdraws as soon as its add is done: one CPU figure for both
	window_wait "$mon" 10.200. "$n" "$n"
	window_wait "$mon" 10.200. $((2 * n)) "$n"
	z2=$(cpu_ms "$ZEBRA_PID") p2=$(cpu_ms "$PROBE_PID")
	wait_for 60 grep -q '^bench' "$T/pstate"
	mon_wait "$mon" 10.200. $((2 * n)) 5
	st=$(cat "$T/pstate" 2>/dev/null)
	echo quit >"$T/pcmd.tmp"; mv "$T/pcmd.tmp" "$T/pcmd"
	wait_for 10 bash -c "! kill -0 $PROBE_PID 2>/dev/null"
	kill -TERM "$PROBE_PID" 2>/dev/null; PROBE_PID=
	mon_stop
	t_start=$(grep -o 'bench start epoch_ms=[0-9]*' "$plog" | cut -d= -f2)
	[ -n "$t_start" ] && t0=$t_start
	mt=($(mon_times "$mon" 10.200. "$n"))
	padd=$(echo "$st" | grep -o 'add_ms=[0-9]*' | cut -d= -f2)
	pdel=$(echo "$st" | grep -o 'del_ms=[0-9]*' | cut -d= -f2)
	echo "zebra b=Z shape=$shape n=$n run=$r load=$ld add=$(d "$t0" "${mt[1]}") del=$(d $((t0 + ${padd:-0})) "${mt[2]}") first=$(d "$t0" "${mt[0]}") span=$(d "${mt[0]}" "${mt[1]}") dfirst=$(d $((t0 + ${padd:-0})) "${mt[5]}") dspan=$(d "${mt[5]}" "${mt[2]}") zcpu=$((z2 - z0)) pcpu=$((p2 - p0)) adds=${mt[3]} dels=${mt[4]} probe_add=${padd:--1} probe_del=${pdel:--1} t0src=$([ -n "$t_start" ] && echo 1 || echo 0) ok=$([ -n "$padd" ] && [ "${mt[1]}" -ge 0 ] && echo 1 || echo 0)" |
		tee -a "$SAMPLES"
}

for n in $COUNTS; do
	spoke_conf "$n"
	for r in $(seq 1 "$RUNS"); do
		order=A
		[ -n "$COMPARE" ] && { [ $((r % 2)) = 1 ] && order="A B" || order="B A"; }
		zorder=$SHAPES
		[ "$SHAPES" = "gw dev" ] && [ $((r % 2)) = 0 ] && zorder="dev gw"
		for b in $order; do
			gripd_run "$b" "$n" "$r"
			for sh in $zorder; do
				zebra_run "$n" "$r$b" "$sh"
			done
		done
	done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$SAMPLES" "$GRIPD_BUILD" "$COMPARE" "$PIN" <<'EOP'
import statistics, sys
rows = []
for line in open(sys.argv[1]):
    kind, *kv = line.split()
    d = dict(x.split("=") for x in kv)
    for k, v in d.items():
        try:
            d[k] = float(v) if k == "load" else int(v)
        except ValueError:
            pass
    d["kind"] = kind
    d.setdefault("shape", "dev")  # samples of an older script
    rows.append(d)
builds = [("A", sys.argv[2])] + ([("B", sys.argv[3])] if sys.argv[3] else [])
def col(rs, key):
    return [r[key] for r in rs if r["ok"] and r.get(key, -1) >= 0]
def fmt(v, f="%d"):
    if not v:
        return "n/a"
    m = statistics.median(v)
    return ("%d" % m if m == int(m) and f == "%d" else "%.1f" % m) + (" (" + f + ".." + f + ")") % (min(v), max(v))
def ov(g, z):
    if not g or not z:
        return "n/a"
    return "%+.0f %%" % (100.0 * (statistics.median(g) - statistics.median(z)) / statistics.median(z))
def paired(gs, key, shape):
    """per round: gripd against the zebra-alone run (of shape) right after it"""
    zs = {(r["n"], str(r["run"])): r for r in rows if r["kind"] == "zebra" and r["shape"] == shape}
    out = []
    for g in gs:
        z = zs.get((g["n"], "%d%s" % (g["run"], g["b"])))
        if z and g["ok"] and z["ok"] and g[key] >= 0 and z[key] > 0:
            out.append(100.0 * (g[key] - z[key]) / z[key])
    if not out:
        return "n/a"
    return "%+.0f %% (%+.0f..%+.0f)" % (statistics.median(out), min(out), max(out))
shapes = [s for s in ("gw", "dev") if any(r["kind"] == "zebra" and r["shape"] == s for r in rows)]
sname = {"gw": "gateway shape (via GW dev hq onlink, gripd's distance/metric/tag)",
         "dev": "interface-only shape (dev hq)"}
for n, shape in [(n, s) for n in sorted({r["n"] for r in rows}) for s in shapes]:
    zr = [r for r in rows if r["kind"] == "zebra" and r["n"] == n and r["shape"] == shape]
    for b, path in builds:
        gr = [r for r in rows if r["kind"] == "gripd" and r["n"] == n and r["b"] == b]
        print()
        print("N = %d, gripd %s (%s), %d/%d good samples; zebra alone, %s, %d/%d; %s; load %s" % (
            n, b, path, len([r for r in gr if r["ok"]]), len(gr), sname[shape],
            len([r for r in zr if r["ok"]]), len(zr),
            "pinned (zebra CPU 1, the rest CPU 0)" if sys.argv[4] == "1" else "not pinned",
            fmt([r["load"] for r in gr + zr], "%.2f")))
        print()
        print("| what | gripd ms | zebra alone ms | overhead (medians) | overhead per round |")
        print("|---|---:|---:|---:|---:|")
        print("| add (ip monitor) | %s | %s | %s | %s |" % (fmt(col(gr, "add")), fmt(col(zr, "add")), ov(col(gr, "add"), col(zr, "add")), paired(gr, "add", shape)))
        print("| withdraw (ip monitor) | %s | %s | %s | %s |" % (fmt(col(gr, "del")), fmt(col(zr, "del")), ov(col(gr, "del"), col(zr, "del")), paired(gr, "del", shape)))
        print("| t0 -> UPDATE complete (log) | %s | | | |" % fmt(col(gr, "upd")))
        print("| t0 -> RIB done (log) | %s | | | |" % fmt(col(gr, "rib")))
        print("| t0 -> first route in the kernel | %s | %s | | |" % (fmt(col(gr, "first")), fmt(col(zr, "first"))))
        print("| first -> all N in the kernel | %s | %s | | |" % (fmt(col(gr, "span")), fmt(col(zr, "span"))))
        print("| withdraw: t0 -> first route gone | %s | %s | | |" % (fmt(col(gr, "dfirst")), fmt(col(zr, "dfirst"))))
        print("| withdraw: first -> last route gone | %s | %s | | |" % (fmt(col(gr, "dspan")), fmt(col(zr, "dspan"))))
        both = lambda rs, a, b: [r[a] + r[b] for r in rs if r["ok"] and r.get(a, -1) >= 0 and r.get(b, -1) >= 0]
        print("| CPU, add + withdraw: zebra | %s | %s | | |" % (fmt(both(gr, "zcpu", "zcpu_del")), fmt(col(zr, "zcpu"))))
        print("| CPU, add + withdraw: hub's gripd / the probe | %s | %s | | |" % (fmt(both(gr, "hcpu", "hcpu_del")), fmt(col(zr, "pcpu"))))
        print("| CPU, add / withdraw: hub's gripd | %s / %s | | | |" % (fmt(col(gr, "hcpu")), fmt(col(gr, "hcpu_del"))))
        print("| CPU, add: the spoke's gripd (start to all in) | %s | | | |" % fmt(col(gr, "scpu")))
    print("| probe's own notes: add / withdraw | | %s / %s | | |" % (fmt(col(zr, "probe_add")), fmt(col(zr, "probe_del"))))
EOP
