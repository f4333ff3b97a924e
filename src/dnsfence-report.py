#!/usr/bin/python3
# dnsfence-report: turns dnsfence's audit log (docs/audit.md) into a table per application, user,
# client host or query name, as text, JSON or a self-contained HTML page. Standard library only.
#
# The log is attacker-influenced (query names, command lines): every string from it is cleaned of
# control characters before it reaches a terminal and HTML-escaped before it reaches a page. A line
# that is not what docs/audit.md says is counted and skipped, never trusted and never fatal.

import argparse
import array
import datetime
import html
import json
import os
import re
import signal
import sys
import time
import unicodedata

PROG = "dnsfence-report"
DEFAULT_LOG = "/var/log/dnsfence/audit.log"
TABLE_WIDTH = 100	# the text table's target width in columns; detail lines are cut to it
POLL_SECONDS = 1.0	# --follow: how often the file is checked for new lines and rotation
HTML_TOP = 20		# --html: how many groups get a timeline row
HTML_BUCKETS = 100	# --html: how many time bins a timeline row has
READ_CHUNK = 1 << 16	# bytes read at a time

EXIT_OK, EXIT_IO, EXIT_USAGE = 0, 1, 2

# docs/audit.md: every field, in order, with the JSON types it may have (None: may be null).
FIELDS = (
	("ts", (str,)), ("event", (str,)), ("action", (str,)),
	("uid", (int, None)), ("gid", (int, None)), ("user", (str, None)),
	("pid", (int, None)), ("comm", (str, None)), ("exe", (str, None)),
	("cmdline", (str, None)), ("unit", (str, None)), ("client", (str, None)),
	("mac", (str, None)), ("ifname", (str, None)), ("src", (str, None)),
	("dst", (str, None)), ("proto", (int, None)), ("qname", (str, None)),
	("qtype", (str, None)), ("rcode", (str, None)), ("latency_ms", (float, int, None)),
	("isolation", (str, None)), ("lost", (int, None)),
)
QUERY_EVENTS = ("dns", "dns-tcp")
OTHER_EVENTS = ("udp", "proto")
EVENTS = QUERY_EVENTS + OTHER_EVENTS + ("lost",)
ACTIONS = ("answered", "refused", "local", "servfail", "dropped")
PROTO_NAMES = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6", 132: "sctp", 136: "udplite"}
BY_KEYS = ("app", "user", "host", "name")

# Placeholders for a key the log does not know. In JSON the key is null instead.
UNATTRIBUTED = "(unattributed)"
NONE = "(none)"
LOCALHOST = "localhost"


class Fail(Exception):
	"""An error that ends the run with a message and an exit code."""
	def __init__(self, msg, code):
		super().__init__(msg)
		self.code = code


class Stop(Exception):
	"""SIGINT or SIGTERM during --follow."""


# ---- time ----

RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?"
		     r"([Zz]|[+-]\d{2}:\d{2})?")
RELATIVE = re.compile(r"(\d{1,9})([smhd])")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def time_parse(s, need_offset):
	"""RFC 3339 to seconds since the epoch, or None. Without an offset the time is UTC."""
	m = RFC3339.fullmatch(s)
	if not m or (need_offset and not m.group(8)):
		return None
	y, mo, d, h, mi, sec = (int(g) for g in m.groups()[:6])
	try:
		dt = datetime.datetime(y, mo, d, h, mi, min(sec, 59), tzinfo=datetime.timezone.utc)
	except ValueError:
		return None
	t = dt.timestamp() + (float(m.group(7)) if m.group(7) else 0.0)
	off = m.group(8)
	if off and off not in "Zz":
		oh, om = int(off[1:3]), int(off[4:6])
		if oh > 23 or om > 59:
			return None
		t -= (1 if off[0] == "+" else -1) * (oh * 3600 + om * 60)
	return t


