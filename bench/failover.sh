#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# failover.sh: the distribution of the spoke -> HQ outage when hub1 fails,
# per hello/hold setting, in the failover lab of tests/netns/topo.sh (the
# lab of tests/netns/t_failover.sh):
#
#   hqhost -- hqrtr --+-- hub1 (cost 10) --+
#                     |                    +-- inet -- spoke -- lan
#                     +-- hub2 (cost 20) --+
#
# The stopwatch (docs/testing.md) sends numbered UDP datagrams from the
# spoke LAN host to the HQ host; its longest receive gap is the outage and
# its missing sequence numbers the loss.  Scenarios, each started with the
# best path via hub1 and both of the spoke's adjacencies UP:
#
#   kill9     kill -9 of hub1's gripd (nothing tells the spoke: hold timer)
#   underlay  hub1's wan link down (the spoke sees only missing hellos)
#   track     hub1's tracked interface hq down (hub1 withdraws 10.1.0.0/16)
#   goodbye   kill -TERM of hub1's gripd (GOODBYE: switch before it stops)
#   failback  hub1 starts again (starting state: hub1 stopped, best via hub2;
#             the spoke moves back after failback-delay, 2 s here)
#
# The lab is built once per timer setting; the scenarios then run in rounds
# (kill9 underlay track goodbye failback, again), so slow drift of the
# machine's load spreads over all of them.  Before each run the lab is
# brought to the run's starting state (hub1 restarted or its links set up
# and routes put back, then t_failover.sh's wait_failback) and checked; a
# run whose starting state is wrong is discarded, counted and redone (at
# most 3 times, then the run is recorded as "norecover").  The event comes
# 0.8 s + a random part of one hello interval after the stopwatch starts,
# so it falls at every phase of the hello cycle.
#
# usage: bench/failover.sh [--runs N] [--timers LIST] [--scenarios LIST]
#                          [--budget SECONDS]
#   --runs       runs per (timers, scenario) cell, default 20
#   --timers     comma list of HELLO/HOLD, default 1s/3s,300ms/900ms,100ms/300ms,50ms/150ms
#   --scenarios  comma list, default kill9,underlay,track,goodbye,failback
#   --versus-bgp (first) run bench/failover_bgp.sh instead: gripd against
#                FRR bgpd + BFD over the same tunnels, equal detection time
#   --budget     wall-time budget in seconds, split evenly over the timer
#                settings: a setting stops starting new rounds when its share
#                is spent (fewer than --runs runs; the table says how many)
# Stopwatch rate: 2000 pps, 5000 pps when the hold time is under 300 ms
# (SW_RATE in the environment overrides both).
# Output: a table on stdout (disc: discarded runs; late: runs whose
# stopwatch sender went out more than 20 ms late at least once, i.e. the
# machine, not gripd, may have made part of the gap); runs.tsv (one line per run), discards.tsv and
# summary.json in the work directory, whose path is printed; it is kept,
# with the daemons' logs of every lab.
# Environment: GRIPD_BUILD (default build-rel, else build).  Needs root, the
# user gripd (scripts/deps.sh), python3, and a build with GRIPD_TESTS=ON
# (the stopwatch).

RUNS=20
TIMERS="1s/3s,300ms/900ms,100ms/300ms,50ms/150ms"
SCENARIOS="kill9,underlay,track,goodbye,failback"
BUDGET=0
FB_MS=2000
# --versus-bgp: the side-by-side comparison with FRR bgpd + BFD over the
# same tunnels at equal detection time (bench/failover_bgp.sh).
if [ "${1:-}" = --versus-bgp ]; then
	shift
	exec bash "$(dirname "$0")/failover_bgp.sh" "$@"
fi
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) RUNS=$2; shift ;;
	--timers) TIMERS=$2; shift ;;
	--scenarios) SCENARIOS=$2; shift ;;
	--budget) BUDGET=$2; shift ;;
	-h|--help) sed -n '3,/^[^#]/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "failover.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$RUNS$BUDGET" in *[!0-9]*|'') echo "failover.sh: --runs and --budget want whole numbers" >&2; exit 2 ;; esac
for s in ${SCENARIOS//,/ }; do
	case " kill9 underlay track goodbye failback " in *" $s "*) ;;
	*) echo "failover.sh: unknown scenario $s" >&2; exit 2 ;; esac
done

SRC=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${GRIPD_BUILD:-}" ]; then
	for b in build-rel build; do
		[ -x "$SRC/$b/routed/gripd" ] && { GRIPD_BUILD=$SRC/$b; break; }
	done
fi
export GRIPD_BUILD
grep -q 'GRIPD_SANITIZE:BOOL=ON' "$GRIPD_BUILD/CMakeCache.txt" 2>/dev/null &&
	echo "failover.sh: warning: $GRIPD_BUILD is a sanitizer build" >&2

