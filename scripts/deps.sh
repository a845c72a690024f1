#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Installs what gripd's build, tests and lab need on Debian 12, idempotently:
# packages already present are not touched and apt-get update runs only when
# something is missing.  Usage: scripts/deps.sh [build|test|lab|bench]...
set -euo pipefail

want=(build-essential cmake pkg-config libnl-3-dev libnl-route-3-dev
	libnl-xfrm-3-dev libssl-dev libcap-dev iproute2 procps python3 socat
	iputils-ping)
for lane in "$@"; do
	case "$lane" in
	build) ;;
	test) want+=(clang libclang-rt-14-dev iperf3)
		interop=1 ;;
	lab) ;;
	bench) want+=(iperf3) ;;
	*) echo "deps.sh: unknown lane '$lane'" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages: ${missing[*]}; run as root" >&2
		exit 1
	fi
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The interop lane's independent decoders (tshark, scapy) and tcpdump.
if [ "${interop:-0}" = 1 ] && [ "$(id -u)" -eq 0 ]; then
	"$(dirname "$0")/deps-interop.sh"
	# Real FRR (zebra, bgpd, bfdd) for the zebra and FRR-lab tests.
	"$(dirname "$0")/deps-frr.sh"
fi

# The unprivileged user gripd runs as (gripd.conf(5) `user`).
if [ "$(id -u)" -eq 0 ] && ! getent passwd gripd >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin gripd
	echo "deps.sh: created system user gripd"
fi
