#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Checks a capture of gripd's underlay with two independent ESP decoders.

Three subcommands, each reading one pcap and printing TAP-like lines
("ok - ..." / "FAIL - ..." / "# ...") that t_tshark_esp.sh counts:

  wire PCAP      tshark WITHOUT keys: every frame on the underlay is ARP,
                 ESP (IP protocol 50 or ESP-in-UDP 4500) or a NAT keepalive,
                 so no plain GRE and no plaintext ICMP leaks; the ESP sequence
                 numbers of every SPI are 1, 2, 3, ... in capture order.
  tshark PCAP    tshark WITH the manual keys (uat:esp_sa): every ESP frame
                 decrypts to the whole expected protocol chain, its ICV (GCM
                 tag or HMAC) is good, the GRE key is as configured, and the
                 capture holds the expected number of echo requests/replies.
  scapy PCAP     python3-scapy's ESP SecurityAssociation decrypts and
                 authenticates every ESP packet itself (the only decoder for
                 ChaCha20-Poly1305, which tshark 4.0 lacks) and parses the
                 plaintext: next header, GRE header, inner IPv4/IPv6 ICMP.

--sa SRC,DST,SPI,CIPHER,KEYHEX is one SA per direction, CIPHER in gripd's
names and KEYHEX the key file's contents (gripd.conf(5) manual-sa).
"""

import argparse
import os
import re
import shlex
import struct
import subprocess
import sys
import tempfile

# gripd cipher -> (tshark encryption name, enc key bytes, tshark auth name,
# scapy crypt_algo, scapy auth_algo).  Key bytes include the 4-byte salt for
# the AEADs (RFC 4106 section 8.1, RFC 7634 section 2); for CBC the key
# file is enc key || 32-byte HMAC key.
CIPHERS = {
    "aes128gcm16": ("AES-GCM with 16 octet ICV [RFC4106]", 20, "NULL", "AES-GCM", "NULL"),
    "aes256gcm16": ("AES-GCM with 16 octet ICV [RFC4106]", 36, "NULL", "AES-GCM", "NULL"),
    "chacha20poly1305": (None, 36, None, "CHACHA20-POLY1305", "NULL"),
    "aes128-sha256": ("AES-CBC [RFC3602]", 16, "HMAC-SHA-256-128 [RFC4868]", "AES-CBC", "SHA2-256-128"),
    "aes256-sha256": ("AES-CBC [RFC3602]", 32, "HMAC-SHA-256-128 [RFC4868]", "AES-CBC", "SHA2-256-128"),
}

IPPROTO_IPIP, IPPROTO_GRE, IPPROTO_IPV6, IPPROTO_ESP = 4, 47, 41, 50
ADJ_PORT = 7913  # gripd's hello/update protocol, inner UDP (gripd.conf(5))

fails = 0


def ok(msg):
    print("ok - " + msg)


def fail(msg):
    global fails
    fails += 1
    print("FAIL - " + msg)


def check(cond, msg):
    (ok if cond else fail)(msg)
    return cond


class SA:
    def __init__(self, spec):
        f = spec.split(",")
        if len(f) != 5 or f[3] not in CIPHERS:
            raise SystemExit("esp_check: bad --sa %r" % spec)
        self.src, self.dst, self.cipher = f[0], f[1], f[3]
        self.spi = int(f[2], 0)
        self.key = bytes.fromhex(f[4].strip())
        self.enc_len = CIPHERS[self.cipher][1]
        if self.cipher.endswith("sha256"):
            want = self.enc_len + 32
        else:
            want = self.enc_len
        if len(self.key) != want:
            raise SystemExit("esp_check: %s key is %d bytes, want %d" % (self.cipher, len(self.key), want))

    def uat(self):
        enc, n, auth = CIPHERS[self.cipher][:3]
        ak = "0x" + self.key[n:].hex() if auth != "NULL" else ""
        fam = "IPv6" if ":" in self.src else "IPv4"
        return '"%s","%s","%s","0x%08x","%s","0x%s","%s","%s"' % (
            fam, self.src, self.dst, self.spi, enc, self.key[:n].hex(), auth, ak)


def tshark(pcap, fields, sas=()):
    """Runs tshark on pcap; returns one list of field strings per frame."""
    home = tempfile.mkdtemp(prefix="esp_check.")  # no personal esp_sa tables
    cmd = ["tshark", "-n", "-r", pcap]
    if sas:
        cmd += ["-o", "esp.enable_encryption_decode:TRUE",
                "-o", "esp.enable_authentication_check:TRUE"]
        for sa in sas:
            cmd += ["-o", "uat:esp_sa:" + sa.uat()]
    # udpencap is automatic on port 4500; occurrence=a keeps every
    # occurrence (outer and inner IP headers), comma-separated.
    cmd += ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    print("# " + " ".join(shlex.quote(c) for c in cmd))
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    os.rmdir(home)
    err = [l for l in p.stderr.splitlines() if l and "Running as user" not in l]
    if p.returncode != 0 or err:
        fail("tshark ran cleanly (rc=%d): %s" % (p.returncode, " | ".join(err)[:400]))
        return []
    rows = []
    for line in p.stdout.splitlines():
        v = line.split("\t")
        rows.append(v + [""] * (len(fields) - len(v)))
    return rows


def check_sequence(seqs, what):
    """seqs: {spi: [seq, ...]} in capture order; RFC 4303 section 3.3.3."""
    check(len(seqs) >= 2, "%s: ESP in both directions (SPIs %s)" % (what, ", ".join("0x%08x" % s for s in sorted(seqs))))
    for spi in sorted(seqs):
        s = seqs[spi]
        bad = [(i + 1, v) for i, v in enumerate(s) if v != i + 1]
        check(not bad, "%s: SPI 0x%08x sequence numbers 1..%d consecutive%s" % (
            what, spi, len(s), "" if not bad else " (first wrong: packet %d has %d)" % bad[0]))


# --- wire: tshark without keys ------------------------------------------------

def cmd_wire(a):
    rows = tshark(a.pcap, ["frame.number", "frame.protocols", "esp.spi", "esp.sequence", "udpencap.nat_keepalive",
                           "icmp.type", "icmp.code"])
    esp_re = re.compile(r"^eth:ethertype:ip(v6)?:(udp:udpencap:)?esp$")
    # A kernel's "protocol/port unreachable" for ESP that reached a peer
    # whose gripd was not listening yet: it quotes ESP, no plaintext.
    unreach_re = re.compile(r"^eth:ethertype:ip:icmp:ip:(udp:udpencap:)?esp(:|$)")
    seqs, other, esp, keepalives, unreach = {}, [], 0, 0, []
    for num, protos, spi, seq, ka, it, ic in rows:
        if esp_re.match(protos):
            esp += 1
            seqs.setdefault(int(spi, 0), []).append(int(seq))
        elif protos == "eth:ethertype:arp":
            pass
        elif protos == "eth:ethertype:ip:udp:udpencap" and ka:
            keepalives += 1  # RFC 3948 section 2.3: one 0xff byte
        elif unreach_re.match(protos) and it == "3" and ic in ("2", "3"):
            unreach.append(num)
        else:
            other.append("frame %s %s" % (num, protos))
    check(esp > 0, "wire: %d ESP packets captured (%d NAT keepalives)" % (esp, keepalives))
    if unreach:
        print("# note: frames %s are ICMP unreachable from a kernel quoting ESP "
              "(sent before the peer's gripd listened); they carry no plaintext" % ",".join(unreach))
    check(not other, "wire: nothing but ESP/ARP/NAT-keepalive on the underlay%s" % (
        "" if not other else " - LEAK: " + "; ".join(other[:5])))
    leaks = [r for r in rows if r[0] not in unreach and re.search(r":(gre|icmp|icmpv6)(:|$)", r[1])]
    check(not leaks, "wire: no plain GRE or plaintext ICMP%s" % (
        "" if not leaks else " - frames " + ",".join(r[0] for r in leaks[:10])))
    check_sequence(seqs, "wire")


# --- tshark with keys ---------------------------------------------------------

def cmd_tshark(a):
    sas = [SA(s) for s in a.sa]
    for sa in sas:
        if CIPHERS[sa.cipher][0] is None:
            raise SystemExit("esp_check: tshark cannot decrypt %s" % sa.cipher)
    fields = ["frame.number", "frame.protocols", "esp.spi", "esp.sequence", "esp.icv_good", "esp.icv_bad",
              "gre.key", "icmp.type", "icmpv6.type", "udp.port"]
    rows = tshark(a.pcap, fields, sas)
    outer = "eth:ethertype:ip:" + a.outer       # e.g. ip:udp:udpencap:esp:ip:gre
    # The case's ICMP (MLD comes with a hop-by-hop header), or adjacency UDP.
    inner = r"(ip:icmp|ip:udp)" if a.inner == "4" else r"(ipv6:(?:ipv6\.hopopts:)?icmpv6|ip:udp)"
    chain_re = re.compile("^" + re.escape(outer) + ":" + inner + "(:|$)")
    n, bad_chain, bad_icv, bad_key, adj = 0, [], [], [], 0
    echo = {"req": 0, "rep": 0}
    for num, protos, spi, seq, good, badicv, key, it, i6t, ports in rows:
        if ":esp" not in protos or protos.startswith("eth:ethertype:ip:icmp:"):
            continue  # not ESP, or an ICMP error quoting ESP ("wire" judges it)
        n += 1
        m = chain_re.match(protos)
        if not m:
            bad_chain.append("frame %s %s" % (num, protos))
        elif m.group(1) == "ip:udp":
            # The adjacency protocol may share the tunnel; anything else
            # inside UDP is unexpected.
            if str(ADJ_PORT) in ports.split(",")[-2:]:
                adj += 1
            else:
                bad_chain.append("frame %s %s ports %s" % (num, protos, ports))
        # A wrong key still dissects and a refused decrypt leaves both
        # flags 0: demand icv_good == 1 (research/tshark-esp.md).
        if good not in ("1", "True") or badicv in ("1", "True"):
            bad_icv.append("frame %s spi %s seq %s good=%r bad=%r" % (num, spi, seq, good, badicv))
        if (int(key, 0) if key else None) != a.gre_key:
            bad_key.append("frame %s gre.key=%r" % (num, key))
        t = it if a.inner == "4" else i6t
        t = t.split(",")[-1] if t else ""
        if t in ("8", "128"):
            echo["req"] += 1
        elif t in ("0", "129"):
            echo["rep"] += 1
    want = outer + ":" + ("ip:icmp" if a.inner == "4" else "ipv6:icmpv6")
    check(n > 0, "tshark: %d ESP packets decrypted" % n)
    check(not bad_chain, "tshark: every ESP packet dissects as ...%s%s%s" % (
        want[len("eth:ethertype:"):], " (%d adjacency UDP)" % adj if adj else "",
        "" if not bad_chain else " - WRONG: " + "; ".join(bad_chain[:5])))
    check(not bad_icv, "tshark: every ICV verified (esp.icv_good == 1)%s" % (
        "" if not bad_icv else " - BAD: " + "; ".join(bad_icv[:5])))
    check(not bad_key, "tshark: gre.key %s on every packet%s" % (
        "absent" if a.gre_key is None else "== %d" % a.gre_key,
        "" if not bad_key else " - WRONG: " + "; ".join(bad_key[:5])))
    check(echo["req"] == a.echo and echo["rep"] == a.echo, "tshark: %d echo requests and %d replies inside (want %d each)" % (
        echo["req"], echo["rep"], a.echo))


# --- scapy --------------------------------------------------------------------

def esp_payloads(pcap):
    """Yields (frame number, outer src, outer dst, ESP bytes) of every ESP packet."""
    from scapy.all import rdpcap, IP, IPv6, UDP
    for i, p in enumerate(rdpcap(pcap), 1):
        ip = p.getlayer(IP) or p.getlayer(IPv6)
        if ip is None:
            continue
        proto = ip.proto if ip.version == 4 else ip.nh
        if proto == IPPROTO_ESP:
            yield i, ip.src, ip.dst, bytes(ip.payload)
        elif proto == 17 and p[UDP].dport == 4500:
            b = bytes(p[UDP].payload)
            # RFC 3948 section 2.2/2.3: keepalive 0xff, IKE has a zero marker
            if len(b) > 4 and b[:4] != b"\0\0\0\0":
                yield i, ip.src, ip.dst, b


def parse_gre(b):
    """RFC 2784/2890 header -> (protocol type, key or None, payload)."""
    if len(b) < 4:
        raise ValueError("GRE header truncated")
    flags, ptype = struct.unpack("!HH", b[:4])
    if flags & 0x0007:
        raise ValueError("GRE version %d" % (flags & 7))
    off, key = 4, None
    if flags & 0x8000:
        off += 4  # checksum + reserved1
    if flags & 0x2000:
        key = struct.unpack("!I", b[off:off + 4])[0]
        off += 4
    if flags & 0x1000:
        off += 4
    return ptype, key, b[off:]


def esp_trailer(ssa, esp):
    """The last bytes of the plaintext (pad, pad length, next header), from
    scapy's cipher objects; raises if decryption fails."""
    algo, b = ssa.crypt_algo, bytes(esp.data)
    icv = algo.icv_size or ssa.auth_algo.icv_size
    iv, ct = b[:algo.iv_size], b[algo.iv_size:len(b) - icv]
    mode_iv = algo._format_mode_iv(sa=ssa, iv=iv)
    if algo.ciphers_aead_api:
        aad = struct.pack("!II", esp.spi, esp.seq)
        return algo.cipher(ssa.crypt_key).decrypt(mode_iv, ct + b[len(b) - icv:], aad)[-257:]
    d = algo.new_cipher(ssa.crypt_key, mode_iv).decryptor()
    return (d.update(ct) + d.finalize())[-257:]


