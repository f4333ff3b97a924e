#!/usr/bin/env python3
"""dnsq.py: tiny DNS test clients for the dnsfence system tests (stdlib only).

  dnsq.py udp SERVER NAME TYPE [--id N] [--timeout S] [--port P]
      Hand-built query sent with an unconnected sendto(); prints one line
      "id=0x... from=ADDR port=53 rcode=N qr=1 tc=0 ancount=N answers=..."
      Exit 0: a reply with our ID from SERVER:53.  2: timeout.  3: wrong ID,
      wrong source, not a response or a different question.
  dnsq.py garbage SERVER [--timeout S] [--port P] [--kind short|badname|loop|response]
      Sends a packet that is not a valid query.  Exit 0 if nothing comes back
      within the timeout, 1 if anything does.
  dnsq.py socks PROXY PROXYPORT TARGET TARGETPORT NAME TYPE [--timeout S]
      SOCKS5 CONNECT (no auth) to TARGET:TARGETPORT, then one DNS-over-TCP
      query (2-byte length prefix).  Exit 0 on a matching NOERROR answer.
  dnsq.py ping HOST [--timeout S] [--ident N]
      One ICMP echo request over a raw socket (the capture sentinel; no ping(8)
      needed).  Exit 0 when the echo reply comes back, 2 on timeout.
"""
import argparse
import ipaddress
import os
import socket
import struct
import sys

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16,
         "AAAA": 28, "SRV": 33, "CAA": 257}


def build_query(qid, name, qtype, rd=True):
    flags = 0x0100 if rd else 0
    msg = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        if label:
            b = label.encode("ascii")
            msg += bytes([len(b)]) + b
    msg += b"\x00" + struct.pack("!HH", TYPES[qtype.upper()], 1)
    return msg