def since_parse(s, now):
	m = RELATIVE.fullmatch(s)
	if m:
		return now - int(m.group(1)) * UNIT_SECONDS[m.group(2)]
	t = time_parse(s, need_offset=False)
	if t is None:
		raise Fail("--since: invalid time '%s' (want RFC 3339 such as 2026-12-02T10:00:00Z, "
			   "or a relative 30s, 10m, 2h, 3d)" % clean(s), EXIT_USAGE)
	return t


def time_fmt(t, fmt="%Y-%m-%d %H:%M:%S"):
	return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(fmt)


# ---- strings from the log ----

HIDDEN_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")


def clean(s):
	"""Replace control, format and line-separator characters (terminal escapes, bidi overrides,
	lone surrogates) with a visible \\x.. or \\u.... escape."""
	if s.isprintable() and s.isascii():
		return s
	out = []
	for c in s:
		if unicodedata.category(c) in HIDDEN_CATEGORIES:
			o = ord(c)
			out.append("\\x%02x" % o if o < 0x100 else "\\u%04x" % o if o < 0x10000
				   else "\\U%08x" % o)
		else:
			out.append(c)
	return "".join(out)


def char_width(c):
	if unicodedata.combining(c):
		return 0
	return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def width(s):
	return sum(char_width(c) for c in s)


def cut(s, w):
	"""s cut to at most w columns, ending in … when cut."""
	if width(s) <= w:
		return s
	out, used = [], 0
	for c in s:
		cw = char_width(c)
		if used + cw > w - 1:
			break
		out.append(c)
		used += cw
	return "".join(out) + "…"


def pad(s, w):
	s = cut(s, w)
	return s + " " * (w - width(s))


# ---- reading and checking lines ----

def no_duplicates(pairs):
	d = {}
	for k, v in pairs:
		if k in d:
			raise ValueError("duplicate field %s" % k)
		d[k] = v
	return d


def line_check(raw):
	"""The event of one line (bytes), or a reason why it is malformed."""
	try:
		ev = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
	except (UnicodeDecodeError, ValueError, RecursionError):
		return None, "not JSON"
	if not isinstance(ev, dict):
		return None, "not a JSON object"
	for name, types in FIELDS:
		if name not in ev:
			return None, "no field %s" % name
		v = ev[name]
		if v is None:
			if None not in types:
				return None, "field %s is null" % name
		elif isinstance(v, bool) or not isinstance(v, tuple(t for t in types if t)):
			return None, "field %s has the wrong type" % name
	if ev["event"] not in EVENTS:
		return None, "unknown event"
	if ev["action"] not in ACTIONS:
		return None, "unknown action"
	if ev["event"] == "lost" and (ev["lost"] is None or ev["lost"] < 0):
		return None, "lost event without a count"
	t = time_parse(ev["ts"], need_offset=True)
	if t is None:
		return None, "bad ts"
	ev["_t"] = t
	return ev, None


# ---- groups ----

def user_label(ev):
	if ev["user"] is not None:
		return ev["user"]
	if ev["uid"] is not None:
		return str(ev["uid"])
	return None


def group_key(ev, by):
	"""(labels for the table, fields for JSON) of the group an event belongs to."""
	if by == "app":
		exe, user = ev["exe"], user_label(ev)
		js_user = ev["user"] if ev["user"] is not None else ev["uid"]
		if exe is None and ev["client"] is not None:
			# another host's packet (a gateway's workstation): its process is not ours to name
			return (("(client:%s)" % ev["client"], NONE),
				{"exe": None, "user": js_user, "host": ev["client"]})
		return ((exe if exe is not None else UNATTRIBUTED, user if user is not None else NONE),
			{"exe": exe, "user": js_user, "host": None})
	if by == "user":
		user = user_label(ev)
		js_user = ev["user"] if ev["user"] is not None else ev["uid"]
		return (user if user is not None else NONE,), {"user": js_user}
	if by == "host":
		host = ev["client"] if ev["client"] is not None else LOCALHOST
		return (host,), {"host": host}
	return (ev["qname"] if ev["qname"] is not None else NONE,), {"name": ev["qname"]}


