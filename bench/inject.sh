#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# bench/inject.sh - route injection speed through gripd + zebra against
# zebra's own speed, in the same namespace with the same zebra.
#
#   sudo GRIPD_BUILD=$PWD/build-rel bench/inject.sh [--counts "1000 10000"]
#        [--runs 3] [--light] [--keep]
#
# Topology: tests/netns/topo.sh (hub1 and the spoke; hub2 is not started).
# hub1 runs FRR's zebra (private run directory, owned by frr) and gripd with
# `routes zebra` and `user frr`.  Per N and per run:
#
#   gripd  The spoke advertises N /32s out of 10.128.0.0/16 (hub1's spoke
#          stanza allows 10.128.0.0/16 le 32).  hub1 is (re)started; then the
#          spoke's gripd is started.  t0 = hub1's log line "adjacency ... ->
#          UP" (ms timestamps).  Polled every ~20 ms: the hub's kernel
#          (`ip route show proto nhrp root 10.128.0.0/16 | wc -l`), its
#          adjacency's prefixes_in (`show adjacencies json`) and zebra's RIB
#          count (`show ip route summary json`, nhrp).  Add time = t0 until
#          the kernel holds all N (also taken from `ip -ts monitor route`,
#          the main figure).  Then SIGTERM to the spoke (GOODBYE); the
#          routes left in the kernel 3 s later are reported
#          (left_after_goodbye: with build 1ef8a10 all of them stay, see
#          docs/benchmarks.md), then SIGTERM to hub1: withdraw time = hub1's
#          log line "drain over" until none is left in the kernel.
#   zebra  tests/tools/zclient_probe (same zebra, same namespace, after the
#          gripd runs) is told `bench`: it sets N /32s (10.200.0.0 upwards,
#          dev hq), waits for every INSTALLED note, withdraws them and waits
#          for every REMOVED note.  t0 = the moment the command file is
#          written (the probe polls it every 5 ms).  The kernel is polled the
#          same way; the probe's own add_ms/del_ms (notes) are reported too.
#
# Output: one line per sample, then a table per N with medians and min..max.
# Needs root, FRR (zebra, vtysh, user frr), python3 and a build with
# tests/zclient_probe (cmake --build "$GRIPD_BUILD" --target zclient_probe).

COUNTS="1000 10000"
RUNS=3
KEEP=0
LIGHT=0 # --light: the gripd runs poll only the kernel, like the zebra runs
while [ $# -gt 0 ]; do
	case "$1" in
	--counts) COUNTS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--light) LIGHT=1; shift ;;
	-h|--help) sed -n '3,38p' "$0"; exit 0 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done

HERE=$(cd "$(dirname "$0")" && pwd)
: "${GRIPD_BUILD:=$HERE/../build-rel}"
GRIPD_BUILD=$(cd "$GRIPD_BUILD" && pwd)
export GRIPD_BUILD
. "$HERE/../tests/netns/lib.sh"
. "$HERE/../tests/netns/topo.sh"
set +e # the measuring loops handle their own failures
require_root
ZEBRA=/usr/lib/frr/zebra
PROBE=$GRIPD_BUILD/tests/zclient_probe
if [ ! -x $ZEBRA ] || ! command -v vtysh >/dev/null || ! getent passwd frr >/dev/null; then
	echo "SKIP: FRR not installed"; exit 77
fi
[ -x "$PROBE" ] || { echo "SKIP: $PROBE not built"; exit 77; }
if grep -q 'GRIPD_SANITIZE:BOOL=ON' "$GRIPD_BUILD/CMakeCache.txt" 2>/dev/null; then
	echo "WARNING: $GRIPD_BUILD is a sanitizer build; the numbers mean nothing" >&2
fi

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
vty() { vtysh --vty_socket "$RUN" -c "$*"; }
# kcount ROOT: hub1's kernel routes of proto nhrp within ROOT.
kcount() { ip -n "$NS_HUB1" -4 route show proto nhrp root "$1" | wc -l; }
# zcount: routes of type nhrp in zebra's RIB.
zcount() {
	vty "show ip route summary json" 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(sum(r.get("rib", 0) for r in j.get("routes", []) if r.get("type") == "nhrp"))' 2>/dev/null || echo -1
}
# mon_start FILE: timestamped route events of hub1's kernel into FILE.
mon_start() {
	ip -n "$NS_HUB1" -ts -rcvbuf 33554432 monitor route >"$1" 2>&1 &
	MON_PID=$!
	sleep 0.2
}
mon_stop() { [ -n "$MON_PID" ] && kill -TERM "$MON_PID" 2>/dev/null; wait "$MON_PID" 2>/dev/null; MON_PID=; }
# mon_times FILE PREFIX N: "FULL EMPTY ADDS DELS": epoch ms of the event that
# made N routes starting with PREFIX present, of the one that left none
# after that, and the event counts (-1 when not seen).
mon_times() {
	python3 - "$@" <<'EOP'
import sys, datetime
f, pfx, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
have, full, empty, adds, dels = set(), -1, -1, 0, 0
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
        if full >= 0 and not have and empty < 0:
            empty = t
    else:
        adds += 1; have.add(w[0])
        if len(have) >= n and full < 0:
            full = t
print(full, empty, adds, dels)
EOP
}
pin() { gctl "$T/hub1" show adjacencies json 2>/dev/null | grep -o '"prefixes_in": *[0-9]*' | grep -o '[0-9]*$' | head -n 1; }

