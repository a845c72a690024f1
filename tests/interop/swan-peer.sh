#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# swan-peer.sh: one strongSwan 5.9 charon as a test peer inside a network
# namespace, several of them side by side on one host (see
# /work/shared/research/strongswan-interop.md, sections 1 and 5).
#
#   swan-peer.sh start -n NETNS -d DIR -l LOCAL -r REMOTE|%any -i LID -I RID|%any -k PSK
#       [-b libipsec|netlink] [--local-ts TS] [--remote-ts TS] [--mode tunnel|transport]
#       [--encap yes|no] [--ike P] [--esp P] [--start-action none|trap|start]
#       [--allow-peer-ts] [--no-dos-limits] [--loglevel N]
#       [--charon /usr/sbin/charon-systemd] [--keep-config] [--initiate]
#   swan-peer.sh stop -d DIR            SIGTERM the recorded pid, SIGKILL after 5 s
#   swan-peer.sh ctl -d DIR -- ARGS     swanctl ARGS against this charon, e.g.
#                                       ctl -d DIR -- --list-sas
#                                       ctl -d DIR -- --initiate --child net
#   swan-peer.sh status -d DIR          running or not, then --list-sas
#
# How the instances stay apart: charon 5.9.8 has /var/run/charon.pid built
# in, so each one runs with DIR/run bind-mounted on /run inside the mount
# namespace `ip netns exec` gives it; its VICI socket is DIR/run/charon.vici
# (path-based AF_UNIX sockets work across network namespaces, so swanctl
# runs from anywhere).  The connection is `peer`, its child `net`; more
# connections go in DIR/swanctl/conf.d/*.conf, extra `charon {}` lines in
# $SWAN_EXTRA_CHARON.  The log is DIR/charon.log (filelog), charon's own
# stdout/stderr DIR/charon.out.
#
# Pitfalls this script encodes:
#  - this kernel has no ESP: only `-b libipsec` (the default) gets a
#    CHILD_SA installed; libipsec is tunnel mode only and always floats to
#    UDP 4500 (it fakes NAT-D), whatever --encap says.
#  - --allow-peer-ts (TS equal to the IKE peers, e.g. `198.51.100.2/32[gre]`)
#    always comes with the fwmark pair, never alone: alone it loops IKE and
#    ESP back into ipsec0 (a packet storm).
#  - chacha20poly1305 is not in the default ESP proposals: give --esp on
#    both sides.
# Exit status: 0 ok, 1 failure, 2 usage.
set -euo pipefail

PROG=swan-peer.sh
CHARON_DEFAULT=/usr/lib/ipsec/charon

