#!/usr/bin/env python3
"""Write the hand-made seed inputs of the fuzz corpora (tests/fuzz/corpus/fuzz_*/seed-*).

Deterministic: running it again rewrites the same files. Inputs the fuzzer found are kept
beside these under other names. Usage: python3 tests/fuzz/mkseeds.py [corpus-dir]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ---- DNS ------------------------------------------------------------------------------

def name(s):
    out = b""
    for label in s.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(id_, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", id_, flags, qd, an, ns, ar)


def opt(udp=1232, do=False, options=b"", ttl=None):
    ttl = (0x8000 if do else 0) if ttl is None else ttl
    return b"\0" + struct.pack("!HHIH", 41, udp, ttl, len(options)) + options


def option(code, data):
    return struct.pack("!HH", code, len(data)) + data


# EDNS options a client or a server may identify itself with, and padding (RFC 7830)
COOKIE = option(10, bytes(range(8)))
ECS = option(8, b"\0\1\x18\0\xc6\x33\x64")
NSID = option(3, b"")
MAC_HEX = option(65001, b"\x02\x42\xac\x11\x00\x02")
MAC_B64 = option(65073, b"AkKsEQAC")
PADDING = option(12, bytes(20))
TSIG = name("key.example") + struct.pack("!HHIH", 250, 255, 0, 6) + bytes(6)


def query(qname, qtype=1, id_=0x1234, edns=None, do=False, flags=0x0100):
    m = header(id_, flags, ar=1 if edns else 0) + name(qname) + struct.pack("!HH", qtype, 1)
    if edns:
        m += opt(edns, do)
    return m


def rr(owner, rtype, rdata, ttl=300, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


PTR_Q = b"\xc0\x0c"  # pointer to the question name


def answer(qname, qtype, records, id_=0x1234, ns=(), ar=(), flags=0x8180):
    m = header(id_, flags, an=len(records), ns=len(ns), ar=len(ar))
    m += name(qname) + struct.pack("!HH", qtype, 1)
    for r in list(records) + list(ns) + list(ar):
        m += r
    return m


def txt(s):
    b = s.encode()
    return bytes([len(b)]) + b


queries = {
    "a": query("www.example.com"),
    "aaaa-edns": query("www.example.com", 28, edns=1232),
    "mx-do": query("example.org", 15, edns=4096, do=True),
    "txt-small-edns": query("Example.ORG", 16, edns=100),
    "root-ns": query(".", 2),
    "srv": query("_xmpp-client._tcp.example.net", 33, edns=1232, do=True),
    "name255": query(".".join(["a" * 63] * 3 + ["b" * 61]), 1),
    "opt-cookie": header(7, 0, ar=1) + name("a.b") + struct.pack("!HH", 1, 1)
    + opt(1400, True, struct.pack("!HH", 10, 8) + bytes(range(8))),
    "qr-set": query("x.example", flags=0x8100),
    "opcode-notify": query("x.example", flags=0x2000),
    "two-opts": header(1, 0, ar=2) + name("x.example") + b"\0\1\0\1" + opt() + opt(4096),
    "ptr-loop": header(1, 0) + b"\xc0\x0c\0\1\0\1",
    "label-0x40": header(1, 0) + b"\x40" + b"a" * 64 + b"\0\0\1\0\1",
    "trailing": query("x.example") + b"\0",
    # what dns_sanitize_query strips: header flags, OPT flags, options, extra records
    "chatty": header(0xbeef, 0x07f0, ar=2) + name("www.Example.com") + b"\0\x1c\0\1"
    + opt(1400, ttl=0x00009234, options=COOKIE + ECS + NSID + MAC_HEX + PADDING + MAC_B64)
    + TSIG,
    "tsig-then-opt": header(1, 0x0100, ar=2) + name("a.example") + b"\0\1\0\1" + TSIG
    + opt(4096, True, PADDING),
    "opt-version-rcode": header(2, 0x0100, ar=1) + name("a.example") + b"\0\1\0\1"
    + opt(512, ttl=0x01027fff),
    "opt-owner-pointer": header(3, 0x0100, ar=1) + name("a.example") + b"\0\1\0\1"
    + b"\xc0\x0c" + opt(1232)[1:],
    "opt-bad-option": header(4, 0x0100, ar=1) + name("a.example") + b"\0\1\0\1"
    + opt(1232, options=b"\0\x0c\0\x05\0\0\0\0"),
    "tsig-only": header(5, 0x0100, ar=1) + name("a.example") + b"\0\1\0\1" + TSIG,
    # names under the fuzzer's allow-private lines
    "allowed-corp": query("intranet.corp.example", 1, edns=1232),
    "allowed-ptr": query("7.1.168.192.in-addr.arpa", 12),
    "not-allowed": query("xcorp.example", 1),
}
for k, v in queries.items():
    write("fuzz_dns_query", k, v)

a_rrs = [rr(PTR_Q, 1, bytes([192, 0, 2, i])) for i in (1, 2)]
big_txt = [rr(PTR_Q, 16, txt(chr(ord("a") + i) * 100)) for i in range(20)]
answers = {
    "a-compressed": answer("www.example.com", 1, a_rrs),
    "cname-chain": answer("www.example.com", 1,
                          [rr(PTR_Q, 5, b"\3web\xc0\x10"),
                           rr(b"\xc0\x2d", 1, bytes([198, 51, 100, 7]))]),
    "mx-ns-additional": answer("example.org", 15, [rr(PTR_Q, 15, b"\0\x0a\4mail\xc0\x0c")],
                               ns=[rr(PTR_Q, 2, b"\3ns1\xc0\x0c")],
                               ar=[rr(b"\xc0\x2b", 1, bytes([203, 0, 113, 5])), opt(1232, True)]),
    "big-txt": answer("big.example", 16, big_txt),
    "big-txt-opt": answer("big.example", 16, big_txt, ar=[opt(4096, True)]),
    "servfail-opt": answer("x.example", 1, [], ar=[opt(1232)], flags=0x8182),
    "nxdomain-soa": answer("nx.example", 1, [], flags=0x8183,
                           ns=[rr(b"\7example\0", 6, b"\2ns\xc0\x0f\4host\xc0\x0f"
                                  + struct.pack("!IIIII", 1, 2, 3, 4, 5))]),
    "opt-then-rr": answer("big.example", 16, big_txt[:5], ar=[opt(1232), rr(PTR_Q, 16, txt("z"))]),
    # private addresses among public ones, behind a compressed CNAME (for dns_filter_private)
    "private-mixed": answer("www.example.com", 1,
                            [rr(PTR_Q, 5, b"\3web\xc0\x10"),
                             rr(b"\xc0\x2d", 1, bytes([10, 0, 0, 1])),
                             rr(b"\xc0\x2d", 1, bytes([93, 184, 216, 34])),
                             rr(b"\xc0\x2d", 1, bytes([192, 168, 1, 1]))],
                            ns=[rr(b"\xc0\x10", 2, b"\3ns1\xc0\x10")],
                            ar=[rr(b"\3ns1\xc0\x10", 28, bytes(15) + b"\1"), opt(1232, True)]),
}
answers.update({
    # EDNS of the server's: COOKIE and NSID go, padding stays, Z flags go, ext rcode stays
    "edns-options": answer("www.example.com", 1, a_rrs,
                           ar=[opt(1232, ttl=0x01008042, options=option(10, bytes(24))
                                   + option(12, bytes(9)) + option(3, b"nsid"))]),
    "edns-padding-only": answer("www.example.com", 1, a_rrs, ar=[opt(1232, True, PADDING)]),
    "edns-bad-option": answer("www.example.com", 1, a_rrs,
                              ar=[opt(1232, options=b"\0\x0c\0\x05\0\0\0\0")]),
    "private-and-edns": answer("www.example.com", 1,
                               [rr(PTR_Q, 1, bytes([10, 0, 0, 1])),
                                rr(PTR_Q, 1, bytes([192, 0, 2, 1])),
                                rr(PTR_Q, 5, b"\1w\xc0\x0c"),
                                rr(PTR_Q, 15, b"\0\1\1m\xc0\x10")],
                               ns=[rr(b"\xc0\x10", 6, b"\2ns\xc0\x10\4host\xc0\x10"
                                      + struct.pack("!IIIII", 1, 2, 3, 4, 5))],
                               ar=[opt(1232, ttl=0x8100, options=COOKIE + PADDING + NSID)]),
    "mx-short-rdata": answer("www.example.com", 1, [rr(PTR_Q, 1, bytes([10, 0, 0, 1])),
                                                    rr(PTR_Q, 15, b"\0")]),
})
# limit, output cap (65535: the daemon's), what (1 private, 2 EDNS), question mode and argument
variants = [(512, 65535, 3, 0, 0), (1232, 65535, 1, 0, 0), (40, 300, 2, 0, 0),
            (65535, 65535, 3, 1, 28), (512, 100, 3, 2, 0), (1232, 65535, 3, 3, 17)]
for k, v in answers.items():
    for limit, cap, what, mode, arg in variants:
        write("fuzz_dns_answer", "%s-l%d-c%d-w%d-m%d" % (k, limit, cap, what, mode),
              struct.pack("!HHBBH", limit, cap, what | mode << 2, arg, 0x4242) + v)
# room for the SOA's names, not for the 20 bytes after them
write("fuzz_dns_answer", "private-and-edns-soa-cap",
      struct.pack("!HHBBH", 512, 215, 1, 0, 0x4242) + answers["private-and-edns"])

# ---- replies --------------------------------------------------------------------------
# byte 0: bit 0 IPv6, bit 1 no limit; 1-2 limit; 3-4 copies of the chunk; 5 chunk length;
# 6 tail length; 7-10 ports; then head, chunk, tail


def reply_seed(flags, limit, head, chunk=b"", copies=0, tail=b""):
    return struct.pack("!BHHBBHH", flags, limit, copies, len(chunk), len(tail), 53, 40000) \
        + head + chunk + tail


CHUNK = rr(PTR_Q, 16, txt("t" * 242))  # 255 bytes, the longest chunk
# 239 bytes of head: 65535 copies of CHUNK are cut to 256, and the answer to 65519 bytes
# (65530 with an OPT after them): near what IPv6 (65527) and IPv4 (65507) can carry
big_head = answer("big.example", 16, [rr(PTR_Q, 16, txt("h" * 197))])
replies = {}
for fam, fl in (("v4", 0), ("v6", 1)):
    for limit in (512, 1232, 65535):
        replies["%s-small-%d" % (fam, limit)] = reply_seed(fl, limit, answers["a-compressed"])
        replies["%s-big-txt-opt-%d" % (fam, limit)] = reply_seed(fl, limit, answers["big-txt-opt"])
    replies["%s-64k-opt" % fam] = reply_seed(fl, 65535, big_head, CHUNK, 0xffff, opt(65535, True))
    replies["%s-64k-nolimit" % fam] = reply_seed(fl | 2, 0, big_head, CHUNK, 0xffff)
    replies["%s-64k-1232" % fam] = reply_seed(fl, 1232, big_head, CHUNK, 0xffff, opt(1232))
    replies["%s-64k-512" % fam] = reply_seed(fl, 512, big_head, CHUNK, 300)
    replies["%s-garbage" % fam] = reply_seed(fl, 100, bytes(range(256)))
for k, v in replies.items():
    write("fuzz_reply", k, v)

# ---- packets --------------------------------------------------------------------------


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp(src, dst, sport, dport, payload, v6=False):
    ulen = 8 + len(payload)
    pseudo = src + dst + (struct.pack("!IxxxB", ulen, 17) if v6 else struct.pack("!xBH", 17, ulen))
    c = csum(pseudo + struct.pack("!HHHH", sport, dport, ulen, 0) + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, ulen, c) + payload


def ip4(src, dst, payload, proto=17, frag=0, options=b""):
    hl = 20 + len(options)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, hl + len(payload), 0x1234, frag, 64,
                    proto, 0, src, dst) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, payload, nh=17, ext=b""):
    return struct.pack("!IHBB", 0x60000000, len(ext) + len(payload), nh, 64) + src + dst + ext + payload


S4, D4 = bytes([10, 0, 0, 2]), bytes([9, 9, 9, 9])
S6 = bytes.fromhex("fd000000000000000000000000000002")
D6 = bytes.fromhex("20010db8000000000000000000000053")
dnsq = query("www.example.com", 1, edns=1232)
packets = {
    "v4-query": ip4(S4, D4, udp(S4, D4, 40000, 53, dnsq)),
    "v4-options": ip4(S4, D4, udp(S4, D4, 40001, 53, dnsq), options=b"\1\1\1\0"),
    "v4-mf": ip4(S4, D4, udp(S4, D4, 40000, 53, dnsq), frag=0x2000),
    "v4-tcp": ip4(S4, D4, b"\0" * 20, proto=6),
    "v4-padded": ip4(S4, D4, udp(S4, D4, 1, 53, b"")) + b"\0" * 6,
    "v6-query": ip6(S6, D6, udp(S6, D6, 40000, 53, dnsq, True)),
    "v6-hbh-dst": ip6(S6, D6, udp(S6, D6, 40000, 53, dnsq, True), nh=0,
                      ext=bytes([60, 0, 1, 4, 0, 0, 0, 0, 17, 1, 1, 12]) + b"\0" * 12),
    "v6-frag": ip6(S6, D6, udp(S6, D6, 40000, 53, dnsq, True), nh=44,
                   ext=bytes([17, 0, 0, 1, 0, 0, 0, 9])),
    "v6-ah": ip6(S6, D6, udp(S6, D6, 5353, 53, dnsq, True), nh=51,
                 ext=bytes([17, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1])),
    "v6-icmp": ip6(S6, D6, b"\x80\0\0\0\0\1\0\1", nh=58),
}
for k, v in packets.items():
    write("fuzz_packet", k, v)

# ---- SOCKS5 ---------------------------------------------------------------------------
# byte 0: bit 0 auth, bit 1 IPv6 target; bytes 1, 2: user and password lengths; byte 3: chunk seed

OK4 = b"\5\0\0\1" + bytes([127, 0, 0, 1]) + b"\x23\x82"
OK6 = b"\5\0\0\4" + bytes(16) + b"\0\x35"
OKNAME = b"\5\0\0\3\x0bexample.com\0\x35"
TUNNEL = b"\0\x1d" + answer("x.example", 1, [rr(PTR_Q, 1, b"\1\2\3\4")])[:29]
socks = {
    "noauth-v4": b"\0\0\0\1" + b"\5\0" + OK4 + TUNNEL,
    "noauth-v6": b"\2\0\0\2" + b"\5\0" + OK6,
    "noauth-name": b"\0\0\0\3" + b"\5\0" + OKNAME + TUNNEL,
    "auth-ok": b"\1\4\4\4" + b"\5\2" + b"\1\0" + OK4,
    "auth-ok-v6": b"\3\xff\xff\5" + b"\5\2" + b"\1\0" + OK6 + b"tunnel",
    "auth-rejected": b"\1\4\4\6" + b"\5\2" + b"\1\1",
    "no-acceptable": b"\0\0\0\7" + b"\5\xff",
    "wrong-method": b"\0\0\0\7" + b"\5\2",
    "bad-version": b"\0\0\0\7" + b"\4\0",
    "refused": b"\0\0\0\x08" + b"\5\0" + b"\5\5\0\1" + bytes(6),
    "rep-unknown": b"\0\0\0\x09" + b"\5\0" + b"\5\x42\0\1" + bytes(6),
    "bad-rsv": b"\0\0\0\x0a" + b"\5\0" + b"\5\0\1\1" + bytes(6),
    "bad-atyp": b"\0\0\0\x0b" + b"\5\0" + b"\5\0\0\7" + bytes(6),
}
for k, v in socks.items():
    write("fuzz_socks5", k, v)

# ---- config ---------------------------------------------------------------------------

configs = {
    "full": b"""# dnsfence.conf
