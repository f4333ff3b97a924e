#!/usr/bin/env python3
"""leak-clients.py: the leak-matrix clients and load generators that tests/lib/dnsq.py lacks
(stdlib only; the DNS wire helpers are dnsq.py's).

Every client prints one last line "outcome=WORD", WORD one of
  answered  a reply from the server asked, with the ID sent and the same question, NOERROR or
            NXDOMAIN (and the expected address when --expect is given)
  servfail  such a reply with RCODE 2
  timeout   nothing came back in time
  blocked   the kernel refused the datagram (sendto: EPERM): nothing was put on the wire
  reset     a TCP connection was refused or reset
  wrong     a reply that is none of the above (wrong ID, source, question or address)
and exits 0 whatever the outcome (1 only for a usage or set-up error).

  reuse SERVER NAME TYPE [--count N] [--timeout S] [--expect ADDR]
      N queries in turn from ONE UDP socket (same source port, same server): the conntrack
      case. The outcome is the common word, or "mixed:W1,W2,..." when they differ.
  close-early SERVER NAME TYPE [--wait S] [--resume PID]
      Sends one query and closes the socket at once. Watches the loopback interface
      (AF_PACKET) for the late reply to the closed port and reports what it was. With
      --resume, sends SIGCONT to PID once the socket is closed: the caller SIGSTOPs dnsfence
      first, so the reply cannot beat close() (a SERVFAIL is made in microseconds).
  blocked PORT SERVER... [--timeout S]
      One datagram (not DNS) to PORT on each SERVER. blocked only if every sendto failed
      with EPERM.
  flood SERVER COUNT                 COUNT queries from one socket as fast as it can, no waiting.
  fill SERVER COUNT [--prefix P]     COUNT queries for distinct names, each from its own socket,
                                     closed at once (their late answers go nowhere).
  loop SERVER [--interval S]         queries until killed (the background load).
  blackhole-socks ADDR PORT          a SOCKS5 server that accepts CONNECT and then never
                                     answers a byte of what it is sent.
"""
import argparse
import errno
import ipaddress
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True	# no __pycache__ in tests/lib
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import dnsq  # noqa: E402  (build_query, parse_reply, TYPES, family_of)


def newid():
    return struct.unpack("!H", os.urandom(2))[0]


def classify(data, src, qid, server, name, qtype, expect=None):
    """One reply -> (word, detail)."""
    try:
        r = dnsq.parse_reply(data)
    except (ValueError, struct.error, IndexError) as e:
        return "wrong", "unparsable reply: %s" % e
    srcaddr = ipaddress.ip_address(src[0].split("%")[0])
    detail = "id=0x%04x rcode=%d from=%s#%d answers=%s" % (
        r["id"], r["rcode"], srcaddr, src[1], ",".join(r["answers"]) or "-")
    want_q = (name.rstrip(".").lower() + ".", dnsq.TYPES[qtype.upper()], 1)
    if r["id"] != qid or r["qr"] != 1 or r["question"] != want_q:
        return "wrong", detail + " (id/qr/question mismatch; sent id=0x%04x)" % qid
    if srcaddr != ipaddress.ip_address(server) or src[1] != 53:
        return "wrong", detail + " (not from the server asked)"
    if r["rcode"] == 2:
        return "servfail", detail
    if r["rcode"] not in (0, 3):
        return "wrong", detail + " (unexpected rcode)"
    if expect is not None and expect not in r["answers"]:
        return "wrong", detail + " (expected %s)" % expect
    return "answered", detail


