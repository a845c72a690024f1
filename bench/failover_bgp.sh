#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# failover_bgp.sh: the spoke -> HQ outage when hub1 dies, gripd's adjacency
# against the strongSwan+GRE+FRR way (eBGP + BFD over the same tunnels), at
# equal detection time, in the failover lab of tests/netns/topo.sh:
#
#   hqhost -- hqrtr --+-- hub1 --+
#                     |          +-- inet -- spoke -- lan
#                     +-- hub2 --+
#
# Setups (each lab is built fresh; the tunnels, SAs and userspace datapath
# are gripd's in both):
#   gripd  adjacency on, hello/hold 100ms/300ms or 300ms/900ms, routes kernel,
#          failback-delay 1s (topo_conf, as bench/failover.sh)
#   bgp    every gripd with `adjacency off` (tunnels only, no routes); FRR
#          zebra + bfdd + bgpd on the spoke, hub1 and hub2.  eBGP over the
#          tunnels' inner addresses: spoke AS 65100 (10.0.2.12, 10.0.3.12)
#          to hub1 AS 65001 (10.0.2.1) and hub2 AS 65002 (10.0.3.1); BFD
#          profile 100 ms x 3 or 300 ms x 3 on both sessions; BGP timers 3/9
#          (BFD detects); each hub originates 10.1.0.0/16 (network; its
#          static route), the spoke 10.0.65.0/24; hub2 prepends its AS twice,
#          so the spoke prefers hub1.
# Detection time: the hold time (gripd) or BFD interval x 3 (bgp): 300 ms
# and 900 ms.
#
# One run: the stopwatch sends 2000 pps from the LAN host to the HQ host; at
# 1.5 s + a random 0..99 ms, "hub1 dies": one kill -9 of hub1's gripd and
# (bgp) its zebra, bfdd and bgpd.  The outage is the stopwatch's longest
# receive gap.  Then hub1 is restarted (gripd; bgp: gripd and FRR) and the
# next run waits until the spoke is back on hub1.  Starting state, checked
# before each run (a wrong one is discarded, counted and retried, at most 3
# times): gripd: both adjacencies UP, best via hub1, kernel route to
# 10.1.0.0/16 via 10.0.2.1 dev grip-hub1; bgp: both sessions Established,
# both BFD peers up at the configured interval both ways, two paths in the
# spoke's BGP table, kernel route via 10.0.2.1 dev grip-hub1 proto bgp.
# A run is "ok" when the spoke's kernel route to 10.1.0.0/16 went via
# grip-hub2 at the end.
#
# The runs of each cell are split into --blocks blocks, and the blocks are
# interleaved (gripd, bgp, gripd, bgp, ... per setting) so slow drift of
# the machine's load spreads over both setups; each block builds its lab.
#
# usage: bench/failover_bgp.sh [--runs N] [--settings LIST] [--blocks B]
#   --runs      runs per (setup, setting) cell, default 10
#   --settings  comma list of detection times in ms (hold = BFD interval x 3),
#               default 300,900 (hello/hold 100ms/300ms and 300ms/900ms;
#               BFD 100 ms x 3 and 300 ms x 3)
#   --blocks    blocks per cell, default 2
# Output: a table on stdout; runs.tsv, discards.tsv, table.txt and the
# daemons' logs in the work directory, whose path is printed (kept).
# Environment: GRIPD_BUILD (default build-rel, else build).  Needs root,
# the user gripd, FRR 8.x (/usr/lib/frr, vtysh, user frr), python3 and the
# stopwatch (GRIPD_TESTS=ON).

RUNS=10
SETTINGS="300,900"
BLOCKS=2
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) RUNS=$2; shift ;;
	--settings) SETTINGS=$2; shift ;;
	--blocks) BLOCKS=$2; shift ;;
	-h|--help) sed -n '3,/^[^#]/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "failover_bgp.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$RUNS$BLOCKS${SETTINGS//,/}" in *[!0-9]*|'') echo "failover_bgp.sh: --runs, --blocks and --settings want whole numbers" >&2; exit 2 ;; esac
