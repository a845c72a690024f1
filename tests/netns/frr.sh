# SPDX-License-Identifier: ISC
# FRR helpers for the netns tests (sourced after lib.sh).  Each FRR instance
# ("NAME") runs by hand in one namespace, with everything private under
# $T/frr-NAME (owned by frr): configs <daemon>.conf, pid files <daemon>.pid,
# logs <daemon>.log, the zserv socket zserv.api, the vty sockets
# <daemon>.vty and bfdd's control socket bfdd.sock.  Nothing touches
# /etc/frr or /run/frr, and no init system is involved.
#
#   frr_available            FRR 8.x daemons, vtysh and user frr are present
#   frr_require              installs FRR when missing, or skips the test (77)
#   frr_conf NAME DAEMON     writes $T/frr-NAME/DAEMON.conf from stdin, after
#                            `log file .../DAEMON.log` (ms timestamps)
#   frr_start NS NAME DAEMONS...
#                            starts the daemons (zebra first) in NS and
#                            waits until each one's vty answers
#   frr_vtysh NAME CMD...    runs vtysh commands against instance NAME
#   frr_stop NAME            stops its daemons by pid file (TERM, then KILL)
# The EXIT trap of lib.sh stops every instance before the namespaces go,
# and kills any FRR daemon still left in one of this run's namespaces.

FRR_BIN=${FRR_BIN:-/usr/lib/frr}
FRR_NAMES=()

frr_available() {
	[ -x "$FRR_BIN/zebra" ] && [ -x "$FRR_BIN/bgpd" ] && [ -x "$FRR_BIN/bfdd" ] &&
		command -v vtysh >/dev/null && getent passwd frr >/dev/null
}

# frr_require: installs FRR if it is missing (scripts/deps-frr.sh), or
# skips the test (exit 77) when it cannot be installed.
frr_require() {
	frr_available && return 0
	"$GRIPD_SRC/scripts/deps-frr.sh" >/dev/null 2>&1 || true
	frr_available || { echo "SKIP: FRR not installed and not installable"; exit 77; }
}

_frr_dir() {
	local d=$T/frr-$1
	mkdir -p "$d"
	chown frr:frr "$d"
	chmod 755 "$d"
	echo "$d"
}

frr_conf() {
	local d
	d=$(_frr_dir "$1")
	{
		# A `log file` from the config honours the precision; --log does not.
		printf 'log file %s/%s.log\nlog timestamp precision 3\n' "$d" "$2"
		cat
	} >"$d/$2.conf"
	chown frr:frr "$d/$2.conf"
	chmod 644 "$d/$2.conf"
}

# _frr_up DIR DAEMON: the daemon's vty answers.
_frr_up() { vtysh --vty_socket "$1" -d "$2" -c 'show version' 2>/dev/null | grep -q FRRouting; }

frr_start() {
	local n=$1 name=$2 d dm extra; shift 2
	d=$(_frr_dir "$name")
	local known=0
	for x in "${FRR_NAMES[@]}"; do [ "$x" = "$name" ] && known=1; done
	[ $known = 1 ] || FRR_NAMES+=("$name")
	# zebra first: the others connect to its zserv socket.
	local order=()
	for dm in "$@"; do [ "$dm" = zebra ] && order+=(zebra); done
	for dm in "$@"; do [ "$dm" = zebra ] || order+=("$dm"); done
	for dm in "${order[@]}"; do
		[ -f "$d/$dm.conf" ] || echo "! empty" | frr_conf "$name" "$dm"
		extra=()
		[ "$dm" = bfdd ] && extra=(--bfdctl "$d/bfdd.sock")
		rm -f "$d/$dm.pid"
		ip netns exec "$n" "$FRR_BIN/$dm" -d -u frr -g frr -f "$d/$dm.conf" \
			-i "$d/$dm.pid" -z "$d/zserv.api" --vty_socket "$d" -P 0 \
			"${extra[@]}" >>"$d/start.log" 2>&1 || {
			echo "frr_start: $dm in $n failed:"; tail -n 20 "$d/start.log" "$d/$dm.log" 2>/dev/null
			return 1
		}
		wait_for 10 _frr_up "$d" "$dm" || {
			echo "frr_start: $dm in $n does not answer on its vty"
			tail -n 20 "$d/$dm.log" 2>/dev/null
			return 1
		}
	done
}

frr_vtysh() {
	local name=$1 a=(); shift
	for c in "$@"; do a+=(-c "$c"); done
	vtysh --vty_socket "$T/frr-$name" "${a[@]}"
}

# _frr_kill PID: TERM, up to 3 s, then KILL.
_frr_kill() {
	local p=$1
	kill -TERM "$p" 2>/dev/null || return 0
	for _ in $(seq 60); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.05; done
	kill -KILL "$p" 2>/dev/null || true
}

frr_stop() {
	local d=$T/frr-$1 dm p
	for dm in bgpd bfdd staticd zebra; do
		[ -f "$d/$dm.pid" ] || continue
		p=$(cat "$d/$dm.pid" 2>/dev/null) || continue
		[[ $p =~ ^[0-9]+$ ]] && _frr_kill "$p"
		rm -f "$d/$dm.pid"
	done
}

# frr_stop_all: every instance of this run, then a safety net: FRR daemons
# still running in a namespace of this run (by pid, from `ip netns pids`).
frr_stop_all() {
	local name n p c
	for name in "${FRR_NAMES[@]}"; do frr_stop "$name"; done
	for n in $(ip netns list 2>/dev/null | awk -v p="$PFX-" 'index($1, p) == 1 {print $1}'); do
		for p in $(ip netns pids "$n" 2>/dev/null); do
			c=$(cat "/proc/$p/comm" 2>/dev/null) || continue
			case $c in zebra|bgpd|bfdd|staticd|watchfrr) _frr_kill "$p" ;; esac
		done
	done
}

# Chain into lib.sh's EXIT trap: the trap calls `cleanup` by name, so wrap it
# (keeping the exit status it looks at).
eval "_frr_lib_$(declare -f cleanup)"
cleanup() {
	local rc=$?
	frr_stop_all || true
	# lib.sh's cleanup reads $? first; errexit would end the trap at a
	# bare `(exit 1)`, so feed the status through ||.
	if [ $rc -eq 0 ]; then _frr_lib_cleanup; else (exit $rc) || _frr_lib_cleanup; fi
}
