# SPDX-License-Identifier: ISC
# Helpers for the netns tests (sourced).  Every test makes its own
# namespaces with a unique prefix, removes them in an EXIT trap, polls with
# deadlines instead of sleeping, and uses only documentation/private
# addresses inside the namespaces it created.

set -euo pipefail

: "${GRIPD_BUILD:?GRIPD_BUILD must name the build directory}"
: "${GRIPD_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
GRIPD=$GRIPD_BUILD/routed/gripd
GRIPCTL=$GRIPD_BUILD/routed/gripctl
TEST_NAME=$(basename "$0" .sh)
PFX="gt$$"                 # namespace prefix, unique per run
T=$(mktemp -d "/tmp/gripd-$TEST_NAME.XXXXXX")
chmod 755 "$T"
NAMESPACES=()
PIDS=()
FAILS=0
PASSES=0

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: $TEST_NAME needs root"
		exit 77
	fi
	getent passwd gripd >/dev/null || {
		echo "SKIP: user gripd missing (scripts/deps.sh creates it)"
		exit 77
	}
}

cleanup() {
	local rc=$?
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	if [ $rc -ne 0 ] || [ $FAILS -ne 0 ]; then
		echo "--- logs in $T (kept)"
		for f in "$T"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 40 "$f"; }; done
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT

# ns NAME: creates namespace $PFX-NAME with lo up and prints its name.
ns() {
	local n="$PFX-$1"
	ip netns add "$n"
	NAMESPACES+=("$n")
	ip -n "$n" link set lo up
	echo "$n"
}

# in NS CMD...: runs a command in a namespace.
in() { local n=$1; shift; ip netns exec "$n" "$@"; }

# veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both up.
veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# wait_for DEADLINE_S CMD...: polls CMD every 50 ms until it succeeds.
wait_for() {
	local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 )); shift
	until "$@" >/dev/null 2>&1; do
		[ $(( $(date +%s%N) / 1000000 )) -lt $deadline ] || return 1
		sleep 0.05
	done
}

pass() { PASSES=$((PASSES + 1)); echo "ok - $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

# jget JSON PYEXPR: evaluates a python expression on parsed JSON `j`.
jget() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

finish() {
	echo "$PASSES passed, $FAILS failed"
	[ $FAILS -eq 0 ]
}