[ "$BLOCKS" -ge 1 ] && [ "$BLOCKS" -le "$RUNS" ] || BLOCKS=1

SRC=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${GRIPD_BUILD:-}" ]; then
	for b in build-rel build; do
		[ -x "$SRC/$b/routed/gripd" ] && { GRIPD_BUILD=$SRC/$b; break; }
	done
fi
export GRIPD_BUILD
grep -q 'GRIPD_SANITIZE:BOOL=ON' "$GRIPD_BUILD/CMakeCache.txt" 2>/dev/null &&
	echo "failover_bgp.sh: warning: $GRIPD_BUILD is a sanitizer build" >&2

. "$SRC/tests/netns/lib.sh"
require_root
. "$SRC/tests/netns/topo.sh"
. "$SRC/tests/netns/frr.sh"
[ -x "$STOPWATCH" ] || { echo "failover_bgp.sh: no stopwatch in $GRIPD_BUILD (GRIPD_TESTS=ON)"; exit 77; }
frr_available || { echo "failover_bgp.sh: FRR 8.x not installed (scripts/deps-frr.sh)"; exit 77; }
set +e   # a failed command is a result to record, not a reason to stop
SW_RATE=2000

BASE=$T
RUNS_TSV=$BASE/runs.tsv
DISC_TSV=$BASE/discards.tsv
printf 'setup\tdetect_ms\tblock\trun\tgap_ms\tlost\tmax_late_us\tdet_ms\treact_ms\tswitch_ms\tend_via\tstatus\n' >"$RUNS_TSV"
printf 'setup\tdetect_ms\trun\treason\n' >"$DISC_TSV"
HUB1_PID="" HUB2_PID="" SPOKE_PID=""

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
log() { echo "# $(date +%H:%M:%S) $*" >&2; }
is_gripd() { grep -qa "$GRIPD" "/proc/$1/cmdline" 2>/dev/null; }

lab_down() {
	local p n
	frr_stop_all >/dev/null 2>&1
	FRR_NAMES=()
	for p in "$HUB1_PID" "$HUB2_PID" "$SPOKE_PID"; do
		[ -n "$p" ] && is_gripd "$p" && stop_gripd "$p"
	done
	HUB1_PID="" HUB2_PID="" SPOKE_PID=""
	PIDS=()
	for n in $(ip netns list 2>/dev/null | awk -v p="$PFX-" 'index($1, p) == 1 {print $1}'); do
		ip netns del "$n" 2>/dev/null
	done
	NAMESPACES=()
}
stop_gripd() {
	kill -TERM "$1" 2>/dev/null
	wait_for 5 bash -c "! grep -qa '$GRIPD' /proc/$1/cmdline 2>/dev/null"
	is_gripd "$1" && kill -KILL "$1"
}

bench_exit() {
	local rc=$?
	lab_down
	echo "# results and logs kept in $BASE" >&2
	exit $rc
}
trap bench_exit EXIT
trap 'exit 130' INT TERM

# --- the BGP+BFD baseline ----------------------------------------------------

