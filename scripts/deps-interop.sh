#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Installs what the interop lane (tests/interop) needs on Debian 12,
# idempotently: tshark (without the setuid dumpcap question), tcpdump and
# python3-scapy, python3-cryptography (crafted ESP in the netns tests).  Packages already installed are not touched; apt-get update
# runs only when something is missing.  scripts/deps.sh may call this.
set -euo pipefail

want=(tshark tcpdump python3-scapy python3-cryptography)
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps-interop.sh: missing packages: ${missing[*]}; run as root" >&2
	exit 1
fi
echo "deps-interop.sh: installing ${missing[*]}"
# Answer wireshark-common's "non-superusers capture?" question: no.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