. "$SRC/tests/netns/lib.sh"
require_root
. "$SRC/tests/netns/topo.sh"
[ -x "$STOPWATCH" ] || { echo "failover.sh: no stopwatch in $GRIPD_BUILD (GRIPD_TESTS=ON)"; exit 77; }
set +e   # a failed command is a result to record, not a reason to stop

BASE=$T
RUNS_TSV=$BASE/runs.tsv
DISC_TSV=$BASE/discards.tsv
printf 'timers\thello_ms\thold_ms\trate_pps\tscenario\trun\tgap_ms\tlost\tloss_ms\tmax_late_us\trx_overflow\tsend_errors\tend_best\tswitch_ms\tstatus\n' >"$RUNS_TSV"
printf 'timers\tscenario\trun\treason\n' >"$DISC_TSV"
HUB1_PID="" HUB2_PID="" SPOKE_PID=""

# The daemons' pids only: every stopwatch is waited for, and pids are
# recycled (pid_max may be 32768), so the trap must not kill stale ones.
prune_pids() {
	PIDS=()
	local p
	for p in "$HUB1_PID" "$HUB2_PID" "$SPOKE_PID"; do
		[ -n "$p" ] && is_gripd "$p" && PIDS+=("$p")
	done
}

# is_gripd PID: PID is a running gripd (a reaped pid reused by another
# program, or a zombie, is not).
is_gripd() { grep -qa "$GRIPD" "/proc/$1/cmdline" 2>/dev/null; }

lab_down() {
	prune_pids
	local p
	for p in "${PIDS[@]}"; do stop_pid "$p"; done
	HUB1_PID="" HUB2_PID="" SPOKE_PID=""
	PIDS=()
	for n in $(ip netns list 2>/dev/null | awk -v p="$PFX-" 'index($1, p) == 1 {print $1}'); do
		ip netns del "$n" 2>/dev/null
	done
	NAMESPACES=()
}

bench_exit() {
	local rc=$?
	lab_down
	echo "# results and logs kept in $BASE" >&2
	exit $rc
}
trap bench_exit EXIT
trap 'exit 130' INT TERM

ms() { # DURATION -> milliseconds
	case "$1" in
	*ms) echo "${1%ms}" ;;
	*s) echo $(( ${1%s} * 1000 )) ;;
	*) echo "$1" ;;
	esac
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
log() { echo "# $(date +%H:%M:%S) $*" >&2; }

# state: "BEST ADJ1 ADJ2 HUB1" as the spoke sees it, e.g. "hub1 UP UP up".
state() {
	local a
	a=$(gctl "$T/spoke" show adjacencies json 2>/dev/null | python3 -c '
import json, sys
try:
    s = {a["name"]: a["state"] for a in json.load(sys.stdin)["adjacencies"]}
except Exception:
    s = {}
print(s.get("hub1", "none"), s.get("hub2", "none"))')
	echo "$(best_hub 2>/dev/null || echo none) ${a:-none none} $([ -n "$HUB1_PID" ] && is_gripd "$HUB1_PID" && echo up || echo down)"
}

# hub1_links_up: undoes the underlay and track events (idempotent).
hub1_links_up() {
	ip -n "$NS_HUB1" link set wan up
	ip -n "$NS_HUB1" link set hq up
	ip -n "$NS_HUB1" route replace default via 198.51.100.1
	ip -n "$NS_HUB1" route replace 10.1.0.0/16 via 10.255.1.1
}

hub1_stop() { # graceful; waits for the exit
	[ -n "$HUB1_PID" ] && is_gripd "$HUB1_PID" && kill -TERM "$HUB1_PID"
	wait_for 5 bash -c "! grep -qa '$GRIPD' /proc/$HUB1_PID/cmdline 2>/dev/null"
	[ -n "$HUB1_PID" ] && is_gripd "$HUB1_PID" && kill -KILL "$HUB1_PID"
	HUB1_PID=""
}

# prepare SCENARIO [HARD]: brings the lab to the run's starting state;
# HARD restarts hub1 first.  Returns 0 when the state is right.
wait_failback() {
	wait_for 10 adj_up "$T/spoke" hub1 && wait_for $((FB_MS / 1000 + 5)) is_best hub1
}
prepare() {
	hub1_links_up
	[ -n "${2:-}" ] && hub1_stop
	if [ "$1" = failback ]; then
		hub1_stop
		wait_for 8 is_best hub2
		wait_for 5 adj_up "$T/spoke" hub2
		STATE=$(state)
		case $STATE in "hub2 UP "*|*" UP up") return 1 ;; "hub2 "*" UP down") return 0 ;; *) return 1 ;; esac
	else
		{ [ -n "$HUB1_PID" ] && is_gripd "$HUB1_PID"; } || start_hub 1
		wait_failback
		wait_for 5 adj_up "$T/spoke" hub2
		sleep 0.3   # the kernel route follows the RIB
		STATE=$(state)
		[ "$STATE" = "hub1 UP UP up" ]
	fi
}

