# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# Helpers for the benchmark scripts in bench/ (sourced): namespaces with a
# unique prefix, veth, one EXIT trap that kills every tracked background
# process, stops every strongSwan peer and deletes the namespaces, deadline
# polling, and iperf3 runners that parse `iperf3 -J` with python3.
#
# Every address used lives in namespaces this run creates; every command
# that could hang runs under `timeout`.

set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GRIPD_SRC=$(cd "$BENCH_DIR/.." && pwd)
SWAN_PEER=$GRIPD_SRC/tests/interop/swan-peer.sh
PFX="bd$$"                 # namespace prefix, unique per run
T=$(mktemp -d "/tmp/gripd-bench.XXXXXX")
chmod 755 "$T"
# gripd's state directory (epoch, ESP sequence records) for daemons started
# directly; start_gripd gives each daemon its own.  Never the system one:
# runs as different users (gripd, frr) would fight over it.
export GRIPD_STATEDIR="$T/state"
PIDS=()
SWAN_DIRS=()
KEEP_T=${BENCH_KEEP:-0}

log() { echo "# $*" >&2; }

bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local d p
	for d in "${SWAN_DIRS[@]}"; do "$SWAN_PEER" stop -d "$d" >/dev/null 2>&1 || true; done
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	for d in $(ip netns list 2>/dev/null | awk -v p="$PFX-" 'index($1, p) == 1 {print $1}'); do
		ip netns del "$d" 2>/dev/null || true
	done
	if [ "$KEEP_T" = 1 ] || { [ $rc -ne 0 ] && [ -n "$(ls -A "$T" 2>/dev/null)" ]; }; then
		log "work files kept in $T"
	else
		rm -rf "$T"
	fi
	exit $rc
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# track PID: the EXIT trap kills it.
track() { PIDS+=("$1"); }

# stop_pid PID: SIGTERM, SIGKILL after 5 s, reaped.
stop_pid() {
	[ -n "${1:-}" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# bns NAME: creates namespace $PFX-NAME with lo up; prints its name.  Call
# it in the main shell (not in $(...)) when possible; the trap deletes
# every $PFX- namespace anyway.
bns() {
	local n="$PFX-$1"
	ip netns add "$n" || return 1
	ip -n "$n" link set lo up
	echo "$n"
}

nsx() { local n=$1; shift; ip netns exec "$n" "$@"; }

# bveth NS1 IF1 NS2 IF2 [MTU]: a veth pair between two namespaces, both up.
bveth() {
	ip link add "$2" netns "$1" mtu "${5:-1500}" type veth peer name "$4" netns "$3" mtu "${5:-1500}" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds.
wait_for() {
	local deadline=$(( $(now_ms) + $1 * 1000 )); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt $deadline ] || return 1
		sleep 0.05
	done
}

# link_up NS IF: the interface exists and is UP.
link_up() { ip -n "$1" -br link show "$2" 2>/dev/null | grep -qw UP; }

# pingq NS DST [ARGS...]: one echo reply within 5 s.
pingq() {
	local n=$1 d=$2; shift 2
	timeout 8 ip netns exec "$n" ping -q -n -c 1 -w 5 "$@" "$d" >/dev/null 2>&1
}

# count_outer NS IF FILTER SRCNS DST [PING-ARGS]: proves traffic to DST goes
# through the tunnel: tcpdump on the underlay IF in NS counts packets
# matching FILTER while SRCNS pings DST 5 times; prints the count.
count_outer() {
	local n=$1 ifn=$2 filt=$3 s=$4 d=$5; shift 5
	local f=$T/count.$RANDOM
	timeout 6 ip netns exec "$n" tcpdump -l -n -q -p -i "$ifn" "$filt" >"$f" 2>"$f.err" &
	local tp=$!
	track "$tp"
	wait_for 3 grep -q 'listening on' "$f.err"
	timeout 5 ip netns exec "$s" ping -q -n -c 5 -i 0.2 -w 4 "$@" "$d" >/dev/null 2>&1
	sleep 0.2
	kill -INT "$tp" 2>/dev/null; wait "$tp" 2>/dev/null
	wc -l <"$f"
}

# --- iperf3 ---------------------------------------------------------------------

IPERF_PORT=5201

# iperf_server NS: a one-shot iperf3 server (all addresses) in NS, ready
# when this returns; sets IPERF_SRV_PID.
iperf_server() {
	IPERF_PORT=$(( IPERF_PORT + 1 ))
	[ $IPERF_PORT -lt 5300 ] || IPERF_PORT=5202
	timeout $(( TIME + 40 )) ip netns exec "$1" iperf3 -s -1 -p $IPERF_PORT >"$T/iperf-s.log" 2>&1 &
	IPERF_SRV_PID=$!
	track "$IPERF_SRV_PID"
	wait_for 5 bash -c "ip netns exec '$1' ss -Htln 'sport = :$IPERF_PORT' | grep -q ."
}

# iperf_json OUT CLIENTNS SERVERNS DST SRC ARGS...: one iperf3 client run
# (JSON in OUT); its own server; SRC "" leaves the source to the kernel.
iperf_json() {
	local out=$1 c=$2 s=$3 dst=$4 src=$5; shift 5
	iperf_server "$s" || { echo '{"error": "iperf3 server did not start"}' >"$out"; return 1; }
	timeout $(( TIME + 30 )) ip netns exec "$c" iperf3 -c "$dst" ${src:+-B "$src"} -p $IPERF_PORT \
		-t "$TIME" -J "$@" >"$out" 2>"$out.err" &
	# In the background and waited for, so a SIGTERM/SIGINT to the
	# script runs the cleanup trap at once, not after the run.
	local cp=$! rc
	track $cp
	wait $cp; rc=$?
	stop_pid "$IPERF_SRV_PID"
	return $rc
}

# iperf_parse FILE tcp|udp: prints "MBITS" (tcp) or "MBITS LOSS% KPPS" (udp),
# the receiver's view; "- - -" when the run failed.
iperf_parse() {
	python3 - "$1" "$2" <<'PY'
import json, sys
path, kind = sys.argv[1], sys.argv[2]
try:
    j = json.load(open(path))
    if j.get("error"):
        raise ValueError(j["error"])
    e = j["end"]
    if kind == "tcp":
        print("%.1f" % (e["sum_received"]["bits_per_second"] / 1e6))
    else:
        # iperf3 3.12: sum_received is the server's view (bytes that
        # arrived; packets counts the lost ones too); older versions
        # only have "sum": the sender's rate with the receiver's loss.
        rs = e.get("sum_received")
        if rs and "lost_packets" in rs:
            secs = rs["seconds"] or 1
            pkts, lost = rs["packets"], rs["lost_packets"]
            mbit = rs["bits_per_second"] / 1e6
        else:
            s = e["sum"]
            secs = s["seconds"] or 1
            pkts, lost = s["packets"], s["lost_packets"]
            mbit = s["bits_per_second"] * (1 - s["lost_percent"] / 100) / 1e6
        loss = 100.0 * lost / pkts if pkts else 100.0
        print("%.1f %.1f %.1f" % (mbit, loss, (pkts - lost) / secs / 1e3))
except Exception as ex:
    sys.stderr.write("iperf_parse %s: %s\n" % (path, ex))
    print("-" if kind == "tcp" else "- - -")
PY
}
