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
# gripd's state directory (epoch, ESP sequence records) for daemons started
# directly; start_gripd gives each daemon its own.  Never the system one:
# runs as different users (gripd, frr) would fight over it.
export GRIPD_STATEDIR="$T/state"
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
	# ns() usually runs in $(...), a subshell whose NAMESPACES+= the trap
	# never sees: also remove every namespace with this run's prefix.
	for ns in $(ip netns list 2>/dev/null | awk -v p="$PFX-" 'index($1, p) == 1 {print $1}'); do
		ip netns del "$ns" 2>/dev/null || true
	done
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
# P2P_SA_OPTS (e.g. "replay-window 2048") is appended to the inbound SA line.
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
 router-id $(case $3 in *:*) echo 192.0.2.$((RANDOM % 250 + 1)) ;; *) echo "$3" ;; esac)
 local-address $3
 datapath userspace
!
hub $4
 address $5
 interface grip-$4
 tunnel-address $6 peer $7
 keying manual
 manual-sa in spi $8 cipher ${12} key-file keys/in.key${P2P_SA_OPTS:+ $P2P_SA_OPTS}
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
	# A state directory per daemon (epoch, ESP sequence records): runs
	# as different users (gripd, frr) must not share the system one.
	GRIPD_STATEDIR="$2/state" ip netns exec "$1" "$GRIPD" -F -f "$2/gripd.conf" >>"$2/gripd.log" 2>&1 &
	GRIPD_PID=$!
	disown "$GRIPD_PID" # no "Killed" notices when a test kills it on purpose
	PIDS+=("$GRIPD_PID")
	wait_for 10 test -S "$2/gripd.sock" || { echo "gripd in $1 did not start:"; cat "$2/gripd.log"; return 1; }
}

# gctl DIR ARGS...: gripctl against the daemon of DIR.
gctl() { local d=$1; shift; "$GRIPCTL" -s "$d/gripd.sock" "$@"; }

# --- datapath helpers (t_dp_*.sh) ---------------------------------------------

# pingq NS DST [PING-ARGS...]: succeeds on the first echo reply within 5 s.
pingq() {
	local n=$1 dst=$2; shift 2
	ip netns exec "$n" timeout 8 ping -q -n -c 1 -i 0.2 -w 5 "$@" "$dst" >/dev/null 2>&1
}

# ping_fails NS DST [PING-ARGS...]: succeeds when 3 requests get no reply.
ping_fails() {
	local n=$1 dst=$2; shift 2
	! ip netns exec "$n" timeout 5 ping -q -n -c 3 -i 0.2 -W 1 "$@" "$dst" >/dev/null 2>&1
}

# wait_link NS IFNAME: waits up to 10 s for the interface to exist and be up.
wait_link() { wait_for 10 bash -c "ip -n '$1' -br link show '$2' 2>/dev/null | grep -q UP"; }

# sa_get DIR PEER in|out FIELD: one field of an SA from `show sa json`.
sa_get() {
	jget "$(gctl "$1" show sa json)" \
		"[s for s in j['sas'] if s['peer']=='$2' and s['direction']=='$3'][0]['$4']"
}

# tun_get DIR PEER FIELD: a tunnel field (counters as counters.X) from
# `show tunnels json`; PEER "mp" means the multipoint object.
tun_get() {
	local e
	if [ "$2" = mp ]; then e="j['multipoint']"
	else e="[t for t in j['tunnels'] if t['name']=='$2'][0]"; fi
	case "$3" in
	counters.*) e="$e['counters']['${3#counters.}']" ;;
	*) e="$e['$3']" ;;
	esac
	jget "$(gctl "$1" show tunnels json)" "$e"
}

# gt A B: A > B for integers (for check).
gt() { [ "$1" -gt "$2" ]; }

