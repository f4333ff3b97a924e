#!/usr/bin/env python3
"""socks_dns.py: DNS-over-TCP through a SOCKS5 proxy (Tor), stdlib only.

  socks_dns.py PROXY:PORT TARGET:PORT NAME [TYPE] [--user U --password P] [--timeout S]
               [--tries N] [--retry-delay S] [--expect-answer]

SOCKS5 (RFC 1928) greeting, optional username/password (RFC 1929: Tor's IsolateSOCKSAuth puts
different credentials on different circuits), CONNECT to TARGET (an IPv4 or IPv6 literal: the
test resolver, 127.0.0.1 inside the Tor network), then one query with the 2-byte length prefix.
torsocks refuses 127.0.0.1 targets and socat 1.7 speaks only SOCKS4A, hence this.

Prints one line per try, e.g.
  ok try=1 socks_ms=123.4 query_ms=8.1 rcode=NOERROR ancount=1 answers=192.0.2.1
Exit 0: a reply with our ID and question (and, with --expect-answer, NOERROR and an answer).
Exit 1: every try failed (the last reason is printed).
"""
import argparse
import ipaddress
import os
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True	# no __pycache__ in tests/lib
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from dnsq import TYPES, build_query, parse_reply, recv_exact  # noqa: E402  (the tests' DNS wire code)
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
SOCKS_REPLIES = {1: "general failure", 2: "not allowed by ruleset", 3: "network unreachable",
                 4: "host unreachable", 5: "connection refused", 6: "TTL expired",
                 7: "command not supported", 8: "address type not supported"}


def split_hostport(s):
    if s.startswith("["):
        host, _, port = s[1:].partition("]:")
    else:
        host, _, port = s.rpartition(":")
    if not host or not port:
        raise ValueError("%r is not HOST:PORT" % s)
    return host, int(port)


def socks_connect(proxy, target, user, password, timeout):
    s = socket.create_connection(proxy, timeout=timeout)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        methods = b"\x02" if user is not None else b"\x00"
        s.sendall(b"\x05\x01" + methods)
        ver, method = recv_exact(s, 2)
        if ver != 5 or method != methods[0]:
            raise ConnectionError("greeting answer ver=%d method=%d" % (ver, method))
        if user is not None:
            u, p = user.encode(), password.encode()
            s.sendall(b"\x01" + bytes([len(u)]) + u + bytes([len(p)]) + p)
            aver, status = recv_exact(s, 2)
            if status != 0:
                raise ConnectionError("username/password refused (status %d)" % status)
        ip = ipaddress.ip_address(target[0])
        atyp = 1 if ip.version == 4 else 4
        s.sendall(b"\x05\x01\x00" + bytes([atyp]) + ip.packed + struct.pack("!H", target[1]))
        hdr = recv_exact(s, 4)
        if hdr[0] != 5 or hdr[1] != 0:
            raise ConnectionError("CONNECT refused: %s (rep=%d)"
                                  % (SOCKS_REPLIES.get(hdr[1], "?"), hdr[1]))
        if hdr[3] == 3:
            recv_exact(s, recv_exact(s, 1)[0] + 2)
        else:
            recv_exact(s, {1: 4, 4: 16}.get(hdr[3], 0) + 2)
        return s
    except BaseException:
        s.close()
        raise


def one_try(a, proxy, target):
    t0 = time.monotonic()
    s = socks_connect(proxy, target, a.user, a.password, a.timeout)
    t1 = time.monotonic()
    try:
        qid = struct.unpack("!H", os.urandom(2))[0]
        q = build_query(qid, a.name, a.type)
        s.sendall(struct.pack("!H", len(q)) + q)
        (n,) = struct.unpack("!H", recv_exact(s, 2))
        r = parse_reply(recv_exact(s, n))
    finally:
        s.close()
    t2 = time.monotonic()
    rcode, answers = r["rcode"], r["answers"]
    want = (a.name.rstrip(".").lower() + ".", TYPES[a.type.upper()], 1)
    line = "try=%%d socks_ms=%.1f query_ms=%.1f rcode=%s ancount=%d answers=%s" % (
        (t1 - t0) * 1000, (t2 - t1) * 1000, RCODES.get(rcode, str(rcode)), len(answers),
        ",".join(answers) or "-")
    if r["id"] != qid or r["question"] != want or not r["qr"]:
        return False, line + " (wrong ID, question or QR)"
    if a.expect_answer and (rcode != 0 or not answers):
        return False, line + " (no answer)"
    return True, line


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("proxy")
    p.add_argument("target")
    p.add_argument("name")
    p.add_argument("type", nargs="?", default="A")
    p.add_argument("--user")
    p.add_argument("--password", default="x")
    p.add_argument("--timeout", type=float, default=10.0, help="per step, seconds")
    p.add_argument("--tries", type=int, default=1)
    p.add_argument("--retry-delay", type=float, default=1.0)
    p.add_argument("--expect-answer", action="store_true")
    a = p.parse_args()
    proxy, target = split_hostport(a.proxy), split_hostport(a.target)
    last = "no try"
    for i in range(1, a.tries + 1):
        try:
            ok, line = one_try(a, proxy, target)
        except (OSError, ValueError, ConnectionError, struct.error, IndexError) as e:
            ok, line = False, "try=%%d error %s: %s" % (type(e).__name__, e)
        line = line % i
        print(("ok " if ok else "fail ") + line, flush=True)
        if ok:
            return 0
        last = line
        if i < a.tries:
            time.sleep(a.retry_delay)
    print("FAIL: %s" % last, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
