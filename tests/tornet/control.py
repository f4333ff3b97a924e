#!/usr/bin/env python3
"""control.py: a tiny Tor ControlPort client for the tests (stdlib only).

  control.py --control HOST:PORT --cookie FILE COMMAND ...

Commands:
  getinfo KEY...            print each value (multi-line values as they come)
  bootstrap [--wait S]      print status/bootstrap-phase; with --wait, poll until PROGRESS=100
                            (exit 0) or S seconds pass (exit 1)
  circuits                  one line per circuit:
                            circ=ID status=S path=NICK,... purpose=P exit_fp=FP (last hop)
  streams [--target T]      one line per stream, joined with its circuit: stream=ID status=S
                            circ=CID circ_status=BUILT target=T path=... purpose=P exit_fp=FP
  events EVENT... [--seconds S] [--reconnect]
                            SETEVENTS EVENT...; print "listening", then every event line as it
                            arrives ("650 STREAM ..."), flushed, for at most S seconds (default
                            60), or until SIGTERM/SIGINT. Tor's STREAM events carry
                            SOURCE_ADDR=IP:PORT, so a stream can be tied to a local socket.
                            With --reconnect, a lost connection (the client restarted) is
                            retried every 0.1 s with the cookie read again ("listening again").
  signal NAME               SIGNAL NAME (e.g. NEWNYM)

Authentication is by the cookie file (CookieAuthentication 1). Every socket operation has a
timeout (--timeout, default 10 s). Exit 2 on a protocol or connection error.
"""
import argparse
import signal
import socket
import sys
import time


class ControlError(Exception):
    pass


