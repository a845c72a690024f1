#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
#   +---------------------------+                 +---------------------------+
#   | netns gtPID-aN            |      veth       | netns gtPID-bN            |
#   |  gripd -F (site a)        |  u0        u0   |  gripd -F (site b)        |
#   |  grip-b 10.0.0.1/30  ==== | 192.0.2.1 ----- | 192.0.2.2 ==== grip-a     |
#   |    2001:db8:100::1/64     |    ^            |    10.0.0.2/30            |
#   +---------------------------+    |            +---------------------------+
#                           tcpdump on a's u0 (the underlay)
#
# Proves that independent ESP implementations read the bytes gripd's
# userspace datapath puts on the wire.  For every case a fresh pair of
# namespaces, two gripds with manual SAs (p2p_conf), a capture started before
# the daemons, a ping through the tunnel, then tests/interop/esp_check.py:
#   wire    tshark without keys: only ESP/ARP/NAT-keepalive on the underlay
#           (no plain GRE, no plaintext ICMP), ESP sequence numbers 1, 2, 3...
#           per SPI;
#   tshark  tshark with the keys (uat:esp_sa): EVERY ESP packet dissects as
#           the whole chain (esp:gre:ip:icmp, esp:ip:gre:ip:icmp,
#           udp:udpencap:esp:...), esp.icv_good == 1 (GCM tag or HMAC), the
#           GRE key as configured, the echo requests/replies all there;
#   scapy   python3-scapy's ESP decrypts and authenticates every packet on
#           its own (the only check for ChaCha20-Poly1305: tshark 4.0 has
#           no ChaCha) and parses next header, GRE and the inner ICMP.
# A negative control shows both decoders reject a wrong key.
# docs/interop.md explains how to repeat a decode by hand; INTEROP_KEEP=DIR
# keeps every capture as DIR/CASE.pcap with its --sa arguments in DIR/CASE.sa.
. "$(dirname "$0")/../netns/lib.sh"
require_root

"$GRIPD_SRC/scripts/deps-interop.sh" >"$T/deps.log" 2>&1 || {
	echo "SKIP: could not install tshark/tcpdump/python3-scapy:"; cat "$T/deps.log"; exit 77
}
# scapy is a Debian package: use the interpreter it was installed for.
PY=/usr/bin/python3
$PY -c 'import scapy.layers.ipsec' 2>/dev/null || { echo "SKIP: $PY has no scapy"; exit 77; }
CHECK=("$PY" "$GRIPD_SRC/tests/interop/esp_check.py")
CHECK_SH=$(printf '%q ' "${CHECK[@]}")   # the same, for bash -c strings
ECHO=3          # pings per case
NCASE=0

# report SUBCOMMAND ARGS...: runs esp_check.py, turning its ok/FAIL lines
# into pass/fail; a checker that fails without a FAIL line (a traceback) fails.
report() {
	local line nfail=0
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) pass "$CASE: ${line#ok - }" ;;
		"FAIL - "*) fail "$CASE: ${line#FAIL - }"; nfail=$((nfail + 1)) ;;
		"exit "*) [ $nfail -gt 0 ] || fail "$CASE: esp_check.py $1 ${line} without a verdict" ;;
		*) echo "  $line" ;;
		esac
	done < <("${CHECK[@]}" "$@" 2>&1 || echo "exit $?")
}

