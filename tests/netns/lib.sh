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

# nsx NS CMD...: runs a command in a namespace.
nsx() { local n=$1; shift; ip netns exec "$n" "$@"; }

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

# --- gripd helpers ------------------------------------------------------------

# key_hex CIPHER [SEED]: prints deterministic key material of the right length
# (key || salt for AEADs, enc key || 32-byte HMAC key for CBC) as hex.
key_hex() {
	local n
	case "$1" in
	aes128gcm16) n=20 ;; aes256gcm16|chacha20poly1305) n=36 ;;
	aes128-sha256) n=48 ;; aes256-sha256) n=64 ;;
	*) echo "key_hex: unknown cipher $1" >&2; return 1 ;;
	esac
	python3 -c 'import hashlib,sys; print(hashlib.sha512(sys.argv[2].encode()).hexdigest()[:2*int(sys.argv[1])])' "$n" "${2:-gripd}"
}

# p2p_conf DIR SITE LOCAL HUBNAME PEER INNER/PLEN PEERINNER SPIIN SPIOUT KEYIN KEYOUT
#          CIPHER MODE ENCAP [EXTRA-HUB-LINES]
# Writes DIR/gripd.conf: a spoke-role site with one manually keyed hub.
p2p_conf() {
	local d=$1
	mkdir -p "$d/keys"
	chmod 755 "$d"
	echo "${10}" >"$d/keys/in.key"
	echo "${11}" >"$d/keys/out.key"
	chmod 600 "$d"/keys/*.key
	chown gripd "$d"/keys/*.key
	cat >"$d/gripd.conf" <<EOC
user gripd
control-socket $d/gripd.sock
site $2
 role spoke
 router-id 192.0.2.1
 local-address $3
 datapath userspace
!
hub $4
 address $5
 interface grip-$4
 tunnel-address $6 peer $7
 keying manual
 manual-sa in spi $8 cipher ${12} key-file keys/in.key
 manual-sa out spi $9 cipher ${12} key-file keys/out.key
 esp-mode ${13}
 esp-encap ${14}
${15:-}
!
EOC
}

# start_gripd NS DIR: runs gripd -F in NS with DIR/gripd.conf, log DIR/gripd.log,
# waits for its control socket; sets GRIPD_PID.
start_gripd() {
	ip netns exec "$1" "$GRIPD" -F -f "$2/gripd.conf" >"$2/gripd.log" 2>&1 &
	GRIPD_PID=$!
	PIDS+=("$GRIPD_PID")
	wait_for 10 test -S "$2/gripd.sock" || { echo "gripd in $1 did not start:"; cat "$2/gripd.log"; return 1; }
}

# gctl DIR ARGS...: gripctl against the daemon of DIR.
gctl() { local d=$1; shift; "$GRIPCTL" -s "$d/gripd.sock" "$@"; }
