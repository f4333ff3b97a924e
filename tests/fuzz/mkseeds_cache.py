#!/usr/bin/env python3
"""Seeds for fuzz_cache: params (10 bytes) | answer | client query. Usage: mkseeds_cache.py DIR
(tests/fuzz/corpus/fuzz_cache). Deterministic."""
import os, struct, sys

OUT = sys.argv[1]

def name(s):
    out = b""
    for label in s.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"

def header(id_, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", id_, flags, qd, an, ns, ar)

def opt(udp=1232, do=False):
    return b"\0" + struct.pack("!HHIH", 41, udp, 0x8000 if do else 0, 0)

def rr(owner, rtype, rdata, ttl=300, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata

def query(qname, qtype=1, id_=0x1234, edns=False, do=False):
    return header(id_, 0x0100, ar=1 if edns else 0) + name(qname) + struct.pack("!HH", qtype, 1) + (opt(do=do) if edns else b"")

def soa(ttl, minimum):
    return rr(b"\xc0\x0c", 6, name("ns.x") + name("hm.x") + struct.pack("!IIIII", 1, 7200, 900, 86400, minimum), ttl)

def seed(fname, answer, q, flags=0, cfg=0x47, min_ttl=0, max_ttl=0, stale_max=100, stale_ttl=30, cap=1232):
    params = bytes([flags, cfg, min_ttl, max_ttl, stale_max, stale_ttl]) + struct.pack("!HH", cap, len(answer))
    with open(os.path.join(OUT, "seed-" + fname), "wb") as f:
        f.write(params + answer + q)

PTR12 = b"\xc0\x0c"
q_a = query("www.Example.com", 1, 0xbeef)
a_a = header(1, 0x8180, an=2) + name("www.example.com") + struct.pack("!HH", 1, 1) + \
    rr(PTR12, 1, bytes([192, 0, 2, 1]), 300) + rr(PTR12, 1, bytes([192, 0, 2, 2]), 60)
seed("a-two", a_a, q_a)
seed("a-two-stale", a_a, q_a, flags=1, stale_max=255)
seed("a-two-own-question", a_a, b"\x42\x42\x03", flags=2 | 0x18, cfg=0x49)
seed("a-two-noqmsg-smallcap", a_a, q_a, flags=4, cap=40)
# CNAME chain: A owner compressed into the CNAME's RDATA; NS authority
qn = name("www.a.test")
cn = b"\x03cdn\xc0\x10"
a_cname = header(2, 0x8180, an=2, ns=1) + qn + struct.pack("!HH", 1, 1) + \
    rr(PTR12, 5, cn, 300) + rr(bytes([0xc0, 12 + len(qn) + 4 + 12]), 1, bytes([198, 51, 100, 7]), 60) + \
    rr(b"\xc0\x10", 2, b"\x02ns\xc0\x10", 3600)
seed("cname-chain", a_cname, query("WWW.a.TEST", 1, 7))
# negative: NXDOMAIN with SOA, NODATA with SOA, EDNS DO
q_nx = query("nx.test", 28, 9, edns=True, do=True)
a_nx = header(3, 0x8183, an=0, ns=1, ar=1) + name("nx.test") + struct.pack("!HH", 28, 1) + soa(3600, 300) + opt(do=True)
seed("nxdomain-soa", a_nx, q_nx, flags=1)
a_nodata = header(3, 0x8180, an=0, ns=1, ar=1) + name("nx.test") + struct.pack("!HH", 28, 1) + soa(100, 900) + opt(do=True)
seed("nodata-soa", a_nodata, q_nx, min_ttl=200, max_ttl=1)
# MX and SRV with compressed targets
q_mx = query("mail.test", 15, 11)
a_mx = header(4, 0x8180, an=1) + name("mail.test") + struct.pack("!HH", 15, 1) + rr(PTR12, 15, b"\x00\x0a\x02mx\xc0\x0c", 600)
seed("mx", a_mx, q_mx)
q_srv = query("_x._tcp.test", 33, 12)
a_srv = header(5, 0x8180, an=1, ar=1) + name("_x._tcp.test") + struct.pack("!HH", 33, 1) + \
    rr(PTR12, 33, struct.pack("!HHH", 1, 2, 443) + b"\x01h\xc0\x14", 120) + \
    rr(bytes([0xc0, 12 + 14 + 4 + 12 + 6]), 1, bytes([203, 0, 113, 9]), 120)
seed("srv-glue", a_srv, q_srv)
# hostile: a pointer into the first record's TTL (valid DNS, not cacheable)
a_bad = header(6, 0x8180, an=2) + name("www.example.com") + struct.pack("!HH", 1, 1) + \
    rr(PTR12, 1, bytes([192, 0, 2, 1]), 0x100) + rr(bytes([0xc0, 12 + 17 + 4 + 2 + 4 + 2]), 1, bytes([192, 0, 2, 2]), 300)
seed("ptr-into-ttl", a_bad, q_a)
# eviction: tiny arena, several domains
seed("a-two-evict", a_a, q_a, flags=0x18, cfg=0x29)