def cmd_reuse(a):
    s = socket.socket(dnsq.family_of(a.server), socket.SOCK_DGRAM)
    s.bind(("::" if ":" in a.server else "0.0.0.0", 0))
    sport = s.getsockname()[1]
    words = []
    for i in range(a.count):
        qid = newid()
        try:
            s.sendto(dnsq.build_query(qid, a.name, a.type), (a.server, 53))
        except PermissionError:
            print("query %d sport=%d id=0x%04x: blocked (sendto: EPERM)" % (i + 1, sport, qid))
            words.append("blocked")
            continue
        deadline = time.monotonic() + a.timeout
        word, detail = "timeout", "no reply within %.1fs" % a.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                data, src = s.recvfrom(65535)
            except socket.timeout:
                break
            except ConnectionRefusedError:
                word, detail = "wrong", "ICMP port unreachable came back"
                break
            word, detail = classify(data, src, qid, a.server, a.name, a.type, a.expect)
            if word != "wrong" or "id/qr" not in detail:
                break
            # a stale reply to an earlier query of ours: keep waiting for this one
        print("query %d sport=%d id=0x%04x: %s (%s)" % (i + 1, sport, qid, word, detail))
        words.append(word)
    s.close()
    uniq = sorted(set(words))
    print("outcome=%s" % (uniq[0] if len(uniq) == 1 else "mixed:" + ",".join(words)))
    return 0


def parse_l3(pkt):
    """(src, dst, proto, l4 payload) of an IPv4 or IPv6 packet, or None."""
    if not pkt:
        return None
    v = pkt[0] >> 4
    if v == 4 and len(pkt) >= 20:
        ihl = (pkt[0] & 0x0F) * 4
        return (str(ipaddress.IPv4Address(pkt[12:16])), str(ipaddress.IPv4Address(pkt[16:20])),
                pkt[9], pkt[ihl:])
    if v == 6 and len(pkt) >= 40:
        return (str(ipaddress.IPv6Address(pkt[8:24])), str(ipaddress.IPv6Address(pkt[24:40])),
                pkt[6], pkt[40:])
    return None


def cmd_close_early(a):
    ETH_P_ALL = 0x0003
    sniff = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
    sniff.bind(("lo", ETH_P_ALL))
    s = socket.socket(dnsq.family_of(a.server), socket.SOCK_DGRAM)
    s.bind(("::" if ":" in a.server else "0.0.0.0", 0))
    sport = s.getsockname()[1]
    qid = newid()
    try:
        s.sendto(dnsq.build_query(qid, a.name, a.type), (a.server, 53))
    except PermissionError:
        print("sendto: EPERM")
        print("outcome=blocked")
        return 0
    finally:
        s.close()
    closed_at = time.monotonic()
    print("sent id=0x%04x from port %d and closed the socket" % (qid, sport))
    if a.resume:
        os.kill(a.resume, signal.SIGCONT)
        print("SIGCONT to pid %d" % a.resume)
    server = str(ipaddress.ip_address(a.server))
    deadline = closed_at + a.wait
    word = "timeout"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([sniff], [], [], left)
        if not r:
            break
        pkt = sniff.recv(65535)
        l3 = parse_l3(pkt)
        if l3 is None or l3[2] != 17 or len(l3[3]) < 8:
            continue
        src, _dst, _p, l4 = l3
        usport, udport = struct.unpack("!HH", l4[:4])
        if src != server or usport != 53 or udport != sport:
            continue
        word, detail = classify(l4[8:], (src, usport), qid, a.server, a.name, a.type)
        print("late reply %.0f ms after close: %s (%s)" % (
            (time.monotonic() - closed_at) * 1000, word, detail))
        break
    print("outcome=%s" % word)
    return 0


def cmd_blocked(a):
    words = []
    for server in a.servers:
        s = socket.socket(dnsq.family_of(server), socket.SOCK_DGRAM)
        s.settimeout(a.timeout)
        try:
            s.connect((server, a.port))
            s.send(b"dnsfence leak matrix probe")
        except PermissionError:
            print("%s port %d: sendto refused (EPERM): blocked" % (server, a.port))
            words.append("blocked")
            continue
        try:
            data = s.recv(65535)
            print("%s port %d: sent, and %d bytes came back" % (server, a.port, len(data)))
            words.append("answered")
        except ConnectionRefusedError:
            print("%s port %d: sent, and ICMP port unreachable came back" % (server, a.port))
            words.append("reset")
        except socket.timeout:
            print("%s port %d: sent (the kernel let it out), nothing came back" % (server, a.port))
            words.append("timeout")
        s.close()
    uniq = sorted(set(words))
    print("outcome=%s" % (uniq[0] if len(uniq) == 1 else "mixed:" + ",".join(words)))
    return 0


