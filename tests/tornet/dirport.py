#!/usr/bin/env python3
"""dirport.py: does a directory authority's DirPort serve a consensus listing N relays?

  dirport.py HOST:PORT [HOST:PORT ...] --want N [--published NICK=YYYY-MM-DDTHH:MM:SS ...]
             [--timeout S]

For each DirPort: HTTP GET /tor/status-vote/current/consensus (the full "ns" flavour, which
UseMicrodescriptors 0 clients use), count the relays ("r " lines) that are Running and Valid,
and print "HOST:PORT relays=N running=N exits=N stale=NICK,... valid-after=...". With
--published, a relay whose descriptor in the consensus was published before the given time (UTC)
is stale: relays publish a first descriptor at start-up and a second one once their self-test
finds them reachable, and a client that adopts the consensus with the second one has no usable
descriptor for them until it fetches it. Exit 0 if every DirPort lists at least N Running
relays and none stale, 3 if they do but some are stale, 1 otherwise (a 404 before the first
vote counts as 0). Stdlib only; one
HTTP/1.0 request per DirPort with a socket timeout.
"""
import argparse
import socket
import sys


def fetch(host, port, path, timeout):
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].decode("ascii", "replace")
    return status, body.decode("utf-8", "replace")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dirport", nargs="+")
    p.add_argument("--want", type=int, required=True)
    p.add_argument("--published", action="append", default=[],
                   help="NICK=YYYY-MM-DDTHH:MM:SS: its descriptor must be at least this new")
    p.add_argument("--timeout", type=float, default=5.0)
    a = p.parse_args()
    need = {}
    for x in a.published:
        nick, _, t = x.partition("=")
        need[nick] = t.replace("T", " ")
    ok, fresh = True, True
    for d in a.dirport:
        host, _, port = d.rpartition(":")
        try:
            status, body = fetch(host, int(port), "/tor/status-vote/current/consensus", a.timeout)
        except OSError as e:
            print("%s error %s" % (d, e))
            ok = False
            continue
        if " 200 " not in status + " ":
            print("%s %s" % (d, status))
            ok = False
            continue
        relays = running = exits = 0
        valid_after = "?"
        seen, stale = set(), []
        for line in body.splitlines():
            if line.startswith("valid-after "):
                valid_after = line[len("valid-after "):]
            elif line.startswith("r "):
                relays += 1
                f = line.split()
                seen.add(f[1])
                if f[1] in need and len(f) >= 6 and f[4] + " " + f[5] < need[f[1]]:
                    stale.append(f[1])
            elif line.startswith("s "):
                flags = line.split()[1:]
                if "Running" in flags and "Valid" in flags:
                    running += 1
                    if "Exit" in flags:
                        exits += 1
        stale += sorted(set(need) - seen)
        print("%s relays=%d running=%d exits=%d stale=%s valid-after=%s" % (
            d, relays, running, exits, ",".join(sorted(stale)) or "-", valid_after))
        if running < a.want:
            ok = False
        if stale:
            fresh = False
    return (0 if fresh else 3) if ok else 1


if __name__ == "__main__":
    sys.exit(main())