# run_case NAME CIPHER MODE ENCAP INNER(4|6) TSHARK-OUTER-CHAIN [GRE-KEY]
run_case() {
	local name=$1 cipher=$2 mode=$3 encap=$4 inner=$5 outer=$6 grekey=${7:-}
	local idx=$((++NCASE))
	local A B d=$T/$name extra="" kab kba spi_ab spi_ba sas pa pb
	CASE=$name
	echo "# --- $name: $cipher, $mode mode, $encap ESP, IPv$inner inside${grekey:+, gre-key $grekey}"
	A=$(ns "a$idx"); B=$(ns "b$idx")
	# No IPv6 on the underlay (its ND/MLD would be plaintext ICMPv6 there);
	# the TUN gets IPv6 only when the case carries IPv6 inside.
	for n in "$A" "$B"; do nsx "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1; done
	veth "$A" u0 "$B" u0
	ip -n "$A" addr add 192.0.2.1/24 dev u0
	ip -n "$B" addr add 192.0.2.2/24 dev u0
	if [ "$inner" = 6 ]; then
		for n in "$A" "$B"; do nsx "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=0; done
	fi

	kab=$(key_hex "$cipher" "interop-$name-ab")
	kba=$(key_hex "$cipher" "interop-$name-ba")
	spi_ab=$(printf '0x%x' $(( 0xa000 + idx )))
	spi_ba=$(printf '0x%x' $(( 0xb000 + idx )))
	[ -n "$grekey" ] && extra=" gre-key $grekey"
	v6() { [ "$inner" = 6 ] && printf '%s\n tunnel-address 2001:db8:100::%s/64 peer 2001:db8:100::%s' "$extra" "$1" "$2" || printf '%s' "$extra"; }
	p2p_conf "$d/a" a 192.0.2.1 b 192.0.2.2 10.0.0.1/30 10.0.0.2 "$spi_ba" "$spi_ab" \
		"$kba" "$kab" "$cipher" "$mode" "$encap" "$(v6 1 2)"
	p2p_conf "$d/b" b 192.0.2.2 a 192.0.2.1 10.0.0.2/30 10.0.0.1 "$spi_ab" "$spi_ba" \
		"$kab" "$kba" "$cipher" "$mode" "$encap" "$(v6 2 1)"

	# The capture starts before either daemon, so it holds sequence number 1.
	tcpdump_start "$A" u0 "$d/underlay.pcap"
	start_gripd "$A" "$d/a"; pa=$GRIPD_PID
	start_gripd "$B" "$d/b"; pb=$GRIPD_PID
	check "$name: both tunnel interfaces up with their addresses" wait_for 5 bash -c \
		"ip -n $A -4 addr show dev grip-b | grep -q 10.0.0.1/30 &&
		 ip -n $B -4 addr show dev grip-a | grep -q 10.0.0.2/30"
	if [ "$inner" = 6 ]; then
		# DAD must finish on both TUNs before the address answers.
		local dad="! ip -n $A -6 addr show dev grip-b tentative | grep -q inet6 &&
			! ip -n $B -6 addr show dev grip-a tentative | grep -q inet6 &&
			ip -n $A -6 addr show dev grip-b | grep -q 2001:db8:100::1"
		check "$name: IPv6 inner addresses usable (DAD done)" wait_for 10 bash -c "$dad"
		check "$name: ping -6 through the tunnel" \
			nsx "$A" ping -6 -n -q -c $ECHO -i 0.2 -W 2 2001:db8:100::2
	else
		check "$name: ping through the tunnel" nsx "$A" ping -n -q -c $ECHO -i 0.2 -W 2 10.0.0.2
	fi
	tcpdump_stop
	stop_pid "$pa"; stop_pid "$pb"
	check "$name: no sanitizer report in the gripd logs" \
		bash -c "! grep -Eq 'Sanitizer|runtime error' '$d/a/gripd.log' '$d/b/gripd.log'"

	sas=(--sa "192.0.2.1,192.0.2.2,$spi_ab,$cipher,$kab" --sa "192.0.2.2,192.0.2.1,$spi_ba,$cipher,$kba")
	report wire "$d/underlay.pcap"
	if [ "$cipher" != chacha20poly1305 ]; then
		report tshark "$d/underlay.pcap" "${sas[@]}" --inner "$inner" \
			--outer "$outer" --echo $ECHO ${grekey:+--gre-key "$grekey"}
	else
		echo "  # tshark 4.0 cannot decrypt ChaCha20-Poly1305: scapy is the decoder"
	fi
	report scapy "$d/underlay.pcap" "${sas[@]}" --inner "$inner" \
		--mode "$mode" --echo $ECHO ${grekey:+--gre-key "$grekey"}
	if [ -n "${INTEROP_KEEP:-}" ]; then   # for decoding by hand (docs/interop.md)
		mkdir -p "$INTEROP_KEEP"
		cp "$d/underlay.pcap" "$INTEROP_KEEP/$name.pcap"
		echo "${sas[*]}" >"$INTEROP_KEEP/$name.sa"
	fi
	LAST_PCAP=$d/underlay.pcap
	LAST_SAS=("${sas[@]}")
}

#        name            cipher            mode      encap inner tshark chain after ip:
run_case gcm128-trn-raw  aes128gcm16       transport raw   4     esp:gre
# negative control on the first capture: a wrong key must fail both decoders
bad=(--sa "${LAST_SAS[1]%,*},$(key_hex aes128gcm16 wrong)" --sa "${LAST_SAS[3]}")
CASE=negative
check "negative: tshark check rejects a wrong key" \
	bash -c "! $CHECK_SH tshark '$LAST_PCAP' $(printf '%q ' "${bad[@]}") --outer esp:gre --echo $ECHO >'$T/neg-tshark.log' 2>&1 &&
		grep -q 'FAIL - tshark: every ICV verified' '$T/neg-tshark.log'"
check "negative: scapy check rejects a wrong key" \
	bash -c "! $CHECK_SH scapy '$LAST_PCAP' $(printf '%q ' "${bad[@]}") --mode transport --echo $ECHO >'$T/neg-scapy.log' 2>&1 &&
		grep -q 'integrity check failed' '$T/neg-scapy.log'"
# ... and the wire check must see plain GRE: the first capture plus one
# unencrypted GRE/ICMP packet written by scapy.
$PY - "$LAST_PCAP" "$T/leak.pcap" <<'EOF'
import sys
from scapy.all import rdpcap, wrpcap, Ether, IP, GRE, ICMP
p = rdpcap(sys.argv[1])
wrpcap(sys.argv[2], list(p) + [Ether() / IP(src="192.0.2.1", dst="192.0.2.2") / GRE() /
                               IP(src="10.0.0.1", dst="10.0.0.2") / ICMP()])
EOF
check "negative: wire check reports a plain GRE packet" \
	bash -c "! $CHECK_SH wire '$T/leak.pcap' >'$T/neg-wire.log' 2>&1 &&
		grep -q 'FAIL - wire: no plain GRE or plaintext ICMP' '$T/neg-wire.log'"
run_case gcm256-tun-raw  aes256gcm16       tunnel    raw   4     esp:ip:gre
run_case gcm128-trn-udp  aes128gcm16       transport udp   4     udp:udpencap:esp:gre
run_case cbc-tun-udp     aes128-sha256     tunnel    udp   4     udp:udpencap:esp:ip:gre
run_case gre-key-42      aes128gcm16       transport raw   4     esp:gre 42
run_case ipv6-inner      aes256gcm16       transport raw   6     esp:gre
run_case chacha-trn-raw  chacha20poly1305  transport raw   4     -
run_case chacha-tun-udp  chacha20poly1305  tunnel    udp   4     -

finish