queue 3
mark 0x10
socks 127.0.0.1:9150
socks-user alice
socks-password s3cret
resolver 9.9.9.9
resolver [2620:fe::fe]:53
resolver 1.1.1.1:5353
timeout 3s
connect-timeout 500ms
idle-timeout 2m
backoff-max 8
resolver-holddown 30s
max-pending 1000
max-inflight 100
connections 4
max-retries 1
rcvbuf 1048576
queue-maxlen 2048
batch 16
upstream-buffer 131072
""",
    "comments": b"\n   # only a comment\n\t\nqueue 1   # trailing comment\r\n",
    "unknown-key": b"queue 1\nfrobnicate yes\n",
    "missing-value": b"timeout\n",
    "two-values": b"resolver 1.1.1.1 8.8.8.8\n",
    "bad-number": b"max-pending lots\n",
    "out-of-range": b"connections 65\n",
    "bad-duration": b"timeout 4h\n",
    "bad-endpoint": b"socks localhost:9050\n",
    "bare-v6": b"resolver ::1\nresolver [::1]:53\n",
    "port-0": b"resolver 1.2.3.4:0\n",
    "port-65536": b"resolver 1.2.3.4:65536\n",
    "too-many": b"".join(b"resolver 10.0.0.%d\n" % i for i in range(17)),
    "user-only": b"socks-user bob\n",
    "nul": b"queue 1\nqueue\0 2\n",
    "long-line": b"resolver " + b"1" * 1100 + b"\n",
}
for k, v in configs.items():
    write("fuzz_config", k, v)
configs_audit = {
    "audit": b"audit-log /var/log/dnsfence/audit.log\naudit-names no\nnflog-group 0\n"
             b"audit-buffer 65536\naudit-cache 16\nmode refuse\n",
    "audit-bad": b"audit-log relative.log\nmode refusal\naudit-buffer 1024\n",
}
for k, v in configs_audit.items():
    write("fuzz_config", k, v)


# ---- the audit batch the worker sends the parent (audit.h, imsg.h) ----------------------

def audit_rec(event=1, action=1, family=4, proto=17, flags=0x1ff, rcode=0, qtype=1,
              uid=1000, gid=1000, ifindex=0, inode=4242, ts=1796220000123, lat=1234,
              src=b"\xc6\x33\x64\x01" + bytes(12), sport=40000,
              dst=b"\xc6\x33\x64\x02" + bytes(12), dport=53, mac=b"\x02\0\0\0\0\x11",
              iso=b"uid-1000", qname=b"example.test"):
    fixed = struct.pack(">BBBBHBHIIIQQI16sH16sH6s", event, action, family, proto, flags, rcode,
                        qtype, uid, gid, ifindex, inode, ts, lat, src, sport, dst, dport, mac)
    assert len(fixed) == 83
    body = fixed + bytes([len(iso)]) + iso + struct.pack(">H", len(qname)) + qname
    return struct.pack(">H", len(body)) + body


def imsg(t, payload):
    return struct.pack(">HHI", t, 0, len(payload)) + payload


IMSG_AUDIT = 3
batches = {
    "audit-one": struct.pack(">I", 0) + audit_rec(),
    "audit-mixed": struct.pack(">I", 7) + audit_rec() +
    audit_rec(event=3, action=5, proto=17, flags=0x10f, qname=b"", iso=b"") +
    audit_rec(event=4, family=6, proto=136, flags=0x014, qname=b"", iso=b"") +
    audit_rec(event=5, flags=0x108) +
    audit_rec(event=2, action=2, proto=6, qname=b"a\\\"b\\010\xff", qtype=65280),
    "audit-empty": struct.pack(">I", 1),
    "audit-bad-len": struct.pack(">I", 0) + b"\xff\xff" + audit_rec()[2:],
    "audit-long-name": struct.pack(">I", 0) + audit_rec(qname=b"\\255" * 256, iso=b"x" * 64),
}
for k, v in batches.items():
    write("fuzz_imsg_parent", k, imsg(IMSG_AUDIT, v))


# ---- NFLOG messages (nflog.c) ------------------------------------------------------------

def nla(t, v):
    n = 4 + len(v)
    return struct.pack("<HH", n, t) + v + b"\0" * ((4 - n % 4) % 4)


def nflog(fam, attrs):
    body = bytes([fam, 0]) + struct.pack(">H", 53) + b"".join(attrs)
    return struct.pack("<IHHII", 16 + len(body), (4 << 8) | 0, 0, 0, 0) + body


udp4 = bytes([0x45, 0, 0, 33, 0, 0, 0, 0, 64, 17, 0, 0, 198, 51, 100, 1, 198, 51, 100, 2,
              0x9c, 0x40, 0, 123, 0, 13, 0, 0])
udpl6 = bytes([0x60, 0, 0, 0, 0, 8, 136, 64]) + bytes(15) + b"\1" + bytes(15) + b"\2" + \
    bytes([0x13, 0x88, 0, 53, 0, 8, 0, 0])
sctp4 = bytes([0x45, 0, 0, 32, 0, 0, 0, 0, 64, 132, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2])
nfl = {
    "udp4-uid": nflog(2, [nla(10, b"dnsfence-audit\0"), nla(11, struct.pack(">I", 65534)),
                          nla(14, struct.pack(">I", 65534)), nla(9, udp4)]),
    "udplite6": nflog(10, [nla(11, struct.pack(">I", 0)), nla(9, udpl6)]),
    "sctp4-fwd-mac": nflog(2, [nla(4, struct.pack(">I", 7)),
                               nla(8, struct.pack(">HH", 6, 0) + b"\x02\0\0\0\0\x11\0\0"),
                               nla(9, sctp4)]),
    "error": struct.pack("<IHHII", 36, 2, 0, 1, 0) + struct.pack("<i", -16) + bytes(16),
}
nfl["two"] = nfl["udp4-uid"] + nfl["udplite6"]
for k, v in nfl.items():
    write("fuzz_nflog", k, v)