# sw_read: the figures of flow 1 as "GAP LOST LOSS_MS MAX_LATE_US RX_OVERFLOW
# SEND_ERRORS" ("NA" for each when the stopwatch wrote nothing).  Call
# sw_done first, in this shell: a $(...) subshell cannot wait for them.
sw_done() {
	local p
	for p in "${SW_SEND_PIDS[@]}"; do wait "$p"; done
	for p in "${SW_RECV_PIDS[@]}"; do wait "$p"; done
}
sw_read() {
	python3 - "$T/sw1.json" "$T/swsend1.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    s = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
    print("%.1f %d %.1f %.0f %d %d" % (r["longest_gap_ms"], r["lost"], r["loss_ms"],
          s.get("max_late_us", 0), r.get("rx_overflow", 0), s.get("send_errors", 0)))
except Exception as e:
    sys.stderr.write("sw_read: %s\n" % e)
    print("NA NA NA NA NA NA")
PY
}

# run_one TIMERS SCENARIO N: one measured run (with up to 3 discards).
run_one() {
	local tm=$1 sc=$2 n=$3 tries=0 secs lead t0 sw_ms="" res end status=ok
	while ! prepare "$sc" $([ $tries -gt 0 ] && echo hard); do
		tries=$((tries + 1))
		printf '%s\t%s\t%s\t%s\n' "$tm" "$sc" "$n" "start state: $STATE" >>"$DISC_TSV"
		log "$tm $sc #$n: discarded, start state '$STATE'"
		if [ $tries -ge 3 ]; then
			printf '%s\t%s\t%s\t%s\t%s\t%s\tNA\tNA\tNA\tNA\tNA\tNA\t%s\t\tnorecover\n' \
				"$tm" "$HELLO" "$HOLD" "$SW_RATE" "$sc" "$n" "$(echo "$STATE" | tr ' ' /)" >>"$RUNS_TSV"
			return 1
		fi
	done
	local lead_max=$((800 + HELLO))
	case $sc in
	kill9|underlay) secs=$(( (lead_max + HOLD + 1000 + 999) / 1000 )) ;;
	track|goodbye) secs=$(( (lead_max + 1200 + 999) / 1000 )) ;;
	failback) secs=$(( (lead_max + 500 + 2 * HELLO + FB_MS + 1000 + 999) / 1000 )) ;;
	esac
	lead=$((800 + RANDOM % HELLO))
	# The receiver must outlive the outage: idle limit hold + 1 s.
	sw_start_idle $(( (HOLD + 1000 + 999) / 1000 )) "$secs"
	sleep "$(printf '%d.%03d' $((lead / 1000)) $((lead % 1000)))"
	case $sc in
	kill9) kill -KILL "$HUB1_PID"; HUB1_PID="" ;;
	underlay) ip -n "$NS_HUB1" link set wan down ;;
	track) ip -n "$NS_HUB1" link set hq down ;;
	goodbye) kill -TERM "$HUB1_PID" ;;
	failback)
		t0=$(now_ms)
		start_hub 1
		if wait_for "$secs" is_best hub1; then sw_ms=$(( $(now_ms) - t0 )); fi
		;;
	esac
	sw_done
	res=$(sw_read)
	end=$(best_hub 2>/dev/null || echo none)
	case $sc in
	failback) [ "$end" = hub1 ] || status="noswitch" ;;
	*) [ "$end" = hub2 ] || status="noswitch" ;;
	esac
	case $res in NA*) status=nostopwatch ;; esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tm" "$HELLO" "$HOLD" "$SW_RATE" "$sc" "$n" \
		"$(echo "$res" | tr ' ' '\t')" "$end" "$sw_ms" "$status" >>"$RUNS_TSV"
	log "$tm $sc #$n: gap/lost/loss_ms/late_us/ovf/senderr = $res, end $end${sw_ms:+, switch ${sw_ms} ms} [$status]"
	prune_pids
}

