#!/bin/bash
# SPDX-License-Identifier: ISC
#
# t_zebra: routed/zclient.c against a real FRR zebra (Debian 12: 8.4.4),
# through tests/tools/zclient_probe.
#
#   namespace $PFX-z
#   +--------------------------------------------------------------+
#   |  zebra -z $T/run/zserv.api  <-- zserv -->  zclient_probe     |
#   |                                                              |
#   |  veth0 10.0.0.1/30 ====== veth1   (both ends in here)        |
#   |  10.99.0.0/24 via 172.16.5.9 dev veth0 onlink  (N, 150/123)  |
#   |  2001:db8:99::/48 dev veth0                    (N)           |
#   +--------------------------------------------------------------+
#
# Checks: both routes INSTALLED and visible in vtysh (N>*, [150/123]) and
# in the kernel (proto nhrp, onlink); delete and re-add; zebra killed and
# restarted while the probe runs (reconnect, replay); veth0 down/up (zebra
# 8.4 does not reinstall, the client re-sends); a 10,000-route install and
# withdrawal timed; a clean exit withdraws everything.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root"; exit 77; fi
ZEBRA=/usr/lib/frr/zebra
if [ ! -x $ZEBRA ] || ! command -v vtysh >/dev/null || ! getent passwd frr >/dev/null; then
	echo "SKIP: FRR not installed (apt-get install frr)"
	exit 77
fi
PROBE=$GRIPD_BUILD/tests/zclient_probe
[ -x "$PROBE" ] || { echo "SKIP: $PROBE not built"; exit 77; }

N=$(ns z)
RUN=$T/run
mkdir -p "$RUN"
echo "hostname t_zebra" >"$RUN/zebra.conf"
chown -R frr:frr "$RUN"
ip -n "$N" link add veth0 type veth peer name veth1
ip -n "$N" link set veth0 up
ip -n "$N" link set veth1 up
ip -n "$N" addr add 10.0.0.1/30 dev veth0

start_zebra() {
	rm -f "$RUN/zebra.pid"
	nsx "$N" $ZEBRA -d -u frr -g frr -f "$RUN/zebra.conf" -i "$RUN/zebra.pid" \
		-z "$RUN/zserv.api" --vty_socket "$RUN" -P 0 --log "file:$T/zebra.log" 2>>"$T/zebra.log"
	wait_for 10 test -S "$RUN/zserv.api" && wait_for 5 test -s "$RUN/zebra.pid"
	ZEBRA_PID=$(cat "$RUN/zebra.pid")
	PIDS+=("$ZEBRA_PID")
}
stop_zebra() {
	kill -TERM "$ZEBRA_PID"
	wait_for 10 bash -c "! kill -0 $ZEBRA_PID 2>/dev/null"
}

vty() { vtysh --vty_socket "$RUN" -c "$*"; }
# cmd WORD: hands the probe a command (it polls the file every 5 ms).
cmd() { rm -f "$T/state"; echo "$1" >"$T/cmd.tmp"; mv "$T/cmd.tmp" "$T/cmd"; }
state_is() { grep -q "^$1" "$T/state" 2>/dev/null; }
k4() { ip -n "$N" -4 route show 10.99.0.0/24; }
k6() { ip -n "$N" -6 route show 2001:db8:99::/48; }
kernel_has_v4() { k4 | grep -q 'via 172.16.5.9 dev veth0 proto nhrp.*onlink'; }
kernel_has_v6() { k6 | grep -q 'dev veth0 proto nhrp'; }
kernel_no_v4() { [ -z "$(k4)" ]; }

start_zebra
nsx "$N" "$PROBE" -z "$RUN/zserv.api" -i veth0 -g 172.16.5.9 -d 150 -m 123 \
	-n 10000 -s "$T/state" -C "$T/cmd" >"$T/probe.log" 2>&1 &
PROBE_PID=$!
PIDS+=("$PROBE_PID")

echo "# install"
check "both routes INSTALLED" wait_for 10 state_is installed
check "vtysh: N>* 10.99.0.0/24 [150/123] via 172.16.5.9 onlink" \
	bash -c "vtysh --vty_socket '$RUN' -c 'show ip route' | grep -q 'N>\* 10.99.0.0/24 \[150/123\] via 172.16.5.9, veth0 onlink'"
check "vtysh: N>* 2001:db8:99::/48 [150/123] dev-only" \
	bash -c "vtysh --vty_socket '$RUN' -c 'show ipv6 route' | grep -q 'N>\* 2001:db8:99::/48 \[150/123\] is directly connected, veth0'"
check "vtysh: known via nhrp, metric 123" \
	bash -c "vtysh --vty_socket '$RUN' -c 'show ip route 10.99.0.0/24' | grep -q 'Known via \"nhrp\", distance 150, metric 123'"
check "kernel: 10.99.0.0/24 proto nhrp onlink" wait_for 5 kernel_has_v4
check "kernel: 2001:db8:99::/48 proto nhrp" wait_for 5 kernel_has_v6
check "zebra lists the client as nhrp" bash -c "vtysh --vty_socket '$RUN' -c 'show zebra client summary' | grep -q nhrp"

echo "# delete and re-add"
cmd del
check "delete acknowledged" wait_for 10 state_is deleted
check "kernel: 10.99.0.0/24 gone" wait_for 5 kernel_no_v4
check "vtysh: 10.99.0.0/24 gone" bash -c "! vtysh --vty_socket '$RUN' -c 'show ip route' | grep -q 10.99.0.0/24"
cmd add
check "re-added and INSTALLED" wait_for 10 state_is installed
check "kernel: 10.99.0.0/24 back" wait_for 5 kernel_has_v4

echo "# zebra restart"
stop_zebra
check "kernel: zebra took its routes along" wait_for 5 kernel_no_v4
start_zebra
cmd wait-installed
check "reconnected and replayed (second session)" wait_for 15 state_is "installed 2"
check "kernel: 10.99.0.0/24 reinstalled" wait_for 5 kernel_has_v4
check "kernel: 2001:db8:99::/48 reinstalled" wait_for 5 kernel_has_v6

echo "# link flap"
ip -n "$N" link set veth0 down
check "kernel: route gone with veth0 down" wait_for 5 kernel_no_v4
ip -n "$N" link set veth0 up
check "kernel: route re-sent after veth0 up" wait_for 5 kernel_has_v4
check "kernel: v6 route re-sent after veth0 up" wait_for 5 kernel_has_v6
check "probe log: routes re-sent on interface up" grep -q "re-sent" "$T/probe.log"

echo "# 10,000 routes"
cmd bench
if wait_for 40 state_is bench; then
	pass "10,000 /32 installed and withdrawn: $(cat "$T/state")"
	echo "# $(grep 'queued 10000' "$T/probe.log")"
else
	fail "bench: $(cat "$T/state" 2>/dev/null)"
fi
check "kernel: no bench route left" bash -c "[ \$(ip -n '$N' -4 route show proto nhrp | wc -l) -eq 1 ]"

echo "# clean exit"
cmd quit
check "probe exits 0" wait "$PROBE_PID"
check "kernel: everything withdrawn" bash -c "[ -z \"\$(ip -n '$N' route show proto nhrp; ip -n '$N' -6 route show proto nhrp)\" ]"
check "vtysh: no N route left" bash -c "! vtysh --vty_socket '$RUN' -c 'show ip route nhrp' | grep -q '^N'"
cp "$T/probe.log" "$T/probe.log.keep" 2>/dev/null || true
stop_zebra
finish