# bgp_frr_conf INTERVAL_MS: FRR configs of the spoke, hub1 and hub2.
bgp_frr_conf() {
	local iv=$1 n h bfd
	bfd=$(printf 'bfd\n profile det\n  receive-interval %s\n  transmit-interval %s\n  detect-multiplier 3\n exit\nexit\n' "$iv" "$iv")
	for n in spoke hub1 hub2; do
		printf 'hostname %s\n' "$n" | frr_conf "$n" zebra
		printf 'hostname %s\n%s\n' "$n" "$bfd" | frr_conf "$n" bfdd
	done
	local nb="" a
	for h in 1 2; do
		a=10.0.$((h + 1)).1
		nb+=" neighbor $a remote-as 6500$h
 neighbor $a bfd
 neighbor $a bfd profile det
 neighbor $a timers connect 1
 neighbor $a advertisement-interval 0
"
	done
	frr_conf spoke bgpd <<EOC
hostname spoke
router bgp 65100
 bgp router-id 10.0.65.1
 no bgp ebgp-requires-policy
 bgp log-neighbor-changes
 timers bgp 3 9
$nb address-family ipv4 unicast
  network 10.0.65.0/24
 exit-address-family
exit
EOC
	for h in 1 2; do
		frr_conf "hub$h" bgpd <<EOC
hostname hub$h
route-map TO-SPOKE permit 10
$([ $h = 2 ] && echo " set as-path prepend 65002 65002")
exit
router bgp 6500$h
 bgp router-id 10.255.$h.2
 no bgp ebgp-requires-policy
 bgp log-neighbor-changes
 timers bgp 3 9
 neighbor 10.0.$((h + 1)).12 remote-as 65100
 neighbor 10.0.$((h + 1)).12 bfd
 neighbor 10.0.$((h + 1)).12 bfd profile det
 neighbor 10.0.$((h + 1)).12 timers connect 1
 neighbor 10.0.$((h + 1)).12 advertisement-interval 0
 address-family ipv4 unicast
  network 10.1.0.0/16
  neighbor 10.0.$((h + 1)).12 route-map TO-SPOKE out
 exit-address-family
exit
EOC
	done
}

# spoke_paths: the spoke's BGP paths to 10.1.0.0/16, "NEXTHOP[*]" sorted.
spoke_paths() {
	frr_vtysh spoke "show ip bgp 10.1.0.0/16 json" 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
p = [x["nexthops"][0]["ip"] + ("*" if x.get("bestpath", {}).get("overall") else "")
     for x in j.get("paths", [])]
print(",".join(sorted(p)) or "none")'
}

paths_ok() { [ "$(spoke_paths)" = "10.0.2.1*,10.0.3.1" ]; }

# spoke_bfd_ok IV: the spoke's two BFD peers up, IV ms x 3 both ways.
spoke_bfd_ok() {
	frr_vtysh spoke "show bfd peers json" 2>/dev/null | python3 -c '
import json, sys
iv = int(sys.argv[1])
p = json.load(sys.stdin)
ok = len(p) == 2 and all(x["status"] == "up" and x["transmit-interval"] == iv and
     x["receive-interval"] == iv and x["detect-multiplier"] == 3 and
     x["remote-transmit-interval"] == iv and x["remote-receive-interval"] == iv and
     x.get("remote-detect-multiplier", 3) == 3 for x in p)
sys.exit(0 if ok else 1)' "$1"
}

# spoke_kroute: the spoke's kernel route to 10.1.0.0/16, one line.
spoke_kroute() { ip -n "$NS_SPOKE" route show 10.1.0.0/16 | tr '\n' ';'; }
spoke_via_hub1() { spoke_kroute | grep -q "via 10.0.2.1 dev grip-hub1${1:+ proto $1}"; }
spoke_via_hub2() { spoke_kroute | grep -q "dev grip-hub2"; }

# --- labs ---------------------------------------------------------------------

# lab_up SETUP DETECT_MS
lab_up() {
	local setup=$1 det=$2 iv=$(( $2 / 3 ))
	topo_links
	if [ "$setup" = gripd ]; then
		topo_conf 10 20 "${iv}ms" "${det}ms" 1s
		topo_start
	else
		topo_conf 10 20 "${iv}ms" "${det}ms" 1s " adjacency off" " adjacency off"
		topo_start
		bgp_frr_conf "$iv"
		frr_start "$NS_HUB1" hub1 zebra bfdd bgpd &&
			frr_start "$NS_HUB2" hub2 zebra bfdd bgpd &&
			frr_start "$NS_SPOKE" spoke zebra bfdd bgpd || return 1
	fi
}

