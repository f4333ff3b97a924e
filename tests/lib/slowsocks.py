#!/usr/bin/env python3
"""slowsocks.py: a SOCKS5 server whose CONNECT takes DELAY seconds, as a slow Tor circuit
build does. Greeting (no-auth or user/password, any credentials), then CONNECT: it waits,
connects to the target, answers success and relays both ways. With STALL, every other
connection (the 1st, 3rd, ...) holds each chunk from the target STALL seconds before passing
it on: a stuck circuit beside a good one. For the system tests only.

    slowsocks.py LISTEN_ADDR PORT DELAY [STALL]
"""
import socket
import struct
import sys
import threading
import time


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b


def relay(a, b, stall=0.0):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            if stall:
                time.sleep(stall)
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(c, delay, stall):
    try:
        ver, n = recv_exact(c, 2)
        methods = recv_exact(c, n)
        if 2 in methods:
            c.sendall(b"\x05\x02")
            _, ul = recv_exact(c, 2)
            recv_exact(c, ul)
            (pl,) = recv_exact(c, 1)
            recv_exact(c, pl)
            c.sendall(b"\x01\x00")
        else:
            c.sendall(b"\x05\x00")
        _, cmd, _, atyp = recv_exact(c, 4)
        if atyp == 1:
            host = socket.inet_ntop(socket.AF_INET, recv_exact(c, 4))
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, recv_exact(c, 16))
        else:
            host = recv_exact(c, recv_exact(c, 1)[0]).decode()
        (port,) = struct.unpack(">H", recv_exact(c, 2))
        print("slowsocks: CONNECT %s:%d, waiting %.1f s%s" % (host, port, delay,
              ", stalled %.1f s a chunk" % stall if stall else ""), flush=True)
        time.sleep(delay)
        t = socket.create_connection((host, port), timeout=5)
        t.settimeout(None)
        c.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("0.0.0.0") + b"\x00\x00")
        threading.Thread(target=relay, args=(t, c, stall), daemon=True).start()
        relay(c, t)
    except (OSError, EOFError, ValueError):
        c.close()


def main():
    addr, port, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    stall = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    n = 0
    ls = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(64)
    print("slowsocks: listening", flush=True)
    while True:
        c, _ = ls.accept()
        n += 1
        threading.Thread(target=serve, args=(c, delay, stall if n % 2 else 0.0),
                         daemon=True).start()


if __name__ == "__main__":
    main()
