#!/usr/bin/env python3
"""auditq.py: clients and log checks for tests/system/audit.bats (stdlib only).

Clients (each prints one JSON object on stdout: at least {"pid": N}):
  auditq.py udp SERVER NAME [--type N] [--sleep S] [--exit-now] [--timeout S]
      (NAME "-": read from stdin, so that it is not in the command line)
      One hand-built DNS query over UDP (unconnected sendto). Waits for the
      answer (prints its rcode), then sleeps S seconds. --exit-now: send,
      close and exit without waiting (os._exit).
  auditq.py send ADDR PORT [--proto 17|136] [--sleep S]
      One datagram to ADDR:PORT (UDP, or UDP-Lite with --proto 136); no answer
      is expected (a DROP in OUTPUT makes sendto fail with EPERM: printed as
      "errno"). Sleeps S seconds after sending, socket still open.
  auditq.py tcp SERVER NAME [--sleep S] [--timeout S]
      One DNS query over TCP to SERVER:53; prints the rcode, then sleeps S
      seconds with the connection still open.
  auditq.py stream SERVER PREFIX N [--timeout S] [--retries K] [--pace S]
      N queries in sequence, names PREFIX-0.test .. PREFIX-(N-1).test, each
      waited for (retried K times, same name, on a timeout), S seconds apart. Prints
      {"answered": A, "unanswered": U, "first_unanswered": [...]}; exit 0 when all were answered.

Log checks (LOG is the audit log; exit 0 on success, 1 with a message):
  auditq.py format LOG
      Every line is JSON with exactly docs/audit.md's fields, in order, with
      the right types.
  auditq.py expect LOG [--where K=V|K!=V]... [--count N|--min N] [K=V | K~REGEX]...
      The lines matching every --where (V parsed as JSON when it parses, else a
      string; "null" is null) are N in number (default: at least 1), and each
      has every K=V and K~REGEX (regex on the string form).
  auditq.py select LOG [--where K=V]...
      Print the matching lines.
"""
import argparse
import ipaddress
import json
import os
import re
import socket
import struct
import sys
import time

FIELDS = ["ts", "event", "action", "uid", "gid", "user", "pid", "comm", "exe", "cmdline",
          "unit", "client", "mac", "ifname", "src", "dst", "proto", "qname", "qtype",
          "rcode", "latency_ms", "isolation", "lost"]
EVENTS = {"dns", "dns-tcp", "udp", "proto", "lost"}
ACTIONS = {"answered", "servfail", "local", "refused", "dropped"}
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
HASH_RE = re.compile(r"^hash:[0-9a-f]{16}$")
QTYPE_RE = re.compile(r"^([A-Z][A-Z0-9]*|TYPE\d+)$")
RCODE_RE = re.compile(r"^([A-Z]+|RCODE\d+)$")


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def build_query(qid, name, qtype):
    msg = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        if label:
            b = label.encode("ascii")
            msg += bytes([len(b)]) + b
    return msg + b"\x00" + struct.pack("!HH", qtype, 1)


def out(obj):
    print(json.dumps(obj), flush=True)


def cmd_udp(a):
    if a.name == "-":       # from stdin: not in the command line
        a.name = sys.stdin.readline().strip()
    qid = struct.unpack("!H", os.urandom(2))[0]
    s = socket.socket(family_of(a.server), socket.SOCK_DGRAM)
    s.sendto(build_query(qid, a.name, a.type), (a.server, 53))
    if a.exit_now:
        s.close()
        out({"pid": os.getpid()})
        os._exit(0)
    s.settimeout(a.timeout)
    try:
        data, _ = s.recvfrom(65535)
    except socket.timeout:
        out({"pid": os.getpid(), "rcode": None})
        return 2
    out({"pid": os.getpid(), "rcode": data[3] & 0x0F, "id_ok": data[:2] == struct.pack("!H", qid)})
    time.sleep(a.sleep)
    return 0


def cmd_send(a):
    s = socket.socket(family_of(a.addr), socket.SOCK_DGRAM, a.proto)
    s.bind(("::" if ":" in a.addr else "0.0.0.0", 0))
    try:
        s.sendto(b"dnsfence audit test", (a.addr, a.port))
        err = None
    except PermissionError as e:    # a DROP rule in OUTPUT says EPERM
        err = e.errno
    out({"pid": os.getpid(), "sport": s.getsockname()[1], "errno": err})
    time.sleep(a.sleep)
    return 0


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("closed")
        b += c
    return b


def cmd_tcp(a):
    qid = struct.unpack("!H", os.urandom(2))[0]
    q = build_query(qid, a.name, 1)
    s = socket.create_connection((a.server, 53), timeout=a.timeout)
    s.sendall(struct.pack("!H", len(q)) + q)
    (n,) = struct.unpack("!H", recv_exact(s, 2))
    data = recv_exact(s, n)
    out({"pid": os.getpid(), "rcode": data[3] & 0x0F, "sport": s.getsockname()[1]})
    time.sleep(a.sleep)
    return 0