class Group:
	def __init__(self, labels, jskey, keep_times):
		self.labels = labels
		self.jskey = jskey
		self.queries = 0
		self.names = set()
		self.types = {}
		self.servers = set()
		self.other = 0
		self.other_dst = set()
		self.actions = dict.fromkeys(ACTIONS, 0)
		self.first = self.last = None	# (seconds, ts string)
		self.cmdlines = {}		# first seen order
		self.macs = set()
		self.times = (array.array("d"), array.array("d")) if keep_times else None

	def add(self, ev):
		t = ev["_t"]
		if self.first is None or t < self.first[0]:
			self.first = (t, ev["ts"])
		if self.last is None or t > self.last[0]:
			self.last = (t, ev["ts"])
		if ev["cmdline"] is not None:
			self.cmdlines.setdefault(ev["cmdline"], None)
		if ev["mac"] is not None:
			self.macs.add((ev["mac"], ev["ifname"]))
		if ev["event"] in QUERY_EVENTS:
			self.queries += 1
			self.actions[ev["action"]] += 1
			if ev["qname"] is not None:
				self.names.add(ev["qname"])
			if ev["qtype"] is not None:
				self.types[ev["qtype"]] = self.types.get(ev["qtype"], 0) + 1
			if ev["dst"] is not None:
				self.servers.add(ev["dst"])
			if self.times is not None:
				self.times[0].append(t)
		else:
			self.other += 1
			proto = ev["proto"]
			pname = PROTO_NAMES.get(proto, "proto %d" % proto) if proto is not None \
				else ev["event"]
			self.other_dst.add("%s %s" % (pname, ev["dst"] if ev["dst"] is not None else "?"))
			if self.times is not None:
				self.times[1].append(t)

	def total(self):
		return self.queries + self.other

	def sort_key(self):
		return (-self.total(), -len(self.names), self.labels)

	def types_sorted(self):
		return sorted(self.types.items(), key=lambda kv: (-kv[1], kv[0]))

	def to_json(self):
		d = dict(self.jskey)
		d.update(queries=self.queries, names=len(self.names),
			 types=dict(self.types_sorted()), servers=sorted(self.servers),
			 other=self.other, other_destinations=sorted(self.other_dst),
			 first=self.first[1], last=self.last[1])
		d.update(self.actions)
		return d


class Report:
	def __init__(self, by, since, keep_times):
		self.by = by
		self.since = since
		self.keep_times = keep_times
		self.groups = {}
		self.lines = 0
		self.events = 0
		self.unattributed = 0
		self.lost = 0
		self.malformed = 0
		self.first_bad = None	# (input name, line number, reason)

	def feed(self, raw, name, lineno):
		self.lines += 1
		ev, why = line_check(raw)
		if ev is None:
			self.malformed += 1
			if self.first_bad is None:
				self.first_bad = (name, lineno, why)
				print("%s: %s:%d: malformed line skipped (%s)" % (PROG, clean(name), lineno, why),
				      file=sys.stderr, flush=True)
			return
		if self.since is not None and ev["_t"] < self.since:
			return
		if ev["event"] == "lost":
			self.lost += ev["lost"]
			return
		self.events += 1
		if ev["pid"] is None and ev["client"] is None:
			self.unattributed += 1	# as the daemon counts: this host's, not named
		labels, jskey = group_key(ev, self.by)
		g = self.groups.get(labels)
		if g is None:
			g = self.groups[labels] = Group(labels, jskey, self.keep_times)
		g.add(ev)

	def sorted_groups(self):
		return sorted(self.groups.values(), key=Group.sort_key)

	def totals_line(self):
		return ("%d lines read, %d events, %d unattributed, %d lost lines, %d malformed lines skipped"
			% (self.lines, self.events, self.unattributed, self.lost, self.malformed))