def cmd_flood(a):
    s = socket.socket(dnsq.family_of(a.server), socket.SOCK_DGRAM)
    sent = refused = 0
    for i in range(a.count):
        try:
            s.sendto(dnsq.build_query(i & 0xFFFF, "flood%d.test" % i, "A"), (a.server, 53))
            sent += 1
        except OSError:
            refused += 1
    print("flood: %d sent, %d refused by the kernel" % (sent, refused))
    return 0


def cmd_fill(a):
    for i in range(a.count):
        s = socket.socket(dnsq.family_of(a.server), socket.SOCK_DGRAM)
        s.sendto(dnsq.build_query(newid(), "%s%d-%d.test" % (a.prefix, os.getpid(), i), "A"),
                 (a.server, 53))
        s.close()
    print("fill: %d queries sent" % a.count)
    return 0


def cmd_loop(a):
    s = socket.socket(dnsq.family_of(a.server), socket.SOCK_DGRAM)
    s.settimeout(a.interval)
    i = 0
    while True:
        i += 1
        try:
            s.sendto(dnsq.build_query(newid(), "loop%d.test" % i, "A"), (a.server, 53))
            s.recvfrom(65535)
        except OSError:
            pass
        if i % 1000 == 0:
            print("loop: %d queries" % i, flush=True)


def blackhole_client(c):
    try:
        c.settimeout(None)
        greet = c.recv(2)
        if len(greet) < 2:
            return
        dnsq.recv_exact(c, greet[1])		# the methods
        c.sendall(b"\x05\x00")
        hdr = dnsq.recv_exact(c, 4)
        n = {1: 4, 4: 16}.get(hdr[3])
        if n is None:
            n = dnsq.recv_exact(c, 1)[0]
        dnsq.recv_exact(c, n + 2)
        c.sendall(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        while c.recv(65536):	# read and never answer
            pass
    except OSError:
        pass
    finally:
        c.close()


def cmd_blackhole_socks(a):
    ls = socket.socket(dnsq.family_of(a.addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(64)
    print("blackhole-socks: listening on %s:%d" % (a.addr, a.port), flush=True)
    while True:
        c, peer = ls.accept()
        print("blackhole-socks: connection from %s:%d" % peer[:2], flush=True)
        threading.Thread(target=blackhole_client, args=(c,), daemon=True).start()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("reuse")
    r.add_argument("server"); r.add_argument("name"); r.add_argument("type")
    r.add_argument("--count", type=int, default=5)
    r.add_argument("--timeout", type=float, default=2.0)
    r.add_argument("--expect")
    c = sub.add_parser("close-early")
    c.add_argument("server"); c.add_argument("name"); c.add_argument("type")
    c.add_argument("--wait", type=float, default=2.0)
    c.add_argument("--resume", type=int)
    b = sub.add_parser("blocked")
    b.add_argument("port", type=int); b.add_argument("servers", nargs="+")
    b.add_argument("--timeout", type=float, default=1.0)
    f = sub.add_parser("flood")
    f.add_argument("server"); f.add_argument("count", type=int)
    fi = sub.add_parser("fill")
    fi.add_argument("server"); fi.add_argument("count", type=int)
    fi.add_argument("--prefix", default="fill")
    lo = sub.add_parser("loop")
    lo.add_argument("server")
    lo.add_argument("--interval", type=float, default=0.2)
    bh = sub.add_parser("blackhole-socks")
    bh.add_argument("addr"); bh.add_argument("port", type=int)
    a = p.parse_args()
    return {"reuse": cmd_reuse, "close-early": cmd_close_early, "blocked": cmd_blocked,
            "flood": cmd_flood, "fill": cmd_fill, "loop": cmd_loop,
            "blackhole-socks": cmd_blackhole_socks}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
