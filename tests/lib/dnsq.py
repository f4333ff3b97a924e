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
  dnsq.py raw SERVER NAME TYPE [--size N] [--dnssec] [--timeout S] [--port P]
      Like udp, but NAME may hold zone-file escapes (\\DDD decimal, \\X) for
      bytes no host name has, and --size N pads the query with an EDNS Padding
      option to exactly N bytes.  Prints "sent=N bytes" and the reply line.
      Exit 0 on a reply with our ID and question, 2 on timeout, 3 bad reply.
  dnsq.py tcp-pipeline SERVER PORT NAME/TYPE... [--timeout S]
      One TCP connection; every query (2-byte length prefix each) is written in
      one send, back to back, then as many answers are read and matched by ID
      (in any order).  Exit 0 when each query got its own answer.
  dnsq.py tcp-stall SERVER PORT [--send-hex HEX] [--timeout S]
      Connect, send these bytes (default "00": one byte of a length prefix),
      then wait for the server to close.  Prints "closed after S.SSs (eof|reset)";
      exit 0 when it closed, 2 when still open at the timeout.
  dnsq.py tcp-clients SERVER PORT NAME TYPE --hold N [--timeout S]
      Open N connections and keep them, then one more: prints how soon that one
      is closed, then sends a query on each held one.  Exit 0 when the extra
      connection was closed within the timeout and every held one was answered.
  dnsq.py serve-tcp ADDR PORT [--ad] [--a IP] [--edns-options]
      A fake recursor for DNS over TCP (pipelined, threaded): A queries get
      IP (default 192.0.2.99), other types no data; --ad sets the AD bit; a query
      with the DO bit also gets an RRSIG record and DO in the OPT; with
      --edns-options the OPT of every answer also carries NSID, Client Subnet,
      COOKIE, Extended DNS Error, dnsmasq's MAC option and Padding.  Prints one
      line per query ("query NAME TYPE do=0|1 cd=0|1 opts=CODE,...|-") on stdout.
      Runs until killed.
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


# ---------------------------------------------------------------------------------------------
# Additions for hardening.bats and tcp.bats (the commands above are unchanged).

def encode_name(text):
    r"""Zone-file text to wire form: \DDD is one decimal byte, \X is X, '.' ends a label."""
    labels, cur, i = [], bytearray(), 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 4 <= len(text) and text[i + 1:i + 4].isdigit():
            cur.append(int(text[i + 1:i + 4]))
            i += 4
        elif c == "\\" and i + 1 < len(text):
            cur += text[i + 1].encode("latin-1")
            i += 2
        elif c == ".":
            labels.append(bytes(cur))
            cur = bytearray()
            i += 1
        else:
            cur += c.encode("latin-1")
            i += 1
    if cur:
        labels.append(bytes(cur))
    out = b""
    for label in labels:
        if not label or len(label) > 63:
            raise ValueError("bad label in %r" % text)
        out += bytes([len(label)]) + label
    return out + b"\x00"


def build_raw_query(qid, name, qtype, size=None, dnssec=False):
    qtype_num = TYPES[qtype.upper()] if qtype.upper() in TYPES else int(qtype)
    msg = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1 if (size or dnssec) else 0)
    msg += encode_name(name) + struct.pack("!HH", qtype_num, 1)
    if size or dnssec:
        opt_fixed = 11
        options = b""
        if size:
            pad = size - len(msg) - opt_fixed - 4
            if pad < 0:
                raise ValueError("--size %d is smaller than the query itself" % size)
            options = struct.pack("!HH", 12, pad) + b"\x00" * pad	# RFC 7830 Padding
        msg += b"\x00" + struct.pack("!HHIH", 41, 1232, 0x8000 if dnssec else 0, len(options))
        msg += options
    return msg