die() { echo "$PROG: $*" >&2; exit 1; }
usage() { sed -n '5,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# now_ms: monotonic-enough milliseconds for deadlines.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# swanctl_dir DIR ARGS...: swanctl with the command first, then --uri (the
# order 5.9.8 wants), with this instance's configuration.
swanctl_dir() {
	local d=$1 cmd=$2; shift 2
	STRONGSWAN_CONF="$d/strongswan.conf" SWANCTL_DIR="$d/swanctl" \
		timeout 30 swanctl "$cmd" --uri "unix://$d/run/charon.vici" "$@"
}

pid_of() { [ -f "$1/charon.pid" ] && cat "$1/charon.pid" || true; }

is_running() {
	local p; p=$(pid_of "$1")
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

cmd_start() {
	local netns='' dir='' local_addr='' remote='' lid='' rid='' psk='' backend=libipsec
	local lts='' rts='' mode=tunnel encap=no ike=default esp=default start_action=none
	local peer_ts=no nodos=no loglevel=1 charon=$CHARON_DEFAULT keep=no initiate=no
	while [ $# -gt 0 ]; do
		case "$1" in
		-n) netns=$2; shift ;;
		-d) dir=$2; shift ;;
		-l) local_addr=$2; shift ;;
		-r) remote=$2; shift ;;
		-i) lid=$2; shift ;;
		-I) rid=$2; shift ;;
		-k) psk=$2; shift ;;
		-b) backend=$2; shift ;;
		--local-ts) lts=$2; shift ;;
		--remote-ts) rts=$2; shift ;;
		--mode) mode=$2; shift ;;
		--encap) encap=$2; shift ;;
		--ike) ike=$2; shift ;;
		--esp) esp=$2; shift ;;
		--start-action) start_action=$2; shift ;;
		--allow-peer-ts) peer_ts=yes ;;
		--no-dos-limits) nodos=yes ;;
		--loglevel) loglevel=$2; shift ;;
		--charon) charon=$2; shift ;;
		--keep-config) keep=yes ;;
		--initiate) initiate=yes ;;
		*) echo "$PROG start: unknown option $1" >&2; usage ;;
		esac
		shift
	done
	[ -n "$netns" ] && [ -n "$dir" ] && [ -n "$local_addr" ] && [ -n "$remote" ] &&
		[ -n "$lid" ] && [ -n "$rid" ] && [ -n "$psk" ] ||
		{ echo "$PROG start: -n -d -l -r -i -I -k are required" >&2; usage; }
	case "$backend" in libipsec|netlink) ;; *) die "-b: libipsec or netlink" ;; esac
	case "$mode" in tunnel|transport) ;; *) die "--mode: tunnel or transport" ;; esac
	case "$start_action" in none|trap|start) ;; *) die "--start-action: none, trap or start" ;; esac
	[ "$(id -u)" -eq 0 ] || die "needs root"
	ip netns list | awk '{print $1}' | grep -qx -- "$netns" || die "no namespace $netns"
	[ -x "$charon" ] || die "$charon missing (apt-get install strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-extra-plugins)"
	command -v swanctl >/dev/null || die "swanctl missing (apt-get install strongswan-swanctl)"

	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	is_running "$dir" && die "a charon already runs for $dir (pid $(pid_of "$dir"))"
	mkdir -p "$dir/run" "$dir/swanctl/conf.d"
	rm -f "$dir/run/charon.pid" "$dir/run/charon.vici"

	local load="random nonce openssl aes sha1 sha2 hmac gcm chapoly curve25519 gmp pem pkcs1 pkcs8 x509 pubkey revocation constraints kdf"
	if [ "$backend" = libipsec ]; then
		load="$load kernel-libipsec kernel-netlink socket-default vici"
	else
		load="$load kernel-netlink socket-default vici"
	fi
	local libipsec_conf='' fwmark_conf='' dos_conf=''
	if [ "$backend" = libipsec ]; then
		if [ "$peer_ts" = yes ]; then
			# allow_peer_ts without this fwmark pair is a routing loop.
			libipsec_conf="kernel-libipsec { allow_peer_ts = yes }"
			fwmark_conf="socket-default { fwmark = 0x5a }
        kernel-netlink { fwmark = !0x5a }"
		fi
	fi
	if [ "$nodos" = yes ]; then
		dos_conf="block_threshold = 100000
    cookie_threshold = 100000
    cookie_threshold_ip = 100000
    ikesa_table_size = 1024"
	fi
	if [ "$keep" = no ] || [ ! -f "$dir/strongswan.conf" ]; then
		cat >"$dir/strongswan.conf" <<EOF
