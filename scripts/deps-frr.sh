#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Installs FRR (zebra, bgpd, bfdd, vtysh) for the FRR lab (tests/netns/frr.sh,
# t_frr_lab.sh) on Debian 12, idempotently.  Nothing happens when the package
# is installed; apt-get update runs only when it is missing.  The tests run
# the daemons by hand in their namespaces, never through the init system: if
# the package install started FRR (systemd or the frr init script), it is
# stopped again here, and only then.
set -euo pipefail

pkg=frr
dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps-frr.sh: package $pkg missing; run as root" >&2
	exit 1
fi
# What FRR runs before the install is not ours to stop: remember it.
frr_pids() {
	pgrep -x watchfrr 2>/dev/null || true
	for f in /run/frr/*.pid; do [ -f "$f" ] && cat "$f" 2>/dev/null; done || true
}
before=" $(frr_pids | tr '\n' ' ') "
echo "deps-frr.sh: installing $pkg"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
if [ -d /run/systemd/system ]; then
	systemctl stop frr 2>/dev/null || true
fi
# The package's init script may have started watchfrr and its daemons
# (zebra and staticd with the default /etc/frr/daemons): stop those only.
for p in $(frr_pids); do
	case $before in *" $p "*) continue ;; esac
	kill -TERM "$p" 2>/dev/null || true
done
exit 0
