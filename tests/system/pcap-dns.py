#!/usr/bin/env python3
"""pcap-dns.py FILE...: every DNS message in tcpdump captures (stdlib only), one line each.

  udp|tcp SRC#PORT > DST#PORT id=0x1234 qr=0|1 tc=0|1 rcode=N q=NAME/TYPE an=N ar=N
      opt=0|1 udp=N do=0|1 flags=0xNNNN options=CODE,CODE,...|- extra=N

opt: the message has an OPT record; udp, do, flags: its UDP size, DO bit and the whole flags
field; options: the EDNS option codes in it, in order; extra: additional records other than OPT.
DNS over TCP is reassembled per direction of each connection (from the SYN when the capture
holds it, else from the first segment seen) and split at the 2-byte length prefixes.

Reads pcap files as tcpdump -w writes them (link types Ethernet, Linux cooked v1/v2, raw IP).
A message that does not parse, or a TCP stream with a hole or a partial message at the end, is
reported on a line starting "error:"; the exit status is then 1, else 0.
"""
import ipaddress
import os
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import dnsq  # noqa: E402  (read_name)

LINK_HDR = {1: 14, 113: 16, 276: 20, 101: 0}	# bytes before the IP header


def packets(path):
    """(ip packet bytes) for every record of a pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("%s: not a pcap file (pcapng is not read)" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    if linktype not in LINK_HDR:
        raise ValueError("%s: link type %d is not read" % (path, linktype))
    skip, off = LINK_HDR[linktype], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        rec = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(rec) > skip:
            yield rec[skip:]


def l4(pkt):
    """(proto, src, dst, l4 bytes) of an IPv4/IPv6 packet, or None (fragments are skipped)."""
    v = pkt[0] >> 4
    if v == 4 and len(pkt) >= 20:
        ihl = (pkt[0] & 0x0F) * 4
        total = struct.unpack("!H", pkt[2:4])[0]
        if struct.unpack("!H", pkt[6:8])[0] & 0x3FFF:
            return None
        return (pkt[9], ipaddress.IPv4Address(pkt[12:16]), ipaddress.IPv4Address(pkt[16:20]),
                pkt[ihl:total])
    if v == 6 and len(pkt) >= 40:
        plen = struct.unpack("!H", pkt[4:6])[0]
        return (pkt[6], ipaddress.IPv6Address(pkt[8:24]), ipaddress.IPv6Address(pkt[24:40]),
                pkt[40:40 + plen])
    return None


def describe(msg):
    """One DNS message -> the fields of its line (raises on a malformed message)."""
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    off, q = 12, "-"
    for _ in range(qd):
        name, off = dnsq.read_name(msg, off)
        qtype = struct.unpack("!H", msg[off:off + 2])[0]
        off += 4
        q = "%s/%d" % (name, qtype)
    for _ in range(an + ns):
        _, off = dnsq.read_name(msg, off)
        rdlen = struct.unpack("!H", msg[off + 8:off + 10])[0]
        off += 10 + rdlen
    opt, udp, do, oflags, codes, extra = 0, 0, 0, 0, [], 0
    for _ in range(ar):
        _, off = dnsq.read_name(msg, off)
        rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        rdata = msg[off:off + rdlen]
        off += rdlen
        if len(rdata) != rdlen:
            raise ValueError("record runs off the end")
        if rtype != 41:
            extra += 1
            continue
        opt, udp, oflags, do = 1, rclass, ttl & 0xFFFF, (ttl >> 15) & 1
        i = 0
        while i + 4 <= len(rdata):
            code, olen = struct.unpack("!HH", rdata[i:i + 4])
            codes.append(str(code))
            i += 4 + olen
        if i != len(rdata):
            raise ValueError("EDNS options run off the OPT record")
    if off != len(msg):
        raise ValueError("%d bytes after the last record" % (len(msg) - off))
    return ("id=0x%04x qr=%d tc=%d rcode=%d q=%s an=%d ar=%d opt=%d udp=%d do=%d flags=0x%04x "
            "options=%s extra=%d" % (qid, flags >> 15, (flags >> 9) & 1, flags & 0xF, q, an, ar,
                                     opt, udp, do, oflags, ",".join(codes) or "-", extra))


def endpoint(addr, port):
    return "%s#%d" % (addr, port)


def main():
    if len(sys.argv) < 2:
        print("usage: pcap-dns.py FILE...", file=sys.stderr)
        return 2
    bad = 0
    flows = {}	# (src, sport, dst, dport) -> {"isn": int|None, "segs": {seq: bytes}}
    order = []
    for path in sys.argv[1:]:
        for pkt in packets(path):
            p = l4(pkt)
            if p is None:
                continue
            proto, src, dst, seg = p
            if proto == 17 and len(seg) >= 8:
                sport, dport = struct.unpack("!HH", seg[:4])
                try:
                    line = describe(seg[8:])
                except (ValueError, struct.error, IndexError) as e:
                    print("error: udp %s > %s: %s" % (endpoint(src, sport),
                                                      endpoint(dst, dport), e))
                    bad += 1
                    continue
                print("udp %s > %s %s" % (endpoint(src, sport), endpoint(dst, dport), line))
            elif proto == 6 and len(seg) >= 20:
                sport, dport, seq = struct.unpack("!HHI", seg[:8])
                doff = (seg[12] >> 4) * 4
                key = (src, sport, dst, dport)
                if key not in flows:
                    flows[key] = {"isn": None, "segs": {}}
                    order.append(key)
                fl = flows[key]
                if seg[13] & 0x02:	# SYN: the stream starts at seq + 1
                    fl["isn"] = seq
                data = seg[doff:]
                if data:
                    fl["segs"].setdefault(seq, data)
    for key in order:
        fl = flows[key]
        if not fl["segs"]:
            continue
        base = (fl["isn"] + 1) & 0xFFFFFFFF if fl["isn"] is not None else min(fl["segs"])
        stream, hole = b"", False
        for seq in sorted(fl["segs"], key=lambda s: (s - base) & 0xFFFFFFFF):
            rel = (seq - base) & 0xFFFFFFFF
            data = fl["segs"][seq]
            if rel > len(stream):
                hole = True
                break
            stream += data[len(stream) - rel:]
        src, sport, dst, dport = key
        where = "tcp %s > %s" % (endpoint(src, sport), endpoint(dst, dport))
        off = 0
        while off + 2 <= len(stream):
            n = struct.unpack("!H", stream[off:off + 2])[0]
            if off + 2 + n > len(stream):
                break
            try:
                print("%s %s" % (where, describe(stream[off + 2:off + 2 + n])))
            except (ValueError, struct.error, IndexError) as e:
                print("error: %s: %s" % (where, e))
                bad += 1
            off += 2 + n
        if hole or off != len(stream):
            print("error: %s: %s after %d bytes of the stream" % (
                where, "a hole" if hole else "a partial message", off))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
