#!/usr/bin/env python3
"""logsocks.py: a SOCKS5 server that says who asked for what. For the system tests only.

    logsocks.py LISTEN_ADDR PORT

Greeting (no-auth, or user/password with any credentials), CONNECT, then a relay both ways,
as slowsocks.py does without the delay. One line on stdout for every connection:

    logsocks: conn=N peer=ADDR:PORT user=USER target=HOST:PORT

(user=- without authentication), and, when the target's port is 53, one line for every DNS
query the client sends on it (DNS over TCP: a 2-byte length, then the message):

    logsocks: conn=N user=USER query NAME TYPE

So a test can tell which SOCKS user name (Tor's IsolateSOCKSAuth isolation key) carried
which query. Names are printed in lower case, with a trailing dot.
"""
import os
import socket
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slowsocks import recv_exact, relay  # noqa: E402  (same directory)

TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
         33: "SRV", 257: "CAA"}
LOCK = threading.Lock()


def say(line):
    with LOCK:
        print("logsocks: " + line, flush=True)


def question(msg):
    """NAME TYPE of a query's first question, or None. Queries carry no compression."""
    off, labels = 12, []
    if len(msg) < 12 or struct.unpack("!H", msg[4:6])[0] < 1:
        return None
    while off < len(msg):
        n = msg[off]
        if n == 0:
            if off + 5 > len(msg):
                return None
            (qtype,) = struct.unpack("!H", msg[off + 1:off + 3])
            name = ".".join(labels).lower() + "."
            return "%s %s" % (name, TYPES.get(qtype, "TYPE%d" % qtype))
        if n & 0xC0:
            return None
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return None


def relay_dns(a, b, conn, user):
    """Client to target on port 53: log each framed query, then pass the bytes on."""
    buf = b""
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
            buf += d
            while len(buf) >= 2:
                (n,) = struct.unpack("!H", buf[:2])
                if len(buf) < 2 + n:
                    break
                q = question(buf[2:2 + n])
                say("conn=%d user=%s query %s" % (conn, user, q or "(unparsed)"))
                buf = buf[2 + n:]
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(c, peer, conn):
    user = "-"
    try:
        _, n = recv_exact(c, 2)
        methods = recv_exact(c, n)
        if 2 in methods:
            c.sendall(b"\x05\x02")
            _, ul = recv_exact(c, 2)
            user = recv_exact(c, ul).decode("ascii", "replace")
            (pl,) = recv_exact(c, 1)
            recv_exact(c, pl)
            c.sendall(b"\x01\x00")
        else:
            c.sendall(b"\x05\x00")
        _, _, _, atyp = recv_exact(c, 4)
        if atyp == 1:
            host = socket.inet_ntop(socket.AF_INET, recv_exact(c, 4))
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, recv_exact(c, 16))
        else:
            host = recv_exact(c, recv_exact(c, 1)[0]).decode()
        (port,) = struct.unpack(">H", recv_exact(c, 2))
        say("conn=%d peer=%s:%d user=%s target=%s:%d" % (conn, peer[0], peer[1], user, host, port))
        t = socket.create_connection((host, port), timeout=5)
        t.settimeout(None)
        t.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("0.0.0.0") + b"\x00\x00")
        threading.Thread(target=relay, args=(t, c), daemon=True).start()
        if port == 53:
            relay_dns(c, t, conn, user)
        else:
            relay(c, t)
    except (OSError, EOFError, ValueError):
        c.close()


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    ls = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(128)
    say("listening on %s:%d" % (addr, port))
    conn = 0
    while True:
        c, peer = ls.accept()
        conn += 1
        threading.Thread(target=serve, args=(c, peer, conn), daemon=True).start()


if __name__ == "__main__":
    main()
