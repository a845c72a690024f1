#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# A spoke with a big prefix set, in the lab of topo.sh (hub1 and the spoke;
# hub1 with `routes kernel`, userspace datapath):
#
#   - the spoke advertises 5,000 /32s out of 10.128.0.0/16, which hub1's
#     spoke file allows, plus 50 out of 10.129.0.0/24, which it does not:
#     hub1 installs exactly the 5,000 (about 50 UPDATE fragments),
#     refuses, counts and logs the 50, and its multipoint datapath
#     forwards to addresses from the start, the middle and the end of the
#     set;
#   - a reload of the spoke that changes only its advertise lines (100
#     dropped, 100 added, one metric changed) keeps tunnels and adjacencies:
#     hub1 converges on exactly the new set, and a ping stream to a prefix
#     the spoke keeps loses nothing while the multipoint routes change;
#   - the spoke's GOODBYE takes all of them out of hub1's kernel.
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/topo.sh"

N=5000
topo_links
topo_conf 10 20 300ms 900ms 5s
sed -i 's|^ allow 10.0.65.0/24 le 28| allow 10.0.65.0/24 le 28\n allow 10.128.0.0/16 le 32|' \
	"$T/hub1/gripd.conf"
cp "$T/spoke/gripd.conf" "$T/spoke.base"

# spoke_conf FIRST_SKIP ADD_FROM METRIC10: N /32s 10.128.0.0 upwards, those
# in [FIRST_SKIP, FIRST_SKIP+100) left out and as many added from the
# index ADD_FROM on; 10.128.10.10 with metric METRIC10; 50 refused ones.
spoke_conf() {
	python3 - "$T/spoke.base" "$N" "$1" "$2" "$3" >"$T/spoke/gripd.conf.new" <<'EOP'
import sys
base, n, skip, add, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
idx = [i for i in range(n) if not skip <= i < skip + 100]
idx += list(range(add, add + (n - len(idx))))
for line in open(base):
    sys.stdout.write(line)
    if line.startswith(" advertise 10.0.65.0/24"):
        for i in idx:
            a = "10.128.%d.%d/32" % (i >> 8, i & 255)
            sys.stdout.write(" advertise %s%s\n" % (a, " metric %d" % m if a == "10.128.10.10/32" else ""))
        for i in range(50):
            sys.stdout.write(" advertise 10.129.0.%d/32\n" % i)
EOP
	mv "$T/spoke/gripd.conf.new" "$T/spoke/gripd.conf"
}
spoke_conf 100000 0 0 # all of 0..N-1
"$GRIPD" -n -f "$T/spoke/gripd.conf" >/dev/null || { echo "spoke config rejected"; exit 1; }
# Addresses on the spoke behind prefixes from the start, the middle and the
# end of the set, and one the reload adds.
for a in 10.128.0.7 10.128.10.10 10.128.19.100 10.128.20.10; do
	ip -n "$NS_SPOKE" addr add "$a/32" dev lo
done

kcount() { ip -n "$NS_HUB1" route show proto 250 | grep -c "^$1" || true; }
kcount_is() { [ "$(kcount "$1")" = "$2" ]; }
hub_adj() { gctl "$T/hub1" show adjacencies json | python3 -c 'import json,sys; a=json.load(sys.stdin)["adjacencies"][0]; print(a[sys.argv[1]])' "$1"; }

start_gripd "$NS_HUB1" "$T/hub1"; HUB1_PID=$GRIPD_PID
start_gripd "$NS_SPOKE" "$T/spoke"; SPOKE_PID=$GRIPD_PID
check "spoke adjacency with hub1 UP" wait_for 20 adj_up "$T/spoke" hub1
check "hub1 installs all $N allowed /32s" wait_for 30 kcount_is '10\.128\.' "$N"
check "hub1 logged the complete set: $((N + 51)) prefixes, 50 refused" \
	grep -q "UPDATE [0-9]* complete: $((N + 1)) prefixes, 50 refused" "$T/hub1/gripd.log"
check "hub1 counts 50 refused" [ "$(hub_adj prefixes_refused)" = 50 ]
check "no refused prefix in hub1's kernel" [ "$(kcount '10\.129\.')" = 0 ]
check "hub1 logged a refusal" grep -q "refused 10.129.0.0/32: not allowed by its site file" "$T/hub1/gripd.log"
for a in 10.128.0.7 10.128.10.10 10.128.19.100; do
	check "hub1 reaches $a through the multipoint datapath" pingq "$NS_HUB1" "$a"
done
m0=$(ip -n "$NS_HUB1" route show 10.128.10.10/32 proto 250 | sed -n 's/.*metric \([0-9]*\).*/\1/p')

# --- reload of the spoke: only its advertise lines change -------------------
spoke_conf 200 5120 5 # 10.128.0.200-1.43 out, 10.128.20.0-99 in, 10.128.10.10 metric 5
ip netns exec "$NS_HUB1" ping -n -q -i 0.01 -c 300 -W 1 10.128.10.10 >"$T/ping.txt" 2>&1 &
PING_PID=$!
sleep 0.5
kill -HUP "$SPOKE_PID"
check "the spoke logs a soft change" wait_for 5 grep -q "site branch: advertised prefixes changed" "$T/spoke/gripd.log"
check "the spoke restarted no tunnel" bash -c "! grep -q 'restarting every tunnel' '$T/spoke/gripd.log'"
check "hub1 drops the 100 left out" wait_for 10 kcount_is '10\.128\.1\.' 212
check "hub1 dropped 10.128.0.250" kcount_is '10\.128\.0\.250 ' 0
check "hub1 adds the 100 new ones" wait_for 10 kcount_is '10\.128\.20\.' 100
check "hub1 has $N again" [ "$(kcount '10\.128\.')" = "$N" ]
m1=$(ip -n "$NS_HUB1" route show 10.128.10.10/32 proto 250 | sed -n 's/.*metric \([0-9]*\).*/\1/p')
check "the changed metric reached hub1's kernel ($m0 -> $m1)" [ "$m1" = $((m0 + 5)) ]
wait "$PING_PID" || true
loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$T/ping.txt")
echo "   ping to a kept prefix across the change: ${loss}% lost"
check "no ping lost to a kept prefix while the set changed" [ "$loss" = 0 ]
check "hub1's adjacency stayed up (no flap)" [ "$(hub_adj flaps)" = 0 ]
check "hub1 reaches a newly added prefix (10.128.20.10)" pingq "$NS_HUB1" 10.128.20.10
check "hub1 reaches 10.128.0.7 still" pingq "$NS_HUB1" 10.128.0.7

# --- the same configuration again: no new UPDATE -----------------------------
nu=$(grep -c "UPDATE [0-9]* complete" "$T/hub1/gripd.log")
kill -HUP "$SPOKE_PID"
sleep 1.5
check "a reload with the same set sends no UPDATE" [ "$(grep -c "UPDATE [0-9]* complete" "$T/hub1/gripd.log")" = "$nu" ]

# --- GOODBYE -------------------------------------------------------------------
kill -TERM "$SPOKE_PID"
check "the spoke's GOODBYE empties hub1's kernel" wait_for 10 kcount_is '10\.128\.' 0
check "no sanitizer report" bash -c "! grep -q Sanitizer '$T/hub1/gripd.log' '$T/spoke/gripd.log'"
finish