# generated by $PROG
charon {
    load_modular = no
    load = $load
    port = 500
    port_nat_t = 4500
    install_virtual_ip = no
    $dos_conf
    ${SWAN_EXTRA_CHARON:-}
    plugins {
        vici { socket = unix://$dir/run/charon.vici }
        $libipsec_conf
        $fwmark_conf
    }
    filelog {
        main {
            path = $dir/charon.log
            time_format = %T
            time_add_ms = yes
            ike_name = yes
            append = no
            flush_line = yes
            default = $loglevel
        }
    }
    syslog { daemon { default = -1 } }
}
swanctl {
    socket = unix://$dir/run/charon.vici
    load = pem pkcs1 pkcs8 x509 pubkey
}
EOF
	fi
	if [ "$keep" = no ] || [ ! -f "$dir/swanctl/swanctl.conf" ]; then
		local ts_lines='' secret_ids=''
		[ -n "$lts" ] && ts_lines="local_ts = $lts"
		[ -n "$rts" ] && ts_lines="$ts_lines
                remote_ts = $rts"
		[ "$lid" != %any ] && secret_ids="id-local = $lid"
		[ "$rid" != %any ] && secret_ids="$secret_ids
        id-remote = $rid"
		cat >"$dir/swanctl/swanctl.conf" <<EOF
# generated by $PROG
connections {
    peer {
        version = 2
        local_addrs = $local_addr
        remote_addrs = $remote
        proposals = $ike
        encap = $encap
        local {
            auth = psk
            id = $lid
        }
        remote {
            auth = psk
            id = $rid
        }
        children {
            net {
                mode = $mode
                $ts_lines
                esp_proposals = $esp
                start_action = $start_action
            }
        }
    }
}
secrets {
    ike-peer {
        $secret_ids
        secret = "$psk"
    }
}
include conf.d/*.conf
EOF
		chmod 600 "$dir/swanctl/swanctl.conf"
	fi

	# A private /run for this charon (pidfile, VICI socket); with exec the
	# recorded pid is charon's own.
	ip netns exec "$netns" sh -c 'mount --bind "$1/run" /run && exec env STRONGSWAN_CONF="$1/strongswan.conf" "$2"' \
		sh "$dir" "$charon" >"$dir/charon.out" 2>&1 </dev/null &
	local pid=$!
	echo "$pid" >"$dir/charon.pid"
	echo "$netns" >"$dir/netns"

	local deadline=$(( $(now_ms) + 10000 ))
	until [ -S "$dir/run/charon.vici" ] && swanctl_dir "$dir" --stats >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 20 "$dir/charon.out" "$dir/charon.log" >&2 2>/dev/null || true
			die "charon in $netns exited during start-up"
		fi
		[ "$(now_ms)" -lt $deadline ] || { cmd_stop -d "$dir"; die "no VICI socket after 10 s"; }
		sleep 0.05
	done
	swanctl_dir "$dir" --load-all --file "$dir/swanctl/swanctl.conf" >"$dir/load.out" 2>&1 ||
		{ cat "$dir/load.out" >&2; cmd_stop -d "$dir"; die "swanctl --load-all failed"; }
	if [ "$initiate" = yes ]; then
		swanctl_dir "$dir" --initiate --child net --timeout 20 >"$dir/initiate.out" 2>&1 ||
			{ tail -n 5 "$dir/initiate.out" >&2; die "initiate failed (charon keeps running; see $dir/charon.log)"; }
	fi
	echo "$PROG: charon $pid in $netns, vici unix://$dir/run/charon.vici"
}

cmd_stop() {
	local dir=''
	while [ $# -gt 0 ]; do
		case "$1" in -d) dir=$2; shift ;; *) usage ;; esac
		shift
	done
	[ -n "$dir" ] || usage
	local pid; pid=$(pid_of "$dir")
	[ -n "$pid" ] || return 0
	if kill -TERM "$pid" 2>/dev/null; then
		local deadline=$(( $(now_ms) + 5000 ))
		while kill -0 "$pid" 2>/dev/null && [ "$(now_ms)" -lt $deadline ]; do sleep 0.05; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$dir/charon.pid"
}

cmd_ctl() {
	local dir=''
	while [ $# -gt 0 ]; do
		case "$1" in -d) dir=$2; shift ;; --) shift; break ;; *) usage ;; esac
		shift
	done
	[ -n "$dir" ] && [ $# -ge 1 ] || usage
	swanctl_dir "$dir" "$@"
}

cmd_status() {
	local dir=''
	while [ $# -gt 0 ]; do
		case "$1" in -d) dir=$2; shift ;; *) usage ;; esac
		shift
	done
	[ -n "$dir" ] || usage
	if is_running "$dir"; then
		echo "charon $(pid_of "$dir") running in $(cat "$dir/netns" 2>/dev/null)"
		swanctl_dir "$dir" --list-sas
	else
		echo "not running"
		return 1
	fi
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case "$cmd" in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
ctl) cmd_ctl "$@" ;;
status) cmd_status "$@" ;;
-h|--help|help) usage ;;
*) echo "$PROG: unknown command $cmd" >&2; usage ;;
esac