summary() {
	python3 - "$RUNS_TSV" "$DISC_TSV" "$BASE/summary.json" "$TIMERS" "$SCENARIOS" <<'PY'
import csv, json, math, sys
runs = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
disc = list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
order_t, order_s = sys.argv[4].split(","), sys.argv[5].split(",")
def pct(v, q):  # nearest rank
    v = sorted(v)
    return v[max(0, math.ceil(q * len(v)) - 1)] if v else None
out, rows = [], []
for tm in order_t:
    for sc in order_s:
        rr = [r for r in runs if r["timers"] == tm and r["scenario"] == sc]
        if not rr:
            continue
        ok = [r for r in rr if r["status"] == "ok"]
        gaps = [float(r["gap_ms"]) for r in rr if r["gap_ms"] != "NA"]
        lost = [int(r["lost"]) for r in rr if r["lost"] != "NA"]
        hold, rate = int(rr[0]["hold_ms"]), int(rr[0]["rate_pps"])
        c = {"timers": tm, "scenario": sc, "hold_ms": hold, "rate_pps": rate,
             "runs": len(rr), "ok": len(ok),
             "bad": {r["run"]: r["status"] for r in rr if r["status"] != "ok"},
             "discards": sum(1 for d in disc if d["timers"] == tm and d["scenario"] == sc),
             "outage_ms": {"p50": pct(gaps, .5), "p99": pct(gaps, .99), "max": max(gaps, default=None)},
             "lost": {"p50": pct(lost, .5), "p99": pct(lost, .99), "max": max(lost, default=None)},
             "sender_late_runs": sum(1 for r in rr if r["max_late_us"] != "NA" and float(r["max_late_us"]) > 20000),
             "max_late_us": max([float(r["max_late_us"]) for r in rr if r["max_late_us"] != "NA"], default=None)}
        if sc in ("goodbye", "failback"):
            c["target"] = "0 loss"
            c["met"] = bool(lost) and max(lost) == 0 and len(ok) == len(rr)
        else:
            c["target"] = "p99 <= %d ms" % (hold + 50)
            c["met"] = bool(gaps) and pct(gaps, .99) <= hold + 50 and len(ok) == len(rr)
        out.append(c)
json.dump({"cells": out, "percentiles": "nearest rank"}, open(sys.argv[3], "w"), indent=1)
f = lambda x: "-" if x is None else ("%.1f" % x if isinstance(x, float) else str(x))
print("%-12s %-9s %4s %4s %4s %5s | %8s %8s %8s | %6s %6s %6s | %-14s %s" % (
    "timers", "scenario", "runs", "disc", "late", "pps", "gap p50", "p99", "max", "lost50", "p99", "max", "target", "met"))
for c in out:
    o, l = c["outage_ms"], c["lost"]
    print("%-12s %-9s %4d %4d %4d %5d | %8s %8s %8s | %6s %6s %6s | %-14s %s%s" % (
        c["timers"], c["scenario"], c["runs"], c["discards"], c["sender_late_runs"], c["rate_pps"],
        f(o["p50"]), f(o["p99"]), f(o["max"]), f(l["p50"]), f(l["p99"]), f(l["max"]),
        c["target"], "yes" if c["met"] else "NO",
        "" if not c["bad"] else "  (bad runs: %s)" % ", ".join("#%s %s" % kv for kv in c["bad"].items())))
PY
}

log "load average: $(cut -d' ' -f1-3 /proc/loadavg); build $GRIPD_BUILD; work directory $BASE"
NT=$(echo "$TIMERS" | tr ',' '\n' | grep -c .)
i=0
for tm in ${TIMERS//,/ }; do
	i=$((i + 1))
	HELLO=$(ms "${tm%/*}"); HOLD=$(ms "${tm#*/}")
	SW_RATE=${SW_RATE_OVERRIDE:-$([ "$HOLD" -lt 300 ] && echo 5000 || echo 2000)}
	T=$BASE/lab$i-${tm//\//-}
	mkdir -p "$T"; chmod 755 "$T"
	log "timers $tm: building the lab (stopwatch $SW_RATE pps)"
	topo_links
	topo_conf 10 20 "${tm%/*}" "${tm#*/}" "${FB_MS}ms"
	topo_start
	prune_pids
	wait_for 10 adj_up "$T/spoke" hub1 && wait_for 10 adj_up "$T/spoke" hub2 &&
		wait_for 10 is_best hub1 || log "timers $tm: the lab did not converge ($(state))"
	t_start=$(now_ms)
	for n in $(seq 1 "$RUNS"); do
		if [ "$BUDGET" -gt 0 ] && [ $(( $(now_ms) - t_start )) -ge $(( BUDGET * 1000 / NT )) ]; then
			log "timers $tm: budget spent after $((n - 1)) rounds"
			break
		fi
		for sc in ${SCENARIOS//,/ }; do run_one "$tm" "$sc" "$n"; done
	done
	log "timers $tm: $(( ($(now_ms) - t_start) / 1000 )) s"
	lab_down
done
T=$BASE
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
summary | tee "$BASE/table.txt"
echo "runs: $RUNS_TSV"
echo "summary: $BASE/summary.json"