# state SETUP IV: a one-line description of the starting state; ready
# SETUP IV: it is right.
state() {
	if [ "$1" = gripd ]; then
		echo "best=$(best_hub 2>/dev/null) hub1=$(adj_state "$T/spoke" hub1 2>/dev/null) hub2=$(adj_state "$T/spoke" hub2 2>/dev/null) k=$(spoke_kroute)"
	else
		echo "bgp1=$(bgp_state spoke 10.0.2.1) bgp2=$(bgp_state spoke 10.0.3.1) paths=$(spoke_paths) bfd=$(spoke_bfd_ok "$2" && echo ok || echo bad) k=$(spoke_kroute)"
	fi
}
ready() {
	if [ "$1" = gripd ]; then
		wait_for 10 adj_up "$T/spoke" hub1 && wait_for 5 adj_up "$T/spoke" hub2 &&
			wait_for 5 is_best hub1 && wait_for 3 spoke_via_hub1
	else
		wait_for 20 bgp_up spoke 10.0.2.1 && wait_for 10 bgp_up spoke 10.0.3.1 &&
			wait_for 10 spoke_bfd_ok "$2" &&
			wait_for 5 paths_ok &&
			wait_for 5 spoke_via_hub1 bgp
	fi
}

# hub1_up SETUP: restarts whatever of hub1 is not running.
hub1_up() {
	{ [ -n "$HUB1_PID" ] && is_gripd "$HUB1_PID"; } || start_hub 1
	[ "$1" = gripd ] && return 0
	local d dm p miss=0
	d=$(_frr_dir hub1)
	for dm in zebra bfdd bgpd; do
		p=$(cat "$d/$dm.pid" 2>/dev/null)
		[ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$dm" ] || miss=1
	done
	if [ $miss = 1 ]; then
		frr_stop hub1 >/dev/null 2>&1
		frr_start "$NS_HUB1" hub1 zebra bfdd bgpd >/dev/null
	fi
}

# hub1_pids SETUP: hub1's gripd and (bgp) FRR daemons.
hub1_pids() {
	local d dm
	echo "$HUB1_PID"
	[ "$1" = gripd ] && return 0
	d=$(_frr_dir hub1)
	for dm in zebra bfdd bgpd; do cat "$d/$dm.pid"; done
}

sw_done() {
	local p
	for p in "${SW_SEND_PIDS[@]}"; do wait "$p"; done
	for p in "${SW_RECV_PIDS[@]}"; do wait "$p"; done
}
sw_read() { # "GAP LOST MAX_LATE_US" or "NA NA NA"
	python3 - "$T/sw1.json" "$T/swsend1.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    s = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
    print("%.1f %d %.0f" % (r["longest_gap_ms"], r["lost"], s.get("max_late_us", 0)))
except Exception as e:
    sys.stderr.write("sw_read: %s\n" % e)
    print("NA NA NA")
PY
}

# run_one SETUP DETECT_MS BLOCK N
run_one() {
	local setup=$1 det=$2 blk=$3 n=$4 iv=$(( $2 / 3 )) tries=0 st pids res end status=ok lead
	while :; do
		hub1_up "$setup"
		ready "$setup" "$iv" && { sleep 0.3; st=$(state "$setup" "$iv"); ready "$setup" "$iv"; } && break
		st=$(state "$setup" "$iv")
		tries=$((tries + 1))
		printf '%s\t%s\t%s\t%s\n' "$setup" "$det" "$n" "$st" >>"$DISC_TSV"
		log "$setup/$det #$n: discarded, start state: $st"
		if [ $tries -ge 3 ]; then
			printf '%s\t%s\t%s\t%s\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tnorecover\n' "$setup" "$det" "$blk" "$n" >>"$RUNS_TSV"
			return 1
		fi
	done
	pids=$(hub1_pids "$setup" | tr '\n' ' ')
	lead=$((1500 + RANDOM % 100))
	ip -n "$NS_SPOKE" -ts monitor route >"$T/mon.txt" 2>&1 &
	mon=$!
	sw_start_idle 2 $(( (1600 + det + 1500 + 999) / 1000 ))
	sleep "$(printf '%d.%03d' $((lead / 1000)) $((lead % 1000)))"
	t_kill=$(date +%s%N)
	# shellcheck disable=SC2086
	kill -KILL $pids
	HUB1_PID=""
	sw_done
	kill "$mon"; wait "$mon"
	res="$(sw_read) $(times_read "$setup" "$t_kill")"
	end=$(spoke_kroute | grep -o 'dev grip-hub[12]' | head -n 1)
	spoke_via_hub2 || status=noswitch
	case $res in NA*) status=nostopwatch ;; esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$setup" "$det" "$blk" "$n" "$(echo "$res" | tr ' ' '\t')" \
		"${end#dev }" "$status" >>"$RUNS_TSV"
	log "$setup/$det #$n: gap/lost/late_us/det/react/switch = $res, end ${end#dev } [$status]"
	PIDS=()
}

# times_read SETUP T_KILL_NS: "DET_MS REACT_MS SWITCH_MS" from the kill:
# detection = the spoke's log line (gripd: "hub hub1: adjacency UP -> DOWN";
# bgp: bgpd's "NOTIFICATION ... sent to neighbor 10.0.2.1 ... BFD Down",
# i.e. after bfdd told bgpd), switch = the first change of the spoke's
# kernel route to 10.1.0.0/16 (ip -ts monitor route); react = switch - det.
times_read() {
	local lg
	if [ "$1" = gripd ]; then lg=$T/spoke/gripd.log; else lg=$(_frr_dir spoke)/bgpd.log; fi
	python3 - "$1" "$2" "$lg" "$T/mon.txt" <<'PY'
import datetime, re, sys
setup, tk, lg, mon = sys.argv[1], int(sys.argv[2]) / 1e9, sys.argv[3], sys.argv[4]
day = datetime.datetime.fromtimestamp(tk).strftime("%Y-%m-%d")
def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S.%f").timestamp()
det = sw = None
try:
    for l in open(lg, errors="replace"):
        if setup == "gripd":
            m = re.match(r"(\d\d:\d\d:\d\d\.\d+) .*hub hub1: adjacency UP -> DOWN", l)
            t = m and ts(day + " " + m.group(1))
        else:
            m = re.match(r"(\d+)/(\d+)/(\d+) (\S+) .*sent to neighbor 10\.0\.2\.1 .*BFD Down", l)
            t = m and ts("%s-%s-%s %s" % (m.group(1), m.group(2), m.group(3), m.group(4)))
        if t and t >= tk - 0.002 and det is None:
            det = t
    for l in open(mon, errors="replace"):
        m = re.match(r"\[(\S+)T(\S+)\] (Deleted )?10\.1\.0\.0/16 ", l)
        if m:
            t = ts(m.group(1) + " " + m.group(2))
            if t >= tk and sw is None:
                sw = t
except OSError:
    pass
f = lambda x: "NA" if x is None else "%.1f" % (x * 1000)
print(f(None if det is None else det - tk), f(None if det is None or sw is None else sw - det),
      f(None if sw is None else sw - tk))
PY
}

summary() {
	python3 - "$RUNS_TSV" "$DISC_TSV" "$SETTINGS" <<'PY'
import csv, math, sys
runs = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
disc = list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
def pct(v, q):  # nearest rank
    v = sorted(v)
    return v[max(0, math.ceil(q * len(v)) - 1)] if v else None
f = lambda x: "-" if x is None else "%.1f" % x
num = lambda rr, k: [float(r[k]) for r in rr if r[k] not in ("NA", "")]
cells = {}
print("%-5s %6s %4s %3s %4s %4s | %7s %7s %7s | %9s | %7s %9s %9s" % (
    "setup", "detect", "runs", "ok", "disc", "late", "gap p50", "p99", "max",
    "gap-det50", "det p50", "react p50", "react max"))
for det in sys.argv[3].split(","):
    for setup in ("gripd", "bgp"):
        rr = [r for r in runs if r["setup"] == setup and r["detect_ms"] == det]
        if not rr:
            continue
        ok = [r for r in rr if r["status"] == "ok"]
        g = num(ok, "gap_ms")
        late = sum(1 for r in ok if float(r["max_late_us"]) > 20000)
        p50 = pct(g, .5)
        gd = None if p50 is None else p50 - int(det)
        rc = num(ok, "react_ms")
        cells[(setup, det)] = (p50, gd, pct(rc, .5))
        nd = sum(1 for d in disc if d["setup"] == setup and d["detect_ms"] == det)
        print("%-5s %6s %4d %3d %4d %4d | %7s %7s %7s | %9s | %7s %9s %9s" % (
            setup, det, len(rr), len(ok), nd, late, f(p50), f(pct(g, .99)),
            f(max(g, default=None)), f(gd), f(pct(num(ok, "det_ms"), .5)),
            f(pct(rc, .5)), f(max(rc, default=None))))
print()
print("%6s | %12s | %19s | %18s | %s" % ("detect", "gap p50 g/b", "gap-det p50 g/b", "react p50 g/b",
      "target: gap lower and reaction <= 0.5x"))
r = lambda x, y: "n/a" if x is None or y is None or y <= 0 else "%.3f" % (x / y)
for det in sys.argv[3].split(","):
    a, b = cells.get(("gripd", det)), cells.get(("bgp", det))
    if not a or not b or a[0] is None or b[0] is None:
        continue
    lower = a[0] < b[0]
    react_ok = a[2] is not None and b[2] is not None and b[2] > 0 and a[2] <= 0.5 * b[2]
    print("%6s | %12s | %19s | %18s | gap %s, reaction (log) %s" % (det, r(a[0], b[0]), r(a[1], b[1]),
          r(a[2], b[2]), "lower" if lower else "NOT lower", "<= 0.5x" if react_ok else "NOT <= 0.5x"))
print("(ms; gap = spoke->HQ outage; gap-det = gap p50 - detection time; det = kill -> the spoke's")
print(" detection log line; react = detection log line -> kernel route change; late = runs whose")
print(" stopwatch sender went > 20 ms late; percentiles nearest rank over the ok runs)")
PY
}

log "load average: $(cut -d' ' -f1-3 /proc/loadavg); build $GRIPD_BUILD; work directory $BASE"
log "frr: $(dpkg-query -W -f='${Version}' frr 2>/dev/null)"
i=0
for det in ${SETTINGS//,/ }; do
	for b in $(seq 1 "$BLOCKS"); do
		lo=$(( (b - 1) * RUNS / BLOCKS + 1 )); hi=$(( b * RUNS / BLOCKS ))
		for setup in gripd bgp; do
			i=$((i + 1))
			T=$BASE/lab$i-$setup-$det
			mkdir -p "$T"; chmod 755 "$T"
			log "$setup, detection $det ms, block $b (runs $lo..$hi): building the lab"
			if ! lab_up "$setup" "$det"; then
				log "$setup/$det: the lab did not start"
				lab_down; continue
			fi
			ready "$setup" $((det / 3)) || log "$setup/$det: not converged: $(state "$setup" $((det / 3)))"
			for n in $(seq "$lo" "$hi"); do run_one "$setup" "$det" "$b" "$n"; done
			lab_down
		done
	done
done
T=$BASE
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
summary | tee "$BASE/table.txt"
echo "runs: $RUNS_TSV"