# --- set-up ---------------------------------------------------------------------
topo_links
topo_conf 10 20 1s 4s 5s
mkdir -p "$RUN"
echo "hostname hub1" >"$RUN/zebra.conf"
chown -R frr:frr "$RUN"
ip netns exec "$NS_HUB1" $ZEBRA -d -u frr -g frr -f "$RUN/zebra.conf" -i "$RUN/zebra.pid" \
	-z "$RUN/zserv.api" --vty_socket "$RUN" -P 0 --log "file:$RUN/zebra.log" 2>>"$T/zebra.err"
wait_for 10 test -S "$RUN/zserv.api" && wait_for 5 test -s "$RUN/zebra.pid" ||
	{ echo "zebra did not start"; exit 1; }
ZEBRA_PID=$(cat "$RUN/zebra.pid")
sed -i "s|^ routes kernel| routes zebra\n zebra-socket $RUN/zserv.api|; s|^user gripd|user frr|; s|^ allow 10.0.65.0/24 le 28| allow 10.0.65.0/24 le 28\n allow 10.128.0.0/16 le 32|" \
	"$T/hub1/gripd.conf"
chown frr "$T"/hub1/keys/*.key
"$GRIPD" -n -f "$T/hub1/gripd.conf" >/dev/null || { echo "hub1 config rejected"; exit 1; }
cp "$T/spoke/gripd.conf" "$T/spoke.base"

SAMPLES=$T/samples.txt
: >"$SAMPLES"
echo "# GRIPD_BUILD=$GRIPD_BUILD; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"

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

# start_hub1: (re)starts hub1's gripd and waits for its zebra session.
start_hub1() {
	local nlog
	nlog=$(cat "$T/hub1/gripd.log" 2>/dev/null | wc -l)
	start_gripd "$NS_HUB1" "$T/hub1"; HUB1_PID=$GRIPD_PID
	wait_for 10 bash -c "tail -n +$((nlog + 1)) '$T/hub1/gripd.log' | grep -q 'zebra: session .* up'" ||
		{ echo "hub1: no zebra session"; return 1; }
}

# log_after LINE REGEX: the ms time stamp of the first line after LINE of
# hub1's log that matches REGEX.
log_after() {
	local l
	l=$(tail -n +$(($1 + 1)) "$T/hub1/gripd.log" | grep -m1 -E "$2")
	[ -n "$l" ] && log_ms "${l%% *}"
}

# gripd_run N RUN: one add through gripd (spoke started, hub1 up), then the
# spoke's GOODBYE, then hub1's clean exit; appends a sample line.
gripd_run() {
	local n=$1 r=$2 deadline t t1 k p z t_k= t_p= t_z= t_gone= nlog t_up t_drain
	local log=$T/hub1/gripd.log trace=$T/trace-gripd-$n-$r.txt k_bye iters=0 t_first
	start_hub1 || return 1
	[ "$(kcount 10.128.0.0/16)" = 0 ] || { echo "stale routes before the run"; return 1; }
	nlog=$(wc -l <"$log")
	: >"$trace"
	mon_start "$T/mon-gripd-$n-$r.txt"
	ip netns exec "$NS_SPOKE" "$GRIPD" -F -f "$T/spoke/gripd.conf" >>"$T/spoke/gripd.log" 2>&1 &
	SPOKE_PID=$!; disown "$SPOKE_PID"
	t_first=$(now_ms)
	deadline=$(( t_first + 60000 ))
	while :; do
		iters=$((iters + 1))
		t=$(now_ms); k=$(kcount 10.128.0.0/16); t=$(( (t + $(now_ms)) / 2 ))
		[ $LIGHT = 0 ] && [ -z "$t_p" ] && { t1=$(now_ms); p=$(pin); [ "${p:-0}" -ge "$n" ] && t_p=$(( (t1 + $(now_ms)) / 2 )); }
		[ $LIGHT = 0 ] && [ -z "$t_z" ] && { t1=$(now_ms); z=$(zcount); [ "$z" -ge "$n" ] && t_z=$(( (t1 + $(now_ms)) / 2 )); }
		echo "$t k=$k p=${p:-} z=${z:-}" >>"$trace"
		[ "$k" -ge "$n" ] && { t_k=$t; break; }
		[ "$t" -lt "$deadline" ] || break
		sleep 0.02
	done
	t_up=$(log_after "$nlog" 'adjacency .* -> UP')
	# The spoke says GOODBYE: its N prefixes should leave the kernel.
	sleep 0.3
	kill -TERM "$SPOKE_PID"
	wait_for 10 bash -c "! kill -0 $SPOKE_PID 2>/dev/null"
	SPOKE_PID=
	wait_for 3 bash -c "[ \"\$(ip -n $NS_HUB1 -4 route show proto nhrp root 10.128.0.0/16 | wc -l)\" = 0 ]"
	k_bye=$(kcount 10.128.0.0/16)
	# hub1's clean exit withdraws everything it set in zebra.
	nlog=$(wc -l <"$log")
	kill -TERM "$HUB1_PID"
	deadline=$(( $(now_ms) + 60000 ))
	while :; do
		t=$(now_ms)
		k=$(kcount 10.128.0.0/16)
		echo "$t k=$k" >>"$trace"
		[ "$k" -eq 0 ] && { t_gone=$t; break; }
		[ "$t" -lt "$deadline" ] || break
		sleep 0.02
	done
	wait_for 10 bash -c "! kill -0 $HUB1_PID 2>/dev/null"
	HUB1_PID=
	t_drain=$(log_after "$nlog" 'drain over')
	mon_stop
	local mt
	mt=($(mon_times "$T/mon-gripd-$n-$r.txt" 10.128. "$n"))
	echo "gripd n=$n run=$r add_ms=$(( ${t_k:-0} - t_up )) upd_ms=$(( ${t_p:-0} - t_up )) rib_ms=$(( ${t_z:-0} - t_up )) del_ms=$(( ${t_gone:-0} - ${t_drain:-0} )) mon_add_ms=$([ "${mt[0]}" -ge 0 ] && echo $(( mt[0] - t_up )) || echo -1) mon_del_ms=$([ "${mt[1]}" -ge 0 ] && echo $(( mt[1] - ${t_drain:-0} )) || echo -1) mon_adds=${mt[2]} mon_dels=${mt[3]} left_after_goodbye=$k_bye first_poll_ms=$(( t_first - t_up )) poll_ms=$(( (${t_k:-$t_first} - t_first) / iters )) ok=$([ -n "$t_k" ] && [ -n "$t_gone" ] && [ -n "$t_up" ] && [ -n "$t_drain" ] && echo 1 || echo 0)" |
		tee -a "$SAMPLES"
}

# zebra_run N RUN: zclient_probe's bench with N routes; appends a sample line.
zebra_run() {
	local n=$1 r=$2 deadline t k t0 t_k= t_gone= kmax=0 st
	local trace=$T/trace-zebra-$n-$r.txt
	rm -f "$T/pstate" "$T/pcmd"
	: >"$trace"
	ip netns exec "$NS_HUB1" "$PROBE" -z "$RUN/zserv.api" -i hq -g 10.255.1.1 -n "$n" \
		-s "$T/pstate" -C "$T/pcmd" 2>"$T/probe-$n-$r.log" &
	PROBE_PID=$!
	wait_for 10 grep -q '^installed' "$T/pstate" || { echo "probe did not start"; return 1; }
	rm -f "$T/pstate"
	mon_start "$T/mon-zebra-$n-$r.txt"
	sleep 0.1
	echo bench >"$T/pcmd.tmp"
	t0=$(now_ms)
	mv "$T/pcmd.tmp" "$T/pcmd"
	deadline=$(( t0 + 60000 ))
	while :; do
		t=$(now_ms); k=$(kcount 10.200.0.0/16); t=$(( (t + $(now_ms)) / 2 ))
		echo "$t k=$k" >>"$trace"
		[ "$k" -gt "$kmax" ] && kmax=$k
		[ -z "$t_k" ] && [ "$k" -ge "$n" ] && t_k=$t
		[ "$kmax" -gt 0 ] && [ "$k" -eq 0 ] && { t_gone=$t; break; }
		[ "$t" -lt "$deadline" ] || break
		sleep 0.02
	done
	wait_for 20 grep -q '^bench' "$T/pstate"
	st=$(cat "$T/pstate" 2>/dev/null)
	echo quit >"$T/pcmd.tmp"; mv "$T/pcmd.tmp" "$T/pcmd"
	wait_for 10 bash -c "! kill -0 $PROBE_PID 2>/dev/null"
	kill -TERM "$PROBE_PID" 2>/dev/null; PROBE_PID=
	mon_stop
	local padd pdel mt
	mt=($(mon_times "$T/mon-zebra-$n-$r.txt" 10.200. "$n"))
	padd=$(echo "$st" | grep -o 'add_ms=[0-9]*' | cut -d= -f2)
	pdel=$(echo "$st" | grep -o 'del_ms=[0-9]*' | cut -d= -f2)
	# The probe withdraws as soon as the last INSTALLED note is in: if the
	# poller never saw all N at once, the add ends at the probe's own add_ms.
	echo "zebra n=$n run=$r add_ms=$([ -n "$t_k" ] && echo $(( t_k - t0 )) || echo -1) del_ms=$([ -n "$t_gone" ] && [ -n "$padd" ] && echo $(( t_gone - t0 - padd )) || echo -1) mon_add_ms=$([ "${mt[0]}" -ge 0 ] && echo $(( mt[0] - t0 )) || echo -1) mon_del_ms=$([ "${mt[1]}" -ge 0 ] && [ -n "$padd" ] && echo $(( mt[1] - t0 - padd )) || echo -1) mon_adds=${mt[2]} mon_dels=${mt[3]} kmax=$kmax probe_add_ms=${padd:--1} probe_del_ms=${pdel:--1} ok=$([ -n "$t_gone" ] && [ -n "$padd" ] && echo 1 || echo 0)" |
		tee -a "$SAMPLES"
}

for n in $COUNTS; do
	spoke_conf "$n"
	for r in $(seq 1 "$RUNS"); do gripd_run "$n" "$r"; done
done
# zebra alone: hub1's gripd is stopped (zebra sends its notes for type nhrp
# to the first client of that type, so the probe must be alone).
for n in $COUNTS; do
	for r in $(seq 1 "$RUNS"); do zebra_run "$n" "$r"; done
done
echo "# load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$SAMPLES" <<'EOP'
import re, statistics, sys
rows = []
for line in open(sys.argv[1]):
    kind, *kv = line.split()
    d = dict(x.split("=") for x in kv)
    d = {k: int(v) for k, v in d.items()}
    d["kind"] = kind
    rows.append(d)
def col(kind, n, key):
    return [r[key] for r in rows if r["kind"] == kind and r["n"] == n and r["ok"] and r[key] >= 0]
def fmt(v):
    if not v:
        return "n/a"
    return "%d (%d..%d)" % (statistics.median(v), min(v), max(v))
def med(v):
    return statistics.median(v) if v else None
print()
print("| N | what | gripd ms | zebra alone ms | overhead |")
print("|---:|---|---:|---:|---:|")
for n in sorted({r["n"] for r in rows}):
    for what, gk, zk in (("add (kernel poll)", "add_ms", "add_ms"), ("withdraw (kernel poll; gripd: hub1's clean exit)", "del_ms", "del_ms"),
                          ("add (ip monitor)", "mon_add_ms", "mon_add_ms"), ("withdraw (ip monitor; gripd: clean exit)", "mon_del_ms", "mon_del_ms")):
        g, z = col("gripd", n, gk), col("zebra", n, zk)
        ov = "%+.0f %%" % (100.0 * (med(g) - med(z)) / med(z)) if g and z and med(z) else "n/a"
        print("| %d | %s | %s | %s | %s |" % (n, what, fmt(g), fmt(z), ov))
    print("| %d | UP -> prefixes_in = N (UPDATE transfer) | %s | | |" % (n, fmt(col("gripd", n, "upd_ms"))))
    print("| %d | UP -> zebra RIB holds N | %s | | |" % (n, fmt(col("gripd", n, "rib_ms"))))
    print("| %d | left in the kernel 3 s after the spoke's GOODBYE | %s | | |" % (n, fmt(col("gripd", n, "left_after_goodbye"))))
    print("| %d | gripd poll: mean interval during the add | %s | | |" % (n, fmt(col("gripd", n, "poll_ms"))))
    print("| %d | probe's own notes: add / withdraw | | %s / %s | |" % (n, fmt(col("zebra", n, "probe_add_ms")), fmt(col("zebra", n, "probe_del_ms"))))
EOP