# tcp_xfer SRCNS DSTNS DSTADDR BYTES: sends BYTES random bytes over TCP from
# SRCNS to DSTADDR:5001 in DSTNS (socat, 20 s bound), compares checksums.
tcp_xfer() {
	local s=$1 d=$2 a=$3 n=$4 f
	f=$(mktemp "$T/xfer.XXXXXX")
	head -c "$n" /dev/urandom >"$f.src"
	rm -f "$f.dst"
	ip netns exec "$d" timeout 20 socat -u \
		"TCP-LISTEN:5001,reuseaddr,$( [[ $a == *:* ]] && echo pf=ip6 || echo pf=ip4 )" \
		"CREATE:$f.dst" 2>>"$T/socat.log" &
	local lp=$!
	wait_for 5 bash -c "ip netns exec '$d' ss -Htln | grep -q ':5001 '" || { kill "$lp" 2>/dev/null; return 1; }
	[[ $a == *:* ]] && a="[$a]"
	ip netns exec "$s" timeout 20 socat -u "OPEN:$f.src" "TCP:$a:5001" 2>>"$T/socat.log" || { kill "$lp" 2>/dev/null; return 1; }
	wait "$lp" || return 1
	cmp -s "$f.src" "$f.dst"
}

# The packet tool of the datapath tests (python3, standard library; the
# crafted-ESP command needs python3-cryptography and says so with exit 77).
#   capture IF OUT COUNT TIMEOUT [MINLEN]
#                                  first COUNT ESP packets (IP protocol 50 or
#                                  UDP port 4500 that is not IKE/keepalive) of
#                                  at least MINLEN bytes (default 0)
#                                  received on IF, one hex line each, to OUT
#                                  (UDP checksums completed: veth leaves them
#                                  partial); touches OUT.ready once listening
#   count IF PROTO MINLEN SECONDS OUT
#                                  counts the IP packets received on IF for
#                                  SECONDS whose protocol is PROTO (a number,
#                                  or notudp:PORT for all but UDP to PORT)
#                                  and that are at least MINLEN bytes long;
#                                  writes the count to OUT, touches OUT.ready
#   send HEX...                    sends raw IP packets (header included)
#   esp SRC DST raw|udp SPI SEQS BODY...
#                                  sends IP(SRC>DST) [UDP 4500] SPI SEQ BODY
#                                  for every SEQ (comma-separated) and BODY
#   udp SRC DST DPORT BODY...      sends UDP datagrams with forged headers
#   (a BODY is hex, or rN for N random bytes)
#   gcm SRC DST raw|udp SPI SEQ KEYHEX NH INNERHEX
#                                  a valid AES-GCM-128 ESP packet (RFC 4106);
#                                  NH -1: INNERHEX is the whole plaintext,
#                                  padding and trailer included
#   decrypt KEYHEX HEX             prints next-header and payload hex of an
#                                  AES-GCM-128 ESP packet (IPv4 outer)
#   echo4 SRC DST [SIZE]           sends an ICMP echo request with any
#                                  source address (spoofing tests)
#   echo4hex SRC DST [SIZE]        prints that packet as hex instead
_DP_PY=$(cat <<'PY'
import os, select, socket, struct, sys, time

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip4(src, dst, proto, payload):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 0x4242, 0,
                    64, proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload

def ip6(src, dst, nh, payload):
    return struct.pack('!IHBB16s16s', 6 << 28, len(payload), nh, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload

def ipx(src, dst, proto, payload):
    return (ip6 if ':' in src else ip4)(src, dst, proto, payload)

def udp(sport, dport, body):
    return struct.pack('!HHHH', sport, dport, 8 + len(body), 0) + body

def send(pkt):
    pkt = fix_udp(pkt)
    fam = socket.AF_INET if pkt[0] >> 4 == 4 else socket.AF_INET6
    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
    dst = socket.inet_ntop(fam, pkt[16:20] if fam == socket.AF_INET else pkt[24:40])
    s.sendto(pkt, (dst, 0))
    s.close()

def esp_of(p):
    """The ESP part of an IP packet, or None."""
    if p[0] >> 4 == 4:
        hl, proto, body = (p[0] & 15) * 4, p[9], None
        body = p[hl:]
    elif p[0] >> 4 == 6:
        proto, body = p[6], p[40:]
    else:
        return None
    if proto == 50:
        return body
    if proto == 17 and len(body) >= 16 and struct.unpack('!H', body[2:4])[0] == 4500 \
            and body[8:12] != b'\0\0\0\0':
        return body[8:]
    return None

def fix_udp(p):
    """Completes the UDP checksum that checksum offload left partial."""
    if p[0] >> 4 == 4 and p[9] == 17:
        hl = (p[0] & 15) * 4
        u = bytearray(p[hl:])
        u[6:8] = b'\0\0'
        c = csum(p[12:20] + struct.pack('!BBH', 0, 17, len(u)) + bytes(u)) or 0xffff
        u[6:8] = struct.pack('!H', c)
        return p[:hl] + bytes(u)
    if p[0] >> 4 == 6 and p[6] == 17:
        u = bytearray(p[40:])
        u[6:8] = b'\0\0'
        c = csum(p[8:40] + struct.pack('!IxxxB', len(u), 17) + bytes(u)) or 0xffff
        u[6:8] = struct.pack('!H', c)
        return p[:40] + bytes(u)
    return p

def body(s):
    return os.urandom(int(s[1:])) if s.startswith('r') else bytes.fromhex(s)

def aead(key):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    return AESGCM(key[:-4]), key[-4:]

a = sys.argv[1:]
if a[0] == 'capture':
    iface, out, count, tmo = a[1], a[2], int(a[3]), float(a[4])
    minlen = int(a[5]) if len(a) > 5 else 0
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(3))
    s.bind((iface, 0))
    open(out + '.ready', 'w').close()
    got, end = [], time.time() + tmo
    while len(got) < count and time.time() < end:
        r, _, _ = select.select([s], [], [], max(0, end - time.time()))
        if not r:
            break
        data, addr = s.recvfrom(65535)
        if addr[2] != socket.PACKET_OUTGOING and len(data) >= minlen and \
                esp_of(data) is not None:
            got.append(fix_udp(data))
    with open(out, 'w') as f:
        f.writelines(p.hex() + '\n' for p in got)
    sys.exit(0 if len(got) == count else 1)
elif a[0] == 'count':
    iface, proto, minlen, secs, out = a[1], a[2], int(a[3]), float(a[4]), a[5]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(3))
    s.bind((iface, 0))
    open(out + '.ready', 'w').close()
    n, end = 0, time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([s], [], [], max(0, end - time.time()))
        if not r:
            break
        p, addr = s.recvfrom(65535)
        if addr[2] == socket.PACKET_OUTGOING or len(p) < max(minlen, 20):
            continue
        v = p[0] >> 4
        if v == 4:
            pr, l4 = p[9], p[(p[0] & 15) * 4:]
        elif v == 6 and len(p) >= 40:
            pr, l4 = p[6], p[40:]
        else:
            continue
        if proto.startswith('notudp:'):
            port = int(proto[7:])
            if pr == 17 and len(l4) >= 4 and struct.unpack('!H', l4[2:4])[0] == port:
                continue
        elif pr != int(proto):
            continue
        n += 1
    with open(out + '.tmp', 'w') as f:
        f.write('%d\n' % n)
    os.rename(out + '.tmp', out)