class LineReader:
	"""Splits bytes into lines, keeping an unfinished last line for later."""
	def __init__(self, report, name):
		self.report, self.name = report, name
		self.buf = b""
		self.lineno = 0

	def data(self, chunk):
		self.buf += chunk
		*lines, self.buf = self.buf.split(b"\n")
		for line in lines:
			self.lineno += 1
			self.report.feed(line, self.name, self.lineno)
		return len(lines)

	def finish(self):
		if self.buf:
			self.lineno += 1
			self.report.feed(self.buf, self.name, self.lineno)
			self.buf = b""


# ---- text table ----

COLUMNS = (("QUERIES", "queries"), ("NAMES", "names"), ("ANSWER", "answered"),
	   ("REFUSE", "refused"), ("LOCAL", "local"), ("SRVFAIL", "servfail"), ("DROP", "dropped"),
	   ("OTHER", "other"))
KEY_HEADERS = {"app": (("APP", 29), ("USER", 12)), "user": (("USER", 42),),
	       "host": (("HOST", 42),), "name": (("NAME", 42),)}


def group_counts(g):
	c = dict(g.actions)
	c.update(queries=g.queries, names=len(g.names), other=g.other)
	return c


def group_details(g, by):
	"""Detail lines under a group's row, strings cleaned."""
	lines = ["seen %s .. %s" % (clean(g.first[1]), clean(g.last[1]))]
	if g.types:
		lines[0] += "  types " + " ".join("%s:%d" % (clean(k), v) for k, v in g.types_sorted())
	if g.servers:
		lines.append("servers " + " ".join(clean(s) for s in sorted(g.servers)))
	if g.other_dst:
		lines.append("other " + ", ".join(clean(s) for s in sorted(g.other_dst)))
	if by == "app" and g.cmdlines:
		cmds = list(g.cmdlines)
		more = " (+%d more)" % (len(cmds) - 1) if len(cmds) > 1 else ""
		lines.append("cmdline " + clean(cmds[0]) + more)
	if by == "host" and g.macs:
		lines.append("mac " + ", ".join("%s on %s" % (clean(m), clean(i) if i else "?")
					       for m, i in sorted(g.macs, key=str)))
	return lines


def table_text(report, input_name):
	keys = KEY_HEADERS[report.by]
	head = " ".join(pad(h, w) for h, w in keys)
	head += "".join(" %*s" % (max(len(h), 5), h) for h, _ in COLUMNS)
	out = ["%s: %s by %s" % (PROG, clean(input_name), report.by), head.rstrip()]
	for g in report.sorted_groups():
		row = " ".join(pad(clean(lab), w) for lab, (_, w) in zip(g.labels, keys))
		c = group_counts(g)
		row += "".join(" %*d" % (max(len(h), 5), c[k]) for h, k in COLUMNS)
		out.append(row)
		out.extend("    " + cut(d, TABLE_WIDTH - 4) for d in group_details(g, report.by))
	if not report.groups:
		out.append("(no events)")
	out.append("total: " + report.totals_line())
	return "\n".join(out) + "\n"


# ---- JSON ----

def json_text(report):
	return json.dumps([g.to_json() for g in report.sorted_groups()], indent=1,
			  ensure_ascii=True) + "\n"


# ---- HTML ----

CSS = """
body { font-family: sans-serif; margin: 1.5em; color: #1a202c; background: #fff; }
h1 { font-size: 1.4em; margin: 0 0 .3em 0; }
h2 { font-size: 1.1em; margin: 1.4em 0 .4em 0; }
p.meta { color: #4a5568; margin: .2em 0; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #cbd5e0; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #edf2f7; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.l { max-width: 24em; overflow-wrap: break-word; font-family: monospace; }
td.k { white-space: nowrap; font-family: monospace; }
td.t { white-space: nowrap; }
svg text { font-family: sans-serif; font-size: 11px; fill: #2d3748; }
"""
DNS_COLOUR = "#2b6cb0"
OTHER_COLOUR = "#c53030"
SVG_LABEL_W = 240	# pixels for a row's label
SVG_PLOT_W = 840	# pixels for the time axis
SVG_ROW_H = 22		# pixels per group row
SVG_LABEL_CHARS = 34	# a row label's length before it is cut


