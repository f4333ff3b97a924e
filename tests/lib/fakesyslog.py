#!/usr/bin/env python3
"""fakesyslog.py: a syslog daemon for the tests: binds a Unix datagram socket at PATH (after
removing a stale one) and appends every line it receives to OUT, one per line. A restart of
the real thing is a new process binding the path again.

    fakesyslog.py PATH OUT
"""
import os
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    print("fakesyslog: listening on %s" % path, flush=True)
    with open(out, "ab", buffering=0) as f:
        while True:
            d = s.recv(65536)
            f.write(d.rstrip(b"\n") + b"\n")


if __name__ == "__main__":
    main()