def question_bytes(buf):
    """The question (name as sent, type, class) of a message, lower-cased, as bytes."""
    off = 12
    while True:
        n = buf[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0:
            raise ValueError("compressed question name")
        off += 1 + n
    return buf[12:off + 4].lower()


def cmd_raw(a):
    qid = struct.unpack("!H", os.urandom(2))[0]
    q = build_raw_query(qid, a.name, a.type, a.size, a.dnssec)
    s = socket.socket(family_of(a.server), socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    s.sendto(q, (a.server, a.port))
    print("sent=%d bytes" % len(q))
    try:
        data, src = s.recvfrom(65535)
    except socket.timeout:
        print("timeout: no reply within %.1fs (id=0x%04x)" % (a.timeout, qid))
        return 2
    r = parse_reply(data)
    print("id=0x%04x from=%s port=%d rcode=%d qr=%d tc=%d ancount=%d answers=%s" % (
        r["id"], src[0], src[1], r["rcode"], r["qr"], r["tc"], r["ancount"],
        ",".join(r["answers"]) or "-"))
    if r["id"] != qid or r["qr"] != 1 or question_bytes(data) != question_bytes(q):
        print("FAIL: not the answer to our query")
        return 3
    return 0


def recv_frame(s):
    (n,) = struct.unpack("!H", recv_exact(s, 2))
    return recv_exact(s, n)


def cmd_tcp_pipeline(a):
    s = socket.create_connection((a.server, a.port), timeout=a.timeout)
    want, blob = {}, b""
    ids = set()
    for spec in a.queries:
        name, _, qtype = spec.rpartition("/")
        while True:
            qid = struct.unpack("!H", os.urandom(2))[0]
            if qid not in ids:
                break
        ids.add(qid)
        q = build_query(qid, name, qtype)
        want[qid] = (name.rstrip(".").lower() + ".", TYPES[qtype.upper()], 1)
        blob += struct.pack("!H", len(q)) + q
    s.sendall(blob)
    sent_order, got_order, bad = list(want), [], 0
    while len(got_order) < len(want):
        r = parse_reply(recv_frame(s))
        ok = r["id"] in want and r["id"] not in got_order and r["question"] == want[r["id"]]
        bad += not ok
        got_order.append(r["id"])
        print("answer %d: id=0x%04x question=%s/%s rcode=%d answers=%s%s" % (
            len(got_order), r["id"], r["question"][0] if r["question"] else "?",
            r["question"][1] if r["question"] else "?", r["rcode"],
            ",".join(r["answers"]) or "-", "" if ok else "  <- NOT OURS"))
    print("received %d/%d answers on one connection, in_order=%s" % (
        len(got_order), len(want), "yes" if got_order == sent_order else "no"))
    return 0 if bad == 0 else 3


def cmd_tcp_stall(a):
    import time
    s = socket.create_connection((a.server, a.port), timeout=a.timeout)
    t0 = time.monotonic()
    if a.send_hex:
        s.sendall(bytes.fromhex(a.send_hex))
    how = None
    try:
        while how is None:
            if s.recv(4096) == b"":
                how = "eof"
    except socket.timeout:
        print("still open after %.2fs" % (time.monotonic() - t0))
        return 2
    except ConnectionResetError:
        how = "reset"
    print("closed after %.2fs (%s)" % (time.monotonic() - t0, how))
    return 0


def cmd_tcp_clients(a):
    import time
    held = [socket.create_connection((a.server, a.port), timeout=a.timeout)
            for _ in range(a.hold)]
    time.sleep(0.5)		# let the server accept them first
    extra = socket.create_connection((a.server, a.port), timeout=a.timeout)
    t0 = time.monotonic()
    closed = None
    try:
        data = extra.recv(4096)
        closed = "eof" if data == b"" else None
        if data:
            print("FAIL: the extra connection got %d bytes" % len(data))
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = "reset"
    dt = time.monotonic() - t0
    if closed:
        print("extra connection: closed after %.2fs (%s)" % (dt, closed))
    else:
        print("extra connection: still open after %.2fs" % dt)
    answered = 0
    for i, s in enumerate(held):
        qid = struct.unpack("!H", os.urandom(2))[0]
        q = build_query(qid, a.name, a.type)
        try:
            s.sendall(struct.pack("!H", len(q)) + q)
            r = parse_reply(recv_frame(s))
            ok = r["id"] == qid
        except (OSError, ConnectionError) as e:
            print("held connection %d: %s" % (i + 1, e))
            ok = False
        else:
            print("held connection %d: rcode=%d answers=%s" % (
                i + 1, r["rcode"], ",".join(r["answers"]) or "-"))
        answered += ok
    print("held connections answered: %d/%d" % (answered, len(held)))
    return 0 if closed and answered == len(held) else 1


def edns_option(code, data):
    return struct.pack("!HH", code, len(data)) + data


# What serve-tcp --edns-options puts in every answer's OPT: options that identify the server,
# the client or its network (NSID 3, Client Subnet 8, COOKIE 10, Extended DNS Error 15,
# dnsmasq's MAC option 65001), and Padding (12), the one a client may get.
ANSWER_OPTIONS = (edns_option(3, b"fake-recursor")
                  + edns_option(8, struct.pack("!HBB", 1, 24, 24) + bytes([192, 0, 2]))
                  + edns_option(10, b"\x01" * 8 + b"\x02" * 16)
                  + edns_option(15, struct.pack("!H", 0) + b"dnsfence test")
                  + edns_option(65001, b"\x02\x00\x00\x00\x00\x01")
                  + edns_option(12, b"\x00" * 16))


def cmd_serve_tcp(a):
    import socketserver
    import threading
    ip = ipaddress.IPv4Address(a.a).packed
    lock = threading.Lock()

    def answer(q):
        qid, flags, qd, _, _, ar = struct.unpack("!HHHHHH", q[:12])
        name, off = read_name(q, 12)
        qtype, qclass = struct.unpack("!HH", q[off:off + 4])
        question = q[12:off + 4]
        do, has_opt, p, codes = 0, False, off + 4, []
        for _ in range(ar):
            _, p = read_name(q, p)
            rtype, _, ttl, rdlen = struct.unpack("!HHIH", q[p:p + 10])
            if rtype == 41:
                has_opt, do = True, (ttl >> 15) & 1
                i = p + 10
                while i + 4 <= p + 10 + rdlen:
                    code, olen = struct.unpack("!HH", q[i:i + 4])
                    codes.append(str(code))
                    i += 4 + olen
            p += 10 + rdlen
        with lock:
            print("query %s %d do=%d cd=%d opts=%s" % (name, qtype, do, (flags >> 4) & 1,
                                                       ",".join(codes) or "-"), flush=True)
        rrs = []
        if qtype == 1 and qclass == 1:
            rrs.append(struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + ip)
            if do:
                labels = len([x for x in name.split(".") if x])
                signer = encode_name("test.")
                rdata = struct.pack("!HBBIIIH", 1, 13, labels, 60, 0x7FFFFFFF, 0, 4242)
                rdata += signer + b"\xab" * 64
                rrs.append(struct.pack("!HHHIH", 0xC00C, 46, 1, 60, len(rdata)) + rdata)
        rflags = 0x8000 | (flags & 0x0100) | 0x0080 | (0x0020 if a.ad else 0)
        msg = struct.pack("!HHHHHH", qid, rflags, 1, len(rrs), 0, 1 if has_opt else 0)
        msg += question + b"".join(rrs)
        if has_opt:
            opts = ANSWER_OPTIONS if a.edns_options else b""
            msg += b"\x00" + struct.pack("!HHIH", 41, 1232, 0x8000 if do else 0, len(opts)) + opts
        return msg

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                while True:
                    q = recv_frame(self.request)
                    r = answer(q)
                    self.request.sendall(struct.pack("!H", len(r)) + r)
            except (OSError, ConnectionError, ValueError, struct.error):
                return

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True
        address_family = family_of(a.addr)

    with Server((a.addr, a.port), Handler) as srv:
        print("serving DNS over TCP on %s port %d (ad=%d)" % (a.addr, a.port, a.ad), flush=True)
        srv.serve_forever()
    return 0


def add_parsers(sub):
    r = sub.add_parser("raw")
    r.add_argument("server"); r.add_argument("name"); r.add_argument("type")
    r.add_argument("--size", type=int)
    r.add_argument("--dnssec", action="store_true")
    r.add_argument("--timeout", type=float, default=5.0)
    r.add_argument("--port", type=int, default=53)
    t = sub.add_parser("tcp-pipeline")
    t.add_argument("server"); t.add_argument("port", type=int)
    t.add_argument("queries", nargs="+", metavar="NAME/TYPE")
    t.add_argument("--timeout", type=float, default=10.0)
    st = sub.add_parser("tcp-stall")
    st.add_argument("server"); st.add_argument("port", type=int)
    st.add_argument("--send-hex", default="00")
    st.add_argument("--timeout", type=float, default=10.0)
    c = sub.add_parser("tcp-clients")
    c.add_argument("server"); c.add_argument("port", type=int)
    c.add_argument("name"); c.add_argument("type")
    c.add_argument("--hold", type=int, required=True)
    c.add_argument("--timeout", type=float, default=2.0)
    v = sub.add_parser("serve-tcp")
    v.add_argument("addr"); v.add_argument("port", type=int)
    v.add_argument("--ad", action="store_true")
    v.add_argument("--a", default="192.0.2.99")
    v.add_argument("--edns-options", action="store_true")


EXTRA_COMMANDS = {"raw": cmd_raw, "tcp-pipeline": cmd_tcp_pipeline, "tcp-stall": cmd_tcp_stall,
                  "tcp-clients": cmd_tcp_clients, "serve-tcp": cmd_serve_tcp}


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
    add_parsers(sub)
    a = p.parse_args()
    try:
        return dict({"udp": cmd_udp, "garbage": cmd_garbage, "socks": cmd_socks},
                    **EXTRA_COMMANDS)[a.cmd](a)
    except (OSError, ValueError, ConnectionError) as e:
        print("FAIL: %s: %s" % (type(e).__name__, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