class Control:
    def __init__(self, addr, cookie, timeout):
        host, _, port = addr.rpartition(":")
        self.sock = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
        self.buf = b""
        self.events = []
        with open(cookie, "rb") as f:
            c = f.read()
        self.command("AUTHENTICATE " + c.hex())

    def readline(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ControlError("control connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def reply(self):
        """One reply: a list of (code, sep, text) with data blocks folded into text."""
        out = []
        while True:
            line = self.readline()
            if len(line) < 4:
                raise ControlError("short reply line %r" % line)
            code, sep, text = line[:3], line[3], line[4:]
            if sep == "+":
                data = []
                while True:
                    d = self.readline()
                    if d == ".":
                        break
                    data.append(d[1:] if d.startswith("..") else d)
                text = text + "\n" + "\n".join(data)
            out.append((code, sep, text))
            if sep == " ":
                return out

    def command(self, cmd):
        self.sock.sendall(cmd.encode() + b"\r\n")
        while True:
            r = self.reply()
            if r[0][0] == "650":	# an asynchronous event between our replies
                self.events.append(r)
                continue
            if r[-1][0] != "250":
                raise ControlError("%s: %s %s" % (cmd.split()[0], r[-1][0], r[-1][2]))
            return r

    def getinfo(self, key):
        for code, sep, text in self.command("GETINFO " + key):
            if text.startswith(key + "="):
                v = text[len(key) + 1:]
                return v[1:] if sep == "+" and v.startswith("\n") else v
        raise ControlError("no %s in the GETINFO reply" % key)


def parse_kv(s):
    kv = {}
    for part in s.split():
        if "=" in part:
            k, _, v = part.partition("=")
            kv[k] = v.strip('"')
    return kv


def circuits(c):
    res = {}
    for line in c.getinfo("circuit-status").splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        path = f[2] if len(f) > 2 and "=" not in f[2] else ""
        kv = parse_kv(line)
        res[f[0]] = {"status": f[1], "path": path, "purpose": kv.get("PURPOSE", "?"),
                     "line": line}
    return res


def streams(c):
    res = []
    for line in c.getinfo("stream-status").splitlines():
        f = line.split()
        if len(f) >= 4:
            res.append({"id": f[0], "status": f[1], "circ": f[2], "target": f[3]})
    return res


def short_path(path):
    return ",".join(hop.split("~")[-1] for hop in path.split(",") if hop) or "-"


def exit_fp(path):
    """The last hop's fingerprint, without the "$"."""
    hops = [h for h in path.split(",") if h]
    return hops[-1].split("~")[0].lstrip("$") if hops else "-"


def cmd_bootstrap(c, a):
    deadline = time.monotonic() + (a.wait or 0)
    while True:
        v = c.getinfo("status/bootstrap-phase")
        kv = parse_kv(v)
        done = kv.get("PROGRESS") == "100"
        if done or not a.wait or time.monotonic() >= deadline:
            print(v)
            return 0 if done else 1
        time.sleep(0.25)


def cmd_circuits(c, a):
    for cid, ci in sorted(circuits(c).items(), key=lambda x: int(x[0])):
        print("circ=%s status=%s path=%s purpose=%s exit_fp=%s" % (
            cid, ci["status"], short_path(ci["path"]), ci["purpose"], exit_fp(ci["path"])))
    return 0


def cmd_streams(c, a):
    circs = circuits(c)
    for s in streams(c):
        if a.target and s["target"] != a.target:
            continue
        ci = circs.get(s["circ"], {"status": "NONE", "path": "", "purpose": "?"})
        print("stream=%s status=%s circ=%s circ_status=%s target=%s path=%s purpose=%s exit_fp=%s"
              % (s["id"], s["status"], s["circ"], ci["status"], s["target"],
                 short_path(ci["path"]), ci["purpose"], exit_fp(ci["path"])))
    return 0


def cmd_events(c, a):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    deadline = time.monotonic() + a.seconds
    word = "listening"
    while not stop and time.monotonic() < deadline:
        if c is None:	# --reconnect: the client restarted (a new cookie); try every 0.1 s
            try:
                c = Control(a.control, a.cookie, a.timeout)
            except (OSError, ControlError):
                time.sleep(0.1)
                continue
        try:
            c.command("SETEVENTS " + " ".join(a.event))
            print("%s %s" % (word, " ".join(a.event)), flush=True)
            c.sock.settimeout(0.2)
            while not stop and time.monotonic() < deadline:
                for r in c.events:
                    for _, _, text in r:
                        print("650 " + text, flush=True)
                c.events = []
                try:
                    r = c.reply()
                except socket.timeout:
                    continue
                for _, _, text in r:
                    print("650 " + text, flush=True)
        except (OSError, ControlError) as ex:
            if not a.reconnect:
                raise
            print("lost %s: %s" % (type(ex).__name__, ex), flush=True)
            c, word = None, "listening again"
    print("stopped", flush=True)
    return 0


def cmd_getinfo(c, a):
    for k in a.key:
        print(c.getinfo(k))
    return 0


def cmd_signal(c, a):
    c.command("SIGNAL " + a.name)
    print("signal %s: OK" % a.name)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--control", required=True, help="HOST:PORT of the ControlPort")
    p.add_argument("--cookie", required=True, help="the control_auth_cookie file")
    p.add_argument("--timeout", type=float, default=10.0)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("getinfo")
    g.add_argument("key", nargs="+")
    b = sub.add_parser("bootstrap")
    b.add_argument("--wait", type=float, default=0)
    sub.add_parser("circuits")
    s = sub.add_parser("streams")
    s.add_argument("--target")
    e = sub.add_parser("events")
    e.add_argument("event", nargs="+")
    e.add_argument("--seconds", type=float, default=60)
    e.add_argument("--reconnect", action="store_true",
                   help="when the connection drops, connect again (until --seconds)")
    n = sub.add_parser("signal")
    n.add_argument("name")
    a = p.parse_args()
    try:
        c = Control(a.control, a.cookie, a.timeout)
        return {"getinfo": cmd_getinfo, "bootstrap": cmd_bootstrap, "circuits": cmd_circuits,
                "streams": cmd_streams, "events": cmd_events, "signal": cmd_signal}[a.cmd](c, a)
    except (OSError, ControlError, ValueError) as ex:
        print("control.py: %s: %s" % (type(ex).__name__, ex), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