def esc(s):
	return html.escape(clean(s), quote=True)


def html_table(report):
	keys = [h for h, _ in KEY_HEADERS[report.by]]
	heads = keys + [h for h, _ in COLUMNS] + ["TYPES", "SERVERS", "OTHER DESTINATIONS", "FIRST",
						  "LAST"]
	if report.by == "app":
		heads.append("CMDLINE")
	rows = ["<tr>" + "".join("<th>%s</th>" % esc(h) for h in heads) + "</tr>"]
	for g in report.sorted_groups():
		c = group_counts(g)
		cells = ["<td class=\"k\">%s</td>" % esc(cut(lab, 60)) for lab in g.labels]
		cells += ["<td class=\"n\">%d</td>" % c[k] for _, k in COLUMNS]
		cells.append("<td class=\"l\">%s</td>" % esc(" ".join("%s:%d" % kv
								     for kv in g.types_sorted())))
		cells.append("<td class=\"l\">%s</td>" % "<br>".join(esc(s) for s in sorted(g.servers)))
		cells.append("<td class=\"l\">%s</td>" % "<br>".join(esc(s) for s in sorted(g.other_dst)))
		cells.append("<td class=\"t\">%s</td><td class=\"t\">%s</td>" % (esc(g.first[1]), esc(g.last[1])))
		if report.by == "app":
			cells.append("<td class=\"l\">%s</td>" % "<br>".join(esc(s) for s in g.cmdlines))
		rows.append("<tr>" + "".join(cells) + "</tr>")
	return "<table id=\"groups\">\n" + "\n".join(rows) + "\n</table>"