elif a[0] == 'send':
    for h in a[1:]:
        send(bytes.fromhex(h))
elif a[0] == 'esp':
    src, dst, encap, spi = a[1], a[2], a[3], int(a[4], 0)
    for seq in a[5].split(','):
        for b in a[6:]:
            esp = struct.pack('!II', spi, int(seq, 0)) + body(b)
            send(ipx(src, dst, 17 if encap == 'udp' else 50,
                     udp(4500, 4500, esp) if encap == 'udp' else esp))
elif a[0] == 'gcm':
    src, dst, encap, spi, seq = a[1], a[2], a[3], int(a[4], 0), int(a[5], 0)
    hdr = struct.pack('!II', spi, seq)
    try:
        g, salt = aead(bytes.fromhex(a[6]))
    except ImportError:
        sys.exit(77)
    nh, inner = int(a[7]), bytes.fromhex(a[8])
    pad = (-(len(inner) + 2)) % 4
    pt = inner + bytes(range(1, pad + 1)) + bytes([pad, nh]) if nh >= 0 else inner
    iv = os.urandom(8)
    esp = hdr + iv + g.encrypt(salt + iv, pt, hdr)
    send(ipx(src, dst, 17 if encap == 'udp' else 50,
             udp(4500, 4500, esp) if encap == 'udp' else esp))