def cmd_stream(a):
    s = socket.socket(family_of(a.server), socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    answered, missing = 0, []
    for i in range(a.n):
        name = "%s-%d.test" % (a.prefix, i)
        ok = False
        for _ in range(a.retries + 1):
            qid = struct.unpack("!H", os.urandom(2))[0]
            s.sendto(build_query(qid, name, 1), (a.server, 53))
            deadline = time.monotonic() + a.timeout
            while time.monotonic() < deadline:
                try:
                    data, _ = s.recvfrom(65535)
                except socket.timeout:
                    break
                if data[:2] == struct.pack("!H", qid):
                    ok = True
                    break
            if ok:
                break
        if ok:
            answered += 1
        else:
            missing.append(name)
        if a.pace:
            time.sleep(a.pace)
    out({"pid": os.getpid(), "answered": answered, "unanswered": len(missing),
         "first_unanswered": missing[:10]})
    return 0 if not missing else 1


# ---- log checks ----

def load(path):
    lines = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                text = raw.decode("ascii")
            except UnicodeDecodeError:
                raise SystemExit("line %d: not ASCII: %r" % (n, raw[:120]))
            if not text.endswith("\n"):
                raise SystemExit("line %d: no final newline (a torn line?): %r" % (n, text[:200]))
            try:
                obj = json.loads(text, object_pairs_hook=lambda kv: kv)
            except ValueError as e:
                raise SystemExit("line %d: not JSON (%s): %r" % (n, e, text[:200]))
            lines.append((n, obj))
    return lines


def as_dict(pairs):
    return dict(pairs)


def check_addr(v, ports, n, key):
    m = re.match(r"^\[([0-9a-f:.]+)\]:(\d+)$", v) or re.match(r"^([0-9.]+):(\d+)$", v)
    if m:
        ip = ipaddress.ip_address(m.group(1))
        if ("[" in v) != (ip.version == 6):
            return "line %d: %s %r: brackets wrong for its family" % (n, key, v)
        if not 0 <= int(m.group(2)) <= 65535:
            return "line %d: %s %r: bad port" % (n, key, v)
        return None
    if not ports:
        try:
            ipaddress.ip_address(v)
            return None
        except ValueError:
            pass
    return "line %d: %s %r is not addr:port / [v6]:port" % (n, key, v)


def format_errors(pairs, n):
    errs = []
    keys = [k for k, _ in pairs]
    if keys != FIELDS:
        return ["line %d: fields %s, want %s" % (n, keys, FIELDS)]
    d = as_dict(pairs)

    def typ(k, types, nullable=True):
        v = d[k]
        if v is None:
            if not nullable:
                errs.append("line %d: %s is null" % (n, k))
            return
        if isinstance(v, bool) or not isinstance(v, types):
            errs.append("line %d: %s=%r is not %s" % (n, k, v, types))

    typ("ts", str, False)
    if isinstance(d["ts"], str) and not TS_RE.match(d["ts"]):
        errs.append("line %d: ts %r is not RFC 3339 UTC with ms" % (n, d["ts"]))
    if d["event"] not in EVENTS:
        errs.append("line %d: event %r" % (n, d["event"]))
    if d["action"] not in ACTIONS:
        errs.append("line %d: action %r" % (n, d["action"]))
    for k in ("uid", "gid", "pid", "proto", "lost"):
        typ(k, int)
    for k in ("user", "comm", "exe", "cmdline", "unit", "client", "mac", "ifname", "src",
              "dst", "qname", "qtype", "rcode", "isolation"):
        typ(k, str)
    typ("latency_ms", (int, float))
    if d["event"] == "lost":
        if d["action"] != "dropped" or not isinstance(d["lost"], int) or d["lost"] <= 0:
            errs.append("line %d: a lost event without a positive count / dropped" % n)
        for k in FIELDS[3:-1]:
            if d[k] is not None:
                errs.append("line %d: lost event with %s=%r" % (n, k, d[k]))
        return errs
    if d["lost"] is not None:
        errs.append("line %d: lost=%r on a %s event" % (n, d["lost"], d["event"]))
    if d["src"] is None or d["dst"] is None or d["proto"] is None:
        errs.append("line %d: src, dst or proto null" % n)
        return errs
    ports = d["event"] in ("dns", "dns-tcp", "udp") or d["proto"] in (17, 136, 6, 132)
    for k in ("src", "dst"):
        e = check_addr(d[k], ports, n, k)
        if e:
            errs.append(e)
    if d["mac"] is not None and not MAC_RE.match(d["mac"]):
        errs.append("line %d: mac %r" % (n, d["mac"]))
    if d["client"] is not None:
        try:
            ipaddress.ip_address(d["client"])
        except ValueError:
            errs.append("line %d: client %r is not an address" % (n, d["client"]))
    if d["event"] in ("dns", "dns-tcp"):
        want = 6 if d["event"] == "dns-tcp" else 17
        if d["proto"] != want:
            errs.append("line %d: %s with proto %r" % (n, d["event"], d["proto"]))
        q = d["qname"]
        if q is not None and q != "." and (q.endswith(".") and not q.endswith("\\.")):
            errs.append("line %d: qname %r ends with a dot" % (n, q))
        if d["qtype"] is not None and not QTYPE_RE.match(d["qtype"]):
            errs.append("line %d: qtype %r" % (n, d["qtype"]))
        if d["rcode"] is not None and not RCODE_RE.match(d["rcode"]):
            errs.append("line %d: rcode %r" % (n, d["rcode"]))
        if d["action"] != "dropped" and (d["rcode"] is None or d["latency_ms"] is None):
            errs.append("line %d: %s without rcode or latency" % (n, d["action"]))
        if isinstance(d["latency_ms"], (int, float)) and d["latency_ms"] < 0:
            errs.append("line %d: negative latency" % n)
    else:
        for k in ("qname", "qtype", "rcode", "latency_ms", "isolation"):
            if d[k] is not None:
                errs.append("line %d: %s event with %s=%r" % (n, d["event"], k, d[k]))
    if d["pid"] is None and any(d[k] is not None for k in ("comm", "exe", "cmdline")):
        errs.append("line %d: comm/exe/cmdline without a pid" % n)
    return errs


def cmd_format(a):
    lines = load(a.log)
    if not lines:
        print("FAIL: %s is empty" % a.log)
        return 1
    errs = []
    for n, pairs in lines:
        errs += format_errors(pairs, n)
    for e in errs[:20]:
        print("FAIL:", e)
    print("%d lines, %d errors" % (len(lines), len(errs)))
    return 1 if errs else 0


def parse_value(v):
    try:
        return json.loads(v)
    except ValueError:
        return v


def select(a):
    where = []
    for w in a.where:
        k, op, v = w.partition("=")
        neg = k.endswith("!")
        where.append((k[:-1] if neg else k, parse_value(v), neg))
    res = []
    for n, pairs in load(a.log):
        d = as_dict(pairs)
        if all(k in d and (d[k] != v if neg else d[k] == v) for k, v, neg in where):
            res.append((n, d))
    return res


def cmd_select(a):
    for n, d in select(a):
        print("%d: %s" % (n, json.dumps(d)))
    return 0


def cmd_expect(a):
    res = select(a)
    for n, d in res:
        print("# %d: %s" % (n, json.dumps(d)))
    if a.count is not None and len(res) != a.count:
        print("FAIL: %d lines match %s, want %d" % (len(res), a.where, a.count))
        return 1
    if a.count is None and len(res) < a.min:
        print("FAIL: %d lines match %s, want at least %d" % (len(res), a.where, a.min))
        return 1
    bad = 0
    for n, d in res:
        for c in a.checks:
            m = re.match(r"^([a-z_]+)(=|~)(.*)$", c, re.S)
            if not m:
                print("FAIL: bad check %r" % c)
                return 1
            k, op, v = m.groups()
            got = d.get(k)
            if op == "=":
                ok = got == parse_value(v)
            else:
                ok = got is not None and re.search(v, str(got)) is not None
            if not ok:
                print("FAIL: line %d: %s is %r, want %s%s" % (n, k, got, op, v))
                bad += 1
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("udp")
    s.add_argument("server")
    s.add_argument("name")
    s.add_argument("--type", type=int, default=1)
    s.add_argument("--sleep", type=float, default=0)
    s.add_argument("--timeout", type=float, default=5)
    s.add_argument("--exit-now", action="store_true")
    s = sub.add_parser("send")
    s.add_argument("addr")
    s.add_argument("port", type=int)
    s.add_argument("--proto", type=int, default=17)
    s.add_argument("--sleep", type=float, default=0)
    s = sub.add_parser("tcp")
    s.add_argument("server")
    s.add_argument("name")
    s.add_argument("--sleep", type=float, default=0)
    s.add_argument("--timeout", type=float, default=5)
    s = sub.add_parser("stream")
    s.add_argument("server")
    s.add_argument("prefix")
    s.add_argument("n", type=int)
    s.add_argument("--timeout", type=float, default=2)
    s.add_argument("--retries", type=int, default=0)
    s.add_argument("--pace", type=float, default=0)
    for name in ("format", "expect", "select"):
        s = sub.add_parser(name)
        s.add_argument("log")
        if name != "format":
            s.add_argument("--where", action="append", default=[])
        if name == "expect":
            s.add_argument("--count", type=int)
            s.add_argument("--min", type=int, default=1)
    # expect's checks (K=V, K~RE) may come anywhere among its options
    a, extra = p.parse_known_args()
    if extra and (a.cmd != "expect" or any(x.startswith("-") for x in extra)):
        p.error("unrecognized arguments: %s" % " ".join(extra))
    a.checks = extra
    return {"udp": cmd_udp, "send": cmd_send, "tcp": cmd_tcp, "stream": cmd_stream,
            "format": cmd_format, "expect": cmd_expect, "select": cmd_select}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