def html_timeline(report):
	groups = report.sorted_groups()[:HTML_TOP]
	if not groups:
		return "<p>No events.</p>"
	t0 = min(g.first[0] for g in groups)
	t1 = max(g.last[0] for g in groups)
	span = max(t1 - t0, 1.0)
	bins = []
	for g in groups:
		dns, other = [0] * HTML_BUCKETS, [0] * HTML_BUCKETS
		for counts, times in ((dns, g.times[0]), (other, g.times[1])):
			for t in times:
				counts[min(HTML_BUCKETS - 1, max(0, int((t - t0) / span * HTML_BUCKETS)))] += 1
		bins.append((dns, other))
	peak = max(d + o for dns, other in bins for d, o in zip(dns, other))
	top, axis_h, legend_h = 8, 44, 18
	h = top + SVG_ROW_H * len(groups) + axis_h + legend_h
	w = SVG_LABEL_W + SVG_PLOT_W + 20
	bw = SVG_PLOT_W / HTML_BUCKETS
	out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
	       'role="img" aria-label="timeline">' % (w, h, w, h)]
	for i, (g, (dns, other)) in enumerate(zip(groups, bins)):
		y = top + i * SVG_ROW_H
		if i % 2 == 0:
			out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="#f4f6f8"/>'
				   % (SVG_LABEL_W, y, SVG_PLOT_W, SVG_ROW_H))
		label = cut(" ".join(g.labels), SVG_LABEL_CHARS)
		out.append('<text x="%d" y="%d" text-anchor="end">%s</text>'
			   % (SVG_LABEL_W - 6, y + SVG_ROW_H - 7, esc(label)))
		for b in range(HTML_BUCKETS):
			n = dns[b] + other[b]
			if not n:
				continue
			bh = max(2.0, (SVG_ROW_H - 4) * n / peak)
			opacity = 0.45 + 0.55 * n / peak
			x = SVG_LABEL_W + b * bw
			base = y + SVG_ROW_H - 2
			hd = bh * dns[b] / n
			title = "%s: %d DNS, %d other" % (time_fmt(t0 + b * span / HTML_BUCKETS), dns[b], other[b])
			out.append('<g opacity="%.2f"><title>%s</title>' % (opacity, esc(title)))
			if dns[b]:
				out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
					   % (x, base - hd, bw, hd, DNS_COLOUR))
			if other[b]:
				out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
					   % (x, base - bh, bw, bh - hd, OTHER_COLOUR))
			out.append("</g>")
	ay = top + SVG_ROW_H * len(groups)
	out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#4a5568"/>'
		   % (SVG_LABEL_W, ay, SVG_LABEL_W + SVG_PLOT_W, ay))
	fmt = "%m-%d %H:%M" if span >= 2 * 86400 else "%H:%M:%S"
	ticks = 6
	for k in range(ticks):
		x = SVG_LABEL_W + SVG_PLOT_W * k / (ticks - 1)
		anchor = "start" if k == 0 else "end" if k == ticks - 1 else "middle"
		out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#4a5568"/>' % (x, ay, x, ay + 5))
		out.append('<text x="%.1f" y="%d" text-anchor="%s">%s</text>'
			   % (x, ay + 18, anchor, esc(time_fmt(t0 + span * k / (ticks - 1), fmt))))
	out.append('<text x="%d" y="%d">UTC, from %s to %s</text>'
		   % (SVG_LABEL_W, ay + 34, esc(time_fmt(t0)), esc(time_fmt(t0 + span))))
	ly = ay + axis_h
	out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' % (SVG_LABEL_W, ly, DNS_COLOUR))
	out.append('<text x="%d" y="%d">DNS query (dns, dns-tcp)</text>' % (SVG_LABEL_W + 16, ly + 10))
	out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>'
		   % (SVG_LABEL_W + 200, ly, OTHER_COLOUR))
	out.append('<text x="%d" y="%d">other (udp, proto)</text>' % (SVG_LABEL_W + 216, ly + 10))
	out.append("</svg>")
	return "\n".join(out)


def html_text(report, input_name):
	now = time_fmt(time.time(), "%Y-%m-%dT%H:%M:%SZ")
	shown = min(len(report.groups), HTML_TOP)
	return """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>dnsfence report by %(by)s</title>
<style>%(css)s</style>
</head>
<body>
<h1>dnsfence report by %(by)s</h1>
<p class="meta">Generated %(now)s from <code>%(input)s</code>.</p>
<p class="meta" id="totals">%(totals)s</p>
<h2>Timeline (top %(shown)d)</h2>
%(svg)s
<h2>Groups</h2>
%(table)s
</body>
</html>
""" % {"by": esc(report.by), "css": CSS, "now": esc(now), "input": esc(input_name),
       "totals": esc(report.totals_line()), "shown": shown, "svg": html_timeline(report),
       "table": html_table(report)}


def html_write(path, text):
	if path == "-":
		sys.stdout.write(text)
		sys.stdout.flush()
		return
	tmp = "%s.tmp%d" % (path, os.getpid())
	try:
		with open(tmp, "w", encoding="utf-8") as f:
			f.write(text)
		os.replace(tmp, path)
	except OSError as e:
		try:
			os.unlink(tmp)
		except OSError:
			pass
		raise Fail("%s: %s" % (clean(path), e.strerror), EXIT_IO)


# ---- output, input, follow ----

def emit(report, args, input_name, again=False):
	if args.html:
		html_write(args.html, html_text(report, input_name))
	if args.json:
		sys.stdout.write(json_text(report))
	elif not args.html:
		if again:
			sys.stdout.write("\x1b[H\x1b[2J" if sys.stdout.isatty() else "\n")
		sys.stdout.write(table_text(report, input_name))
	sys.stdout.flush()