def cmd_scapy(a):
    from scapy.layers.ipsec import SecurityAssociation, ESP, IPSecIntegrityError
    from scapy.all import IP, IPv6, ICMP
    from scapy.layers.inet6 import ICMPv6EchoRequest, ICMPv6EchoReply
    sas = {}
    for spec in a.sa:
        sa = SA(spec)
        _, n, _, calgo, aalgo = CIPHERS[sa.cipher]
        kw = dict(crypt_algo=calgo, crypt_key=sa.key[:n])
        if aalgo != "NULL":
            kw.update(auth_algo=aalgo, auth_key=sa.key[n:])
        sas[sa.spi] = (sa, SecurityAssociation(ESP, spi=sa.spi, **kw))
    print("# scapy SecurityAssociation: " + "; ".join(
        "0x%08x %s%s" % (spi, s.crypt_algo.name, "" if s.auth_algo.name == "NULL" else "+" + s.auth_algo.name)
        for spi, (_, s) in sorted(sas.items())))
    n, bad, seqs = 0, [], {}
    echo = {"req": 0, "rep": 0}
    for num, src, dst, b in esp_payloads(a.pcap):
        n += 1
        spi, seq = struct.unpack("!II", b[:8])
        seqs.setdefault(spi, []).append(seq)
        if spi not in sas:
            bad.append("frame %d: unknown SPI 0x%08x" % (num, spi))
            continue
        sa, ssa = sas[spi]
        if (src, dst) != (sa.src, sa.dst):
            bad.append("frame %d: SPI 0x%08x from %s to %s, want %s to %s" % (num, spi, src, dst, sa.src, sa.dst))
        esp = ESP(b)
        try:
            if ssa.auth_algo.name != "NULL":
                ssa.auth_algo.verify(esp, ssa.auth_key)  # HMAC over SPI..pad
            plain = ssa.crypt_algo.decrypt(ssa, esp, ssa.crypt_key,
                                           ssa.crypt_algo.icv_size or ssa.auth_algo.icv_size)
        except IPSecIntegrityError as e:
            bad.append("frame %d: SPI 0x%08x seq %d: integrity check failed (%s)" % (num, spi, seq, e))
            continue
        except Exception as e:  # bad padding etc.
            bad.append("frame %d: SPI 0x%08x seq %d: decrypt: %r" % (num, spi, seq, e))
            continue
        # RFC 4303 section 2.4: pad bytes are 1, 2, 3, ...  scapy 2.5.0
        # slices _ESPPlain.padding after cutting it off (ipsec.py decrypt),
        # so the trailer is read from the plaintext again here.
        pad = esp_trailer(ssa, esp)[:-2][-plain.padlen:] if plain.padlen else b""
        if pad != bytes(range(1, plain.padlen + 1)):
            bad.append("frame %d: pad bytes %s, want 01 02 ..." % (num, pad.hex()))
        data, nh = bytes(plain.data), plain.nh
        try:
            if a.mode == "tunnel":
                if nh != IPPROTO_IPIP and nh != IPPROTO_IPV6:
                    raise ValueError("tunnel mode next header %d, want 4 or 41" % nh)
                tip = IP(data) if nh == IPPROTO_IPIP else IPv6(data)
                if (tip.proto if nh == IPPROTO_IPIP else tip.nh) != IPPROTO_GRE:
                    raise ValueError("tunnel-mode inner IP carries protocol %r, want GRE" % tip.summary())
                data = bytes(tip.payload)
            elif nh != IPPROTO_GRE:
                raise ValueError("transport mode next header %d, want 47 (GRE)" % nh)
            ptype, key, payload = parse_gre(data)
            if key != a.gre_key:
                raise ValueError("GRE key %r, want %r" % (key, a.gre_key))
            if ptype == 0x0800:
                ip = IP(payload)
                if ip.proto == 1 and ICMP in ip:
                    t = ip[ICMP].type
                    if t not in (0, 8):
                        raise ValueError("inner ICMP type %d" % t)
                    echo["req" if t == 8 else "rep"] += 1
                elif ip.proto == 17 and ADJ_PORT in (ip.sport, ip.dport):
                    pass  # adjacency hello/update
                else:
                    raise ValueError("inner IPv4 %s" % ip.summary())
            elif ptype == 0x86DD and a.inner == "6":
                ip = IPv6(payload)
                if ICMPv6EchoRequest in ip:
                    echo["req"] += 1
                elif ICMPv6EchoReply in ip:
                    echo["rep"] += 1
                elif ip.nh not in (58, 0):  # ND/RS, MLD (behind hop-by-hop)
                    raise ValueError("inner IPv6 %s" % ip.summary())
            else:
                raise ValueError("GRE protocol type 0x%04x" % ptype)
        except Exception as e:
            bad.append("frame %d: SPI 0x%08x seq %d: %s" % (num, spi, seq, e))
    mode = "ESP(%s)%s -> GRE%s -> IPv%s ICMP" % (a.mode, " -> IP" if a.mode == "tunnel" else "",
                                               "" if a.gre_key is None else "(key %d)" % a.gre_key, a.inner)
    check(n > 0, "scapy: %d ESP packets in the capture" % n)
    check(not bad, "scapy: every packet authenticates, decrypts and parses as %s%s" % (
        mode, "" if not bad else " - BAD: " + "; ".join(bad[:5])))
    check(echo["req"] == a.echo and echo["rep"] == a.echo, "scapy: %d echo requests and %d replies (want %d each)" % (
        echo["req"], echo["rep"], a.echo))
    check_sequence(seqs, "scapy")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wire")
    w.add_argument("pcap")
    for name in ("tshark", "scapy"):
        s = sub.add_parser(name)
        s.add_argument("pcap")
        s.add_argument("--sa", action="append", required=True, help="SRC,DST,SPI,CIPHER,KEYHEX")
        s.add_argument("--inner", choices=("4", "6"), default="4")
        s.add_argument("--gre-key", type=lambda v: int(v, 0))
        s.add_argument("--echo", type=int, required=True, help="expected echo requests (and replies)")
        if name == "tshark":
            s.add_argument("--outer", required=True, help="chain after eth:ethertype:ip:, e.g. esp:gre")
        else:
            s.add_argument("--mode", choices=("transport", "tunnel"), required=True)
    a = p.parse_args()
    {"wire": cmd_wire, "tshark": cmd_tshark, "scapy": cmd_scapy}[a.cmd](a)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
