#!/usr/bin/env python3
"""divertkernel.py: TEST ONLY. Plays a BSD kernel's side of a divert socket for a dnsfence
built by tests/bsd/build.sh, whose divert sockets are tests/bsd/divert_compat.h's named
AF_UNIX ones: each datagram is a struct sockaddr_storage (the divert address) then the whole IP
packet. Run it in the daemon's network namespace (abstract names are per namespace).

  divertkernel.py query PORT SRC SPORT DST NAME TYPE [--timeout S]
                  [--flavor openbsd|freebsd --ifname IF]
      Write an outbound UDP query SRC:SPORT -> DST:53 (address unspecified, as divert(4) gives
      outbound packets) to the daemon's socket for SRC's family, and read what it writes back.
      Checks the reply as a receiving stack would: the divert address is SRC (inbound, to the
      interface holding it), IPv4 header checksum, UDP checksum over the pseudo-header,
      addresses and ports swapped, a response to our ID and question. Prints one line
      "rcode=N tc=N answers=A,B,..."; exit 0 when valid, 2 when nothing came back, 3 when
      what came back is not such a reply (the query itself written back, a bad checksum...).
      --flavor freebsd: FreeBSD's one socket for both families (its name says 4), the IPv4
      query's header checksum left invalid (0, as FreeBSD hands outbound packets), and the
      reply's address a sockaddr_in: SRC for IPv4, 127.0.0.1 for IPv6, with IF, the interface
      holding SRC, in sin_zero (empty when IF has 8 or more bytes: it does not fit).
  divertkernel.py send PORT KIND [--timeout S]
      Write a packet the daemon must drop: KIND is other-port (UDP to 123), garbage (not an IP
      packet), short (an IPv4 header cut short) or spoofed (a query from 203.0.113.9, which
      no interface holds). Exit 0 when nothing comes back within the timeout, 1 when anything
      does.
  divertkernel.py bound PORT FAMILY
      Exit 0 if a socket is bound to the daemon's divert name for FAMILY (4 or 6), 1 if not.

The socket names carry $DNSFENCE_DIVERT_COMPAT_TAG, as the daemon's do.
"""
import argparse
import ipaddress
import os
import select
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import dnsq  # noqa: E402

SS_LEN = 128  # sizeof(struct sockaddr_storage)


def name(role, fam, port):
    tag = os.environ.get("DNSFENCE_DIVERT_COMPAT_TAG", "0")
    return "\0dnsfence-%s-%d-%d-%s" % (role, fam, port, tag)


def divert_addr(addr):
    """A struct sockaddr_storage holding addr (port 0), Linux layout."""
    ip = ipaddress.ip_address(addr)
    if ip.version == 4:
        sa = struct.pack("=H", socket.AF_INET) + b"\0\0" + ip.packed
    else:
        sa = struct.pack("=H", socket.AF_INET6) + b"\0\0" + b"\0" * 4 + ip.packed + b"\0" * 4
    return sa + b"\0" * (SS_LEN - len(sa))


def parse_divert_addr(ss):
    fam = struct.unpack("=H", ss[:2])[0]
    if fam == socket.AF_INET:
        zero = ss[8:16].split(b"\0")[0].decode("ascii", "replace")
        return str(ipaddress.IPv4Address(ss[4:8])) + ("%" + zero if zero else "")
    if fam == socket.AF_INET6:
        return str(ipaddress.IPv6Address(ss[8:24]))
    return "family%d" % fam


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def udp_packet(src, sport, dst, dport, payload, bad_ip_csum=False):
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    ulen = 8 + len(payload)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    if s.version == 4:
        pseudo = s.packed + d.packed + struct.pack("!BBH", 0, 17, ulen)
    else:
        pseudo = s.packed + d.packed + struct.pack("!IxxxB", ulen, 17)
    c = 0xFFFF - csum(pseudo + udp)
    udp = udp[:6] + struct.pack("!H", c or 0xFFFF) + udp[8:]
    if s.version == 4:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0x1234, 0, 64, 17, 0, s.packed,
                          d.packed)
        if not bad_ip_csum:
            hdr = hdr[:10] + struct.pack("!H", 0xFFFF - csum(hdr)) + hdr[12:]
        return hdr + udp
    return struct.pack("!IHBB16s16s", 6 << 28, ulen, 17, 64, s.packed, d.packed) + udp