def read_name(buf, off):
    labels, hops, end = [], 0, None
    while True:
        if off >= len(buf):
            raise ValueError("name runs off the end")
        n = buf[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(buf):
                raise ValueError("truncated pointer")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | buf[off + 1]
            hops += 1
            if hops > 32:
                raise ValueError("pointer loop")
            continue
        if n == 0:
            return ".".join(labels) + ".", (end if end is not None else off + 1)
        labels.append(buf[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n


def parse_reply(buf):
    if len(buf) < 12:
        raise ValueError("reply shorter than a header")
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", buf[:12])
    off = 12
    question = None
    for _ in range(qd):
        qname, off = read_name(buf, off)
        qtype, qclass = struct.unpack("!HH", buf[off:off + 4])
        off += 4
        question = (qname.lower(), qtype, qclass)
    answers = []
    for _ in range(an):
        _, off = read_name(buf, off)
        rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", buf[off:off + 10])
        off += 10
        rdata = buf[off:off + rdlen]
        if rtype == 1 and rdlen == 4:
            answers.append(str(ipaddress.IPv4Address(rdata)))
        elif rtype == 28 and rdlen == 16:
            answers.append(str(ipaddress.IPv6Address(rdata)))
        elif rtype == 16:
            parts, i = [], 0
            while i < len(rdata):
                parts.append(rdata[i + 1:i + 1 + rdata[i]].decode("ascii", "replace"))
                i += 1 + rdata[i]
            answers.append('"' + "".join(parts) + '"')
        else:
            answers.append("type%d/%dbytes" % (rtype, rdlen))
        off += rdlen
    return {"id": qid, "qr": flags >> 15, "opcode": (flags >> 11) & 0xF,
            "tc": (flags >> 9) & 1, "rcode": flags & 0xF, "ancount": an,
            "question": question, "answers": answers}


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def cmd_udp(a):
    qid = a.id if a.id is not None else struct.unpack("!H", os.urandom(2))[0]
    q = build_query(qid, a.name, a.type)
    s = socket.socket(family_of(a.server), socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    s.sendto(q, (a.server, a.port))
    try:
        data, src = s.recvfrom(65535)
    except socket.timeout:
        print("timeout: no reply within %.1fs (id=0x%04x)" % (a.timeout, qid))
        return 2
    r = parse_reply(data)
    srcaddr = ipaddress.ip_address(src[0].split("%")[0])
    line = "id=0x%04x sent_id=0x%04x from=%s port=%d rcode=%d qr=%d tc=%d ancount=%d answers=%s" % (
        r["id"], qid, srcaddr, src[1], r["rcode"], r["qr"], r["tc"], r["ancount"],
        ",".join(r["answers"]) or "-")
    print(line)
    want_q = (a.name.rstrip(".").lower() + ".", TYPES[a.type.upper()], 1)
    if r["id"] != qid:
        print("FAIL: reply id 0x%04x != sent id 0x%04x" % (r["id"], qid))
        return 3
    if srcaddr != ipaddress.ip_address(a.server) or src[1] != a.port:
        print("FAIL: reply came from %s port %d, not the server asked" % (srcaddr, src[1]))
        return 3
    if r["qr"] != 1:
        print("FAIL: QR bit not set")
        return 3
    if r["question"] != want_q:
        print("FAIL: question %r != %r" % (r["question"], want_q))
        return 3
    return 0


GARBAGE = {
    # 5 bytes: shorter than a DNS header
    "short": b"\x13\x37\xff\x00\x01",
    # a header with QDCOUNT=1 and a label running past the end of the packet
    "badname": struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + b"\x3fabc",
    # a well-formed message that is a response (QR=1), not a query: "notquery", not "malformed"
    "response": struct.pack("!HHHHHH", 0x4444, 0x8180, 1, 0, 0, 0) + b"\x01a\x04test\x00\x00\x01\x00\x01",
    # a header with a compression pointer loop as the question name
    "loop": struct.pack("!HHHHHH", 0x4343, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01",
}


def cmd_garbage(a):
    s = socket.socket(family_of(a.server), socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    s.sendto(GARBAGE[a.kind], (a.server, a.port))
    try:
        data, src = s.recvfrom(65535)
    except socket.timeout:
        print("no reply to %s garbage within %.1fs" % (a.kind, a.timeout))
        return 0
    print("FAIL: got %d bytes back from %s" % (len(data), src))
    return 1


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def cmd_socks(a):
    s = socket.create_connection((a.proxy, a.proxyport), timeout=a.timeout)
    s.sendall(b"\x05\x01\x00")
    ver, method = recv_exact(s, 2)
    if ver != 5 or method != 0:
        print("FAIL: socks greeting answer ver=%d method=%d" % (ver, method))
        return 1
    ip = ipaddress.ip_address(a.target)
    atyp = 1 if ip.version == 4 else 4
    s.sendall(b"\x05\x01\x00" + bytes([atyp]) + ip.packed + struct.pack("!H", a.targetport))
    hdr = recv_exact(s, 4)
    if hdr[0] != 5 or hdr[1] != 0:
        print("FAIL: socks CONNECT reply ver=%d rep=%d" % (hdr[0], hdr[1]))
        return 1
    recv_exact(s, {1: 4, 4: 16}.get(hdr[3], 0) + 2)
    qid = struct.unpack("!H", os.urandom(2))[0]
    q = build_query(qid, a.name, a.type)
    s.sendall(struct.pack("!H", len(q)) + q)
    (n,) = struct.unpack("!H", recv_exact(s, 2))
    r = parse_reply(recv_exact(s, n))
    print("socks ok: id_match=%s rcode=%d ancount=%d answers=%s" % (
        r["id"] == qid, r["rcode"], r["ancount"], ",".join(r["answers"]) or "-"))
    return 0 if (r["id"] == qid and r["rcode"] == 0 and r["ancount"] > 0) else 1


def icmp_checksum(b):
    if len(b) % 2:
        b += b"\x00"
    total = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def cmd_ping(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(0.2)
    ident, seq = a.ident & 0xFFFF, 1
    payload = b"dnsfence-sentinel"
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    pkt = struct.pack("!BBHHH", 8, 0, icmp_checksum(hdr + payload), ident, seq) + payload
    s.sendto(pkt, (a.host, 0))
    import time
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        try:
            data, src = s.recvfrom(65535)
        except socket.timeout:
            continue
        ihl = (data[0] & 0x0F) * 4
        typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if typ == 0 and rid == ident and rseq == seq and src[0] == a.host:
            print("echo reply from %s" % src[0])
            return 0
    print("no echo reply from %s within %.1fs" % (a.host, a.timeout))
    return 2


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("udp")
    u.add_argument("server"); u.add_argument("name"); u.add_argument("type")
    u.add_argument("--id", type=lambda x: int(x, 0))
    u.add_argument("--timeout", type=float, default=5.0)
    u.add_argument("--port", type=int, default=53)
    g = sub.add_parser("garbage")
    g.add_argument("server")
    g.add_argument("--timeout", type=float, default=2.0)
    g.add_argument("--port", type=int, default=53)
    g.add_argument("--kind", choices=sorted(GARBAGE), default="short")
    k = sub.add_parser("socks")
    k.add_argument("proxy"); k.add_argument("proxyport", type=int)
    k.add_argument("target"); k.add_argument("targetport", type=int)
    k.add_argument("name"); k.add_argument("type")
    k.add_argument("--timeout", type=float, default=5.0)
    i = sub.add_parser("ping")
    i.add_argument("host")
    i.add_argument("--timeout", type=float, default=2.0)
    i.add_argument("--ident", type=int, default=os.getpid())
    a = p.parse_args()
    try:
        return {"udp": cmd_udp, "garbage": cmd_garbage, "socks": cmd_socks,
                "ping": cmd_ping}[a.cmd](a)
    except (OSError, ValueError, ConnectionError) as e:
        print("FAIL: %s: %s" % (type(e).__name__, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
