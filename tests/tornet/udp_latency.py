#!/usr/bin/env python3
"""udp_latency.py: sequential UDP DNS queries, each timed (stdlib only).

  udp_latency.py SERVER PORT NAMEFILE [--type A] [--timeout S]

Sends one query per name in NAMEFILE (one name a line), one at a time, each from a fresh socket,
and waits for the reply with the same ID from SERVER:PORT (or the timeout). Prints one summary
line:
  n=200 replies=200 timeouts=0 rcodes=NOERROR:0,NXDOMAIN:200 p50_ms=9.1 p90_ms=12.0
  p99_ms=30.2 max_ms=41.0 mean_ms=9.8
Latencies are of the replies only. Exit 0 if every query got a reply, 1 otherwise.
"""
import argparse
import os
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True	# no __pycache__ in tests/lib
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from dnsq import build_query  # noqa: E402  (the tests' DNS wire code)
RCODES = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def pct(sorted_ms, p):
    if not sorted_ms:
        return float("nan")
    k = max(0, min(len(sorted_ms) - 1, int(round(p / 100.0 * len(sorted_ms) + 0.5)) - 1))
    return sorted_ms[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("port", type=int)
    ap.add_argument("namefile")
    ap.add_argument("--type", default="A")
    ap.add_argument("--timeout", type=float, default=5.0)
    a = ap.parse_args()
    with open(a.namefile) as f:
        names = [line.strip() for line in f if line.strip()]
    fam = socket.AF_INET6 if ":" in a.server else socket.AF_INET
    lat, rcodes, timeouts = [], {}, 0
    for name in names:
        qid = struct.unpack("!H", os.urandom(2))[0]
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.connect((a.server, a.port))
            t0 = time.monotonic()
            s.send(build_query(qid, name, a.type))
            deadline = t0 + a.timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    timeouts += 1
                    break
                s.settimeout(left)
                try:
                    data = s.recv(65535)
                except socket.timeout:
                    timeouts += 1
                    break
                except ConnectionRefusedError:
                    timeouts += 1
                    break
                if len(data) >= 12 and struct.unpack("!H", data[:2])[0] == qid:
                    lat.append((time.monotonic() - t0) * 1000.0)
                    rc = RCODES.get(data[3] & 0xF, str(data[3] & 0xF))
                    rcodes[rc] = rcodes.get(rc, 0) + 1
                    break
        finally:
            s.close()
    lat.sort()
    print("n=%d replies=%d timeouts=%d rcodes=%s p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f "
          "max_ms=%.1f mean_ms=%.1f" % (
              len(names), len(lat), timeouts,
              ",".join("%s:%d" % kv for kv in sorted(rcodes.items())) or "-",
              pct(lat, 50), pct(lat, 90), pct(lat, 99), lat[-1] if lat else float("nan"),
              sum(lat) / len(lat) if lat else float("nan")))
    return 0 if len(lat) == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