def check_reply(pkt, src, sport, dst, qid, question):
    """What is wrong with pkt as the reply to our query, or None and the parsed DNS reply."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version == 4:
        if len(pkt) < 28 or pkt[0] >> 4 != 4:
            return "not an IPv4 packet", None
        ihl = (pkt[0] & 15) * 4
        if csum(pkt[:ihl]) != 0xFFFF:
            return "bad IPv4 header checksum", None
        if struct.unpack("!H", pkt[2:4])[0] != len(pkt):
            return "IPv4 total length %d, packet %d" % (struct.unpack("!H", pkt[2:4])[0],
                                                        len(pkt)), None
        if pkt[9] != 17:
            return "not UDP", None
        psrc, pdst, udp = pkt[12:16], pkt[16:20], pkt[ihl:]
        pseudo = psrc + pdst + struct.pack("!BBH", 0, 17, len(udp))
    else:
        if len(pkt) < 48 or pkt[0] >> 4 != 6:
            return "not an IPv6 packet", None
        if pkt[6] != 17:
            return "not UDP (next header %d)" % pkt[6], None
        if struct.unpack("!H", pkt[4:6])[0] != len(pkt) - 40:
            return "IPv6 payload length wrong", None
        psrc, pdst, udp = pkt[8:24], pkt[24:40], pkt[40:]
        pseudo = psrc + pdst + struct.pack("!IxxxB", len(udp), 17)
    if psrc != d.packed or pdst != s.packed:
        return "addresses %s -> %s, wanted %s -> %s" % (
            ipaddress.ip_address(psrc), ipaddress.ip_address(pdst), dst, src), None
    rs, rd, ulen, uc = struct.unpack("!HHHH", udp[:8])
    if rs != 53 or rd != sport:
        return "ports %d -> %d, wanted 53 -> %d" % (rs, rd, sport), None
    if ulen != len(udp):
        return "UDP length %d, datagram %d" % (ulen, len(udp)), None
    if uc == 0 and s.version == 6:
        return "no UDP checksum over IPv6", None
    if uc != 0 and csum(pseudo + udp) != 0xFFFF:
        return "bad UDP checksum", None
    r = dnsq.parse_reply(udp[8:])
    if r["id"] != qid or not r["qr"]:
        return "not a response to ID %#x (id %#x qr %d): the query written back?" % (
            qid, r["id"], r["qr"]), None
    if r["question"] != question:
        return "question %s, wanted %s" % (r["question"], question), None
    return None, r


def open_kernel(fam, port):
    k = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    k.bind(name("kernel", fam, port))
    return k


def recv_one(k, timeout):
    r, _, _ = select.select([k], [], [], timeout)
    if not r:
        return None
    return k.recv(70000)


def cmd_query(a):
    fam = 6 if ":" in a.src else 4
    freebsd = a.flavor == "freebsd"
    sock_fam = 4 if freebsd else fam  # FreeBSD: one socket, bound with a sockaddr_in
    qid = struct.unpack("!H", os.urandom(2))[0]
    q = dnsq.build_query(qid, a.name, a.type)
    question = (a.name.rstrip(".").lower() + ".", dnsq.TYPES[a.type.upper()], 1)
    k = open_kernel(sock_fam, a.port)
    unspec = "::" if sock_fam == 6 else "0.0.0.0"
    k.sendto(divert_addr(unspec) + udp_packet(a.src, a.sport, a.dst, 53, q, bad_ip_csum=freebsd),
             name("divert", sock_fam, a.port))
    got = recv_one(k, a.timeout)
    if got is None:
        print("no reply within %gs" % a.timeout)
        return 2
    ss, pkt = got[:SS_LEN], got[SS_LEN:]
    where = parse_divert_addr(ss)
    if freebsd:
        ifname = a.ifname if a.ifname and len(a.ifname) < 8 else ""
        want = (a.src if fam == 4 else "127.0.0.1") + ("%" + ifname if ifname else "")
    else:
        want = str(ipaddress.ip_address(a.src))
    if where != want:
        print("written back with divert address %s, wanted %s (inbound to the asker)" %
              (where, want))
        return 3
    why, r = check_reply(pkt, a.src, a.sport, a.dst, qid, question)
    if why:
        print(why)
        return 3
    if recv_one(k, 0.2) is not None:
        print("more than one packet written back")
        return 3
    print("rcode=%d tc=%d answers=%s" % (r["rcode"], r["tc"], ",".join(r["answers"]) or "-"))
    return 0


def cmd_send(a):
    q = dnsq.build_query(0x4242, "a.test", "A")
    src, dst = a.src, a.dst
    if a.kind == "other-port":
        pkt = udp_packet(src, 40123, dst, 123, b"\x23" + b"\0" * 47)
    elif a.kind == "garbage":
        pkt = b"\x99" * 40
    elif a.kind == "short":
        pkt = udp_packet(src, 40124, dst, 53, q)[:17]
    elif a.kind == "spoofed":
        src = "203.0.113.9"
        pkt = udp_packet(src, 40125, dst, 53, q)
    else:
        raise SystemExit("unknown kind " + a.kind)
    k = open_kernel(4, a.port)
    k.sendto(divert_addr("0.0.0.0") + pkt, name("divert", 4, a.port))
    got = recv_one(k, a.timeout)
    if got is not None:
        print("%s: %d bytes came back" % (a.kind, len(got) - SS_LEN))
        return 1
    print("%s: nothing came back" % a.kind)
    return 0


def cmd_bound(a):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.connect(name("divert", a.family, a.port))
    except OSError:
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("query")
    q.add_argument("port", type=int)
    q.add_argument("src")
    q.add_argument("sport", type=int)
    q.add_argument("dst")
    q.add_argument("name")
    q.add_argument("type")
    q.add_argument("--timeout", type=float, default=10)
    q.add_argument("--flavor", choices=("openbsd", "freebsd"), default="openbsd")
    q.add_argument("--ifname", default="")
    s = sub.add_parser("send")
    s.add_argument("port", type=int)
    s.add_argument("kind")
    s.add_argument("--src", default="127.0.0.1")
    s.add_argument("--dst", default="127.0.0.53")
    s.add_argument("--timeout", type=float, default=1)
    b = sub.add_parser("bound")
    b.add_argument("port", type=int)
    b.add_argument("family", type=int)
    a = p.parse_args()
    return {"query": cmd_query, "send": cmd_send, "bound": cmd_bound}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
