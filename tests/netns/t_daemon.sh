#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
#   +------------------------+
#   | netns gtPID-spoke      |     one spoke gripd, no links needed:
#   |   gripd -F  (as gripd) |     this test checks the daemon itself,
#   |   control socket $T/   |     its privileges, control socket,
#   +------------------------+     readiness, reload and shutdown.
#
# Proves: capabilities of the running daemon from /proc/PID/status; every
# `gripctl show` command in text and JSON; unknown commands; a reload with a
# broken file keeps the old configuration; a good reload touches only the
# changed hub; sd_notify READY=1; clean exit removes the socket; gripctl's
# message when the daemon is not running.
. "$(dirname "$0")/lib.sh"
require_root

NS=$(ns spoke)
mkdir -p "$T/etc/sites.d" "$T/etc/keys" "$T/run"
chown gripd "$T/run"
write_conf() {
	cat >"$T/etc/gripd.conf" <<EOC
! test spoke
user gripd
control-socket $T/run/gripd.sock
log level info
include sites.d/*.conf
!
site branch-12
 role spoke
 router-id 10.0.65.1
 local-address 192.0.2.2
 advertise 10.0.65.0/24
 ike-identity branch-12.example.net
!
EOC
	cat >"$T/etc/sites.d/west-1.conf" <<EOC
hub west-1
 address 198.51.100.1
 tunnel-address 10.0.2.2/30 peer 10.0.2.1
 cost ${1:-10}
 ike-identity west-1.example.net
 psk-file keys/west.psk
!
EOC
	cat >"$T/etc/sites.d/west-2.conf" <<EOC
hub west-2
 address 198.51.100.2
 tunnel-address 10.0.3.2/30 peer 10.0.3.1
 cost 20
 ike-identity west-2.example.net
 psk-file keys/west.psk
!
EOC
}
write_conf 10
echo "correct horse battery staple" >"$T/etc/keys/west.psk"
chmod 600 "$T/etc/keys/west.psk"
# The daemon re-reads keys on reload as user gripd, so it owns them.
chown gripd "$T/etc/keys/west.psk"

check "gripd -n accepts the config" \
	bash -c "'$GRIPD' -n -f '$T/etc/gripd.conf' | grep -qx 'configuration OK'"

# gripctl without a daemon: a useful message and exit status 3.
set +e
out=$("$GRIPCTL" -s "$T/run/gripd.sock" show version 2>&1); rc=$?
set -e
not_running_msg() { [ "$rc" -eq 3 ] && grep -q 'is gripd running' <<<"$out"; }
check "gripctl reports a daemon that is not running (rc=$rc)" not_running_msg

# Readiness through NOTIFY_SOCKET (sd_notify protocol), received by socat.
socat -u UNIX-RECVFROM:"$T/notify.sock",fork OPEN:"$T/notify.log",creat,append &
PIDS+=($!)
wait_for 5 test -S "$T/notify.sock"
chmod 666 "$T/notify.sock"   # like systemd's: the daemon no longer runs as root
ip netns exec "$NS" env NOTIFY_SOCKET="$T/notify.sock" \
	"$GRIPD" -F -f "$T/etc/gripd.conf" >"$T/gripd.log" 2>&1 &
GPID=$!
PIDS+=($GPID)
check "control socket appears" wait_for 10 test -S "$T/run/gripd.sock"
check "READY=1 sent to NOTIFY_SOCKET" wait_for 5 grep -q READY=1 "$T/notify.log"

ctl() { "$GRIPCTL" -s "$T/run/gripd.sock" "$@"; }

# --- privileges ---------------------------------------------------------
st=/proc/$GPID/status
uid=$(id -u gripd)
check "runs as user gripd" grep -Eq "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" "$st"
# CAP_NET_BIND_SERVICE(10) | CAP_NET_ADMIN(12) | CAP_NET_RAW(13) = 0x3400
check "CapEff is exactly NET_ADMIN,NET_RAW,NET_BIND_SERVICE" grep -q "^CapEff:\s*0000000000003400$" "$st"
check "CapPrm is exactly the same three" grep -q "^CapPrm:\s*0000000000003400$" "$st"
check "CapInh is empty" grep -q "^CapInh:\s*0000000000000000$" "$st"
check "CapAmb is empty" grep -q "^CapAmb:\s*0000000000000000$" "$st"
check "CapBnd is reduced to the three" grep -q "^CapBnd:\s*0000000000003400$" "$st"
check "NoNewPrivs is set" grep -q "^NoNewPrivs:\s*1$" "$st"
check "socket is mode 0660" bash -c "[ \"\$(stat -c %a '$T/run/gripd.sock')\" = 660 ]"

# --- every show command, text and JSON ------------------------------------
for cmd in config tunnels sa adjacencies routes counters version debugging; do
	check "show $cmd (text)" bash -c "'$GRIPCTL' -s '$T/run/gripd.sock' show $cmd >/dev/null"
	check "show $cmd json parses" bash -c "'$GRIPCTL' -s '$T/run/gripd.sock' show $cmd json | python3 -m json.tool >/dev/null"
done
j=$(ctl show tunnels json)
check "show tunnels lists both hubs" [ "$(jget "$j" '[t["name"] for t in j["tunnels"]]')" = "['west-1', 'west-2']" ]
check "hub interface name derived from the hub" [ "$(jget "$j" 'j["tunnels"][0]["interface"]')" = "grip-west-1" ]
check "abbreviated words work (sh tun)" bash -c "'$GRIPCTL' -s '$T/run/gripd.sock' sh tun | grep -q west-2"
set +e
out=$(ctl show bogus 2>&1); rc=$?
set -e
unknown_msg() { [ "$rc" -eq 1 ] && grep -q 'Unknown command' <<<"$out"; }
check "unknown command is an error with a hint" unknown_msg
check "debug switch from gripctl" bash -c "'$GRIPCTL' -s '$T/run/gripd.sock' debug adjacency && '$GRIPCTL' -s '$T/run/gripd.sock' show debugging | grep -q adjacency"
check "vty framing with socat (no gripctl)" bash -c "printf 'show version\0' | socat -t 2 - UNIX-CONNECT:'$T/run/gripd.sock' | tr -d '\0' | grep -q '^gripd'"

# --- reload: broken file keeps the old configuration -----------------------
before=$(ctl show config)
cp "$T/etc/sites.d/west-2.conf" "$T/west-2.good"
printf 'hub west-2\n address 198.51.100.2\n cost banana\n!\n' >"$T/etc/sites.d/west-2.conf"
kill -HUP $GPID
check "broken reload is logged with file:line:col" wait_for 5 grep -q "west-2.conf:3:7: error" "$T/gripd.log"
check "broken reload keeps the running configuration" [ "$(ctl show config)" = "$before" ]
j=$(ctl show counters json)
check "reload failure counted" [ "$(jget "$j" 'j["daemon"]["reload_failures"]')" = 1 ]
check "daemon still answers after a failed reload" kill -0 $GPID

# --- reload: change one hub, only it is touched -----------------------------
cp "$T/west-2.good" "$T/etc/sites.d/west-2.conf"
write_conf 15
kill -HUP $GPID
check "good reload applied" wait_for 5 bash -c "'$GRIPCTL' -s '$T/run/gripd.sock' show config | grep -q 'cost 15'"
j=$(ctl show tunnels json)
check "changed hub west-1 reconfigured once" [ "$(jget "$j" 'j["tunnels"][0]["reconfigurations"]')" = 1 ]
check "unchanged hub west-2 untouched" [ "$(jget "$j" 'j["tunnels"][1]["reconfigurations"]')" = 0 ]
check "log names the changed hub" grep -q "hub west-1: changed" "$T/gripd.log"
check "log does not touch west-2" bash -c "! grep -q 'hub west-2: changed' '$T/gripd.log'"

# --- reload: only the site's graceful-restart settings: nothing restarts -----
sed -i 's/^ advertise 10.0.65.0\/24$/&\n graceful-restart restart-time 30/' "$T/etc/gripd.conf"
kill -HUP $GPID
check "graceful-restart reload applied" wait_for 5 bash -c "'$GRIPCTL' -s '$T/run/gripd.sock' show config | grep -q 'graceful-restart restart-time 30'"
check "graceful-restart change keeps tunnels and adjacencies" \
	grep -q "site branch-12: graceful-restart changed (restart time 30 s, helper on); tunnels and adjacencies kept" "$T/gripd.log"
check "no tunnel restarted for it" bash -c "! grep -q 'changed, restarting every tunnel' '$T/gripd.log'"

# --- clean shutdown ------------------------------------------------------------
kill -TERM $GPID
check "exits 0 on SIGTERM" wait $GPID
check "socket removed on exit" bash -c "! test -e '$T/run/gripd.sock'"
check "no sanitizer report" bash -c "! grep -q 'Sanitizer' '$T/gripd.log'"

# --- daemon mode: the starting process returns once the daemon serves -------
check "daemon mode: gripd (no -F) exits 0 when ready" \
	ip netns exec "$NS" "$GRIPD" -f "$T/etc/gripd.conf"
check "daemon mode: the control socket answers at once" \
	bash -c "'$GRIPCTL' -s '$T/run/gripd.sock' show version | grep -q '^gripd'"
dpid=$(pgrep -f "^$GRIPD -f $T/etc/gripd.conf\$" | head -n 1)
check "daemon mode: detached (own session)" bash -c "[ -n '$dpid' ] && [ \"\$(ps -o sid= -p $dpid | tr -d ' ')\" = '$dpid' ]"
[ -n "$dpid" ] && kill -TERM "$dpid"
check "daemon mode: stops on SIGTERM" wait_for 5 bash -c "! kill -0 $dpid 2>/dev/null"
finish