elif a[0] == 'udp':
    src, dst, dport = a[1], a[2], int(a[3])
    for b in a[4:]:
        send(ipx(src, dst, 17, udp(4500, dport, body(b))))
elif a[0] == 'decrypt':
    try:
        g, salt = aead(bytes.fromhex(a[1]))
    except ImportError:
        sys.exit(77)
    e = esp_of(bytes.fromhex(a[2]))
    pt = g.decrypt(salt + e[8:16], e[16:], e[:8])
    print(pt[-1], pt[:len(pt) - 2 - pt[-2]].hex())
elif a[0] in ('echo4', 'echo4hex'):
    body = bytes(int(a[3]) if len(a) > 3 else 56)
    icmp = struct.pack('!BBHHH', 8, 0, 0, 0x4747, 1) + body
    icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
    if a[0] == 'echo4':
        send(ip4(a[1], a[2], 1, icmp))
    else:
        print(ip4(a[1], a[2], 1, icmp).hex())
PY
)

# pkt NS ARGS...: runs the packet tool above in NS.
pkt() { local n=$1; shift; ip netns exec "$n" python3 -c "$_DP_PY" "$@"; }

# capture_start NS IF OUT COUNT TIMEOUT [MINLEN]: the capture in the
# background, ready when this returns; capture_wait OUT: waits for it, fails
# unless complete.
capture_start() {
	rm -f "$3" "$3.ready"
	pkt "$1" capture "$2" "$3" "$4" "$5" "${6:-0}" &
	CAPTURE_PID=$!
	PIDS+=("$CAPTURE_PID")
	wait_for 5 test -e "$3.ready"
}
capture_wait() { wait "$CAPTURE_PID" && test -s "$1"; }

# count_start NS IF PROTO MINLEN SECONDS OUT: the packet count above in the
# background, listening when this returns; count_wait OUT prints the count
# once it is written (polls, so it works in a $(...) subshell too).
count_start() {
	rm -f "$6" "$6.ready"
	pkt "$1" count "$2" "$3" "$4" "$5" "$6" &
	PIDS+=($!)
	wait_for 5 test -e "$6.ready"
}
count_wait() { wait_for 15 test -s "$1" && cat "$1"; }

# --- tcpdump capture helpers (interop lane) ------------------------------------

# tcpdump_start NS IF FILE: tcpdump on IF in NS writing FILE (immediate mode,
# at most 2000 packets and 60 s); returns once it listens; sets TCPDUMP_PID.
tcpdump_start() {
	ip netns exec "$1" timeout 60 tcpdump -n -U --immediate-mode -s 0 -c 2000 -i "$2" -w "$3" 2>"$3.log" &
	TCPDUMP_PID=$!
	PIDS+=("$TCPDUMP_PID")
	wait_for 5 grep -q 'listening on' "$3.log" || { echo "tcpdump did not start:"; cat "$3.log"; return 1; }
}

# tcpdump_stop: ends the capture of tcpdump_start (SIGINT flushes the file).
tcpdump_stop() {
	kill -INT "$TCPDUMP_PID" 2>/dev/null || true
	wait "$TCPDUMP_PID" 2>/dev/null || true
}

# stop_pid PID: SIGTERM, then waits up to 5 s (SIGKILL after that).
stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