def open_input(path):
	try:
		return open(path, "rb", buffering=0)
	except OSError as e:
		raise Fail("%s: %s" % (clean(path), e.strerror), EXIT_IO)


def read_all(f, reader):
	try:
		while True:
			chunk = f.read(READ_CHUNK)
			if not chunk:
				break
			reader.data(chunk)
	except OSError as e:
		raise Fail("%s: %s" % (clean(reader.name), e.strerror), EXIT_IO)


def follow(f, path, report, args):
	"""Read what is appended to path, reopening it from the start when it is rotated or cut."""
	def stop(_sig, _frame):
		raise Stop()
	signal.signal(signal.SIGINT, stop)
	signal.signal(signal.SIGTERM, stop)
	try:
		reader = LineReader(report, path)
		read_all(f, reader)
		emit(report, args, path)
		while True:
			time.sleep(POLL_SECONDS)
			new = 0
			try:
				st = os.stat(path)
				cur = os.fstat(f.fileno())
				if st.st_ino != cur.st_ino or st.st_dev != cur.st_dev or \
				   st.st_size < f.tell():
					# Whatever was appended to the old file before the switch.
					new += reader.data(f.read())
					f.close()
					f = open(path, "rb", buffering=0)
					reader.finish()
					reader = LineReader(report, path)
			except OSError:
				pass	# the file is being rotated: try again at the next poll
			while True:
				chunk = f.read(READ_CHUNK)
				if not chunk:
					break
				new += reader.data(chunk)
			if new:
				emit(report, args, path, again=True)
	except Stop:
		return


def main(argv):
	ap = argparse.ArgumentParser(prog=PROG, description="Summarize dnsfence's audit log.")
	ap.add_argument("--by", choices=BY_KEYS, default="app",
			help="group by application (exe and user), user, client host or query name")
	ap.add_argument("--since", metavar="TIME",
			help="only events at or after TIME: RFC 3339, or relative 30s, 10m, 2h, 3d")
	ap.add_argument("--json", action="store_true", help="one JSON array of groups on stdout")
	ap.add_argument("--follow", action="store_true",
			help="keep reading appended lines and reprint the table")
	ap.add_argument("--html", metavar="FILE", help="write a self-contained HTML report to FILE")
	ap.add_argument("file", nargs="?", default=DEFAULT_LOG, metavar="FILE|-",
			help="the audit log (default %s); - reads stdin" % DEFAULT_LOG)
	args = ap.parse_args(argv)
	if args.follow and args.file == "-":
		raise Fail("--follow needs a file, not stdin", EXIT_USAGE)
	if args.follow and args.json:
		raise Fail("--follow and --json do not go together", EXIT_USAGE)
	since = since_parse(args.since, time.time()) if args.since is not None else None
	report = Report(args.by, since, keep_times=bool(args.html))
	if args.file == "-":
		name = "(stdin)"
		reader = LineReader(report, name)
		read_all(sys.stdin.buffer, reader)
		reader.finish()
		emit(report, args, name)
		return EXIT_OK
	f = open_input(args.file)
	if os.path.isdir(args.file):
		raise Fail("%s: Is a directory" % clean(args.file), EXIT_IO)
	if args.follow:
		follow(f, args.file, report, args)
		return EXIT_OK
	reader = LineReader(report, args.file)
	read_all(f, reader)
	reader.finish()
	f.close()
	emit(report, args, args.file)
	return EXIT_OK


if __name__ == "__main__":
	signal.signal(signal.SIGPIPE, signal.SIG_DFL)
	sys.stdout.reconfigure(errors="backslashreplace")
	sys.stderr.reconfigure(errors="backslashreplace")
	try:
		sys.exit(main(sys.argv[1:]))
	except Fail as e:
		print("%s: %s" % (PROG, e), file=sys.stderr)
		sys.exit(e.code)
	except KeyboardInterrupt:
		sys.exit(130)
